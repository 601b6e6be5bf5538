package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func TestExportCSVFromEmbeddedMock(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"-mock-customers", "250", "-page-size", "40", "-log-every", "1ns"}, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 251 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("%d rows, header %v; want the header and 250 customers", len(rows), rows[0])
	}
	// Customer 1 is the spec's sample.
	if got := strings.Join(rows[1][:5], "|"); got != "1||Иванов|Сергей|Степанович" {
		t.Fatalf("first row %q", got)
	}
	if rows[1][12] != "15200" {
		t.Fatalf("sample sales/register date: %q %q; want rows[1][12] == \"15200\"", rows[1][12], rows[1][16])
	} else if rows[1][16] != "2016-07-18 13:54:37" {
		t.Fatalf("sample sales/register date: %q %q; want rows[1][16] == \"2016-07-18 13:54:37\"", rows[1][12], rows[1][16])
	}
	// Progress into a log (stderr is no terminal here): whole lines, one
	// record per -log-every, the summary once at the end.
	p := errOut.String()
	if strings.Contains(p, "\r") {
		t.Errorf("progress holds a carriage return, one long line in a CI log:\n%q", p)
	}
	if want := `msg="customers exported" done=200 total=250 percent=80 rate=`; !strings.Contains(p, want) {
		t.Errorf("progress lacks the record %q:\n%s", want, p)
	}
	if n := strings.Count(p, "customers exported: 250 in "); n != 1 || !strings.HasSuffix(p, "/s)\n") {
		t.Errorf("the summary \"customers exported: 250 in …/s)\" is printed %d times, want once, last:\n%s", n, p)
	}
}

// TestExportAsksForXMLByDefault: the wire format is the library's default,
// XML, unless -virtpos-format json asks for JSON.
func TestExportAsksForXMLByDefault(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{{nil, "xml"}, {[]string{"-virtpos-format", "json"}, "json"}} {
		srv := mock.NewServer(t, mock.Config{Customers: 3})
		args := append([]string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-q"}, tc.args...)
		if err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatalf("run %q: %v", args, err)
		}
		reqs := srv.RequestsTo(mock.VirtPOSAPI)
		if len(reqs) == 0 {
			t.Fatalf("with %q the export sent VirtPOS nothing", tc.args)
		}
		for _, r := range reqs {
			if got := r.Query.Get("format"); got != tc.want {
				t.Errorf("with %q the export asked %s for format %q, want %q", tc.args, r.Path, got, tc.want)
			}
		}
	}
}

// TestExportHelpSaysWhatItDoes: -h opens with one line saying what the
// program does.
func TestExportHelpSaysWhatItDoes(t *testing.T) {
	var usage bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	first, _, _ := strings.Cut(usage.String(), "\n")
	if want := "virtpos-export writes every VirtPOS customer to CSV or JSON Lines"; !strings.HasPrefix(first, want) {
		t.Errorf("-h opens with %q, want %q…", first, want)
	}
}

func TestExportJSONLinesFromServerFlags(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{Customers: 30})
	t.Setenv("LOYALTY_VIRTPOS_APIKEY", srv.APIKey)
	path := filepath.Join(t.TempDir(), "out.jsonl")
	var out, errOut bytes.Buffer
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-format", "xml", "-format", "jsonl", "-o", path, "-with-phone", "-page-size", "7"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	if out.Len() != 0 {
		t.Fatalf("stdout used with -o: %q", out.String())
	}
	if strings.Contains(errOut.String(), srv.APIKey) {
		t.Fatal("the apikey reached stderr")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []loyalty.Customer
	for _, c := range srv.VirtPOSCustomers() {
		if c.Phone != "" {
			want = append(want, c)
		}
	}
	sc := bufio.NewScanner(f)
	n := 0
	for ; sc.Scan(); n++ {
		var c loyalty.Customer
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if n >= len(want) {
			t.Fatalf("line %d: %+v; want n < len(want)", n+1, c)
		} else if c.ID != want[n].ID {
			t.Fatalf("line %d: %+v; want c.ID == want[n].ID", n+1, c)
		} else if c.Phone != want[n].Phone {
			t.Fatalf("line %d: %+v; want c.Phone == want[n].Phone", n+1, c)
		} else if !c.AccumulatedSales.Equal(want[n].AccumulatedSales) {
			t.Fatalf("line %d: %+v; want c.AccumulatedSales.Equal(want[n].AccumulatedSales)", n+1, c)
		}
	}
	if n != len(want) || n == 0 {
		t.Fatalf("%d lines, want %d", n, len(want))
	}
	// Paging: ceil(n/7) pages plus the count request, and nothing else.
	if got, min := len(srv.Requests()), 1+(n+6)/7; got < min {
		t.Fatalf("%d requests for %d customers in pages of 7; want got >= min", got, n)
	} else if got > min+1 {
		t.Fatalf("%d requests for %d customers in pages of 7; want got <= min + 1", got, n)
	}
}

func TestExportFailureLeavesNoFile(t *testing.T) {
	srv := mock.NewServer(t)
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 401, Times: -1})
	path := filepath.Join(t.TempDir(), "out.csv")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", "x", "-o", path, "-q"}, &out, &errOut)
	if err == nil {
		t.Fatal("run succeeded against a failing server")
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 0 {
		t.Fatalf("left files behind: %v", entries)
	}
	if strings.Contains(err.Error(), "apikey=x") {
		t.Fatalf("error shows the apikey: %v", err)
	}
}

func TestExportFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-format", "xlsx"}, {"-virtpos-format", "yaml"}, {"-page-size", "0"}, {"extra"},
		{"-virtpos-url", "https://x.example"},
	} {
		t.Setenv("LOYALTY_VIRTPOS_APIKEY", "")
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q): want an error", args)
		}
	}
}

func TestExportHelpHidesTheAPIKey(t *testing.T) {
	t.Setenv("LOYALTY_VIRTPOS_APIKEY", "top-secret-key")
	var help bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &help); err == nil {
		t.Fatal("-h: want flag.ErrHelp")
	}
	if !strings.Contains(help.String(), "-virtpos-apikey") {
		t.Fatalf("help:\n%s; want strings.Contains(help.String(), \"-virtpos-apikey\")", help.String())
	} else if !strings.Contains(help.String(), "LOYALTY_VIRTPOS_APIKEY") {
		t.Fatalf("help:\n%s; want strings.Contains(help.String(), \"LOYALTY_VIRTPOS_APIKEY\")", help.String())
	} else if strings.Contains(help.String(), "top-secret-key") {
		t.Fatalf("help:\n%s; want !strings.Contains(help.String(), \"top-secret-key\")", help.String())
	}
	o, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("the environment's apikey was not used: %v; want err == nil", err)
	} else if o.virtpos.APIKey != "top-secret-key" {
		t.Fatalf("the environment's apikey was not used: %v; want o.virtpos.APIKey == \"top-secret-key\"", err)
	}
}

// TestExportEndsAtTheTimeout: a server that never answers ends the export
// at its -timeout, leaving no file.
func TestExportEndsAtTheTimeout(t *testing.T) {
	srv := mock.NewServer(t)
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Delay: time.Hour, Times: -1})
	path := filepath.Join(t.TempDir(), "out.csv")
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-o", path, "-q", "-timeout", "300ms"}
	err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 0 {
		t.Fatalf("left files behind: %v", entries)
	}
}
