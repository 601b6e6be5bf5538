package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty/mock"
)

// TestSyncConfirm: with -confirm-timeout every batch waits for the cash
// registers' status callbacks (the mock sends them over real sockets to
// the tool's receiver), and the report says, per shop and per cash
// register, what loaded, what failed (with the register's message) and
// what got no answer in time. A batch that was not loaded everywhere is
// not recorded in the state file, so the next run sends it again.
func TestSyncConfirm(t *testing.T) {
	srv := mock.NewServer(t)
	srv.RequireArtixShopCode("111")
	srv.SetArtixCashes(3)
	// The first load: cash 2 fails; the second: cash 3 never finishes;
	// the third: no register reports at all.
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Callbacks: &mock.ArtixCallbacks{Status: map[string]string{"2": "STATUS_ERROR"}, Message: "Нет места на диске"}})
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Callbacks: &mock.ArtixCallbacks{Silent: []string{"3"}}})
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Callbacks: &mock.ArtixCallbacks{Never: true}})
	n := withPhone(t, srv)
	if n <= 30 {
		t.Fatalf("the seed has %d customers with a phone; the test wants more than three batches", n)
	}
	statePath := filepath.Join(t.TempDir(), "state.json")
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL,
		"-artix-shopcode", "111", "-state", statePath, "-batch", "10",
		"-confirm-timeout", "2s", "-cashes", "3", "-status-listen", "127.0.0.1:0"}
	r, err := runJSON(t, args...)
	if err == nil {
		t.Fatal("a run with a failed and an unconfirmed batch succeeded")
	}
	if r.Failed != 10 || r.Unconfirmed != 20 || r.Added != n-30 {
		t.Fatalf("report %+v: want 10 failed, 20 unconfirmed, %d added", r, n-30)
	}
	batches := (n + 9) / 10
	if len(r.Loads) != 1 || r.Loads[0].Shop != "111" || r.Loads[0].Batches != batches || len(r.Loads[0].Cashes) != 3 || r.Loads[0].Silent != 3 {
		t.Fatalf("loads %+v: want shop 111, %d batches, 3 cash registers, once all 3 silent", r.Loads, batches)
	}
	want := []CashLoad{
		{Cash: "1", State: "loaded", Loaded: batches - 1},
		{Cash: "2", State: "failed", Loaded: batches - 2, Failed: 1, Message: "Нет места на диске"},
		{Cash: "3", State: "no answer", Loaded: batches - 2, NoAnswer: 1},
	}
	for i, c := range r.Loads[0].Cashes {
		if c != want[i] {
			t.Errorf("cash %s: %+v, want %+v", c.Cash, c, want[i])
		}
	}
	if !strings.Contains(strings.Join(r.Errors, "\n"), "cash 2 STATUS_ERROR: Нет места на диске") {
		t.Errorf("errors %q do not name cash 2 and its message", r.Errors)
	}
	if srv.ArtixCustomerCount() != n {
		t.Errorf("%d clients on the tills, want %d: a queued batch is loaded", srv.ArtixCustomerCount(), n)
	}

	// The next run sends the three batches again, and they load.
	r, err = runJSON(t, args...)
	if err != nil || r.Added != 30 || r.Unchanged != n-30 || r.Loads[0].Batches != 3 {
		t.Fatalf("next run %+v %v: want the 30 clients not loaded everywhere sent again", r, err)
	}
	checkTills(t, srv)

	// The text report names each cash register.
	var out, errOut bytes.Buffer
	if err := run(t.Context(), append(args, "-full"), &out, &errOut); err != nil {
		t.Fatalf("run: %v (%s)", err, errOut.String())
	}
	for _, s := range []string{"shop 111", "cash 1: loaded", "cash 3: loaded"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, out.String())
		}
	}
}

// TestSyncConfirmEmbeddedMock: with no servers given, the embedded mock
// calls back the tool's receiver on loopback.
func TestSyncConfirmEmbeddedMock(t *testing.T) {
	r, err := runJSON(t, "-confirm-timeout", "30s", "-cashes", "2", "-batch", "50")
	if err != nil {
		t.Fatalf("report %+v %v; want err == nil", r, err)
	} else if r.Failed+r.Unconfirmed != 0 {
		t.Fatalf("report %+v %v; want r.Failed + r.Unconfirmed == 0", r, err)
	} else if len(r.Loads) != 1 {
		t.Fatalf("report %+v %v; want len(r.Loads) == 1", r, err)
	} else if len(r.Loads[0].Cashes) != 2 {
		t.Fatalf("report %+v %v; want len(r.Loads[0].Cashes) == 2", r, err)
	} else if r.Loads[0].Cashes[1].State != "loaded" {
		t.Fatalf("report %+v %v; want r.Loads[0].Cashes[1].State == \"loaded\"", r, err)
	}
}

func TestSyncConfirmFlags(t *testing.T) {
	var usage bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &usage); err == nil {
		t.Fatal("-h: want flag.ErrHelp")
	}
	for _, s := range []string{"-confirm-timeout", "LOYALTY_ARTIX_CONFIRM_TIMEOUT", "-cashes", "-status-listen", "-status-address", "LOYALTY_ARTIX_STATUS_ADDRESS"} {
		if !strings.Contains(usage.String(), s) {
			t.Errorf("-h lacks %s:\n%s", s, usage.String())
		}
	}
	t.Setenv("LOYALTY_ARTIX_CONFIRM_TIMEOUT", "90s")
	o, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("from the environment: %+v %v; want err == nil", o, err)
	} else if o.confirm.timeout.Seconds() != 90 {
		t.Fatalf("from the environment: %+v %v; want o.confirm.timeout.Seconds() == 90", o, err)
	}
	for _, args := range [][]string{
		{"-confirm-timeout", "1m", "-mock-transport", "dir"},
		{"-confirm-timeout", "1m", "-artix-dir", "/tmp"},
		{"-confirm-timeout", "1m", "-artix-url", "http://kassa-1:28080"}, // no shop code
		{"-confirm-timeout", "-1s"},
		{"-cashes", "0"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q): want an error", args)
		}
	}
	t.Setenv("LOYALTY_ARTIX_CONFIRM_TIMEOUT", "soon")
	if _, err := parseFlags(nil, &bytes.Buffer{}); err == nil {
		t.Errorf("a bad duration in the environment: %v; want err != nil", err)
	} else if !strings.Contains(err.Error(), "LOYALTY_ARTIX_CONFIRM_TIMEOUT") {
		t.Errorf("a bad duration in the environment: %v; want strings.Contains(err.Error(), \"LOYALTY_ARTIX_CONFIRM_TIMEOUT\")", err)
	}
}
