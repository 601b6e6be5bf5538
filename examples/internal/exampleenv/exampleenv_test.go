package exampleenv

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampletest"
	"github.com/loyaltykit/loyalty/mock"
)

// newTestSet defines the flags of every group, as the examples do.
func newTestSet(w io.Writer) (*FlagSet, *VirtPOS, *CRM, *Artix, *time.Duration) {
	fs := NewFlagSet("tool", w)
	var v VirtPOS
	var c CRM
	var a Artix
	var timeout time.Duration
	fs.VirtPOS(&v)
	fs.CRM(&c)
	fs.Artix(&a)
	fs.Secret(&a.Password, "", "LOYALTY_ARTIX_PASSWORD", "Artix basic-auth password")
	fs.Timeout(&timeout, time.Minute)
	return fs, &v, &c, &a, &timeout
}

func TestUsageListsEnvironmentVariablesNotSecrets(t *testing.T) {
	t.Setenv("LOYALTY_VIRTPOS_APIKEY", "canary-apikey-4711")
	t.Setenv("LOYALTY_ARTIX_PASSWORD", "canary-password-4711")
	t.Setenv("LOYALTY_CRM_FIRM", "firm-from-env")
	var usage bytes.Buffer
	fs, _, _, _, _ := newTestSet(&usage)
	if err := fs.Parse([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	help := usage.String()
	for _, want := range []string{
		"-virtpos-apikey", "-timeout", "Environment variables",
		"LOYALTY_VIRTPOS_URL", "LOYALTY_VIRTPOS_APIKEY  -virtpos-apikey (secret, never printed)",
		"LOYALTY_CRM_URL", "LOYALTY_CRM_FIRM", "LOYALTY_CRM_CERT", "LOYALTY_CRM_KEY", "LOYALTY_CRM_CA",
		"LOYALTY_ARTIX_URL", "LOYALTY_ARTIX_DIR", "LOYALTY_ARTIX_SHOPCODE", "LOYALTY_ARTIX_USER",
		"LOYALTY_ARTIX_PASSWORD  (no flag) Artix basic-auth password (secret, never printed)",
		`(default "firm-from-env")`, // a plain variable is the flag's default
	} {
		if !strings.Contains(help, want) {
			t.Errorf("usage lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "canary") {
		t.Fatalf("usage prints a secret:\n%s", help)
	}
}

func TestParseReadsSecretsAfterFlags(t *testing.T) {
	t.Setenv("LOYALTY_VIRTPOS_APIKEY", "from-env")
	t.Setenv("LOYALTY_ARTIX_PASSWORD", "pw-from-env")
	fs, v, _, a, timeout := newTestSet(io.Discard)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if v.APIKey != "from-env" {
		t.Fatalf("apikey %q password %q timeout %v; want v.APIKey == \"from-env\"", v.APIKey, a.Password, *timeout)
	} else if a.Password != "pw-from-env" {
		t.Fatalf("apikey %q password %q timeout %v; want a.Password == \"pw-from-env\"", v.APIKey, a.Password, *timeout)
	} else if *timeout != time.Minute {
		t.Fatalf("apikey %q password %q timeout %v; want *timeout == time.Minute", v.APIKey, a.Password, *timeout)
	}
	fs, v, _, _, _ = newTestSet(io.Discard)
	if err := fs.Parse([]string{"-virtpos-apikey", "from-flag"}); err != nil {
		t.Fatalf("the flag does not win: %q %v; want err == nil", v.APIKey, err)
	} else if v.APIKey != "from-flag" {
		t.Fatalf("the flag does not win: %q %v; want v.APIKey == \"from-flag\"", v.APIKey, err)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"-timeout", "0s"}, {"-timeout", "-1m"}, {"-nope"}} {
		fs, _, _, _, _ := newTestSet(io.Discard)
		if err := fs.Parse(args); err == nil {
			t.Errorf("Parse(%q): want an error", args)
		}
	}
	if err := (VirtPOS{URL: "https://x.example"}).Check(); err == nil {
		t.Error("a VirtPOS URL without an apikey passed Check")
	}
}

func TestStartMockIf(t *testing.T) {
	srv, stop, err := StartMockIf(false, mock.Config{})
	if srv != nil || err != nil {
		t.Fatalf("no mock wanted: %v %v", srv, err)
	}
	stop() // safe without a mock
	srv, stop, err = StartMockIf(true, mock.Config{Customers: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	vp, err := VirtPOS{}.Client(srv)
	if err != nil {
		t.Fatal(err)
	}
	page, err := vp.Customers.List(context.Background(), &loyalty.CustomerQuery{})
	if err != nil {
		t.Fatalf("%v customers, err %v; want err == nil", page, err)
	} else if len(page.Customers) != 3 {
		t.Fatalf("%v customers, err %v; want len(page.Customers) == 3", page, err)
	}
	crm, err := CRM{}.Client(srv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crm.Directory.Partners(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestCRMClientFromFiles(t *testing.T) {
	srv := mock.NewServer(t)
	c := CRM{URL: srv.CRMURL, Firm: srv.CommercialFirmID}
	c.CA, c.Cert, c.Key = exampletest.CertFiles(t, srv)
	crm, err := c.Client(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crm.Directory.Partners(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.CA = exampletest.WriteFile(t, t.TempDir(), "bad.pem", []byte("not a certificate"))
	if _, err := c.Client(nil); err == nil {
		t.Fatalf("bad CA: %v; want err != nil", err)
	} else if !strings.Contains(err.Error(), "no PEM") {
		t.Fatalf("bad CA: %v; want strings.Contains(err.Error(), \"no PEM\")", err)
	}
}

func TestServeExchangeDir(t *testing.T) {
	srv := mock.NewServer(t)
	ctx := context.Background()
	dir, stop, err := ServeExchangeDir(ctx, srv)
	if err != nil {
		t.Fatal(err)
	}
	ax, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(30*time.Second), loyalty.WithPollInterval(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := ax.Send(ctx, loyalty.AddClient(loyalty.ArtixCustomer{ID: "1", FirstName: "Анна"})); err != nil {
		t.Fatal(err)
	}
	if n := srv.ArtixCustomerCount(); n != 1 {
		t.Fatalf("%d clients loaded", n)
	}
	stop()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the directory is left: %v", err)
	}
}

func TestArtixOptions(t *testing.T) {
	if n := len((Artix{}).Options()); n != 0 {
		t.Fatalf("%d options for nothing set", n)
	}
	if n := len((Artix{ShopCode: "111", User: "admin", Password: "pw"}).Options()); n != 2 {
		t.Fatalf("%d options, want shopcode and basic auth", n)
	}
}

// TestDurationFromEnvironment: a duration flag falls back on its
// variable; a bad value there is an error naming the variable, unless the
// flag is given.
func TestDurationFromEnvironment(t *testing.T) {
	parse := func(args ...string) (time.Duration, error) {
		fs := NewFlagSet("tool", io.Discard)
		var d time.Duration
		fs.Duration(&d, "wait", "LOYALTY_TEST_WAIT", time.Second, "how long")
		return d, fs.Parse(args)
	}
	t.Setenv("LOYALTY_TEST_WAIT", "")
	if d, err := parse(); err != nil || d != time.Second {
		t.Errorf("unset: %v %v, want the default 1s", d, err)
	}
	t.Setenv("LOYALTY_TEST_WAIT", "90s")
	if d, err := parse(); err != nil || d != 90*time.Second {
		t.Errorf("from the environment: %v %v, want 90s", d, err)
	}
	t.Setenv("LOYALTY_TEST_WAIT", "soon")
	if _, err := parse(); err == nil || !strings.Contains(err.Error(), "LOYALTY_TEST_WAIT") {
		t.Errorf("a bad value: %v, want an error naming the variable", err)
	}
	if d, err := parse("-wait", "2m"); err != nil {
		t.Errorf("the flag wins over a bad value: %v %v; want err == nil", d, err)
	} else if d != 2*time.Minute {
		t.Errorf("the flag wins over a bad value: %v %v; want d == 2 * time.Minute", d, err)
	}
}
