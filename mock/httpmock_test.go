package mock

import (
	"errors"
	"io"
	"net/http"
	"syscall"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestRegisterRespondersWithoutSockets(t *testing.T) {
	srv, err := New(Config{})
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
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
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
