package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty/mock"
)

// TestReportFullCountsResentClients: with -full, clients the tills already
// have are sent again and reported as re-sent, not as unchanged (which
// means "not sent").
func TestReportFullCountsResentClients(t *testing.T) {
	srv := mock.NewServer(t)
	statePath := filepath.Join(t.TempDir(), "state.json")
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL, "-state", statePath}
	n := withPhone(t, srv)
	if _, err := runJSON(t, args...); err != nil {
		t.Fatalf("first run: %v", err)
	}
	before := len(srv.RequestsTo(mock.ArtixAPI))
	r, err := runJSON(t, append(args, "-full")...)
	if err != nil {
		t.Fatalf("run with -full: %v", err)
	}
	if r.Resent != n || r.Unchanged != 0 || r.Added+r.Updated != 0 {
		t.Errorf("-full reported resent %d, unchanged %d, added %d, updated %d; want resent %d and nothing else", r.Resent, r.Unchanged, r.Added, r.Updated, n)
	}
	if sent := len(srv.RequestsTo(mock.ArtixAPI)) - before; sent == 0 {
		t.Error("-full sent nothing to the tills")
	}
	var out bytes.Buffer
	if err := run(context.Background(), append(args, "-full"), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if want := "re-sent unchanged "; !strings.Contains(out.String(), want) {
		t.Errorf("text report lacks %q:\n%s", want, out.String())
	}
}

// TestReportOneFailedBatchIsOneError: a refused batch of many clients is
// one error; the report lists it and says nothing of errors it did not
// list (it used to print "… and 9 more failures" for the batch's other
// clients).
func TestReportOneFailedBatchIsOneError(t *testing.T) {
	srv := mock.NewServer(t)
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL, "-batch", "10"}
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 400, Body: `{"error":"диск заполнен"}`})
	var out bytes.Buffer
	err := run(context.Background(), args, &out, &bytes.Buffer{})
	if err == nil {
		t.Fatal("run with a refused batch: want an error")
	}
	if got := strings.Count(out.String(), "  error: "); got != 1 {
		t.Errorf("report lists %d errors, want the 1 refused batch:\n%s", got, out.String())
	}
	if strings.Contains(out.String(), "more") {
		t.Errorf("report speaks of more errors than it lists, with one error:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "failed 10") {
		t.Errorf("report does not count the batch's 10 clients as failed:\n%s", out.String())
	}
}

// TestReportCountsErrorsPastTheListed: past the first maxReportedErrors,
// errors are counted, and the report says how many it did not list.
func TestReportCountsErrorsPastTheListed(t *testing.T) {
	r := &Report{}
	for range maxReportedErrors + 3 {
		r.fail(2, errors.New("refused"))
	}
	if len(r.Errors) != maxReportedErrors || r.MoreErrors != 3 || r.Failed != 2*(maxReportedErrors+3) {
		t.Fatalf("listed %d, more %d, failed %d; want %d, 3, %d", len(r.Errors), r.MoreErrors, r.Failed, maxReportedErrors, 2*(maxReportedErrors+3))
	}
	var out bytes.Buffer
	printReport(&out, r, false)
	if want := "  … and 3 more errors\n"; !strings.Contains(out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, out.String())
	}
}

// TestSyncReportsProgress: the customers read are reported on stderr (a
// log record every -log-every when it is not a terminal), and once as a
// summary with the count and the rate; the report stays on stdout.
func TestSyncReportsProgress(t *testing.T) {
	srv := mock.NewServer(t)
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL, "-log-every", "1ns"}
	n := withPhone(t, srv)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	if want := `msg="customers read from VirtPOS" done=1 total=`; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks the progress record %q:\n%s", want, errOut.String())
	}
	if got := strings.Count(errOut.String(), "customers read from VirtPOS: "); got != 1 {
		t.Errorf("the summary is printed %d times, want once:\n%s", got, errOut.String())
	}
	if want := "customers read from VirtPOS: " + itoa(int64(n)) + " in "; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks the summary %q…:\n%s", want, errOut.String())
	}
	if strings.Contains(out.String(), "level=INFO") {
		t.Errorf("progress reached stdout, the report's:\n%s", out.String())
	}
}

// TestSyncHelpSaysWhatItDoes: -h opens with one line saying what the
// program does.
func TestSyncHelpSaysWhatItDoes(t *testing.T) {
	var usage bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	first, _, _ := strings.Cut(usage.String(), "\n")
	if want := "sync-to-artix loads VirtPOS customers"; !strings.HasPrefix(first, want) {
		t.Errorf("-h opens with %q, want %q…", first, want)
	}
}
