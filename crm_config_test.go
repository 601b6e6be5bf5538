package loyalty_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// NewCRM's configuration: refused options, certificate files and the TLS
// handshake's failures.

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewCRMConfigErrors(t *testing.T) {
	srv := mock.NewServer(t)
	dir := t.TempDir()
	certFile := writeFile(t, dir, "client.crt", srv.ClientCertPEM())
	const secret = "MHcCAQEEIVERYSECRETKEYMATERIALdoNotPrintMe"
	badKey := writeFile(t, dir, "bad.key", []byte("-----BEGIN EC PRIVATE KEY-----\n"+secret+"\n-----END EC PRIVATE KEY-----\n"))
	other := mock.NewServer(t)
	otherKey := writeFile(t, dir, "other.key", other.ClientKeyPEM())
	cert := loyalty.WithClientCertificate(srv.ClientCertificate())
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}

	for _, tc := range []struct {
		name, url, firm string
		opts            []loyalty.CRMOption
		field           string
	}{
		{"empty firm", srv.CRMURL, " ", []loyalty.CRMOption{cert}, "commercialFirmID"},
		{"no client certificate", srv.CRMURL, "firm-1", nil, "WithClientCertificate"},
		{"empty certificate", srv.CRMURL, "firm-1", []loyalty.CRMOption{loyalty.WithClientCertificate(tls.Certificate{})}, "WithClientCertificate"},
		{"plain http", "http://crm.example.ru/api", "firm-1", []loyalty.CRMOption{cert}, "baseURL"},
		{"nil roots", srv.CRMURL, "firm-1", []loyalty.CRMOption{cert, loyalty.WithRootCAs(nil)}, "WithRootCAs"},
		{"unknown param style", srv.CRMURL, "firm-1", []loyalty.CRMOption{cert, loyalty.WithParamStyle(7)}, "WithParamStyle"},
		{"missing cert file", srv.CRMURL, "firm-1", []loyalty.CRMOption{loyalty.WithClientCertificateFiles(filepath.Join(dir, "nope.crt"), badKey)}, "WithClientCertificateFiles"},
		{"bad key PEM", srv.CRMURL, "firm-1", []loyalty.CRMOption{loyalty.WithClientCertificateFiles(certFile, badKey)}, "WithClientCertificateFiles"},
		{"key of another certificate", srv.CRMURL, "firm-1", []loyalty.CRMOption{loyalty.WithClientCertificateFiles(certFile, otherKey)}, "WithClientCertificateFiles"},
		{"insecure transport", srv.CRMURL, "firm-1", []loyalty.CRMOption{cert, loyalty.WithHTTPClient(insecure)}, "WithHTTPClient"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loyalty.NewCRM(tc.url, tc.firm, tc.opts...)
			var ce *loyalty.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("got %v, %v; want *ConfigError for %s", c, err, tc.field)
			}
			msg := err.Error()
			if strings.Contains(msg, secret) {
				t.Fatalf("error prints key material: %s; want !strings.Contains(msg, secret)", msg)
			} else if strings.Contains(msg, "PRIVATE KEY-----") {
				t.Fatalf("error prints key material: %s; want !strings.Contains(msg, \"PRIVATE KEY-----\")", msg)
			} else if strings.Contains(msg, string(other.ClientKeyPEM()[40:80])) {
				t.Fatalf("error prints key material: %s; want !strings.Contains(msg, string(other.ClientKeyPEM()[40:80]))", msg)
			}
		})
	}
}

func TestCRMCertificateFiles(t *testing.T) {
	srv := mock.NewServer(t)
	dir := t.TempDir()
	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificateFiles(writeFile(t, dir, "c.crt", srv.ClientCertPEM()), writeFile(t, dir, "c.key", srv.ClientKeyPEM())),
		loyalty.WithRootCAs(srv.RootCAs()))
	if err != nil {
		t.Fatal(err)
	}
	regs, err := crm.Directory.Regions(context.Background())
	if err != nil {
		t.Fatalf("Regions: %+v, %v; want err == nil", regs, err)
	} else if len(regs) != 2 {
		t.Fatalf("Regions: %+v, %v; want len(regs) == 2", regs, err)
	} else if regs[0].Name != "Москва" {
		t.Fatalf("Regions: %+v, %v; want regs[0].Name == \"Москва\"", regs, err)
	}
	if crm.CommercialFirmID() != srv.CommercialFirmID {
		t.Fatalf("accessors: %q %v; want crm.CommercialFirmID() == srv.CommercialFirmID", crm.CommercialFirmID(), crm.ParamStyle())
	} else if crm.ParamStyle() != loyalty.ParamsJSON {
		t.Fatalf("accessors: %q %v; want crm.ParamStyle() == loyalty.ParamsJSON", crm.CommercialFirmID(), crm.ParamStyle())
	}
}

func TestCRMHandshakeFailures(t *testing.T) {
	srv := mock.NewServer(t)
	ctx := context.Background()
	cert := loyalty.WithClientCertificate(srv.ClientCertificate())

	t.Run("no client certificate on the wire", func(t *testing.T) {
		// A middleware that ignores the transport it wraps replaces the
		// client's TLS settings with its own, which send no certificate.
		bare := loyalty.WithTransportMiddleware(func(http.RoundTripper) http.RoundTripper {
			return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs()}}
		})
		crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, cert, bare, loyalty.WithoutRetries())
		if err != nil {
			t.Fatal(err)
		}
		_, err = crm.Directory.Partners(ctx)
		var re *loyalty.RequestError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "TLS handshake with the CRM failed") || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v, want a TLS *RequestError", err)
		}
		t.Log(err)
	})
	t.Run("server not trusted", func(t *testing.T) {
		crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, cert, loyalty.WithRootCAs(x509.NewCertPool()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = crm.Directory.Partners(ctx)
		if !errors.As(err, new(*loyalty.RequestError)) || !strings.Contains(err.Error(), "x509") || loyalty.Attempts(err) != 1 {
			t.Fatalf("got %v (attempts %d), want one failed verification", err, loyalty.Attempts(err))
		}
	})
	t.Run("server limited to TLS 1.1", func(t *testing.T) {
		old := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"partners":[],"errors":[]}`))
		}))
		old.Config.ErrorLog = log.New(io.Discard, "", 0)
		old.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
		old.StartTLS()
		defer old.Close()
		pool := x509.NewCertPool()
		pool.AddCert(old.Certificate())
		crm, err := loyalty.NewCRM(old.URL, "firm-1", cert, loyalty.WithRootCAs(pool), loyalty.WithoutRetries())
		if err != nil {
			t.Fatal(err)
		}
		_, err = crm.Directory.Partners(ctx)
		if !errors.As(err, new(*loyalty.RequestError)) || !strings.Contains(err.Error(), "protocol version") {
			t.Fatalf("got %v, want a protocol version failure", err)
		}
	})
	t.Run("caller's transport is cloned, not changed", func(t *testing.T) {
		tr := &http.Transport{}
		crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, cert, loyalty.WithRootCAs(srv.RootCAs()), loyalty.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := crm.Directory.Partners(ctx); err != nil {
			t.Fatal(err)
		}
		if tr.TLSClientConfig != nil && (len(tr.TLSClientConfig.Certificates) > 0 || tr.TLSClientConfig.RootCAs != nil) {
			t.Fatal("the caller's transport was given the certificate")
		}
	})
}
