package loyalty

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// ctxTransport answers every request from memory, handling its context
// the way http.Transport does: a cancellable context derived from the
// request's for the round trip (context.WithCancelCause, which asks the
// parent's Done, Value and AfterFunc), cancelled once the body is closed.
type ctxTransport struct{ body []byte }

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(r.Context())
	if ctx.Err() != nil {
		cancel(nil)
		return nil, context.Cause(ctx)
	}
	return &http.Response{StatusCode: http.StatusOK, ContentLength: int64(len(t.body)),
		Body: &ctxBody{b: t.body, cancel: cancel}}, nil
}

type ctxBody struct {
	b      []byte
	cancel context.CancelCauseFunc
}

func (b *ctxBody) Read(p []byte) (int, error) {
	n := copy(p, b.b)
	b.b = b.b[n:]
	if len(b.b) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func (b *ctxBody) Close() error { b.cancel(nil); return nil }

// BenchmarkGuardedAttempt is what the response-timeout guard adds to one
// attempt: the call's context (reqState) as the transport sees it, the
// watchdog's bookkeeping and the guarded body, against the same attempt
// on a plain context without the guard.
func BenchmarkGuardedAttempt(b *testing.B) {
	answer := []byte(`{"success":true,"result":"ok","applied":1}`)
	inner := ctxTransport{body: answer}
	g := stallGuard{rt: inner, d: time.Minute, whole: 5 * time.Minute, w: newWatchdog(time.Minute, 5*time.Minute)}
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
