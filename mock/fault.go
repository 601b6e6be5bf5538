package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Fault makes the mock misbehave for matching requests, the way real
// servers and the proxies in front of them do. The zero Fault answers the
// next request of any API with HTTP 500.
type Fault struct {
	// API limits the fault to one API ("" for all of them).
	API API `json:"api,omitempty"`
	// Method limits the fault to one HTTP method ("" for all).
	Method string `json:"method,omitempty"`
	// Path limits the fault to one URL path; a trailing "*" makes it a
	// prefix ("" for all).
	Path string `json:"path,omitempty"`
	// Times is how many matching requests fail: 0 means 1, negative means
	// until Server.ClearFaults or Server.Reset.
	Times int `json:"times,omitempty"`

	// Delay waits before answering (cut short when the client gives up).
	// A fault with only a Delay slows the real answer down.
	Delay time.Duration `json:"delay,omitempty"`
	// Status answers with this HTTP status (default 500 when no other
	// effect is set).
	Status int `json:"status,omitempty"`
	// RetryAfter sets the Retry-After header: seconds or an HTTP-date.
	RetryAfter string `json:"retry_after,omitempty"`
	// Body and ContentType replace the answer's body and its type. A
	// ContentType without a Body (and no other effect) relabels the real
	// answer: the right body with the wrong Content-Type.
	Body        string `json:"body,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	// BodySize pads the answer to this many bytes (an oversized response).
	BodySize int `json:"body_size,omitempty"`
	// Reset closes the connection without an answer (TCP RST).
	Reset bool `json:"reset,omitempty"`
	// Truncate announces a longer body than it sends, then closes.
	Truncate bool `json:"truncate,omitempty"`
	// Malformed answers 200 with a body that is not valid XML or JSON.
	Malformed bool `json:"malformed,omitempty"`
	// AfterApply lets the request take effect (state changes) before the
	// fault replaces the answer: the ambiguous failure of a write.
	AfterApply bool `json:"after_apply,omitempty"`
	// Callbacks changes the load-status callbacks of the Artix loads the
	// fault matches (cash registers failing, callbacks delayed or never
	// sent); those loads are answered as usual. See ArtixCallbacks.
	Callbacks *ArtixCallbacks `json:"callbacks,omitempty"`
}

// Limits of a Fault the admin endpoint accepts (Fault.Validate). Server.Fail
// takes any Fault, but waits at most MaxFaultDelay; BodySize padding is
// written in chunks, never held in memory whole.
const (
	MaxFaultBodySize = 64 << 20
	MaxFaultDelay    = 10 * time.Minute
)

// Validate reports the first field of f the mock cannot honour: an unknown
// API, a Status outside 200–599 (1xx are not final answers; 0 is the
// default), a negative Delay or one over MaxFaultDelay, a negative BodySize
// or one over MaxFaultBodySize, a Path not starting with "/", a Method
// that is not an HTTP token, or a header value with control characters.
// The admin endpoint refuses such a fault with HTTP 400 and this text.
func (f *Fault) Validate() error {
	switch {
	case f.API != "" && f.API != VirtPOSAPI && f.API != CRMAPI && f.API != ArtixAPI:
		return fmt.Errorf("mock: fault api %q: want %q, %q, %q or none", f.API, VirtPOSAPI, CRMAPI, ArtixAPI)
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("mock: fault status %d: want 200–599 (or 0 for the default)", f.Status)
	case f.Delay < 0 || f.Delay > MaxFaultDelay:
		return fmt.Errorf("mock: fault delay %s: want 0 to %s", f.Delay, MaxFaultDelay)
	case f.BodySize < 0 || f.BodySize > MaxFaultBodySize:
		return fmt.Errorf("mock: fault body_size %d: want 0 to %d bytes", f.BodySize, MaxFaultBodySize)
	case f.Path != "" && !strings.HasPrefix(f.Path, "/"):
		return fmt.Errorf("mock: fault path %q: want an absolute path starting with /", f.Path)
	case f.Method != "" && strings.ContainsFunc(f.Method, func(r rune) bool { return !isTokenChar(r) }):
		return fmt.Errorf("mock: fault method %q: not an HTTP method", f.Method)
	case strings.ContainsFunc(f.RetryAfter, unicode.IsControl):
		return fmt.Errorf("mock: fault retry_after %q: control characters in a header value", f.RetryAfter)
	case strings.ContainsFunc(f.ContentType, unicode.IsControl):
		return fmt.Errorf("mock: fault content_type %q: control characters in a header value", f.ContentType)
	}
	return nil
}

// isTokenChar reports a character allowed in an HTTP token (RFC 9110).
func isTokenChar(r rune) bool {
	return r < 0x7f && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

// faultState is an installed Fault with its remaining count.
type faultState struct {
	Fault
	left int // < 0: forever
}

func (f *faultState) matches(api API, r *http.Request) bool {
	if f.left == 0 {
		return false
	}
	if f.API != "" && f.API != api {
		return false
	}
	if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
		return false
	}
	if f.Path != "" {
		if p, ok := strings.CutSuffix(f.Path, "*"); ok {
			if !strings.HasPrefix(r.URL.Path, p) {
				return false
			}
		} else if r.URL.Path != f.Path {
			return false
		}
	}
	return true
}

// onlyDelay reports a fault that lets the real answer through, slowed
// down by Delay and relabelled by ContentType.
func (f *Fault) onlyDelay() bool {
	return (f.Delay > 0 || f.ContentType != "") &&
		f.Status == 0 && f.Body == "" && f.BodySize == 0 && !f.Reset && !f.Truncate && !f.Malformed && f.RetryAfter == ""
}

// serveFault answers r as f says. next is the real handler, used for
// AfterApply and delay-only faults; beforeReset runs just before a Reset
// drops the connection. The journal learns the status from w.
func serveFault(f *Fault, api API, w http.ResponseWriter, r *http.Request, next http.Handler, beforeReset func()) {
	if f.Delay > 0 {
		// Read the body first: net/http notices a client that gives up
		// (and cancels r.Context) only once the body has been read.
		if b, err := io.ReadAll(io.LimitReader(r.Body, 64<<20)); err == nil {
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		t := time.NewTimer(min(f.Delay, MaxFaultDelay))
		select {
		case <-t.C:
		case <-r.Context().Done():
			// The client gave up: it gets nothing. Returning would make
			// net/http write an empty 200, which a client that closes its
			// connection a moment late (a response timeout racing the
			// close) could still read as the answer.
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}
	if f.onlyDelay() && !f.AfterApply {
		var rw http.ResponseWriter = w
		if f.ContentType != "" {
			rw = &relabel{ResponseWriter: w, ctype: f.ContentType}
		}
		next.ServeHTTP(rw, r)
		return
	}
	if f.AfterApply {
		next.ServeHTTP(httptest.NewRecorder(), r)
	}
	if f.Reset {
		beforeReset()
		resetConn(w)
		return
	}
	status := f.Status
	body := f.Body
	ctype := f.ContentType
	switch {
	case f.Malformed:
		if status == 0 {
			status = http.StatusOK
		}
		if body == "" {
			body, ctype = malformedBody(api, r)
		}
	case status == 0 && (f.Truncate || f.BodySize > 0):
		status = http.StatusOK
	case status == 0:
		status = http.StatusInternalServerError
	}
	if body == "" && !f.Truncate && f.BodySize == 0 {
		body, ctype = errorPage(status)
	}
	pad := max(f.BodySize-len(body), 0)
	if ctype == "" {
		ctype = "text/plain; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	if f.Truncate {
		if body == "" {
			body, _ = malformedBody(api, r)
		}
		// Announce more than is sent; the server then drops the connection.
		h.Set("Content-Length", strconv.Itoa((len(body)+pad)*2+64))
		w.WriteHeader(status)
		writePadded(w, body, pad)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)+pad))
	w.WriteHeader(status)
	writePadded(w, body, pad)
}

// writePadded writes body, then pad spaces in chunks: an oversized answer
// is never held in memory whole.
func writePadded(w io.Writer, body string, pad int) {
	if _, err := io.WriteString(w, body); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte(" "), min(pad, 32<<10))
	for pad > 0 {
		n, err := w.Write(chunk[:min(pad, len(chunk))])
		if err != nil {
			return
		}
		pad -= n
	}
}

// relabel replaces the Content-Type the handler sets.
type relabel struct {
	http.ResponseWriter
	ctype string
	done  bool
}

func (w *relabel) WriteHeader(code int) {
	if !w.done {
		w.done = true
		w.Header().Set("Content-Type", w.ctype)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *relabel) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *relabel) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// resetConn drops the connection with a TCP reset, no answer written.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	type netConner interface{ NetConn() net.Conn }
	raw := conn
	if nc, ok := conn.(netConner); ok {
		raw = nc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}

// errorPage is what a proxy in front of the API says for status.
func errorPage(status int) (string, string) {
	text := strconv.Itoa(status) + " " + http.StatusText(status)
	return "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", "text/html"
}

// malformedBody is a cut-off answer in the format the API would use.
func malformedBody(api API, r *http.Request) (string, string) {
	if api == VirtPOSAPI && r.URL.Query().Get("format") != "json" {
		return `<?xml version="1.0" encoding="UTF-8"?><root><success>1</success><customers><customer><id>1</id><fname>Серг`, "application/xml; charset=utf-8"
	}
	return `{"success":1,"customers":[{"id":1,"fname":"Серг`, "application/json; charset=utf-8"
}

// MarshalJSON writes a Fault as the admin endpoint takes it: the delay as
// a Go duration string ("250ms"), not nanoseconds.
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	aux := struct {
		plain
		Delay string `json:"delay,omitempty"`
	}{plain: plain(f)}
	if f.Delay != 0 {
		aux.Delay = f.Delay.String()
	}
	return json.Marshal(aux)
}

// Faults returns the installed faults, in the order they are tried, each
// with its remaining Times (negative: until cleared).
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		fault := f.Fault
		fault.Times = f.left
		out = append(out, fault)
	}
	return out
}

// UnmarshalJSON reads a Fault with its delay as nanoseconds or as a Go
// duration string ("1.5s"), for the admin endpoint. Unknown keys are an
// error, so a typo does not install a plain 500.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var aux struct {
		*plain
		Delay any `json:"delay,omitempty"`
	}
	aux.plain = (*plain)(f)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return err
	}
	switch d := aux.Delay.(type) {
	case nil:
	case float64:
		if d < 0 || d > float64(MaxFaultDelay) {
			return fmt.Errorf("mock: fault delay %g ns: want 0 to %s", d, MaxFaultDelay)
		}
		f.Delay = time.Duration(d)
	case string:
		v, err := time.ParseDuration(d)
		if err != nil {
			return fmt.Errorf("mock: fault delay: %w", err)
		}
		f.Delay = v
	default:
		return fmt.Errorf("mock: fault delay: want a number or a duration string, got %T", d)
	}
	return nil
}

// Limits of the fault list: how many faults may be installed at once, and
// what their bodies, paths and messages may weigh together. Each installed
// fault stays until it has answered its Times requests (a negative Times:
// until ClearFaults or Reset), so without a bound a client could grow the
// mock's memory without end.
const (
	MaxFaults     = 1000
	MaxFaultBytes = 64 << 20
)

// FaultLimitError is Fail's answer when the fault list is full: MaxFaults
// faults are installed, or the new one would take their weight over
// MaxFaultBytes. Clear the list (ClearFaults, DELETE /_mock/faults) first.
type FaultLimitError struct {
	Faults int   // faults installed
	Bytes  int64 // their weight, the new one included
}

func (e *FaultLimitError) Error() string {
	if e.Faults >= MaxFaults {
		return fmt.Sprintf("mock: %d faults are installed, the most the mock keeps; clear the fault list first", e.Faults)
	}
	return fmt.Sprintf("mock: installed faults would weigh %d bytes, over %d; clear the fault list first", e.Bytes, MaxFaultBytes)
}

// faultWeight is what f holds in memory beyond its fixed fields.
func faultWeight(f *Fault) int64 {
	n := len(f.Body) + len(f.Path) + len(f.Method) + len(f.ContentType) + len(f.RetryAfter)
	if c := f.Callbacks; c != nil {
		n += len(c.Message)
		for k, v := range c.Status {
			n += len(k) + len(v)
		}
		for _, v := range c.Silent {
			n += len(v)
		}
	}
	return int64(n)
}

// Fail installs a fault for the next matching requests. Faults are tried
// in the order installed; the first that matches answers. It refuses a
// fault past the list's limits with a *FaultLimitError.
func (s *Server) Fail(f Fault) error {
	left := f.Times
	if left == 0 {
		left = 1
	}
	sum := faultWeight(&f)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, old := range s.faults { // at most MaxFaults
		sum += faultWeight(&old.Fault)
	}
	if n := len(s.faults); n >= MaxFaults || sum > MaxFaultBytes {
		return &FaultLimitError{Faults: n, Bytes: sum}
	}
	s.faults = append(s.faults, &faultState{Fault: f, left: left})
	return nil
}

// ClearFaults removes every installed fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault returns the first fault matching r, counting it down.
func (s *Server) takeFault(api API, r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Callbacks == nil && f.matches(api, r) { // callback faults: takeArtixCallbacks
			if f.left > 0 {
				f.left--
			}
			if f.left == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			fault := f.Fault
			return &fault
		}
	}
	return nil
}
