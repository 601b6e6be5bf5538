package loyalty

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// ArtixLoadDictsPath is where the HTTP transport posts batches, relative
// to the base URL.
const ArtixLoadDictsPath = "/aifexchange/loaddicts"

// artixBufferCommands is the largest batch the HTTP transport sends with a
// Content-Length; larger batches stream chunked, encoded command by command.
const artixBufferCommands = 1000

// Defaults of the exchange-directory options.
const (
	// DefaultArtixPollInterval is how often Send looks whether the cash
	// server has picked a batch up (WithPollInterval).
	DefaultArtixPollInterval = 200 * time.Millisecond
)

// artixSettings are the options only the Artix constructors accept.
type artixSettings struct {
	shopCode     string
	user, pass   string
	basicAuth    bool
	pickupWait   time.Duration
	pollInterval time.Duration
	httpOnly     []string // options given that only the HTTP transport uses
	fileOnly     []string // options given that only the exchange directory uses
	cs           artixCSSettings
}

// WithArtixShopCode sends the shopcode header with every HTTP request.
func WithArtixShopCode(code string) Option {
	return func(s *settings) error {
		s.markOnly("WithArtixShopCode", "artix")
		if strings.TrimSpace(code) == "" || strings.ContainsAny(code, "\r\n") {
			return &ConfigError{Field: "WithArtixShopCode", Reason: "empty or contains a line break"}
		}
		s.artix.shopCode = code
		s.artix.httpOnly = append(s.artix.httpOnly, "WithArtixShopCode")
		return nil
	}
}

// WithBasicAuth authenticates every Artix HTTP request with HTTP basic
// auth. The password never appears in an error or a log record.
func WithBasicAuth(user, password string) Option {
	return func(s *settings) error {
		s.markOnly("WithBasicAuth", "artix")
		switch {
		case user == "":
			return &ConfigError{Field: "WithBasicAuth", Reason: "empty user"}
		case strings.Contains(user, ":"):
			return &ConfigError{Field: "WithBasicAuth", Reason: "the user contains a colon"}
		case strings.ContainsAny(user+password, "\r\n"):
			return &ConfigError{Field: "WithBasicAuth", Reason: "contains a line break"}
		}
		s.artix.user, s.artix.pass, s.artix.basicAuth = user, password, true
		s.artix.httpOnly = append(s.artix.httpOnly, "WithBasicAuth")
		return nil
	}
}

// WithPickupWait makes the exchange-directory Send wait, up to timeout
// (and never past its context), until the cash server has loaded the batch
// and deleted both files. A batch not picked up in time fails with an
// error matching ErrArtixNotPickedUp; the files stay, so the batch may still
// load later. Zero (the default) returns as soon as the files are written.
func WithPickupWait(timeout time.Duration) Option {
	return func(s *settings) error {
		s.markOnly("WithPickupWait", "artix")
		if timeout < 0 {
			return &ConfigError{Field: "WithPickupWait", Reason: "negative timeout"}
		}
		s.artix.pickupWait = timeout
		s.artix.fileOnly = append(s.artix.fileOnly, "WithPickupWait")
		return nil
	}
}

// WithPollInterval sets how often WithPickupWait looks at the exchange
// directory (default DefaultArtixPollInterval).
func WithPollInterval(d time.Duration) Option {
	return func(s *settings) error {
		s.markOnly("WithPollInterval", "artix")
		if d <= 0 {
			return &ConfigError{Field: "WithPollInterval", Reason: "must be positive, got " + d.String()}
		}
		s.artix.pollInterval = d
		s.artix.fileOnly = append(s.artix.fileOnly, "WithPollInterval")
		return nil
	}
}

// Artix writes to the client directory of an Artix cash server, over HTTP
// (NewArtix) or through its exchange directory (NewArtixExchangeDir). It
// is safe for concurrent use.
type Artix struct {
	// Customers adds, updates, deletes and clears client records.
	Customers *ArtixCustomerService

	t artixTransport
}

// artixTransport delivers one validated, non-empty batch. seq may be
// iterated more than once.
type artixTransport interface {
	send(ctx context.Context, seq iter.Seq[ArtixCommand], n int) error
}

// NewArtix returns a client that posts batches to
// {baseURL}/aifexchange/loaddicts, e.g. NewArtix("http://cash-server:28080",
// WithArtixShopCode("111"), WithBasicAuth("admin", pass)). It does not
// touch the network.
func NewArtix(baseURL string, opts ...Option) (*Artix, error) {
	s, err := applyOptions("artix", opts)
	if err != nil {
		return nil, err
	}
	if len(s.artix.fileOnly) > 0 {
		return nil, &ConfigError{Field: s.artix.fileOnly[0], Reason: "applies to NewArtixExchangeDir only"}
	}
	if err := s.artix.cs.refuse(); err != nil {
		return nil, err
	}
	c, err := newCore("artix", baseURL, s)
	if err != nil {
		return nil, err
	}
	if s.artix.shopCode != "" {
		c.header.Set("shopcode", s.artix.shopCode)
	}
	if s.artix.basicAuth {
		cred := base64.StdEncoding.EncodeToString([]byte(s.artix.user + ":" + s.artix.pass))
		c.header.Set("Authorization", "Basic "+cred)
		c.addSecret(s.artix.pass)
		c.addSecret(cred)
	}
	return newArtix(&artixHTTP{core: c}), nil
}

func newArtix(t artixTransport) *Artix {
	ax := &Artix{t: t}
	ax.Customers = &ArtixCustomerService{ax: ax}
	return ax
}

// Send delivers cmds as one batch, in order. Every command is validated
// first; an invalid one fails with an *ArtixRecordError and nothing is sent.
// An empty batch sends nothing.
func (ax *Artix) Send(ctx context.Context, cmds ...ArtixCommand) error {
	return ax.SendSeq(ctx, slices.Values(cmds))
}

// SendSeq is Send for a batch too large to hold as a slice: seq is
// iterated once to validate it and then once per attempt to stream it, so
// it must yield the same commands every time (a slice's values, a query
// re-run, a file re-read).
func (ax *Artix) SendSeq(ctx context.Context, seq iter.Seq[ArtixCommand]) error {
	if ax == nil || ax.t == nil {
		return errZeroClient("Artix", "NewArtix or NewArtixExchangeDir")
	}
	if ctx == nil {
		return &ConfigError{Field: "ctx", Reason: "nil context"}
	}
	n := 0
	for c := range seq {
		if err := validateArtixCommand(n, c); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return nil
	}
	return ax.t.send(ctx, seq, n)
}

// ArtixCustomerService sends single client commands. Each call is a batch
// of one command; use Artix.Send to group many.
type ArtixCustomerService struct{ ax *Artix }

// artix is the service's client; nil for a service that is not a
// client's, whose Send then answers a *ConfigError.
func (s *ArtixCustomerService) artix() *Artix {
	if s == nil {
		return nil
	}
	return s.ax
}

// Add creates the client c (addClient). The spec does not say what happens
// to an existing idclient; the mock, like Artix dictionary loads, replaces it.
func (s *ArtixCustomerService) Add(ctx context.Context, c ArtixCustomer) error {
	return s.artix().Send(ctx, AddClient(c))
}

// Update changes the attributes u sets of the client u.ID (updateClient).
func (s *ArtixCustomerService) Update(ctx context.Context, u ArtixCustomerUpdate) error {
	return s.artix().Send(ctx, UpdateClient(u))
}

// Delete removes the client id (deleteClient).
func (s *ArtixCustomerService) Delete(ctx context.Context, id string) error {
	return s.artix().Send(ctx, DeleteClient(id))
}

// Clear empties the client directory (clearClient).
func (s *ArtixCustomerService) Clear(ctx context.Context) error {
	return s.artix().Send(ctx, ClearClient())
}

// artixHTTP posts batches as JSON arrays through the request core.
type artixHTTP struct{ core *core }

// send posts the batch. It is marked idempotent: every command sets state
// to given values (add replaces, update sets attributes, delete and clear
// remove), so a batch applied twice leaves the directory as applying it
// once does, and a 5xx or a dropped connection may be retried.
func (h *artixHTTP) send(ctx context.Context, seq iter.Seq[ArtixCommand], n int) error {
	r := &request{
		method:      http.MethodPost,
		path:        ArtixLoadDictsPath,
		contentType: "application/json",
		accept:      "application/json",
		idempotent:  true,
	}
	if n <= artixBufferCommands {
		var buf bufferWriter
		if err := writeArtixArray(&buf, seq); err != nil {
			return err
		}
		r.body = buf.b
	} else {
		var s artixStreams
		defer s.stop()
		r.bodyFunc = func() io.ReadCloser { return s.next(seq) }
	}
	resp, err := h.core.do(ctx, r)
	if err != nil {
		return err
	}
	if resp.ok() {
		if looksLikeHTML(resp.body) {
			// A proxy's or captive portal's page: the cash server never
			// saw the batch.
			return resp.apiError("", errArtixHTMLReply)
		}
		return nil
	}
	return resp.apiError(artixReplyInfo(resp.body), nil)
}

// artixStreams are the streamed bodies of one batch, one per attempt. A
// transport need not read or close a body it gave up on, so each body's
// writer goroutine is stopped by closing its pipe: before the next attempt
// starts (seq is never iterated by two attempts at once) and when the
// batch ends (no writer outlives Send).
type artixStreams struct {
	mu      sync.Mutex
	readers []*io.PipeReader
	wg      sync.WaitGroup
}

// errArtixBodyAbandoned ends the writer of a body no attempt reads any more.
var errArtixBodyAbandoned = errors.New("loyalty: artix batch body abandoned")

// next stops the earlier writers and starts one streaming seq into a new
// body.
func (s *artixStreams) next(seq iter.Seq[ArtixCommand]) io.ReadCloser {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeAll()
	pr, pw := io.Pipe()
	s.readers = append(s.readers, pr)
	s.wg.Go(func() {
		bw := bufio.NewWriterSize(pw, 64<<10)
		err := writeArtixArray(bw, seq)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	})
	return pr
}

// closeAll closes every body and waits for the writers. s.mu is held.
func (s *artixStreams) closeAll() {
	for _, pr := range s.readers {
		pr.CloseWithError(errArtixBodyAbandoned)
	}
	s.readers = s.readers[:0]
	s.wg.Wait()
}

// stop ends every writer once the batch is done.
func (s *artixStreams) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeAll()
}

// errArtixHTMLReply is the cause of a 2xx answer that is an HTML page.
var errArtixHTMLReply = errors.New("the answer is an HTML page, not the cash server's reply")

// looksLikeHTML reports a body that starts (after a BOM and white space)
// with '<': no cash server reply does.
func looksLikeHTML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

type bufferWriter struct{ b []byte }

func (w *bufferWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// writeArtixArray writes seq as a JSON array, one command at a time.
func writeArtixArray(w io.Writer, seq iter.Seq[ArtixCommand]) error {
	buf := make([]byte, 0, 1024)
	buf = append(buf, '[')
	first := true
	for c := range seq {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		var err error
		if buf, err = c.appendJSON(buf); err != nil {
			return err
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	buf = append(buf, ']')
	_, err := w.Write(buf)
	return err
}

// artixReplyInfo is the server's message in an error reply: the error,
// message or description of a JSON object (with the failing command's
// index when the reply gives one), or "".
func artixReplyInfo(body []byte) string {
	var reply map[string]json.RawMessage
	if json.Unmarshal(body, &reply) != nil {
		return ""
	}
	var msg string
	for _, k := range []string{"error", "message", "errormessage", "description", "errortext"} {
		for rk, v := range reply {
			if msg == "" && normKey(rk) == k {
				if s, err := flexString(v); err == nil {
					msg = s
				}
			}
		}
	}
	if cmd, ok := reply["command"]; ok && msg != "" {
		if s, err := flexString(cmd); err == nil {
			msg += " (command " + s + ")"
		}
	}
	return msg
}
