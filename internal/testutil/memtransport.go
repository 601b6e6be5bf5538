package testutil

import (
	"context"
	"io"
	"net/http"
)

// MemTransport is an in-memory http.RoundTripper: it drains and closes
// the request body and answers 200 with the bytes Answer picks, without a
// socket or a server goroutine, so a benchmark through it measures the
// client alone. Like http.Transport, it derives a cancellable context from
// the request's for the round trip and cancels it when the body is
// closed, so what a client's own context costs the transport is counted.
// Header is shared by every response (clients only read it).
type MemTransport struct {
	Header http.Header
	Answer func(*http.Request) []byte
}

// NewMemTransport answers with contentType and the bytes answer picks.
func NewMemTransport(contentType string, answer func(*http.Request) []byte) *MemTransport {
	return &MemTransport{Header: http.Header{"Content-Type": {contentType}}, Answer: answer}
}

// RoundTrip answers r from memory.
func (m *MemTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(r.Context())
	if err := ctx.Err(); err != nil {
		cancel(nil)
		return nil, err
	}
	if r.Body != nil {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			cancel(err)
			return nil, err
		}
		r.Body.Close()
	}
	b := m.Answer(r)
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: m.Header, Body: &memBody{b: b, cancel: cancel}, ContentLength: int64(len(b)), Request: r,
	}, nil
}

// memBody reads a fixed byte slice; closing it ends the round trip's
// context.
type memBody struct {
	b      []byte
	cancel context.CancelCauseFunc
}

func (m *memBody) Read(p []byte) (int, error) {
	if len(m.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, m.b)
	m.b = m.b[n:]
	return n, nil
}

func (m *memBody) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(m.b)
	m.b = m.b[n:]
	return int64(n), err
}

func (m *memBody) Close() error {
	m.cancel(nil)
	return nil
}

var _ io.WriterTo = (*memBody)(nil)
