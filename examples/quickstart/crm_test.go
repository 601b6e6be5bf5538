package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
	"github.com/loyaltykit/loyalty/mock"
)

// TestTourCRMWithFiles runs the "real server" path: certificate, key and
// CA from PEM files, as a user with a real CRM would.
func TestTourCRMWithFiles(t *testing.T) {
	srv := mock.NewServer(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := &config{crm: exampleenv.CRM{URL: srv.CRMURL, Firm: srv.CommercialFirmID,
		Cert: write("c.crt", srv.ClientCertPEM()), Key: write("c.key", srv.ClientKeyPEM()), CA: write("ca.pem", srv.CACertPEM())}}
	var out bytes.Buffer
	if err := tourCRM(context.Background(), &printer{w: &out}, cfg, nil); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"Иванова Мария", "CreateContact", "skipped against a real CRM"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	cfg.crm.CA = write("bad.pem", []byte("not a certificate"))
	if err := tourCRM(context.Background(), &printer{w: &out}, cfg, nil); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Fatalf("bad CA: %v", err)
	}
}
