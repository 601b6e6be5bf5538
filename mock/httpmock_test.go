package mock

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestRegisterRespondersServeFaultsAndJournalWithoutSockets(t *testing.T) {
	srv, err := NewInMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	mt := httpmock.NewMockTransport()
	srv.RegisterResponders(mt)
	c := &http.Client{Transport: mt}

	srv.Fail(Fault{API: ArtixAPI, Status: 429, RetryAfter: "1"})
	resp, err := c.Get(FakeArtixURL + "/aifexchange/loaddicts")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Fatalf("status %d Retry-After %q; want resp.StatusCode == 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	} else if resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("status %d Retry-After %q; want resp.Header.Get(\"Retry-After\") == \"1\"", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	srv.Fail(Fault{Reset: true})
	if _, err := c.Get(FakeVirtPOSURL + "/api/customer"); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("reset fault: %v, want ECONNRESET", err)
	}

	srv.Fail(Fault{Truncate: true})
	resp, err = c.Get(FakeVirtPOSURL + "/api/customer")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncate fault: %v, want unexpected EOF", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Fatalf("journal has %d requests, want 3", n)
	}
	// Another host is not answered by the mock.
	if _, err := c.Get("http://elsewhere.example/"); err == nil {
		t.Fatal("unregistered host answered")
	}
}

// closeTracker is a request body that records whether it was closed.
type closeTracker struct {
	io.Reader
	closed bool
}

func (c *closeTracker) Close() error { c.closed = true; return nil }

// TestRespondersCloseRequestBody: the in-memory responders close the
// request body on every outcome, as an http.RoundTripper must (a client
// streaming its body through a pipe would otherwise block forever).
func TestRespondersCloseRequestBody(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault *Fault
	}{
		{"answer", nil},
		{"reset", &Fault{API: ArtixAPI, Reset: true}},
		{"status", &Fault{API: ArtixAPI, Status: http.StatusServiceUnavailable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewInMemory(Config{})
			if err != nil {
				t.Fatal(err)
			}
			mt := httpmock.NewMockTransport()
			s.RegisterResponders(mt)
			if tc.fault != nil {
				s.Fail(*tc.fault)
			}
			body := &closeTracker{Reader: strings.NewReader(`[{"command":"clearClient"}]`)}
			req, err := http.NewRequest(http.MethodPost, s.ArtixURL+"/aifexchange/loaddicts", body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := mt.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			if tc.fault != nil && tc.fault.Reset && err == nil {
				t.Error("Reset: want a transport error")
			}
			if !body.closed {
				t.Errorf("request body not closed (err %v)", err)
			}
		})
	}
}

// TestTransportServesWithoutRegistration: srv.Transport() answers the
// three APIs in memory, faults and journal included, and refuses another
// origin with an error naming it.
func TestTransportServesWithoutRegistration(t *testing.T) {
	srv, err := NewInMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: srv.Transport()}
	resp, err := c.Get(FakeVirtPOSURL + "/api/customer?format=json&id=1&apikey=" + srv.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Сергей") {
		t.Fatalf("VirtPOS answer %s", body)
	}
	srv.Fail(Fault{API: CRMAPI, Reset: true})
	if _, err := c.Get(FakeCRMURL + "/GetRegions"); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("reset fault: %v, want ECONNRESET", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("journal has %d requests, want 2", n)
	}
	if _, err := c.Get("http://elsewhere.example/api"); err == nil {
		t.Fatalf("another origin: %v; want err != nil", err)
	} else if !strings.Contains(err.Error(), "elsewhere.example") {
		t.Fatalf("another origin: %v; want strings.Contains(err.Error(), \"elsewhere.example\")", err)
	}
}
