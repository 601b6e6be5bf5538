package mock

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// MaxArtixBody is the largest loaddicts body the mock reads.
const MaxArtixBody = 512 << 20

// artixAPI is the Artix side of the mock: the cash server's client
// directory, loaded over HTTP (POST /aifexchange/loaddicts) or from an
// exchange directory (Server.ServeArtixExchangeDir).
//
// Semantics, which the spec leaves open: a batch is applied all or nothing,
// in order; addClient of an existing idclient replaces the record;
// updateClient of an unknown idclient fails the batch; deleteClient of an
// unknown idclient does nothing; clearClient empties the directory.
type artixAPI struct {
	srv *Server

	mu       sync.Mutex
	clients  map[string]loyalty.ArtixCustomer
	dicts    artixDicts // cards, card groups, accounts, raw commands
	shopCode string
	user     string // loaddicts basic auth (RequireArtixAuth)
	pass     string
	auth     bool
	csUser   string // CSrest basic auth (RequireArtixCashServerAuth)
	csPass   string
	csAuth   bool
	cashes   int                // cash registers reporting a load's status (SetArtixCashes)
	loadErrs []artixLoadFailure // exchange-directory batches refused, the last MaxArtixLoadFailures
	cb       *callbackRuns      // the status callbacks being sent
	gap      time.Duration      // pause before the cash-load reports (SetArtixCashLoadGap)
}

func newArtixAPI(s *Server) *artixAPI {
	// One pool runs the callbacks of a Server and all its tenants.
	var pool *callbackPool
	if s.root != nil && s.root.ax != nil {
		pool = s.root.ax.cb.pool
	} else {
		pool = newCallbackPool(s.cfg.ArtixCallbackNets)
	}
	gap := s.cfg.ArtixCashLoadGap
	if gap == 0 {
		gap = DefaultArtixCashLoadGap
	}
	return &artixAPI{srv: s, clients: map[string]loyalty.ArtixCustomer{}, dicts: newArtixDicts(),
		cb: newCallbackRuns(pool), gap: max(gap, 0)}
}

// reset empties the directory (the seed is an empty directory) and forgets
// exchange-directory errors. Auth requirements stay.
func (a *artixAPI) reset() {
	a.mu.Lock()
	a.clients = map[string]loyalty.ArtixCustomer{}
	a.dicts = newArtixDicts()
	a.loadErrs = nil
	a.mu.Unlock()
}

// artixReply is the mock's JSON answer. success is what field clients
// read: true means queued (the mock applies the batch at once). Errors are
// HTTP 400 (malformed or refused batch: nothing applied), 401 (basic
// auth), 403 (shopcode), 404 (another path, or not POST), with
// {"success":false,"error": text} and, when one command is at fault,
// "command": its index from 0. Success is 200
// {"success":true,"result":"ok","applied":n}.
type artixReply struct {
	Success bool   `json:"success"`
	Result  string `json:"result,omitempty"`
	Applied *int   `json:"applied,omitempty"`
	Error   string `json:"error,omitempty"`
	Command *int   `json:"command,omitempty"`
}

func writeArtix(w http.ResponseWriter, status int, r artixReply) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(r)
}

// artixBatchError is a refused batch; index is -1 when no single command is at fault.
type artixBatchError struct {
	index int
	err   error
}

func (e *artixBatchError) Unwrap() error { return e.err }

func (e *artixBatchError) Error() string {
	if e.index < 0 {
		return e.err.Error()
	}
	return fmt.Sprintf("command %d: %v", e.index, e.err)
}

func (a *artixAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.serveCSRest(w, r) {
		return
	}
	if r.URL.Path != artixwire.LoadDictsPath {
		writeArtix(w, http.StatusNotFound, artixReply{Error: "no such endpoint " + r.URL.Path})
		return
	}
	if r.Method != http.MethodPost {
		// Like a router with only a POST route: 404, not 405.
		w.Header().Set("Allow", http.MethodPost)
		writeArtix(w, http.StatusNotFound, artixReply{Error: "no such endpoint " + r.Method + " " + r.URL.Path + " (POST only)"})
		return
	}
	a.mu.Lock()
	shop, user, pass, auth := a.shopCode, a.user, a.pass, a.auth
	a.mu.Unlock()
	if auth && !basicAuthOK(r, user, pass) {
		w.Header().Set("WWW-Authenticate", `Basic realm="artix"`)
		writeArtix(w, http.StatusUnauthorized, artixReply{Error: "unauthorized"})
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeArtix(w, http.StatusBadRequest, artixReply{Error: "malformed query: " + err.Error()})
		return
	}
	if got := q.Get(artixwire.ParamShopCode); shop != "" && got != shop {
		writeArtix(w, http.StatusForbidden, artixReply{Error: fmt.Sprintf("unknown shopcode %q", got)})
		return
	}
	cmds, err := decodeArtixArray(http.MaxBytesReader(w, r.Body, MaxArtixBody))
	if err == nil {
		err = a.apply(cmds)
	}
	if err != nil {
		reply := artixReply{Error: err.Error()}
		var be *artixBatchError
		if errors.As(err, &be) && be.index >= 0 {
			reply.Error, reply.Command = be.err.Error(), new(be.index)
		}
		status := http.StatusBadRequest
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			status, reply.Error = http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large: over %d bytes", tooBig.Limit)
		}
		writeArtix(w, status, reply)
		return
	}
	writeArtix(w, http.StatusOK, artixReply{Success: true, Result: "ok", Applied: new(len(cmds))})
	// The callbacks come after the reply is on its way, as from a till.
	http.NewResponseController(w).Flush()
	a.callBack(r, q)
}

// decodeArtixArray reads a JSON array of commands (or a single command
// object) one element at a time, validating each as the spec requires.
func decodeArtixArray(r io.Reader) ([]loyalty.ArtixCommand, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return nil, &artixBatchError{index: -1, err: fmt.Errorf("malformed JSON: %w", err)}
	}
	if tok == json.Delim('{') {
		return nil, &artixBatchError{index: -1, err: errors.New("want a JSON array of commands, got an object")}
	}
	if tok != json.Delim('[') {
		return nil, &artixBatchError{index: -1, err: fmt.Errorf("want a JSON array of commands, got %v", tok)}
	}
	var cmds []loyalty.ArtixCommand
	for i := 0; dec.More(); i++ {
		// The element's JSON first, then the command: a body cut off
		// mid-array is malformed JSON, not a bad command (Go 1.27's
		// Decoder.More reports true on a truncated body).
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, &artixBatchError{index: -1, err: fmt.Errorf("malformed JSON: %w", err)}
		}
		var c loyalty.ArtixCommand
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, &artixBatchError{index: i, err: err}
		}
		if err := c.Validate(); err != nil {
			return nil, &artixBatchError{index: i, err: err}
		}
		cmds = append(cmds, c)
	}
	if _, err := dec.Token(); err != nil {
		return nil, &artixBatchError{index: -1, err: fmt.Errorf("malformed JSON: %w", err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &artixBatchError{index: -1, err: errors.New("data after the JSON array of commands")}
	}
	return cmds, nil
}

// RequireArtixAuth makes the Artix exchanger (loaddicts) demand HTTP
// basic auth with user and password (401 otherwise), as a cash register
// does (admin/admin by default there). Server.Artix clients send them.
// The Cash Server REST read-back has its own credentials
// (RequireArtixCashServerAuth): field clients send none to it.
func (s *Server) RequireArtixAuth(user, password string) {
	s.ax.mu.Lock()
	s.ax.user, s.ax.pass, s.ax.auth = user, password, true
	s.ax.mu.Unlock()
}

// RequireArtixCashServerAuth makes the Cash Server REST API (/CSrest/)
// demand HTTP basic auth with user and password (401 otherwise); by
// default it demands none, as field clients send none.
// Server.ArtixCashServer clients send them.
func (s *Server) RequireArtixCashServerAuth(user, password string) {
	s.ax.mu.Lock()
	s.ax.csUser, s.ax.csPass, s.ax.csAuth = user, password, true
	s.ax.mu.Unlock()
}

// basicAuthOK reports whether r carries user and password, compared in
// constant time.
func basicAuthOK(r *http.Request, user, pass string) bool {
	u, p, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1 && subtle.ConstantTimeCompare([]byte(p), []byte(pass)) == 1
}

// RequireArtixShopCode makes the Artix side demand the shopcode query
// parameter (403 otherwise). Server.Artix clients send it.
func (s *Server) RequireArtixShopCode(code string) {
	s.ax.mu.Lock()
	s.ax.shopCode = code
	s.ax.mu.Unlock()
}

// Artix returns an HTTP Artix client for this server, with fast retries
// (3, 1–20 ms) and the credentials RequireArtixAuth and RequireArtixShopCode
// set, followed by opts; a Server made by NewInMemory gives it
// s.Transport(). It panics only if opts are invalid.
func (s *Server) Artix(opts ...loyalty.ArtixOption) *loyalty.Artix {
	base := []loyalty.ArtixOption{loyalty.WithRetry(3, time.Millisecond, 20*time.Millisecond), s.inMemory(ArtixAPI)}
	s.ax.mu.Lock()
	if s.ax.auth {
		base = append(base, loyalty.WithBasicAuth(s.ax.user, s.ax.pass))
	}
	if s.ax.shopCode != "" {
		base = append(base, loyalty.WithArtixShopCode(s.ax.shopCode))
	}
	s.ax.mu.Unlock()
	ax, err := loyalty.NewArtix(s.ArtixURL, append(base, opts...)...)
	if err != nil {
		panic("mock: Server.Artix: " + err.Error())
	}
	return ax
}

// ArtixCustomers returns a copy of the Artix client directory by idclient.
func (s *Server) ArtixCustomers() map[string]loyalty.ArtixCustomer {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	out := make(map[string]loyalty.ArtixCustomer, len(s.ax.clients))
	for id, c := range s.ax.clients {
		out[id] = c.Clone()
	}
	return out
}

// ArtixCustomer returns one record of the Artix client directory.
func (s *Server) ArtixCustomer(id string) (loyalty.ArtixCustomer, bool) {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	c, ok := s.ax.clients[id]
	if !ok {
		return loyalty.ArtixCustomer{}, false
	}
	return c.Clone(), true
}

// ArtixCustomerCount is the number of records in the Artix client directory.
func (s *Server) ArtixCustomerCount() int {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	return len(s.ax.clients)
}
