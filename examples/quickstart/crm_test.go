package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
	"github.com/loyaltykit/loyalty/examples/internal/exampletest"
	"github.com/loyaltykit/loyalty/mock"
)

// TestTourCRMWithFiles runs the "real server" path: certificate, key and
// CA from PEM files, as a user with a real CRM would.
func TestTourCRMWithFiles(t *testing.T) {
	srv := mock.NewServer(t)
	cfg := &config{crm: exampleenv.CRM{URL: srv.CRMURL, Firm: srv.CommercialFirmID}}
	cfg.crm.CA, cfg.crm.Cert, cfg.crm.Key = exampletest.CertFiles(t, srv)
	var out bytes.Buffer
	if err := tourCRM(context.Background(), &printer{w: &out}, cfg, nil); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"Иванова Мария", "CreateContact", "skipped against a real CRM"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	cfg.crm.CA = exampletest.WriteFile(t, t.TempDir(), "bad.pem", []byte("not a certificate"))
	if err := tourCRM(context.Background(), &printer{w: &out}, cfg, nil); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Fatalf("bad CA: %v", err)
	}
}
