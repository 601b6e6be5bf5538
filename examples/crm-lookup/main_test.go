package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampletest"
	"github.com/loyaltykit/loyalty/mock"
)

func TestLookupEmbeddedMock(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Иванова Мария Сергеевна  contact " + mock.CRMContactID.String(),
		"phone 79161234567 · e-mail maria.ivanova@example.ru · born 1985-03-14 · level Золотой",
		mock.CRMOwnedCardNumber + "  Пластиковая бонусная  ",
		"balance 12345678901234567890.123456789, active 1234.5678901234567890123456789",
		"Скидка 15% на кофе  (15%, 2017-08-01 – 2017-08-31)",
		"С днём рождения!  (7.5%",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLookupServerFlagsJSON(t *testing.T) {
	srv := mock.NewServer(t)
	ca, cert, key := exampletest.CertFiles(t, srv)
	t.Setenv("LOYALTY_CRM_FIRM", srv.CommercialFirmID)
	server := []string{"-crm-url", srv.CRMURL, "-crm-cert", cert, "-crm-key", key, "-crm-ca", ca}
	var out bytes.Buffer
	if err := run(context.Background(), append(server, "-json", "-phone", "8 903 555-00-11"), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var res []Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(res) != 1 {
		t.Fatalf("result %+v; want len(res) == 1", res)
	} else if res[0].Contact.ContactID != mock.CRMContact2ID {
		t.Fatalf("result %+v; want res[0].Contact.ContactID == mock.CRMContact2ID", res)
	} else if len(res[0].Cards) != 0 {
		t.Fatalf("result %+v; want len(res[0].Cards) == 0", res)
	} else if res[0].Campaigns == nil {
		t.Fatalf("result %+v; want res[0].Campaigns != nil", res)
	}

	// A card bound since shows up with its balance.
	if _, err := srv.CRM().Contacts.BindPhysicalCard(context.Background(),
		loyalty.PhysicalCardRequest{ContactID: mock.CRMContact2ID, CardNumber: mock.CRMFreeCardNumber}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), server, &out, &bytes.Buffer{}); err == nil {
		t.Fatal("no -phone with -crm-url accepted")
	}
	if err := run(context.Background(), append(server, "-phone", "+79035550011"), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), mock.CRMFreeCardNumber) {
		t.Fatalf("output %s; want strings.Contains(out.String(), mock.CRMFreeCardNumber)", out.String())
	} else if !strings.Contains(out.String(), "no personal campaigns") {
		t.Fatalf("output %s; want strings.Contains(out.String(), \"no personal campaigns\")", out.String())
	}
}

func TestLookupNotFound(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-phone", "+7 999 000-00-00"}, &out, &bytes.Buffer{})
	if !errors.Is(err, ErrNoContact) {
		t.Fatalf("err %v, want ErrNoContact", err)
	}
}

func TestLookupCRMErrorsSurface(t *testing.T) {
	srv := mock.NewServer(t)
	ca, cert, key := exampletest.CertFiles(t, srv)
	args := []string{"-crm-url", srv.CRMURL, "-crm-firm", "wrong-firm", "-crm-cert", cert, "-crm-key", key, "-crm-ca", ca, "-phone", "89161234567"}
	err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, loyalty.CodeAccessDenied) {
		t.Fatalf("wrong firm: %v, want CodeAccessDenied", err)
	}
}

func TestLookupFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-phone", "12"}, {"-crm-url", "https://crm.example", "-phone", "89161234567"}, {"extra"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q): want an error", args)
		}
	}
}

// TestLookupEndsAtTheTimeout: a CRM that never answers ends the run at its
// -timeout with a deadline error instead of hanging.
func TestLookupEndsAtTheTimeout(t *testing.T) {
	srv := mock.NewServer(t)
	ca, cert, key := exampletest.CertFiles(t, srv)
	srv.Fail(mock.Fault{API: mock.CRMAPI, Delay: time.Hour, Times: -1})
	args := []string{"-crm-url", srv.CRMURL, "-crm-firm", srv.CommercialFirmID, "-crm-cert", cert, "-crm-key", key, "-crm-ca", ca,
		"-phone", "89161234567", "-timeout", "300ms"}
	err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
}

// -h says in one line what the program does and lists the CRM
// environment variables beside the flags.
func TestLookupHelpListsEnvironmentVariables(t *testing.T) {
	var usage bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &usage); err == nil {
		t.Fatal("-h: want flag.ErrHelp")
	}
	first, _, _ := strings.Cut(usage.String(), "\n")
	if want := "crm-lookup finds loyalty CRM contacts by phone"; !strings.HasPrefix(first, want) {
		t.Errorf("-h opens with %q, want %q…", first, want)
	}
	for _, want := range []string{"-crm-url", "-phone", "Environment variables", "LOYALTY_CRM_URL", "LOYALTY_CRM_FIRM", "LOYALTY_CRM_CERT", "LOYALTY_CRM_KEY", "LOYALTY_CRM_CA"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("usage lacks %s:\n%s", want, usage.String())
		}
	}
}
