package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// ArtixStatusReceiver receives the load-status callbacks a cash server
// sends to the address named by the addressstatusserver parameter of a
// load (see WithLoadConfirmation). It mimics the Cash Server REST paths the
// field code calls:
//
//	POST /CSrest/rest/dicts/backOfficeState/{shop}            → 200, a JSON string: the state id
//	PUT  /CSrest/rest/dicts/backOfficeState/{shop}/{id}
//	PUT  /CSrest/rest/dicts/cashLoad/{shop}/{cash}/{id}
//
// It is an http.Handler: mount it at the root of a server of your own
// (NewArtixStatusReceiver), or let ListenArtixStatusReceiver start one. A
// back-office POST is matched to the oldest batch of its shop still
// waiting for one, and answered with that batch's dictionaryid as the
// state id; a PUT is matched by its id (the dictionaryid or a state id
// handed out). A callback for an unknown id is answered 404, a malformed
// one 400, one after its batch's wait ended 200; each is logged at debug
// level and affects no other batch. It is safe for concurrent use.
type ArtixStatusReceiver struct {
	addr   string
	logger *slog.Logger
	mux    *http.ServeMux
	srv    *http.Server

	mu       sync.Mutex
	pending  map[string]*artixWait // by dictionaryid and by state id
	unposted map[string][]*artixWait
	ended    map[string]bool // ids of waits that ended (the latest artixEndedIDs)
	endedIDs []string
	spare    int // state ids handed out to unmatched back-office POSTs
}

// artixEndedIDs is how many ended batch ids a receiver remembers, to
// answer late callbacks 200 rather than 404.
const artixEndedIDs = 4096

// artixCallbackBody is the most of a callback body the receiver reads.
const artixCallbackBody = 64 << 10

// NewArtixStatusReceiver returns a receiver to mount in a server of your
// own. address is where the cash registers reach that server, "host:port"
// without a scheme (the addressstatusserver parameter). logger receives
// debug records of unmatched or malformed callbacks (nil: none).
func NewArtixStatusReceiver(address string, logger *slog.Logger) (*ArtixStatusReceiver, error) {
	if err := checkHostPort(address); err != nil {
		return nil, &ConfigError{Field: "address", Reason: err.Error()}
	}
	r := &ArtixStatusReceiver{addr: address, logger: logger,
		pending: map[string]*artixWait{}, unposted: map[string][]*artixWait{}, ended: map[string]bool{}}
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
// *ConfigError. Close stops it.
func ListenArtixStatusReceiver(listen, address string, logger *slog.Logger) (*ArtixStatusReceiver, error) {
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
	r, err := NewArtixStatusReceiver(address, logger)
	if err != nil {
		ln.Close()
		return nil, err
	}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 30 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	go r.srv.Serve(ln)
	return r, nil
}

// Address is the receiver's addressstatusserver, "host:port".
func (r *ArtixStatusReceiver) Address() string { return r.addr }

// Close stops the listener ListenArtixStatusReceiver started (nothing for
// a mounted receiver). Waiting batches end with ErrArtixNotConfirmed when
// their contexts do.
func (r *ArtixStatusReceiver) Close() error {
	if r.srv == nil {
		return nil
	}
	return r.srv.Close()
}

// ServeHTTP answers a status callback.
func (r *ArtixStatusReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mux.ServeHTTP(w, req)
}

func (r *ArtixStatusReceiver) readCallback(w http.ResponseWriter, req *http.Request) (ArtixCashStatus, bool) {
	var cb artixwire.Callback
	b, err := io.ReadAll(http.MaxBytesReader(w, req.Body, artixCallbackBody))
	if err == nil {
		err = json.Unmarshal(b, &cb)
	}
	if err == nil && strings.TrimSpace(cb.Status) == "" {
		err = errors.New(`no "status"`)
	}
	if err != nil {
		r.debug(req, "malformed artix status callback", slog.String("error", err.Error()))
		r.reply(w, http.StatusBadRequest, "malformed callback: "+err.Error())
		return ArtixCashStatus{}, false
	}
	msg := cb.MessageRu
	if msg == "" {
		msg = cb.MessageEn
	}
	return ArtixCashStatus{Status: parseArtixStatus(cb.Status), Message: msg, MessageEn: cb.MessageEn}, true
}

func (r *ArtixStatusReceiver) postBackOffice(w http.ResponseWriter, req *http.Request) {
	st, ok := r.readCallback(w, req)
	if !ok {
		return
	}
	shop := req.PathValue("shop")
	r.mu.Lock()
	var id string
	if q := r.unposted[shop]; len(q) > 0 {
		wt := q[0]
		r.unposted[shop] = q[1:]
		id = wt.id
		wt.setBackOffice(st)
	} else {
		r.spare++
		id = "unmatched-" + strconv.Itoa(r.spare)
		r.endLocked(id)
	}
	r.mu.Unlock()
	if strings.HasPrefix(id, "unmatched-") {
		r.debug(req, "artix back-office state for no waiting batch", slog.String("shop", shop))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(id)
}

func (r *ArtixStatusReceiver) putBackOffice(w http.ResponseWriter, req *http.Request) {
	r.put(w, req, "")
}

func (r *ArtixStatusReceiver) putCashLoad(w http.ResponseWriter, req *http.Request) {
	r.put(w, req, req.PathValue("cash"))
}

func (r *ArtixStatusReceiver) put(w http.ResponseWriter, req *http.Request, cash string) {
	st, ok := r.readCallback(w, req)
	if !ok {
		return
	}
	st.Cash = cash
	id := req.PathValue("id")
	r.mu.Lock()
	wt, waiting := r.pending[id]
	ended := r.ended[id]
	if waiting {
		if cash == "" {
			wt.setBackOffice(st)
		} else {
			wt.setCash(st)
		}
	}
	r.mu.Unlock()
	switch {
	case waiting:
		r.reply(w, http.StatusOK, "")
	case ended:
		r.debug(req, "artix status callback after its wait ended", slog.String("id", id))
		r.reply(w, http.StatusOK, "")
	default:
		r.debug(req, "artix status callback for an unknown id", slog.String("id", id))
		r.reply(w, http.StatusNotFound, "unknown load id")
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
	if r.logger == nil {
		return
	}
	attrs = append(attrs, slog.String("api", "artix"), slog.String("method", req.Method), slog.String("path", req.URL.Path))
	r.logger.LogAttrs(req.Context(), slog.LevelDebug, "loyalty "+msg, attrs...)
}

// endLocked remembers id as ended. r.mu is held.
func (r *ArtixStatusReceiver) endLocked(id string) {
	if r.ended[id] {
		return
	}
	if len(r.endedIDs) >= artixEndedIDs {
		delete(r.ended, r.endedIDs[0])
		r.endedIDs = r.endedIDs[1:]
	}
	r.ended[id] = true
	r.endedIDs = append(r.endedIDs, id)
}

// artixWait is one batch waiting for its load to be confirmed. Its
// fields after changed are guarded by the receiver's mu.
type artixWait struct {
	r       *ArtixStatusReceiver
	shop    string
	id      string
	cashes  int
	changed chan struct{} // a token when a callback arrived

	back *ArtixCashStatus
	cash map[string]ArtixCashStatus
}

// expect registers a batch before it is sent, so callbacks that beat the
// load's reply are kept.
func (r *ArtixStatusReceiver) expect(shop, id string, cashes int) *artixWait {
	wt := &artixWait{r: r, shop: shop, id: id, cashes: max(cashes, 1),
		changed: make(chan struct{}, 1), cash: map[string]ArtixCashStatus{}}
	r.mu.Lock()
	r.pending[id] = wt
	r.unposted[shop] = append(r.unposted[shop], wt)
	r.mu.Unlock()
	return wt
}

// done unregisters the batch; later callbacks are answered 200.
func (wt *artixWait) done() {
	r := wt.r
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.pending, wt.id)
	q := r.unposted[wt.shop]
	for i, o := range q {
		if o == wt {
			r.unposted[wt.shop] = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(r.unposted[wt.shop]) == 0 {
		delete(r.unposted, wt.shop)
	}
	r.endLocked(wt.id)
}

func (wt *artixWait) setBackOffice(st ArtixCashStatus) {
	wt.back = &st
	wt.notify()
}

func (wt *artixWait) setCash(st ArtixCashStatus) {
	if old, ok := wt.cash[st.Cash]; ok && old.Status.Final() && !st.Status.Final() {
		return // a late DURING never undoes a final state
	}
	wt.cash[st.Cash] = st
	wt.notify()
}

func (wt *artixWait) notify() {
	select {
	case wt.changed <- struct{}{}:
	default:
	}
}

// wait returns when the load has ended: every cash register that
// reported (at least cashes of them) is in a final state, or the back
// office reported STATUS_ERROR; or when ctx ends.
func (wt *artixWait) wait(ctx context.Context, res *ArtixLoadResult) (*ArtixLoadResult, error) {
	for {
		finished, failed := wt.snapshot(res)
		if finished {
			if len(failed) == 0 {
				res.Loaded = true
				return res, nil
			}
			return res, &ArtixLoadError{Shop: wt.shop, ID: wt.id, Failed: failed, Result: res}
		}
		select {
		case <-ctx.Done():
			wt.snapshot(res)
			le := &ArtixLoadError{Shop: wt.shop, ID: wt.id, Result: res, Failed: failedOf(res),
				Missing: max(wt.cashes-len(res.Cashes), 0), Err: fmt.Errorf("%w: %w", ErrArtixNotConfirmed, ctx.Err())}
			for _, c := range res.Cashes {
				if !c.Status.Final() {
					le.Pending = append(le.Pending, c)
				}
			}
			return res, le
		case <-wt.changed:
		}
	}
}

// snapshot copies the reported states into res and says whether the load
// has ended and which parts failed.
func (wt *artixWait) snapshot(res *ArtixLoadResult) (finished bool, failed []ArtixCashStatus) {
	wt.r.mu.Lock()
	res.BackOffice = nil
	if wt.back != nil {
		res.BackOffice = new(*wt.back)
	}
	res.Cashes = res.Cashes[:0]
	for _, c := range wt.cash {
		res.Cashes = append(res.Cashes, c)
	}
	wt.r.mu.Unlock()
	sortCashes(res.Cashes)
	if res.BackOffice != nil && res.BackOffice.Status == ArtixStatusError {
		return true, failedOf(res)
	}
	if len(res.Cashes) < wt.cashes {
		return false, nil
	}
	for _, c := range res.Cashes {
		if !c.Status.Final() {
			return false, nil
		}
	}
	return true, failedOf(res)
}

// failedOf lists the failed states of res.
func failedOf(res *ArtixLoadResult) []ArtixCashStatus {
	var failed []ArtixCashStatus
	if res.BackOffice != nil && res.BackOffice.Status == ArtixStatusError {
		failed = append(failed, *res.BackOffice)
	}
	for _, c := range res.Cashes {
		if c.Status == ArtixStatusError || c.Status == ArtixStatusReadyWithError {
			failed = append(failed, c)
		}
	}
	return failed
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
