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
// CA from PEM files, as a user with a real CRM would. Without -write crm
// it only reads; with it, it creates one contact named for the run, with
// no phone and an e-mail under example.invalid.
func TestTourCRMWithFiles(t *testing.T) {
	srv := mock.NewServer(t)
	cfg := &config{crm: exampleenv.CRM{URL: srv.CRMURL, Firm: srv.CommercialFirmID}, run: "20261207-101530-0042"}
	cfg.crm.CA, cfg.crm.Cert, cfg.crm.Key = exampletest.CertFiles(t, srv)
	var out bytes.Buffer
	if err := tourCRM(context.Background(), &printer{w: &out}, cfg, nil); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"Иванова Мария", "read-only against a real CRM: -write crm"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, r := range srv.RequestsTo(mock.CRMAPI) {
		if r.Method != "GET" {
			t.Errorf("read-only tour sent %s %s to the CRM", r.Method, r.Path)
		}
	}

	srv.Reset()
	cfg.write = []string{"crm"}
	out.Reset()
	if err := tourCRM(context.Background(), &printer{w: &out}, cfg, nil); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	var writes []string
	for _, r := range srv.RequestsTo(mock.CRMAPI) {
		if r.Method != "GET" {
			writes = append(writes, r.Path)
		}
	}
	if len(writes) != 1 || !strings.HasSuffix(writes[0], "/CreateContact") {
		t.Errorf("with -write crm the tour wrote %q, want one CreateContact", writes)
	}
	if want := "CreateContact: "; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks the created contact and its test e-mail:\n%s; want strings.Contains(out.String(), want)", out.String())
	} else if !strings.Contains(out.String(), "quickstart-20261207-101530-0042@example.invalid") {
		t.Errorf("output lacks the created contact and its test e-mail:\n%s; want strings.Contains(out.String(), \"quickstart-20261207-101530-0042@example.invalid\")", out.String())
	}

	bad := cfg.crm
	bad.CA = exampletest.WriteFile(t, t.TempDir(), "bad.pem", []byte("not a certificate"))
	if err := tourCRM(context.Background(), &printer{w: &out}, &config{crm: bad}, nil); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Fatalf("bad CA: %v, want an error saying the file holds no PEM", err)
	}
}
