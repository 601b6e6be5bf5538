package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty/examples/internal/exampletest"
	"github.com/loyaltykit/loyalty/mock"
)

func TestQuickstartAgainstMock(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out, io.Discard); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"== Embedded mock server", "== VirtPOS", "== CRM", "== Artix", "== Done"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestQuickstartFlags(t *testing.T) {
	for _, args := range [][]string{{"-only", "nope"}, {"-write", "virtpos,nope"}, {"-virtpos-url", "https://x.example"}, {"extra"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q): want an error", args)
		}
	}
	cfg, err := parseFlags([]string{"-only", "crm", "-crm-url", "https://crm.example"}, io.Discard)
	if err != nil {
		t.Fatalf("cfg %+v err %v; want err == nil", cfg, err)
	} else if cfg.wants("virtpos") {
		t.Fatalf("cfg %+v err %v; want !cfg.wants(\"virtpos\")", cfg, err)
	} else if !cfg.wants("crm") {
		t.Fatalf("cfg %+v err %v; want cfg.wants(\"crm\")", cfg, err)
	} else if cfg.needsMock() {
		t.Fatalf("cfg %+v err %v; want !cfg.needsMock()", cfg, err)
	}
}

func TestQuickstartHelpHidesSecrets(t *testing.T) {
	t.Setenv("LOYALTY_VIRTPOS_APIKEY", "canary-apikey-4711")
	t.Setenv("LOYALTY_ARTIX_PASSWORD", "canary-password-4711")
	var usage bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &usage); err == nil {
		t.Fatal("-h: want flag.ErrHelp")
	}
	first, _, _ := strings.Cut(usage.String(), "\n")
	if want := "quickstart tours the VirtPOS, CRM and Artix APIs"; !strings.HasPrefix(first, want) {
		t.Errorf("-h opens with %q, want %q…", first, want)
	}
	for _, want := range []string{"-virtpos-apikey", "LOYALTY_VIRTPOS_APIKEY", "LOYALTY_ARTIX_PASSWORD", "LOYALTY_CRM_CERT", "-write", "exchanger, where loads go"} {
		if !strings.Contains(usage.String(), want) {
			t.Fatalf("usage lacks %s:\n%s", want, usage.String())
		}
	}
	if strings.Contains(usage.String(), "canary") {
		t.Fatalf("usage prints a secret:\n%s", usage.String())
	}
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatalf("secrets from the environment not used: %v; want err == nil", err)
	} else if cfg.virtpos.APIKey != "canary-apikey-4711" {
		t.Fatalf("secrets from the environment not used: %v; want cfg.virtpos.APIKey == \"canary-apikey-4711\"", err)
	} else if cfg.artix.Password != "canary-password-4711" {
		t.Fatalf("secrets from the environment not used: %v; want cfg.artix.Password == \"canary-password-4711\"", err)
	}
}

// realServerArgs point every part of the tour at srv as if it were a real
// server (so no embedded mock starts).
func realServerArgs(t *testing.T, srv *mock.Server) []string {
	ca, cert, key := exampletest.CertFiles(t, srv)
	return []string{
		"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey,
		"-crm-url", srv.CRMURL, "-crm-firm", srv.CommercialFirmID, "-crm-cert", cert, "-crm-key", key, "-crm-ca", ca,
		"-artix-url", srv.ArtixURL,
	}
}

// writesTo are the requests of the journal that can change data: every
// VirtPOS and CRM request but GETs, every Artix load.
func writesTo(srv *mock.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet {
			out = append(out, fmt.Sprintf("%s %s %s", r.API, r.Method, r.Path))
		}
	}
	return out
}

// TestQuickstartReadsOnlyFromRealServers: pointed at real servers without
// -write, the tour sends no request that could change anything, and says
// which flag would let it.
func TestQuickstartReadsOnlyFromRealServers(t *testing.T) {
	srv := mock.NewServer(t)
	before := len(srv.VirtPOSCustomers())
	var out bytes.Buffer
	if err := run(context.Background(), realServerArgs(t, srv), &out, io.Discard); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if w := writesTo(srv); len(w) > 0 {
		t.Errorf("the tour changed real servers without -write:\n%s", strings.Join(w, "\n"))
	}
	if got := len(srv.VirtPOSCustomers()); got != before {
		t.Errorf("VirtPOS has %d customers after the tour, want the %d it had", got, before)
	}
	for _, want := range []string{"-write virtpos lets", "-write crm lets", "-write artix lets", "== Done"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "Embedded mock server") {
		t.Errorf("an embedded mock started although every part has a server:\n%s", out.String())
	}
}

// TestQuickstartWritesWhatWriteNames: -write virtpos,artix writes to those
// two only, with ids made for the run; the Artix test clients are all
// deleted again and so is the VirtPOS card. Two runs create two customers,
// and each reports the customer it created.
func TestQuickstartWritesWhatWriteNames(t *testing.T) {
	srv := mock.NewServer(t)
	clientsBefore := len(srv.ArtixCustomers())
	args := append(realServerArgs(t, srv), "-write", "virtpos,artix")
	var created []string
	for i := range 2 {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, io.Discard); err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out.String())
		}
		create := regexp.MustCompile(`Create: customer #(\d+) .*external id (quickstart-\S+),`).FindStringSubmatch(out.String())
		update := regexp.MustCompile(`Update: #(\d+) `).FindStringSubmatch(out.String())
		if create == nil {
			t.Fatalf("run %d: output lacks the Create and Update lines:\n%s; want create != nil", i+1, out.String())
		} else if update == nil {
			t.Fatalf("run %d: output lacks the Create and Update lines:\n%s; want update != nil", i+1, out.String())
		}
		if create[1] != update[1] {
			t.Errorf("run %d created customer #%s but reports the update of #%s", i+1, create[1], update[1])
		}
		created = append(created, create[2])
		if !strings.Contains(out.String(), "-write crm lets") {
			t.Errorf("run %d: the CRM part is not read-only without -write crm:\n%s", i+1, out.String())
		}
	}
	if created[0] == created[1] {
		t.Errorf("both runs used external id %s; want one per run", created[0])
	}
	for _, w := range writesTo(srv) {
		if strings.HasPrefix(w, "crm ") {
			t.Errorf("-write virtpos,artix wrote to the CRM: %s", w)
		}
	}
	for id := range srv.ArtixCustomers() {
		if strings.HasPrefix(id, "qs-") {
			t.Errorf("test client %s left on the register", id)
		}
	}
	if got := len(srv.ArtixCustomers()); got != clientsBefore {
		t.Errorf("the register has %d clients after the tours, want the %d it had", got, clientsBefore)
	}
	for _, ext := range created {
		uid := cardUID(strings.TrimPrefix(ext, "quickstart-"))
		for _, c := range srv.VirtPOSCards() {
			if c.UID == uid {
				t.Errorf("test card %s of %s left in VirtPOS", uid, ext)
			}
		}
	}
}

// TestQuickstartArtixDirAlone: with only -artix-dir the Artix part starts
// no mock and sends nothing over HTTP; without -write it writes no file,
// with -write artix one batch that adds and deletes its test client.
func TestQuickstartArtixDirAlone(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-only", "artix", "-artix-dir", dir}, &out, io.Discard); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, unwanted := range []string{"Embedded mock server", "HTTP transport"} {
		if strings.Contains(out.String(), unwanted) {
			t.Errorf("output has %q with only -artix-dir:\n%s", unwanted, out.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("read-only run wrote %d files into the exchange directory", len(entries))
	}
	out.Reset()
	if err := run(context.Background(), []string{"-only", "artix", "-artix-dir", dir, "-write", "artix"}, &out, io.Discard); err != nil {
		t.Fatalf("run -write artix: %v\n%s", err, out.String())
	}
	aif, _ := filepath.Glob(filepath.Join(dir, "pos*.aif"))
	if len(aif) != 1 {
		t.Fatalf("-write artix wrote %d batch files, want 1", len(aif))
	}
	data, err := os.ReadFile(aif[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"addClient"`) || !strings.Contains(string(data), `"deleteClient"`) || !strings.Contains(string(data), "qs-") {
		t.Errorf("the batch does not add and delete a qs- test client:\n%s", data)
	}
}
