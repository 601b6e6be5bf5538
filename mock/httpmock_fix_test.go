package mock

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

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
			s, err := New(Config{})
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
