// Command loyalty-mock serves the fake VirtPOS, CRM and Artix APIs of
// github.com/loyaltykit/loyalty/mock on loopback, for test suites in any
// language.
//
//	go run ./cmd/loyalty-mock -cert-dir ./certs
//
// When ready it prints one JSON line with the URLs, the credentials and the
// certificate paths, then serves until SIGINT or SIGTERM (and writes the
// state to the -dump file, if given). The admin endpoints under /_mock/
// (on every listener) install faults, reset, dump and load the state and
// read the request journal; see the mock package's AdminPrefix.
//
// With -artix-exchange-dir it also plays the Artix cash server on a
// directory: batches written there (pos*.aif plus the .flz flag) load into
// the same client directory as the HTTP side's. The Artix address also
// serves that directory's read-back as a Cash Server does (GET
// /CSrest/rest/dictionaries/clients, .../id/{idclient}, .../bypage).
//
// Flags:
//
//	-virtpos-addr, -crm-addr, -artix-addr  listen addresses (default 127.0.0.1:0, a free port)
//	-apikey, -firm                         the VirtPOS apikey and CRM commercial_firm_id to accept
//	-customers                             seeded VirtPOS customers
//	-load, -dump                           JSON state to preload / to write on exit
//	-cert-dir                              where to write ca.pem, client.pem, client-key.pem
//	-artix-exchange-dir                    an Artix exchange directory to serve (created if missing)
//	-artix-user, -artix-shopcode           demand basic auth on loads (password: $LOYALTY_MOCK_ARTIX_PASSWORD) / a shopcode
//	-artix-cs-user                         demand basic auth on the Cash Server REST API (password: $LOYALTY_MOCK_ARTIX_CS_PASSWORD)
//	-artix-cashload-gap                    pause before the cash registers report a load (default 100ms; 0: none)
//	-artix-callback-net CIDR (repeatable)  a network besides loopback that load-status callbacks may go to
//	-clock                                 the mock's clock: spec (default), now, or an RFC 3339 start
//	-log                                   log every request to stderr
//	-tenant NAME (repeatable), -tenants N  make tenants (own data per suite); the ready line's "tenants" has their credentials
//
// `loyalty-mock verify [-load STATE] [-json] CASSETTE...` checks the mock
// against cassettes recorded from real servers (see verify.go);
// `loyalty-mock help [verify]` prints the usage, as -h does.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/loyaltykit/loyalty/internal/atomicfile"
	"github.com/loyaltykit/loyalty/mock"
)

// ready is the machine-readable line printed once the servers listen.
type ready struct {
	VirtPOSURL       string `json:"virtpos_url"`
	CRMURL           string `json:"crm_url"`
	ArtixURL         string `json:"artix_url"`
	APIKey           string `json:"apikey"`
	CommercialFirmID string `json:"commercial_firm_id"`
	AdminPrefix      string `json:"admin_prefix"`
	CACert           string `json:"ca_cert,omitempty"`
	ClientCert       string `json:"client_cert,omitempty"`
	ClientKey        string `json:"client_key,omitempty"`
	ArtixExchangeDir string `json:"artix_exchange_dir,omitempty"`
	Dump             string `json:"dump,omitempty"`
	PID              int    `json:"pid"`
	// Tenants are the tenants -tenant and -tenants made, with their
	// credentials.
	Tenants []mock.TenantCredentials `json:"tenants,omitempty"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the usage is printed
		}
		fmt.Fprintln(os.Stderr, "loyalty-mock:", err)
		os.Exit(1)
	}
}

// options are the command line's settings beyond mock.Config.
type options struct {
	cfg                 mock.Config
	load, dump, certDir string
	exchangeDir         string
	artixUser, shopCode string
	artixCSUser         string
	logRequests         bool
	tenantNames         []string
	tenants             int
}

// runHelp prints the usage of the server, or of the subcommand named, and
// returns flag.ErrHelp as -h does.
func runHelp(args []string, stderr io.Writer) error {
	switch {
	case len(args) == 0:
		_, err := parseFlags([]string{"-h"}, stderr)
		return err
	case len(args) == 1 && args[0] == "verify":
		return runVerify(context.Background(), []string{"-h"}, io.Discard, stderr)
	default:
		return fmt.Errorf("help %q: no such subcommand (want help or help verify)", strings.Join(args, " "))
	}
}

// parseFlags reads the command line; -h prints the usage to stderr.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("loyalty-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nEnvironment variables:\n  %s  the Artix basic-auth password -artix-user demands (never printed)\n", artixPasswordEnv)
		fmt.Fprintf(stderr, "  %s  the Cash Server REST password -artix-cs-user demands (never printed)\n", artixCSPasswordEnv)
		fmt.Fprintf(stderr, "  %s  a token the admin API (/_mock/…) demands as Authorization: Bearer <token>; without it the admin API, tenants' credentials included, is open to whoever reaches the mock\n", adminTokenEnv)
	}
	o := &options{}
	cfg := &o.cfg
	fs.StringVar(&cfg.VirtPOSAddr, "virtpos-addr", "127.0.0.1:0", "VirtPOS listen address (port 0: a free one)")
	fs.StringVar(&cfg.CRMAddr, "crm-addr", "127.0.0.1:0", "CRM listen address, TLS with client certificates")
	fs.StringVar(&cfg.ArtixAddr, "artix-addr", "127.0.0.1:0", "Artix listen address")
	fs.StringVar(&cfg.APIKey, "apikey", mock.DefaultAPIKey, "VirtPOS apikey to accept")
	fs.StringVar(&cfg.CommercialFirmID, "firm", mock.DefaultCommercialFirmID, "CRM commercial_firm_id to accept")
	fs.IntVar(&cfg.Customers, "customers", mock.DefaultCustomers, "number of seeded VirtPOS customers")
	fs.StringVar(&o.load, "load", "", "JSON file to preload the state from (as written by -dump)")
	fs.StringVar(&o.dump, "dump", "", "JSON file to write the state to on exit")
	fs.StringVar(&o.certDir, "cert-dir", "", "directory to write ca.pem, client.pem and client-key.pem into")
	fs.StringVar(&o.exchangeDir, "artix-exchange-dir", "", "Artix exchange directory to load pos*.aif batches from (created if missing)")
	fs.StringVar(&o.artixUser, "artix-user", "", "demand Artix basic auth with this user; the password is $"+artixPasswordEnv)
	fs.StringVar(&o.shopCode, "artix-shopcode", "", "demand this Artix shopcode (query parameter of each load)")
	fs.StringVar(&o.artixCSUser, "artix-cs-user", "", "demand basic auth on the Artix Cash Server REST API (/CSrest/) with this user; the password is $"+artixCSPasswordEnv)
	fs.Func("artix-cashload-gap", "pause between a load's back-office status callbacks and its cash registers' reports (default 100ms; 0: none)", func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration of 0 or more, like 100ms")
		}
		if d == 0 {
			d = -1 // Config's "none"
		}
		cfg.ArtixCashLoadGap = d
		return nil
	})
	fs.Func("artix-callback-net", "a network (CIDR, e.g. 10.0.0.0/8) besides loopback that Artix load-status callbacks may go to (repeatable)", func(v string) error {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return err
		}
		cfg.ArtixCallbackNets = append(cfg.ArtixCallbackNets, p.Masked())
		return nil
	})
	fs.BoolVar(&o.logRequests, "log", false, "log every request to stderr")
	fs.Func("tenant", "make a tenant with this name: its own data, reached with the credentials in the ready line's tenants (repeatable)", func(v string) error {
		o.tenantNames = append(o.tenantNames, v)
		return nil
	})
	fs.IntVar(&o.tenants, "tenants", 0, fmt.Sprintf("make this many unnamed tenants (at most %d in all; more with POST /_mock/tenants)", mock.MaxTenants))
	fs.Func("clock", `the mock's clock: "spec" (default: starts at 2017-06-01, the spec example's day), "now", or an RFC 3339 time to start at`, func(v string) error {
		c, err := parseClock(v, time.Now)
		o.cfg.Clock = c
		return err
	})
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.tenants < 0 || o.tenants+len(o.tenantNames) > mock.MaxTenants {
		return nil, fmt.Errorf("-tenants %d with %d -tenant: want 0 to %d tenants in all", o.tenants, len(o.tenantNames), mock.MaxTenants)
	}
	return o, nil
}

// serveUsage opens -h: what the program does, in one line, then how to
// call it, its subcommands and its flags.
const serveUsage = `loyalty-mock serves fake VirtPOS, CRM and Artix APIs on loopback, for test suites in any language.

Usage:
  loyalty-mock [flags]                                   serve until SIGINT or SIGTERM; one JSON line when ready
  loyalty-mock verify [-load STATE] [-json] CASSETTE...  check the mock against cassettes recorded from real servers
  loyalty-mock help [verify]                             this text, or verify's

Flags:
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "verify":
			return runVerify(ctx, args[1:], stdout, stderr)
		case "help":
			return runHelp(args[1:], stderr)
		}
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	o.cfg.AdminToken = os.Getenv(adminTokenEnv)
	if o.logRequests {
		o.cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	srv, err := mock.Start(o.cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	if o.artixUser != "" {
		srv.RequireArtixAuth(o.artixUser, os.Getenv(artixPasswordEnv))
	}
	if o.artixCSUser != "" {
		srv.RequireArtixCashServerAuth(o.artixCSUser, os.Getenv(artixCSPasswordEnv))
	}
	if o.shopCode != "" {
		srv.RequireArtixShopCode(o.shopCode)
	}
	if o.load != "" {
		data, err := os.ReadFile(o.load)
		if err != nil {
			return err
		}
		if err := srv.Restore(data); err != nil {
			return err
		}
	}
	r := ready{
		VirtPOSURL: srv.VirtPOSURL, CRMURL: srv.CRMURL, ArtixURL: srv.ArtixURL,
		APIKey: srv.APIKey, CommercialFirmID: srv.CommercialFirmID, AdminPrefix: mock.AdminPrefix,
		PID: os.Getpid(), Dump: absPath(o.dump),
	}
	if r.Tenants, err = makeTenants(srv, o.tenantNames, o.tenants); err != nil {
		return err
	}
	if o.certDir != "" {
		if r.CACert, r.ClientCert, r.ClientKey, err = writeCerts(srv, o.certDir); err != nil {
			return err
		}
	}
	exchangeDone := make(chan error, 1)
	if o.exchangeDir != "" {
		if err := os.MkdirAll(o.exchangeDir, 0o755); err != nil {
			return err
		}
		r.ArtixExchangeDir = absPath(o.exchangeDir)
		go func() { exchangeDone <- srv.ServeArtixExchangeDir(ctx, o.exchangeDir) }()
	} else {
		exchangeDone <- nil
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(stdout, string(line)); err != nil {
		return err
	}

	return stopAndDump(ctx, srv, o.dump, exchangeDone, stderr)
}

// stopAndDump waits for the signal (or a failed exchange-directory
// loader), drains the servers and writes the dump file, if any.
func stopAndDump(ctx context.Context, srv *mock.Server, dump string, exchangeDone <-chan error, stderr io.Writer) error {
	var serveErr error
	select {
	case <-ctx.Done():
		serveErr = <-exchangeDone // the loader stops with ctx; wait so the dump sees its last batch
	case serveErr = <-exchangeDone:
		if serveErr == nil { // no exchange directory: wait for the signal
			<-ctx.Done()
		}
	}
	// Stop accepting and let the requests in flight finish, so that the
	// dump holds every write the mock confirmed.
	drainCtx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		fmt.Fprintln(stderr, "loyalty-mock: requests still in flight were dropped:", err)
	}
	// Dump even when the exchange directory failed: the state is still good.
	if dump != "" {
		data, err := srv.Snapshot()
		if err == nil {
			err = atomicfile.WriteFile(dump, data, 0o644)
		}
		serveErr = errors.Join(serveErr, err)
	}
	return serveErr
}

// makeTenants makes a tenant for each name, then n unnamed ones, and
// returns their credentials.
func makeTenants(srv *mock.Server, names []string, n int) ([]mock.TenantCredentials, error) {
	var out []mock.TenantCredentials
	for i := range len(names) + n {
		var name string
		if i < len(names) {
			name = names[i]
		}
		t, err := srv.NewTenant(name)
		if err != nil {
			return nil, fmt.Errorf("-tenant: %w", err)
		}
		out = append(out, t.Credentials())
	}
	return out, nil
}

// parseClock reads -clock: "spec" (nil, the mock's default), "now" (the
// real time), or an RFC 3339 start that then runs at real speed.
func parseClock(v string, now func() time.Time) (func() time.Time, error) {
	switch v {
	case "spec":
		return nil, nil
	case "now":
		return now, nil
	}
	start, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf(`want "spec", "now" or an RFC 3339 time like 2027-01-02T03:04:05Z, got %q`, v)
	}
	began := now()
	return func() time.Time { return start.Add(now().Sub(began)) }, nil
}

// drainTimeout bounds the wait for requests in flight on shutdown (a
// Fault's Delay may hold one up to mock.MaxFaultDelay); past it they are
// dropped, unanswered, and the dump is written.
const drainTimeout = 30 * time.Second

// artixPasswordEnv holds the Artix basic-auth password, kept off the command line.
const artixPasswordEnv = "LOYALTY_MOCK_ARTIX_PASSWORD"

// artixCSPasswordEnv holds the Cash Server REST password -artix-cs-user demands.
const artixCSPasswordEnv = "LOYALTY_MOCK_ARTIX_CS_PASSWORD"

// adminTokenEnv holds the admin API's bearer token (mock.Config.AdminToken),
// kept off the command line.
const adminTokenEnv = "LOYALTY_MOCK_ADMIN_TOKEN"

func absPath(p string) string {
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// writeCerts writes the CA, the client certificate and its key (0600).
func writeCerts(srv *mock.Server, dir string) (ca, cert, key string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", "", err
	}
	ca, cert, key = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	err = errors.Join(
		atomicfile.WriteFile(ca, srv.CACertPEM(), 0o644),
		atomicfile.WriteFile(cert, srv.ClientCertPEM(), 0o644),
		atomicfile.WriteFile(key, srv.ClientKeyPEM(), 0o600),
	)
	for _, p := range []*string{&ca, &cert, &key} {
		if abs, e := filepath.Abs(*p); e == nil {
			*p = abs
		}
	}
	return ca, cert, key, err
}
