package loyalty_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// tlsServer is an https server answering every CRM call with an empty
// list, configured by cfg; its certificate (httptest's) is valid for
// 127.0.0.1 and example.com.
func tlsServer(t *testing.T, cfg func(*tls.Config)) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"contacts":[],"partners":[]}`))
	}))
	hs.TLS = &tls.Config{}
	if cfg != nil {
		cfg(hs.TLS)
	}
	hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	hs.StartTLS()
	t.Cleanup(hs.Close)
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	return hs, pool
}

// tlsRefused asserts a *RequestError, sent once, that says what the CRM
// needs, with the cause reachable through errors.As when want is set.
func tlsRefused[T any](t *testing.T, err error, want func(T) bool) {
	t.Helper()
	var re *loyalty.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("want *RequestError, got %T: %v", err, err)
	}
	if n := loyalty.Attempts(err); n != 1 {
		t.Errorf("Attempts = %d, want 1: a TLS failure is not retried (%v)", n, err)
	}
	if !strings.Contains(err.Error(), "TLS 1.2") {
		t.Errorf("the error does not say what the CRM needs: %v", err)
	}
	if want != nil {
		var cause T
		if !errors.As(err, &cause) {
			t.Errorf("the cause is not a %T: %v; want errors.As(err, &cause)", cause, err)
		} else if !want(cause) {
			t.Errorf("the cause is not a %T: %v; want want(cause)", cause, err)
		}
	}
}

func TestTLSRefusesOldServer(t *testing.T) {
	srv := mock.NewServer(t)
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		hs, pool := tlsServer(t, func(c *tls.Config) { c.MinVersion, c.MaxVersion = v, v })
		crm, err := loyalty.NewCRM(hs.URL, "firm-1", loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(pool))
		if err != nil {
			t.Fatal(err)
		}
		_, err = crm.Directory.Partners(context.Background())
		tlsRefused[error](t, err, nil)
	}
	// TLS 1.2 itself is fine.
	hs, pool := tlsServer(t, func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS12, tls.VersionTLS12 })
	crm, err := loyalty.NewCRM(hs.URL, "firm-1", loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(pool))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crm.Directory.Partners(context.Background()); err != nil {
		t.Fatalf("TLS 1.2: %v", err)
	}
}

func TestTLSRefusesUntrustedServer(t *testing.T) {
	srv := mock.NewServer(t)
	other := mock.NewServer(t)
	// Trusting another CA than the one that signed the mock's certificate.
	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(other.RootCAs()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = crm.Contacts.Get(context.Background(), mock.CRMContactID)
	tlsRefused(t, err, func(x509.UnknownAuthorityError) bool { return true })
	if n := len(srv.RequestsTo(mock.CRMAPI)); n != 0 {
		t.Errorf("%d requests reached the untrusted server", n)
	}
}

func TestTLSRefusesWrongHostName(t *testing.T) {
	srv := mock.NewServer(t)
	addr := strings.TrimPrefix(srv.CRMURL, "https://")
	_, port, _ := net.SplitHostPort(addr)
	// crm.wrong.test resolves (here) to the mock, whose certificate is for
	// localhost and 127.0.0.1 only.
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	crm, err := loyalty.NewCRM("https://crm.wrong.test:"+port, srv.CommercialFirmID,
		loyalty.WithHTTPClient(&http.Client{Transport: tr}),
		loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(srv.RootCAs()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = crm.Contacts.Get(context.Background(), mock.CRMContactID)
	tlsRefused(t, err, func(e x509.HostnameError) bool { return e.Host == "crm.wrong.test" })
	if n := len(srv.RequestsTo(mock.CRMAPI)); n != 0 {
		t.Errorf("%d requests reached the server of the wrong name", n)
	}
}

func TestTLSRefusesUnknownClientCertificate(t *testing.T) {
	srv := mock.NewServer(t)
	other := mock.NewServer(t)
	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificate(other.ClientCertificate()), loyalty.WithRootCAs(srv.RootCAs()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = crm.Contacts.Get(context.Background(), mock.CRMContactID)
	tlsRefused[error](t, err, nil)
	if n := len(srv.RequestsTo(mock.CRMAPI)); n != 0 {
		t.Errorf("%d requests passed the server's certificate check", n)
	}
}

// TestTLSNoInsecureOption: there is no switch to skip verification, and a
// transport that skips it is refused.
func TestTLSNoInsecureOption(t *testing.T) {
	srv := mock.NewServer(t)
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	_, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithHTTPClient(&http.Client{Transport: tr}), loyalty.WithClientCertificate(srv.ClientCertificate()))
	var ce *loyalty.ConfigError
	if !errors.As(err, &ce) || ce.Field != "WithHTTPClient" {
		t.Fatalf("want *ConfigError for WithHTTPClient, got %v", err)
	}
	// An old minimum version given through WithHTTPClient is raised to 1.2.
	hs, pool := tlsServer(t, func(c *tls.Config) { c.MaxVersion = tls.VersionTLS11 })
	tr = &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS10}}
	crm, err := loyalty.NewCRM(hs.URL, "firm-1", loyalty.WithHTTPClient(&http.Client{Transport: tr}),
		loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(pool))
	if err != nil {
		t.Fatal(err)
	}
	_, err = crm.Directory.Partners(context.Background())
	tlsRefused[error](t, err, nil)
	// And plain http is refused outright.
	if _, err := loyalty.NewCRM("http://crm.example.ru", "firm-1", loyalty.WithClientCertificate(srv.ClientCertificate())); !errors.As(err, &ce) {
		t.Errorf("http base URL: want *ConfigError, got %v", err)
	}
}

// TestTLSCertificateFiles: the files are read once, when the client is
// built, and bad ones are *ConfigErrors that name the file.
func TestTLSCertificateFiles(t *testing.T) {
	srv := mock.NewServer(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile := write("client.crt", srv.ClientCertPEM())
	keyFile := write("client.key", srv.ClientKeyPEM())

	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificateFiles(certFile, keyFile), loyalty.WithRootCAs(srv.RootCAs()))
	if err != nil {
		t.Fatal(err)
	}
	// Read once: the client keeps working without the files.
	os.Remove(certFile)
	os.Remove(keyFile)
	if _, err := crm.Contacts.Get(context.Background(), mock.CRMContactID); err != nil {
		t.Fatalf("after removing the files: %v", err)
	}

	good := write("good.crt", srv.ClientCertPEM())
	goodKey := write("good.key", srv.ClientKeyPEM())
	cases := []struct {
		name, cert, key, mention string
	}{
		{"missing certificate", filepath.Join(dir, "nope.crt"), goodKey, "nope.crt"},
		{"missing key", good, filepath.Join(dir, "nope.key"), "nope.key"},
		{"certificate not PEM", write("text.crt", []byte("not a certificate")), goodKey, "text.crt"},
		{"key not PEM", good, write("text.key", []byte("not a key")), "text.key"},
		{"certificate and key swapped", goodKey, good, "good.key"},
		{"empty key", good, write("empty.key", nil), "empty.key"},
		{"truncated key", good, write("cut.key", srv.ClientKeyPEM()[:60]), "cut.key"},
		{"a directory", dir, goodKey, filepath.Base(dir)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, loyalty.WithClientCertificateFiles(tc.cert, tc.key))
			var ce *loyalty.ConfigError
			if !errors.As(err, &ce) || ce.Field != "WithClientCertificateFiles" {
				t.Fatalf("want *ConfigError for WithClientCertificateFiles, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("the error does not name %s: %v", tc.mention, err)
			}
			if l := leaks(err.Error(), secretsOf(srv)...); l != nil {
				t.Errorf("the error quotes the key: %v", err)
			}
		})
	}
}

// TestTLSSettingsThatCannotApplyAreRefused: a WithHTTPClient transport that
// is not an *http.Transport (a tracing wrapper, httpmock, a replayer) cannot
// take the client certificate or WithRootCAs. They used to be ignored
// silently, and the first call failed with an unknown authority; now the
// constructor says so and points at WithTransportMiddleware, which wraps
// the TLS-configured transport instead.
func TestTLSSettingsThatCannotApplyAreRefused(t *testing.T) {
	srv := mock.NewServer(t)
	cert := loyalty.WithClientCertificate(srv.ClientCertificate())
	roots := loyalty.WithRootCAs(srv.RootCAs())
	var sends int
	wrapper := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sends++
		return http.DefaultTransport.RoundTrip(r)
	})
	for _, tc := range []struct {
		name string
		opts []loyalty.CRMOption
	}{
		{"certificate", []loyalty.CRMOption{loyalty.WithHTTPClient(&http.Client{Transport: wrapper}), cert}},
		{"certificate and roots", []loyalty.CRMOption{cert, roots, loyalty.WithHTTPClient(&http.Client{Transport: wrapper})}},
		{"an in-memory transport", []loyalty.CRMOption{cert, loyalty.WithHTTPClient(&http.Client{Transport: srv.Transport()})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, tc.opts...)
			var ce *loyalty.ConfigError
			if !errors.As(err, &ce) || ce.Field != "WithHTTPClient" || crm != nil {
				t.Fatalf("got %v, %v; want a *ConfigError for WithHTTPClient", crm, err)
			}
			for _, want := range []string{"not an *http.Transport", "WithTransportMiddleware", "client certificate"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not say %q", err, want)
				}
			}
		})
	}
	// The same wrapper as a middleware goes around the TLS-configured
	// transport: the certificate and the roots apply and the call succeeds.
	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, cert, roots,
		loyalty.WithTransportMiddleware(func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) { sends++; return next.RoundTrip(r) })
		}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crm.Directory.Regions(context.Background()); err != nil {
		t.Fatalf("through the middleware: %v after %d sends; want err == nil", err, sends)
	} else if sends != 1 {
		t.Fatalf("through the middleware: %v after %d sends; want sends == 1", err, sends)
	}
}

// httpmock.Activate replaces http.DefaultTransport, which a WithHTTPClient
// without a Transport uses: that one cannot take the TLS settings either,
// and the error names it.
func TestTLSSettingsRefusedOverAReplacedDefaultTransport(t *testing.T) {
	srv := mock.NewServer(t)
	orig := http.DefaultTransport
	http.DefaultTransport = srv.Transport()
	_, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithHTTPClient(&http.Client{}))
	http.DefaultTransport = orig
	var ce *loyalty.ConfigError
	if !errors.As(err, &ce) || ce.Field != "WithHTTPClient" || !strings.Contains(err.Error(), "http.DefaultTransport") {
		t.Fatalf("got %v, want a *ConfigError naming http.DefaultTransport", err)
	}
	// The ordinary http.DefaultTransport is an *http.Transport and takes them.
	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, loyalty.WithClientCertificate(srv.ClientCertificate()),
		loyalty.WithRootCAs(srv.RootCAs()), loyalty.WithHTTPClient(&http.Client{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crm.Directory.Regions(context.Background()); err != nil {
		t.Fatalf("over the default transport: %v", err)
	}
}
