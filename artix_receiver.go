package loyalty

import (
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// ArtixStatusReceiver receives the load-status callbacks a cash register
// sends to the address named by the addressstatusserver parameter of a
// load (see [WithLoadConfirmation]). It mimics the Cash Server REST paths
// the field code calls:
//
//	POST /CSrest/rest/dicts/backOfficeState/{shop}            → 200, a JSON string: the state id
//	PUT  /CSrest/rest/dicts/backOfficeState/{shop}/{id}
//	PUT  /CSrest/rest/dicts/cashLoad/{shop}/{cash}/{id}
//
// It is an http.Handler: mount it at the root of a server of your own
// ([NewArtixStatusReceiver]), directly, not behind a reverse proxy (it
// reads the callback's source address), or let [ListenArtixStatusReceiver]
// start one. One receiver serves many registers and many shops at once.
//
// # Which batch a callback belongs to
//
// A batch gets only its own registers' callbacks; where that cannot be
// told, the receiver does not guess: the callback counts for no batch,
// is logged at debug level, and a batch left unconfirmed ends with an
// [*ArtixLoadError] matching [ErrArtixNotConfirmed] whose Unmatched says
// why. Never a false success. The rule, from what the field sends:
//
//   - Source. A batch's register is the host its load was posted to: the
//     addresses that host resolves to and the address the connection
//     reached. The back-office POST carries no id, only the shop, so it is
//     matched by shop and by its source address: it must come from the
//     batch's register.
//   - One open POST per register and shop. While a batch of a shop waits
//     for its back-office POST, the next batch of that shop to the same
//     register (the same address) is held before it is posted, until the
//     first one's POST or any of its PUTs arrives or its wait ends. So a
//     POST from a register matches at most one batch; two batches it
//     would still match (two hosts behind one address) are refused.
//   - The id in the PUT path. The POST is answered with a state id made
//     for that batch (epoch seconds and a random fraction: unguessable),
//     and a PUT naming it counts from any source, since only the matched
//     register learned it. A PUT naming the dictionaryid counts only from
//     the batch's register. A PUT's shop must be the batch's.
//   - Cash codes. With [WithArtixCashCodes] only those cash codes count,
//     and the wait ends when each has reported a final state. With a
//     count, the first [ArtixMaxCashCodes] codes count, and the wait ends
//     when that many have reported a final state; a STATUS_DURING never
//     holds a batch past them.
//
// With [WithReceiverAllow] callbacks from other sources are refused
// before any of this (403).
//
// # Answers and bounds
//
// A callback for an unknown id is answered 404, one that does not count
// 404 or 403, a malformed one 400, one after its batch's wait ended 200;
// each is logged at debug level and affects no other batch. A callback's
// body is read within the read timeout ([WithReceiverReadTimeout],
// default [DefaultArtixReceiverReadTimeout]) and up to 64 KiB; a cash code
// is at most 64 printable bytes. It is safe for concurrent use. The zero
// value answers every callback 500 and confirms nothing: use the
// constructors.
type ArtixStatusReceiver struct {
	addr        string
	logger      *slog.Logger
	mux         *http.ServeMux
	srv         *http.Server
	allow       []netip.Prefix
	readTimeout time.Duration

	mu       sync.Mutex
	byID     map[string][]*artixWait // by dictionaryid and by state id
	byShop   map[string][]*artixWait // in the order they were registered
	moved    chan struct{}           // closed and replaced when a hold may end
	ended    map[string]bool         // ids of waits that ended (the latest artixEndedIDs)
	endedIDs []string
}

// DefaultArtixReceiverReadTimeout bounds the reading of one callback
// request, headers and body.
const DefaultArtixReceiverReadTimeout = 10 * time.Second

// artixEndedIDs is how many ended batch ids a receiver remembers, to
// answer late callbacks 200 rather than 404.
const artixEndedIDs = 4096

// artixCallbackBody is the most of a callback body the receiver reads.
const artixCallbackBody = 64 << 10

// artixMaxCashCode is the longest cash code a callback may name, in bytes.
const artixMaxCashCode = 64

// ArtixReceiverOption configures an [ArtixStatusReceiver].
type ArtixReceiverOption func(*ArtixStatusReceiver) error

// WithReceiverAllow accepts callbacks only from source addresses in
// prefixes (e.g. the shop's register subnet); others are answered 403
// and logged at debug level. For installations that can say where their
// registers are: the field protocol carries no credential.
func WithReceiverAllow(prefixes ...netip.Prefix) ArtixReceiverOption {
	return func(r *ArtixStatusReceiver) error {
		for _, p := range prefixes {
			if !p.IsValid() {
				return &ConfigError{Field: "WithReceiverAllow", Reason: "invalid prefix " + p.String()}
			}
			r.allow = append(r.allow, p.Masked())
		}
		if len(r.allow) == 0 {
			return &ConfigError{Field: "WithReceiverAllow", Reason: "no prefix"}
		}
		return nil
	}
}

// WithReceiverReadTimeout bounds the reading of one callback, headers
// and body (default [DefaultArtixReceiverReadTimeout]): a client that
// sends its body a byte at a time is cut off then.
func WithReceiverReadTimeout(d time.Duration) ArtixReceiverOption {
	return func(r *ArtixStatusReceiver) error {
		if d <= 0 {
			return &ConfigError{Field: "WithReceiverReadTimeout", Reason: "must be positive, got " + d.String()}
		}
		r.readTimeout = d
		return nil
	}
}

// NewArtixStatusReceiver returns a receiver to mount in a server of your
// own. address is where the cash registers reach that server, "host:port"
// without a scheme (the addressstatusserver parameter). logger receives
// debug records of callbacks that do not count (nil: none).
func NewArtixStatusReceiver(address string, logger *slog.Logger, opts ...ArtixReceiverOption) (*ArtixStatusReceiver, error) {
	if err := checkHostPort(address); err != nil {
		return nil, &ConfigError{Field: "address", Reason: err.Error()}
	}
	r := &ArtixStatusReceiver{addr: address, logger: logger, readTimeout: DefaultArtixReceiverReadTimeout,
		byID: map[string][]*artixWait{}, byShop: map[string][]*artixWait{}, ended: map[string]bool{},
		moved: make(chan struct{})}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(r); err != nil {
			return nil, err
		}
	}
	r.mux = http.NewServeMux()
	r.mux.HandleFunc("POST "+artixwire.BackOfficeStatePath+"{shop}", r.postBackOffice)
	r.mux.HandleFunc("PUT "+artixwire.BackOfficeStatePath+"{shop}/{id}", r.putBackOffice)
	r.mux.HandleFunc("PUT "+artixwire.CashLoadPath+"{shop}/{cash}/{id}", r.putCashLoad)
	return r, nil
}

// ListenArtixStatusReceiver starts a receiver listening on listen (e.g.
// ":15080"). address is where the cash registers reach it, "host:port";
// "" uses the listener's own address, which must then name a host (not
// ":15080" or "0.0.0.0:15080"). A listener that cannot bind is a
// *[ConfigError]. Its server reads each request within the read timeout and
// closes idle connections after a minute. Close stops it.
func ListenArtixStatusReceiver(listen, address string, logger *slog.Logger, opts ...ArtixReceiverOption) (*ArtixStatusReceiver, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, &ConfigError{Field: "listen", Reason: "cannot listen on " + listen + ": " + errors.Unwrap(err).Error()}
	}
	if address == "" {
		address = ln.Addr().String()
		if ip := ln.Addr().(*net.TCPAddr).IP; ip.IsUnspecified() {
			ln.Close()
			return nil, &ConfigError{Field: "address", Reason: "listening on every interface (" + address + "): say which address the cash registers reach"}
		}
	}
	r, err := NewArtixStatusReceiver(address, logger, opts...)
	if err != nil {
		ln.Close()
		return nil, err
	}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: r.readTimeout, ReadTimeout: r.readTimeout,
		WriteTimeout: r.readTimeout + 10*time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: log.New(io.Discard, "", 0)}
	go r.srv.Serve(ln)
	return r, nil
}

// errZeroReceiver is the error of a zero-value receiver's use.
func errZeroReceiver() error {
	return &ConfigError{Field: "ArtixStatusReceiver", Reason: "zero value: use NewArtixStatusReceiver or ListenArtixStatusReceiver"}
}

// Address is the receiver's addressstatusserver, "host:port" ("" for the
// zero value).
func (r *ArtixStatusReceiver) Address() string {
	if r == nil {
		return ""
	}
	return r.addr
}

// Close stops the listener [ListenArtixStatusReceiver] started (nothing for
// a mounted receiver or the zero value). Waiting batches end with
// [ErrArtixNotConfirmed] when their contexts do.
func (r *ArtixStatusReceiver) Close() error {
	if r == nil || r.srv == nil {
		return nil
	}
	return r.srv.Close()
}

// ServeHTTP answers a status callback.
func (r *ArtixStatusReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r == nil || r.mux == nil {
		r.reply(w, http.StatusInternalServerError, errZeroReceiver().Error())
		return
	}
	if len(r.allow) > 0 {
		if src, ok := sourceAddr(req); !ok || !prefixesContain(r.allow, src) {
			r.debug(req, "artix status callback from a source not allowed")
			r.reply(w, http.StatusForbidden, "source not allowed")
			return
		}
	}
	r.mux.ServeHTTP(w, req)
}

// sourceAddr is the callback's source address.
func sourceAddr(req *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(req.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

func prefixesContain(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (r *ArtixStatusReceiver) readCallback(w http.ResponseWriter, req *http.Request) (ArtixCashStatus, bool) {
	// Bounds a mounted receiver's body read too (a drip of one byte a
	// second would hold the handler forever).
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(r.readTimeout))
	var cb artixwire.Callback
	b, err := io.ReadAll(http.MaxBytesReader(w, req.Body, artixCallbackBody))
	if err == nil {
		err = json.Unmarshal(b, &cb)
	}
	if err == nil && strings.TrimSpace(cb.Status) == "" {
		err = errors.New(`no "status"`)
	}
	if err != nil {
		r.debug(req, "malformed artix status callback", slog.String("error", firstLine(err.Error(), 200)))
		r.reply(w, http.StatusBadRequest, "malformed callback: "+firstLine(err.Error(), 200))
		return ArtixCashStatus{}, false
	}
	msg := cb.MessageRu
	if msg == "" {
		msg = cb.MessageEn
	}
	return ArtixCashStatus{Status: parseArtixStatus(firstLine(cb.Status, 64)), Message: firstLine(msg, 500),
		MessageEn: firstLine(cb.MessageEn, 500)}, true
}

func (r *ArtixStatusReceiver) postBackOffice(w http.ResponseWriter, req *http.Request) {
	st, ok := r.readCallback(w, req)
	if !ok {
		return
	}
	shop := req.PathValue("shop")
	src, _ := sourceAddr(req)
	id, matched := r.matchPost(shop, src, st)
	if !matched {
		r.debug(req, "artix back-office state matched no waiting batch (no batch of that shop waits for one from that source)",
			slog.String("shop", shop), slog.String("source", src.String()))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(id)
}

func (r *ArtixStatusReceiver) putBackOffice(w http.ResponseWriter, req *http.Request) {
	r.put(w, req, "")
}

func (r *ArtixStatusReceiver) putCashLoad(w http.ResponseWriter, req *http.Request) {
	cash := req.PathValue("cash")
	if err := checkCashCode(cash); err != nil {
		r.debug(req, "artix status callback with a bad cash code", slog.String("error", err.Error()))
		r.reply(w, http.StatusBadRequest, err.Error())
		return
	}
	r.put(w, req, cash)
}

func (r *ArtixStatusReceiver) put(w http.ResponseWriter, req *http.Request, cash string) {
	st, ok := r.readCallback(w, req)
	if !ok {
		return
	}
	st.Cash = cash
	id, shop := req.PathValue("id"), req.PathValue("shop")
	src, _ := sourceAddr(req)
	switch why := r.matchPut(shop, id, src, st); why {
	case "":
		r.reply(w, http.StatusOK, "")
	case artixPutEnded:
		r.debug(req, "artix status callback after its wait ended", slog.String("id", id))
		r.reply(w, http.StatusOK, "")
	default:
		r.debug(req, "artix status callback does not count: "+why, slog.String("id", id),
			slog.String("shop", shop), slog.String("cash", cash), slog.String("source", src.String()))
		r.reply(w, http.StatusNotFound, why)
	}
}

func (r *ArtixStatusReceiver) reply(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if msg == "" {
		io.WriteString(w, `{"success":true}`+"\n")
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"success": false, "message": msg})
}

func (r *ArtixStatusReceiver) debug(req *http.Request, msg string, attrs ...slog.Attr) {
	if r == nil || r.logger == nil {
		return
	}
	attrs = append(attrs, slog.String("api", "artix"), slog.String("method", req.Method),
		slog.String("path", firstLine(req.URL.Path, 200)), slog.String("remote", req.RemoteAddr))
	r.logger.LogAttrs(req.Context(), slog.LevelDebug, "loyalty "+msg, attrs...)
}

// checkHostPort checks an addressstatusserver: "host:port", no scheme.
func checkHostPort(address string) error {
	if strings.Contains(address, "://") {
		return errors.New("want host:port without a scheme, got " + firstLine(address, 100))
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return errors.New("want host:port, got " + firstLine(address, 100))
	}
	if host == "" || strings.ContainsAny(host, "/?#@ ") {
		return errors.New("no host in " + firstLine(address, 100))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return errors.New("bad port in " + firstLine(address, 100))
	}
	return nil
}

// checkCashCode checks a cash code: 1 to 64 printable ASCII bytes
// without spaces or slashes.
func checkCashCode(c string) error {
	if c == "" || len(c) > artixMaxCashCode {
		return errors.New("a cash code is 1 to " + strconv.Itoa(artixMaxCashCode) + " bytes")
	}
	for i := 0; i < len(c); i++ {
		if c[i] <= ' ' || c[i] >= 0x7f || c[i] == '/' {
			return errors.New("a cash code is printable ASCII without spaces or slashes")
		}
	}
	return nil
}
