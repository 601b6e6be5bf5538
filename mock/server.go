// Package mock is a stateful fake of the three APIs the loyalty module
// speaks: VirtPOS, the loyalty CRM (over mutual TLS) and Artix. It keeps
// customers, cards, contacts, campaigns and the Artix client directory in
// memory, answers with the specs' envelopes and error codes, records every
// request, and injects faults on demand. The Artix address also serves the
// Cash Server REST read-back of the directory (/CSrest/rest/dictionaries/
// clients; see Server.ArtixCashServer).
//
// In a test:
//
//	srv := mock.NewServer(t)
//	vp := srv.VirtPOS()
//	c, err := vp.Customers.Get(ctx, 1)
//
// In a program, mock.Start(mock.Config{}) and srv.Close(). Suites that
// share one running mock each take a tenant (Server.NewTenant, or POST
// /_mock/tenants): their own data, faults and journal behind the same
// listeners.
package mock

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
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
	DefaultJournalBytes     = 64 << 20
)

// SpecEpoch is where the mock's default clock starts: the day on which the
// spec's sample customer (born 24.10.1992) is 24, as its example shows.
var SpecEpoch = time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)

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
	// JournalBytes bounds what the journal holds, all entries together:
	// bodies, paths, queries and headers (DefaultJournalBytes). Past it the
	// oldest entries lose their bodies (BodyTruncated); if that is not
	// enough (long queries or headers), the oldest entries go. The newest
	// entry always stays.
	JournalBytes int64
	// AdminToken, when set, guards the admin API (AdminPrefix): every
	// admin request must carry "Authorization: Bearer <AdminToken>" or is
	// answered 401. Without it the admin API is open to whoever reaches
	// the mock's addresses, tenants' credentials included: keep such a
	// mock on loopback or a trusted network.
	AdminToken string
	// Clock is the mock's one clock: created and updated timestamps, the
	// ages of customers (seed ages included, computed when the seed is
	// made) and CRM status dates read it. The default starts at SpecEpoch
	// when the server is made and runs at real speed, so the spec's sample
	// customer is 24 as in its example.
	Clock func() time.Time
	// Logger receives one record per request (default: none), and a
	// warning for each Artix status callback that failed or was not sent.
	Logger *slog.Logger
	// Quirks are opt-in behaviours beyond the specs (see Quirks); the
	// zero value follows the specs. Reset restores them.
	Quirks Quirks
	// ArtixCashLoadGap is the pause between a load's back-office status
	// callbacks and its cash registers' reports
	// (DefaultArtixCashLoadGap); negative: none. SetArtixCashLoadGap
	// changes it.
	ArtixCashLoadGap time.Duration
	// ArtixCallbackRetry is how long a status callback whose receiver
	// refuses the connection is tried again (DefaultArtixCallbackRetry);
	// negative: never.
	ArtixCallbackRetry time.Duration
	// ArtixCallbackNets are the networks, besides loopback, that Artix
	// status callbacks may go to. By default the mock calls back only to
	// loopback: a load naming another addressstatusserver gets no
	// callbacks, and a warning is logged.
	ArtixCallbackNets []netip.Prefix
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
	if c.ArtixCallbackRetry == 0 {
		c.ArtixCallbackRetry = DefaultArtixCallbackRetry
	}
	if c.JournalBytes <= 0 {
		c.JournalBytes = DefaultJournalBytes
	}
	for _, a := range []*string{&c.VirtPOSAddr, &c.CRMAddr, &c.ArtixAddr} {
		if *a == "" {
			*a = "127.0.0.1:0"
		}
	}
}

// Server is a running fake of the three APIs. Its methods are safe for
// concurrent use. Its data, faults and journal are the default tenant's;
// NewTenant adds tenants, each with its own, for suites sharing one
// Server (see Tenant).
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
	now func() time.Time // Config.Clock in UTC, to the second

	vpSrv, crmSrv, axSrv *httptest.Server

	vp       *virtposAPI
	crm      *crmAPI
	ax       *artixAPI
	handlers map[API]http.Handler

	quirks atomic.Pointer[Quirks]

	mu     sync.Mutex
	faults []*faultState
	jrnl   journalState

	// tenants routes requests to the tenants made by NewTenant; nil on a
	// tenant's own Server, whose root is the Server that routes to it.
	tenants *tenantSet
	root    *Server
}

// Socket-free base URLs of a Server made by NewInMemory, for
// RegisterResponders. Their hosts are under .invalid, a name reserved
// never to resolve (RFC 2606), so a client built without the mock's
// transport fails at once instead of asking DNS about a real name.
const (
	FakeVirtPOSURL = "http://virtpos.invalid"
	FakeCRMURL     = "https://crm.invalid"
	FakeArtixURL   = "http://artix.invalid"
)

// NewInMemory makes a mock server that listens nowhere: its state, faults
// and journal work as with Start; its ready clients (VirtPOS, CRM, Artix)
// answer in memory through Transport, which WithTransport gives to
// clients of your own, and RegisterResponders serves it through an
// httpmock transport. Its URLs are FakeVirtPOSURL, FakeCRMURL and
// FakeArtixURL. Close is a no-op for it. Start and NewServer make one that
// listens on loopback.
func NewInMemory(cfg Config) (*Server, error) {
	cfg.defaults()
	if err := cfg.Quirks.Validate(); err != nil {
		return nil, fmt.Errorf("mock: Config.Quirks: %w", err)
	}
	p, err := newPKI()
	if err != nil {
		return nil, fmt.Errorf("mock: certificates: %w", err)
	}
	s := &Server{cfg: cfg, pki: p, APIKey: cfg.APIKey, CommercialFirmID: cfg.CommercialFirmID,
		VirtPOSURL: FakeVirtPOSURL, CRMURL: FakeCRMURL, ArtixURL: FakeArtixURL}
	clock := cfg.Clock
	if clock == nil {
		start := time.Now()
		clock = func() time.Time { return SpecEpoch.Add(time.Since(start)) }
	}
	s.now = func() time.Time { return clock().UTC().Truncate(time.Second) }
	s.tenants = newTenantSet()
	s.seedSides()
	return s, nil
}

// seedSides makes the three API sides with their seed data and the
// handlers that journal and fault in front of them.
func (s *Server) seedSides() {
	s.vp = newVirtPOSAPI(s)
	s.crm = newCRMAPI(s)
	s.ax = newArtixAPI(s)
	s.handlers = map[API]http.Handler{
		VirtPOSAPI: s.middleware(VirtPOSAPI, s.vp),
		CRMAPI:     s.middleware(CRMAPI, s.crm),
		ArtixAPI:   s.middleware(ArtixAPI, s.ax),
	}
	s.SetQuirks(s.cfg.Quirks)
}

// Handler is the http.Handler of one API, with the journal, faults and the
// admin endpoints, for mounting the fake in a server of your own. Where
// the fake must answer nothing (a Reset fault, or a client that gives up
// during a Delay fault) the handler panics with [http.ErrAbortHandler],
// as net/http expects: a recovering middleware in front of it should let
// that value through, and a test that calls ServeHTTP itself sees it.
func (s *Server) Handler(api API) http.Handler { return s.handlers[api] }

// Start starts a mock server on loopback. Close it when done.
func Start(cfg Config) (*Server, error) {
	s, err := NewInMemory(cfg)
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

// Close stops the three listeners, drops open connections and waits for
// the handlers still running; it also cancels the Artix load-status
// callbacks still to be sent and waits for them (none is sent once Close
// has returned). It is safe on a nil Server (what a failed Start
// returns), on one made by NewInMemory, and more than once.
func (s *Server) Close() {
	if s == nil {
		return
	}
	for _, hs := range s.listeners() {
		hs.CloseClientConnections()
		hs.Close()
	}
	s.ax.cb.stop()
	if s.root == nil {
		// The pool runs the tenants' callbacks too: closing it cancels them.
		s.ax.cb.pool.close()
	}
}

// Shutdown stops accepting connections and waits until every request in
// flight has been answered (or ctx ends, when the rest are dropped as
// Close does), so that a Snapshot taken afterwards holds every write the
// mock confirmed. Like Close it is safe on a nil Server.
func (s *Server) Shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	var errs []error
	for _, hs := range s.listeners() {
		errs = append(errs, hs.Config.Shutdown(ctx))
	}
	s.Close()
	return errors.Join(errs...)
}

// listeners are the started httptest servers (none for NewInMemory).
func (s *Server) listeners() []*httptest.Server {
	var out []*httptest.Server
	for _, hs := range []*httptest.Server{s.vpSrv, s.crmSrv, s.axSrv} {
		if hs != nil {
			out = append(out, hs)
		}
	}
	return out
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

// Reset restores the seed data and Config.Quirks and clears faults and
// the journal.
func (s *Server) Reset() {
	s.vp.reset()
	s.crm.reset()
	s.ax.reset()
	s.SetQuirks(s.cfg.Quirks)
	s.mu.Lock()
	s.faults = nil
	s.jrnl = journalState{}
	s.mu.Unlock()
}
