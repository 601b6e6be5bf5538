package loyalty

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/internal/testutil"
)

// BenchmarkGuardedAttempt is what the response-timeout guard adds to one
// attempt: the call's context (reqState) as the transport sees it, the
// watchdog's bookkeeping and the guarded body, against the same attempt
// on a plain context without the guard.
func BenchmarkGuardedAttempt(b *testing.B) {
	answer := []byte(`{"success":true,"result":"ok","applied":1}`)
	// handling the context as http.Transport does
	inner := testutil.NewMemTransport("application/json", func(*http.Request) []byte { return answer })
	// Boxed once, as the client's http.Client holds it.
	var g http.RoundTripper = stallGuard{rt: inner, d: time.Minute, whole: 5 * time.Minute, w: newWatchdog(time.Minute, 5*time.Minute)}
	u, _ := url.Parse("http://artix.test/aifexchange/loaddicts")
	read := func(rt http.RoundTripper, req *http.Request) {
		resp, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := readBody(resp.Body, resp.ContentLength, 1<<20)
		resp.Body.Close()
		if err != nil || len(body) != len(answer) {
			b.Fatalf("read %d bytes, %v", len(body), err)
		}
	}
	b.Run("guarded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st := &reqState{Context: context.Background(), buffered: true}
			st.hreq = *(&http.Request{Method: http.MethodPost, URL: u, Header: http.Header{}}).WithContext(st)
			read(g, &st.hreq)
			st.release()
		}
	})
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st := &reqState{Context: context.Background(), buffered: true}
			st.hreq = *(&http.Request{Method: http.MethodPost, URL: u, Header: http.Header{}}).WithContext(st.Context)
			read(inner, &st.hreq)
			st.release()
		}
	})
}
