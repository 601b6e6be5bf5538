// Package testutil holds the helpers the tests of several packages share
// (the root package's, mock's, cmd/loyalty-mock's and the examples'): raw
// HTTP calls, files in a test's directory, a log sink safe for many
// goroutines. It imports only the standard library, so the in-package
// tests of loyalty and mock can use it without an import cycle. Nothing
// outside tests imports it.
package testutil

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Do sends one request through c (http.DefaultClient when nil) and
// returns the status and the whole body; a failed request or read ends
// the test.
func Do(t testing.TB, c *http.Client, method, url, body string) (int, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// Get is Do for a GET without a body, when only the body matters.
func Get(t testing.TB, c *http.Client, url string) string {
	t.Helper()
	_, body := Do(t, c, http.MethodGet, url, "")
	return body
}

// WriteFile writes data to dir/name (mode 0600) and returns the path; a
// failed write ends the test.
func WriteFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// CertSource is what holds a CRM's mutual-TLS material as PEM (a
// *mock.Server does).
type CertSource interface {
	CACertPEM() []byte
	ClientCertPEM() []byte
	ClientKeyPEM() []byte
}

// CertFiles writes src's CA, client certificate and client key to a new
// temporary directory, as a real deployment has them, and returns their
// paths.
func CertFiles(t testing.TB, src CertSource) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	return WriteFile(t, dir, "ca.pem", src.CACertPEM()), WriteFile(t, dir, "client.pem", src.ClientCertPEM()),
		WriteFile(t, dir, "client-key.pem", src.ClientKeyPEM())
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers (a log sink of
// goroutines, a recorder fed by many requests).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
