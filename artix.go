package loyalty

import (
	"context"
	"encoding/base64"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
)

// artixBufferCommands is the largest batch the HTTP transport sends with a
// Content-Length; larger batches stream chunked, encoded command by command.
// Streaming overlaps encoding with sending and holds one command at a
// time: at 1000 buffered commands a send was 2.5–6× a raw json.Encoder
// streaming to the request, streamed 0.7–1.3× (BenchmarkArtixBatch,
// issue 15). Only a handful of commands is cheaper buffered (no pipe, no
// writer goroutine).
const artixBufferCommands = 16

// Defaults of the exchange-directory options.
const (
	// DefaultArtixPollInterval is how often Send looks whether the cash
	// server has picked a batch up (WithPollInterval).
	DefaultArtixPollInterval = 200 * time.Millisecond
)

// artixSettings are what the options of the Artix constructors set.
type artixSettings struct {
	shopCode     string
	status       *ArtixStatusReceiver
	cashes       int
	codes        []string
	user, pass   string
	basicAuth    bool
	millis       bool
	pickupWait   time.Duration
	pollInterval time.Duration
	cs           artixCSSettings
}

// sendBasicAuth makes c send [WithBasicAuth]'s credentials on every
// request, the password and the encoded header kept out of errors and
// logs. Without WithBasicAuth it does nothing.
func (a *artixSettings) sendBasicAuth(c *core) {
	if !a.basicAuth {
		return
	}
	cred := base64.StdEncoding.EncodeToString([]byte(a.user + ":" + a.pass))
	c.header.Set("Authorization", "Basic "+cred)
	c.addSecret(a.pass)
	c.addSecret(cred)
}

// WithArtixShopCode sends the store number as the shopcode query parameter
// of every load, as field clients do (never as a header). [NewArtix] only:
// the Cash Server's directory is not per shop.
func WithArtixShopCode(code string) ArtixOption {
	return artixOption(func(s *settings) error {
		a := &s.artix
		if strings.TrimSpace(code) == "" || strings.ContainsAny(code, "\r\n") {
			return &ConfigError{Field: "WithArtixShopCode", Reason: "empty or contains a line break"}
		}
		a.shopCode = code
		return nil
	})
}

// WithBasicAuth authenticates every request of an Artix HTTP client
// ([NewArtix], [NewArtixCashServer]) with HTTP basic auth. The password
// never appears in an error or a log record.
func WithBasicAuth(user, password string) ArtixHTTPOption {
	return func(s *settings) error {
		a := &s.artix
		switch {
		case user == "":
			return &ConfigError{Field: "WithBasicAuth", Reason: "empty user"}
		case strings.Contains(user, ":"):
			return &ConfigError{Field: "WithBasicAuth", Reason: "the user contains a colon"}
		case strings.ContainsAny(user+password, "\r\n"):
			return &ConfigError{Field: "WithBasicAuth", Reason: "contains a line break"}
		}
		a.user, a.pass, a.basicAuth = user, password, true
		return nil
	}
}

// WithLoadConfirmation asks the exchanger to report each batch's load to
// r (the addressstatusserver parameter) and makes Send, SendSeq and
// SendBatch wait until the load has ended: nil when the cash registers
// waited for report STATUS_READY, an *[ArtixLoadError] naming the shop,
// cash, status and message when one reports STATUS_READY_WITH_ERROR or
// STATUS_ERROR, or an *ArtixLoadError matching [ErrArtixNotConfirmed] when
// ctx ends first (the batch is queued and may still load). The cash
// registers waited for are those [WithArtixCashCodes] names, or else any
// cashes of them (1 when cashes < 1; at most [ArtixMaxCashCodes]): the
// wait ends when that many have reported a final state. Only callbacks
// the receiver can tell are this batch's count ([ArtixStatusReceiver]
// says how); a batch to a register that has not yet sent the back-office
// state of the previous batch of the shop is held until it has. Unlike
// the field loader, which waits up to 600 s, READY_WITH_ERROR ends the
// wait. Needs [WithArtixShopCode]: the callbacks name the shop.
func WithLoadConfirmation(r *ArtixStatusReceiver, cashes int) ArtixOption {
	return artixOption(func(s *settings) error {
		a := &s.artix
		switch {
		case r == nil:
			return &ConfigError{Field: "WithLoadConfirmation", Reason: "nil receiver"}
		case r.mux == nil:
			return &ConfigError{Field: "WithLoadConfirmation", Reason: "zero-value receiver: use NewArtixStatusReceiver or ListenArtixStatusReceiver"}
		case cashes > ArtixMaxCashCodes:
			return &ConfigError{Field: "WithLoadConfirmation", Reason: "over " + strconv.Itoa(ArtixMaxCashCodes) + " cash registers"}
		}
		a.status, a.cashes = r, max(cashes, 1)
		return nil
	})
}

// WithArtixCashCodes names the cash registers whose reports confirm a load
// (with [WithLoadConfirmation]): the wait ends when each of them has
// reported a final state, and reports from other cash codes do not count
// (logged at debug level). Codes are 1 to 64 printable bytes without
// spaces or slashes, at most [ArtixMaxCashCodes], no repeats.
func WithArtixCashCodes(codes ...string) ArtixOption {
	return artixOption(func(s *settings) error {
		a := &s.artix
		if len(codes) == 0 || len(codes) > ArtixMaxCashCodes {
			return &ConfigError{Field: "WithArtixCashCodes", Reason: "want 1 to " + strconv.Itoa(ArtixMaxCashCodes) + " cash codes, got " + strconv.Itoa(len(codes))}
		}
		seen := make(map[string]bool, len(codes))
		for _, c := range codes {
			if err := checkCashCode(c); err != nil {
				return &ConfigError{Field: "WithArtixCashCodes", Reason: strconv.Quote(firstLine(c, 64)) + ": " + err.Error()}
			}
			if seen[c] {
				return &ConfigError{Field: "WithArtixCashCodes", Reason: "cash code " + strconv.Quote(c) + " repeated"}
			}
			seen[c] = true
		}
		a.codes = slices.Clone(codes)
		return nil
	})
}

// WithMillisecondNames names exchange-directory batches to the
// millisecond, pos<yyyyMMddHHmmssSSS>.aif (as the lsFusion writer does),
// instead of the default pos<yyyyMMddHHmmss>.aif (as the Java writer
// does), so that batches written in one second need no stamps moved into
// the future. Both match the cash exchanger's pos*.aif.
func WithMillisecondNames() ArtixExchangeDirOption {
	return artixExchangeDirOption(func(s *settings) error {
		s.artix.millis = true
		return nil
	})
}

// WithPickupWait makes the exchange-directory Send wait, up to timeout
// (and never past its context), until both files of the batch have been
// removed, as the cash server does when it picks a batch up; the result
// then says PickedUp. That is all it knows: anything that deletes the
// files looks the same, so it never says Loaded. A batch the cash server
// refuses, by a line naming its .aif appended to error.txt in the
// exchange directory (where the exchanger reports the files it fails to
// load), ends the wait at once with an [*ArtixFileError] matching
// [ErrArtixRefused] whose Reason is that line's text. A batch whose files
// are still there at the timeout fails with an error matching
// [ErrArtixNotPickedUp]; the files stay, so the batch may still load
// later. Zero (the default) returns as soon as the files are written.
func WithPickupWait(timeout time.Duration) ArtixExchangeDirOption {
	return artixExchangeDirOption(func(s *settings) error {
		if timeout < 0 {
			return &ConfigError{Field: "WithPickupWait", Reason: "negative timeout"}
		}
		s.artix.pickupWait = timeout
		return nil
	})
}

// WithPollInterval sets how often [WithPickupWait] looks at the exchange
// directory (default [DefaultArtixPollInterval]).
func WithPollInterval(d time.Duration) ArtixExchangeDirOption {
	return artixExchangeDirOption(func(s *settings) error {
		if d <= 0 {
			return &ConfigError{Field: "WithPollInterval", Reason: "must be positive, got " + d.String()}
		}
		s.artix.pollInterval = d
		return nil
	})
}

// Artix writes to the client directory of an Artix cash register, over
// HTTP to its exchanger ([NewArtix]) or through an exchange directory
// ([NewArtixExchangeDir]). It
// is safe for concurrent use.
type Artix struct {
	// Customers adds, updates, deletes and clears client records.
	Customers *ArtixCustomerService

	t artixTransport
}

// artixTransport delivers one validated, non-empty batch. Its commands
// may be walked more than once (artixBatch.each).
type artixTransport interface {
	send(ctx context.Context, b *artixBatch) (*ArtixLoadResult, error)
}

// NewArtix returns a client that posts batches to
// {baseURL}/aifexchange/loaddicts: a cash register's exchanger, which
// listens on port 28080 of the register (the Cash Server's REST API on
// 8080 is for reading back, [NewArtixCashServer]), e.g.
// NewArtix("http://kassa-1:28080", WithArtixShopCode("111"),
// WithBasicAuth("admin", pass)). One client talks to one register: make
// one per register. It does not touch the network.
func NewArtix(baseURL string, opts ...ArtixOption) (*Artix, error) {
	s, err := applyOptions(opts, ArtixOption.applyArtix)
	if err != nil {
		return nil, err
	}
	c, err := newCore("artix", baseURL, s)
	if err != nil {
		return nil, err
	}
	if s.artix.status != nil && s.artix.shopCode == "" {
		return nil, &ConfigError{Field: "WithLoadConfirmation", Reason: "needs WithArtixShopCode: the status callbacks name the shop"}
	}
	if s.artix.codes != nil && s.artix.status == nil {
		return nil, &ConfigError{Field: "WithArtixCashCodes", Reason: "needs WithLoadConfirmation"}
	}
	if s.artix.codes != nil && s.artix.cashes > len(s.artix.codes) {
		return nil, &ConfigError{Field: "WithArtixCashCodes", Reason: fmt.Sprintf("WithLoadConfirmation waits for %d cash registers, but %d cash codes are named", s.artix.cashes, len(s.artix.codes))}
	}
	s.artix.sendBasicAuth(c)
	return newArtix(&artixHTTP{core: c, shop: s.artix.shopCode, status: s.artix.status, cashes: s.artix.cashes, codes: s.artix.codes}), nil
}

func newArtix(t artixTransport) *Artix {
	ax := &Artix{t: t}
	ax.Customers = &ArtixCustomerService{ax: ax}
	return ax
}

// Send delivers cmds as one batch, in order. Every command is validated
// first; an invalid one fails with an *[ArtixRecordError] and nothing is sent.
// An empty batch sends nothing.
func (ax *Artix) Send(ctx context.Context, cmds ...ArtixCommand) error {
	_, err := ax.sendBatch(ctx, "", nil, cmds)
	return err
}

// SendSeq is Send for a batch too large to hold as a slice: seq is
// walked once to validate it and then once per attempt to stream it, so
// it must yield the same commands every time (a slice's values, a query
// re-run, a file re-read). A pass that yields other commands than the
// validation pass (counted and fingerprinted) stops the batch with an
// error matching [ErrArtixSeqNotRewalkable]: nothing more is sent, and no
// half-written exchange file is left.
func (ax *Artix) SendSeq(ctx context.Context, seq iter.Seq[ArtixCommand]) error {
	_, err := ax.SendBatch(ctx, ArtixBatch{Commands: seq})
	return err
}

// SendBatch delivers b and says what became of it. The result is nil only
// when nothing was sent (an invalid or empty batch, a bad ID); with an
// error it says how far the batch got (e.g. queued but not confirmed).
func (ax *Artix) SendBatch(ctx context.Context, b ArtixBatch) (*ArtixLoadResult, error) {
	return ax.sendBatch(ctx, b.ID, b.Commands, nil)
}

// sendBatch is SendBatch of the commands seq yields, or of cmds when seq
// is nil (Send's, walked without an iterator).
func (ax *Artix) sendBatch(ctx context.Context, id string, seq iter.Seq[ArtixCommand], cmds []ArtixCommand) (*ArtixLoadResult, error) {
	if err := ax.usable(ctx); err != nil {
		return nil, err
	}
	if seq == nil && len(cmds) == 0 {
		return nil, nil
	}
	if err := validateBatchID(id); err != nil {
		return nil, err
	}
	var batch *artixBatch
	var err error
	if seq != nil {
		batch, err = newArtixBatch(seq)
	} else {
		batch, err = newArtixBatchOf(cmds)
	}
	if batch == nil || err != nil {
		return nil, err
	}
	batch.id = id
	return ax.t.send(ctx, batch)
}

// usable is the error of a call on a zero client or with a nil context.
func (ax *Artix) usable(ctx context.Context) error {
	if ax == nil || ax.t == nil {
		return errZeroClient("Artix", "NewArtix or NewArtixExchangeDir")
	}
	if ctx == nil {
		return &ConfigError{Field: "ctx", Reason: "nil context"}
	}
	return nil
}

// artixOne is a batch of one command allocated with the record the
// command points to: the service's single calls make one allocation
// where Send's variadic slice, the batch and the command's copy of the
// record would make three.
type artixOne[T any] struct {
	batch artixBatch
	cmd   [1]ArtixCommand
	rec   T
}

// sendOne sends the batch of o's one command, validated as Send
// validates.
func sendOne[T any](ctx context.Context, ax *Artix, o *artixOne[T]) error {
	if err := ax.usable(ctx); err != nil {
		return err
	}
	if err := validateArtixCommand(0, o.cmd[0]); err != nil {
		return err
	}
	o.batch.cmds, o.batch.n = o.cmd[:], 1
	_, err := ax.t.send(ctx, &o.batch)
	return err
}

// ArtixCustomerService sends single client commands. Each call is a batch
// of one command; use [Artix.Send] to group many.
type ArtixCustomerService struct{ ax *Artix }

// artix is the service's client; nil for a service that is not a
// client's, whose Send then answers a *[ConfigError].
func (s *ArtixCustomerService) artix() *Artix {
	if s == nil {
		return nil
	}
	return s.ax
}

// Add creates the client c (addClient). The spec does not say what happens
// to an existing idclient; field code re-sends addClient to change a
// record, and the mock, like Artix dictionary loads, replaces it.
func (s *ArtixCustomerService) Add(ctx context.Context, c ArtixCustomer) error {
	o := &artixOne[ArtixCustomer]{rec: c}
	o.cmd[0] = ArtixCommand{Name: ArtixAddClient, Client: &o.rec}
	return sendOne(ctx, s.artix(), o)
}

// Update changes the attributes u sets of the client u.ID (updateClient).
func (s *ArtixCustomerService) Update(ctx context.Context, u ArtixCustomerUpdate) error {
	o := &artixOne[ArtixCustomerUpdate]{rec: u}
	o.cmd[0] = ArtixCommand{Name: ArtixUpdateClient, Update: &o.rec}
	return sendOne(ctx, s.artix(), o)
}

// Delete removes the client id (deleteClient).
func (s *ArtixCustomerService) Delete(ctx context.Context, id string) error {
	o := &artixOne[struct{}]{}
	o.cmd[0] = DeleteClient(id)
	return sendOne(ctx, s.artix(), o)
}

// Clear empties the client directory (clearClient).
func (s *ArtixCustomerService) Clear(ctx context.Context) error {
	o := &artixOne[struct{}]{}
	o.cmd[0] = ClearClient()
	return sendOne(ctx, s.artix(), o)
}
