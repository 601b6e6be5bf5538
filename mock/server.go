// Package mock is a stateful fake of the three APIs the loyalty module
// speaks: VirtPOS, the loyalty CRM (over mutual TLS) and Artix. It keeps
// customers, cards, contacts, campaigns and the Artix client directory in
// memory, answers with the specs' envelopes and error codes, records every
// request, and injects faults on demand.
//
// In a test:
//
//	srv := mock.NewServer(t)
//	vp := srv.VirtPOS()
//	c, err := vp.Customers.Get(ctx, 1)
//
// In a program, mock.Start(mock.Config{}) and srv.Close().
package mock

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// API names one of the fake APIs.
type API string

// The three APIs the mock serves.
const (
	VirtPOSAPI API = "virtpos"
	CRMAPI     API = "crm"
	ArtixAPI   API = "artix"
)

// Defaults of Config.
const (
	DefaultAPIKey           = "mock-apikey-0123456789"
	DefaultCommercialFirmID = "firm-1"
	DefaultCustomers        = 60
	DefaultJournalSize      = 10000
)

// Config sets up a mock server. The zero Config is ready to use.
type Config struct {
	// APIKey is the VirtPOS apikey the server accepts (DefaultAPIKey).
	APIKey string
	// CommercialFirmID is the CRM commercial_firm_id it accepts
	// (DefaultCommercialFirmID).
	CommercialFirmID string
	// Customers is how many VirtPOS customers the seed data has
	// (DefaultCustomers; at least the spec's sample customer).
	Customers int
	// VirtPOSAddr, CRMAddr and ArtixAddr are the listen addresses
	// (default "127.0.0.1:0", a free port).
	VirtPOSAddr, CRMAddr, ArtixAddr string
	// JournalSize is how many requests Requests keeps (DefaultJournalSize).
	JournalSize int
	// Logger receives one record per request (default: none).
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.APIKey == "" {
		c.APIKey = DefaultAPIKey
	}
	if c.CommercialFirmID == "" {
		c.CommercialFirmID = DefaultCommercialFirmID
	}
	if c.Customers <= 0 {
		c.Customers = DefaultCustomers
	}
	if c.JournalSize <= 0 {
		c.JournalSize = DefaultJournalSize
	}
	for _, a := range []*string{&c.VirtPOSAddr, &c.CRMAddr, &c.ArtixAddr} {
		if *a == "" {
			*a = "127.0.0.1:0"
		}
	}
}

// Request is one request as the mock received it.
type Request struct {
	API      API         `json:"api"`
	Method   string      `json:"method"`
	Path     string      `json:"path"`
	Query    url.Values  `json:"query"`
	Header   http.Header `json:"header"`
	Body     []byte      `json:"body"`      // the first MaxJournalBody bytes
	BodySize int64       `json:"body_size"` // the whole body's size
	Status   int         `json:"status"`    // the status answered (0: connection dropped)
	Faulted  bool        `json:"faulted"`   // a Fault answered it
	Time     time.Time   `json:"time"`
}

// MaxJournalBody is how much of a request body the journal keeps.
const MaxJournalBody = 1 << 20

// Server is a running fake of the three APIs. Its methods are safe for
// concurrent use.
type Server struct {
	// VirtPOSURL, CRMURL and ArtixURL are the base URLs to give the clients.
	// CRMURL is https and needs ClientCertificate and RootCAs.
	VirtPOSURL, CRMURL, ArtixURL string
	// APIKey is the VirtPOS apikey the server accepts.
	APIKey string
	// CommercialFirmID is the CRM commercial_firm_id it accepts.
	CommercialFirmID string

	cfg Config
	pki *pki

	vpSrv, crmSrv, axSrv *httptest.Server

	vp       *virtposAPI
	crm      *crmAPI
	ax       *artixAPI
	handlers map[API]http.Handler

	mu      sync.Mutex
	faults  []*faultState
	journal []Request
}

// Socket-free base URLs of a Server made by New, for RegisterResponders.
const (
	FakeVirtPOSURL = "http://virtpos.mock"
	FakeCRMURL     = "https://crm.mock"
	FakeArtixURL   = "http://artix.mock"
)

// New makes a mock server that listens nowhere: its state, faults and
// journal work as with Start, and RegisterResponders serves it through an
// httpmock transport. Its URLs are FakeVirtPOSURL, FakeCRMURL and
// FakeArtixURL. Close is a no-op for it.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	p, err := newPKI()
	if err != nil {
		return nil, fmt.Errorf("mock: certificates: %w", err)
	}
	s := &Server{cfg: cfg, pki: p, APIKey: cfg.APIKey, CommercialFirmID: cfg.CommercialFirmID,
		VirtPOSURL: FakeVirtPOSURL, CRMURL: FakeCRMURL, ArtixURL: FakeArtixURL}
	s.vp = newVirtPOSAPI(s)
	s.crm = newCRMAPI(s)
	s.ax = newArtixAPI(s)
	s.handlers = map[API]http.Handler{
		VirtPOSAPI: s.middleware(VirtPOSAPI, s.vp),
		CRMAPI:     s.middleware(CRMAPI, s.crm),
		ArtixAPI:   s.middleware(ArtixAPI, s.ax),
	}
	return s, nil
}

// Handler is the http.Handler of one API, with the journal, faults and the
// admin endpoints, for mounting the fake in a server of your own.
func (s *Server) Handler(api API) http.Handler { return s.handlers[api] }

// Start starts a mock server on loopback. Close it when done.
func Start(cfg Config) (*Server, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	cfg, p := s.cfg, s.pki
	errLog := log.New(io.Discard, "", 0)
	start := func(addr string, api API, tlsCfg *tls.Config) (*httptest.Server, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("mock: %s listen %s: %w", api, addr, err)
		}
		hs := httptest.NewUnstartedServer(s.handlers[api])
		hs.Listener.Close()
		hs.Listener = ln
		hs.Config.ErrorLog = errLog
		if tlsCfg != nil {
			hs.TLS = tlsCfg
			hs.StartTLS()
		} else {
			hs.Start()
		}
		return hs, nil
	}
	if s.vpSrv, err = start(cfg.VirtPOSAddr, VirtPOSAPI, nil); err != nil {
		return nil, err
	}
	crmTLS := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{p.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.caPool,
	}
	if s.crmSrv, err = start(cfg.CRMAddr, CRMAPI, crmTLS); err != nil {
		s.vpSrv.Close()
		return nil, err
	}
	if s.axSrv, err = start(cfg.ArtixAddr, ArtixAPI, nil); err != nil {
		s.vpSrv.Close()
		s.crmSrv.Close()
		return nil, err
	}
	s.VirtPOSURL = s.vpSrv.URL
	s.CRMURL = s.crmSrv.URL
	s.ArtixURL = s.axSrv.URL
	return s, nil
}

// NewServer starts a mock server for a test and closes it when the test
// ends. At most one Config may be given. It fails the test if the server
// cannot start.
func NewServer(t testing.TB, cfg ...Config) *Server {
	t.Helper()
	var c Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	s, err := Start(c)
	if err != nil {
		t.Fatalf("mock.NewServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the three listeners and waits for requests in flight.
func (s *Server) Close() {
	for _, hs := range []*httptest.Server{s.vpSrv, s.crmSrv, s.axSrv} {
		if hs != nil {
			hs.CloseClientConnections()
			hs.Close()
		}
	}
}

// ClientCertificate is a client certificate the CRM side accepts.
func (s *Server) ClientCertificate() tls.Certificate { return s.pki.client }

// RootCAs trusts the CRM side's server certificate.
func (s *Server) RootCAs() *x509.CertPool { return s.pki.caPool }

// CACertPEM is the mock's CA certificate in PEM form.
func (s *Server) CACertPEM() []byte { return bytes.Clone(s.pki.caPEM) }

// ClientCertPEM and ClientKeyPEM are the client certificate and its key in
// PEM form, for programs that load them from files.
func (s *Server) ClientCertPEM() []byte { return bytes.Clone(s.pki.clientPEM) }

// ClientKeyPEM is the private key of ClientCertificate in PEM form.
func (s *Server) ClientKeyPEM() []byte { return bytes.Clone(s.pki.clientKey) }

// Fail installs a fault for the next matching requests. Faults are tried
// in the order installed; the first that matches answers.
func (s *Server) Fail(f Fault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &faultState{Fault: f, left: left})
	s.mu.Unlock()
}

// ClearFaults removes every installed fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Requests returns a copy of the journal, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.journal
	if len(j) > s.cfg.JournalSize {
		j = j[len(j)-s.cfg.JournalSize:]
	}
	return append([]Request(nil), j...)
}

// RequestsTo returns the journal entries of one API, oldest first.
func (s *Server) RequestsTo(api API) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.API == api {
			out = append(out, r)
		}
	}
	return out
}

// Reset restores the seed data and clears faults and the journal.
func (s *Server) Reset() {
	s.vp.reset()
	s.crm.reset()
	s.ax.reset()
	s.mu.Lock()
	s.faults = nil
	s.journal = nil
	s.mu.Unlock()
}

// stateful is implemented by the API sides that can dump and load their data.
type stateful interface {
	snapshot() any
	restore(json.RawMessage) error
}

// Snapshot is the mock's data (customers, cards, contacts, the Artix
// directory…) as JSON, for Restore or for a file.
func (s *Server) Snapshot() ([]byte, error) {
	out := map[API]any{}
	for api, side := range s.sides() {
		if st, ok := side.(stateful); ok {
			out[api] = st.snapshot()
		}
	}
	return json.MarshalIndent(out, "", "  ")
}

// Restore replaces the data of each API present in data (as made by
// Snapshot); APIs absent from data keep theirs.
func (s *Server) Restore(data []byte) error {
	var in map[API]json.RawMessage
	if err := json.Unmarshal(data, &in); err != nil {
		return fmt.Errorf("mock: restore: %w", err)
	}
	sides := s.sides()
	for api, raw := range in {
		side, ok := sides[api]
		if !ok {
			return fmt.Errorf("mock: restore: unknown API %q", api)
		}
		st, ok := side.(stateful)
		if !ok {
			return fmt.Errorf("mock: restore: the %s side cannot load data", api)
		}
		if err := st.restore(raw); err != nil {
			return fmt.Errorf("mock: restore %s: %w", api, err)
		}
	}
	return nil
}

func (s *Server) sides() map[API]any {
	return map[API]any{VirtPOSAPI: s.vp, CRMAPI: s.crm, ArtixAPI: s.ax}
}

// takeFault returns the first fault matching r, counting it down.
func (s *Server) takeFault(api API, r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.matches(api, r) {
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

// middleware journals every request and applies faults before h.
func (s *Server) middleware(api API, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, AdminPrefix) {
			s.serveAdmin(w, r)
			return
		}
		entry := Request{
			API:    api,
			Method: r.Method,
			Path:   r.URL.Path,
			Query:  r.URL.Query(),
			Header: journalHeader(r.Header),
			Time:   time.Now(),
		}
		body := &capture{r: r.Body}
		r.Body = body
		// The entry is journaled just before the first byte of the answer
		// (or a dropped connection) can reach the client, so a client that
		// has its answer always finds its request in Requests.
		var once sync.Once
		record := func(status int) {
			once.Do(func() {
				// Count what the handler left unread so BodySize is the whole body.
				io.Copy(io.Discard, io.LimitReader(body, 64<<20))
				entry.Body, entry.BodySize, entry.Status = bytes.Clone(body.buf.Bytes()), body.n, status
				s.record(entry)
				if s.cfg.Logger != nil {
					s.cfg.Logger.Info("mock request", "api", string(api), "method", r.Method, "path", r.URL.Path,
						"status", status, "faulted", entry.Faulted)
				}
			})
		}
		jw := &journalWriter{ResponseWriter: w, record: record}
		// Deferred so that a request answered with nothing (a client that
		// gave up during a Delay) is journaled too, with status 0.
		defer func() { record(jw.status) }()
		if f := s.takeFault(api, r); f != nil {
			entry.Faulted = true
			serveFault(f, api, jw, r, h, func() { record(0) })
		} else {
			h.ServeHTTP(jw, r)
		}
	})
}

func (s *Server) record(e Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Trim in bulk once twice the size is reached (Requests shows the last
	// JournalSize): a copy per request made a full journal O(size).
	if len(s.journal) >= 2*s.cfg.JournalSize {
		n := copy(s.journal, s.journal[len(s.journal)-s.cfg.JournalSize+1:])
		clear(s.journal[n:])
		s.journal = s.journal[:n]
	}
	s.journal = append(s.journal, e)
}

// capture keeps the first MaxJournalBody bytes of a request body.
type capture struct {
	r   io.ReadCloser
	buf bytes.Buffer
	n   int64
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		if room := MaxJournalBody - c.buf.Len(); room > 0 {
			c.buf.Write(p[:min(n, room)])
		}
		c.n += int64(n)
	}
	return n, err
}

func (c *capture) Close() error { return c.r.Close() }

// journalHeader is a copy of h for the journal, which the admin endpoint
// serves without authentication: credentials are replaced.
func journalHeader(h http.Header) http.Header {
	c := h.Clone()
	for _, k := range []string{"Authorization", "Proxy-Authorization"} {
		if v := c.Get(k); v != "" {
			scheme, _, _ := strings.Cut(v, " ")
			c.Set(k, scheme+" REDACTED")
		}
	}
	return c
}

// journalWriter journals its request when the answer starts.
type journalWriter struct {
	http.ResponseWriter
	status int
	record func(status int)
}

// WriteHeader journals the request with code, then writes the header.
func (w *journalWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.record(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write starts a 200 answer if none was started.
func (w *journalWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *journalWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
