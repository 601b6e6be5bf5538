// Package exampletest holds what the examples' tests share: files in a
// test's directory, among them a CRM's mutual-TLS material as a real
// deployment has it. It uses only the library's public API.
package exampletest

import (
	"os"
	"path/filepath"
	"testing"
)

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
// temporary directory and returns their paths.
func CertFiles(t testing.TB, src CertSource) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	return WriteFile(t, dir, "ca.pem", src.CACertPEM()), WriteFile(t, dir, "client.pem", src.ClientCertPEM()),
		WriteFile(t, dir, "client-key.pem", src.ClientKeyPEM())
}
