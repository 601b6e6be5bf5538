package exampleenv

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileReplacesAtomically: the file has the data and the mode, replaces an older
// one, and no temporary file is left beside it; a directory that does not
// exist is an error.
func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, data := range []string{"old", "new"} {
		if err := WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "new" {
		t.Fatalf("read %q %v, want new", b, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the directory, want 1", len(entries))
	}
	if err := WriteFile(filepath.Join(dir, "no", "such"), nil, 0o644); err == nil {
		t.Error("a missing directory: want an error")
	}
}

// TestFinishWithAnError: a file finished with an error never appears; the
// old file stays as it was and no temporary file is left.
func TestFinishWithAnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "export.xml")
	if err := WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := CreateFile(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("half"); err != nil {
		t.Fatal(err)
	}
	cause := errors.New("export failed")
	if err := f.Finish(cause); err != cause {
		t.Fatalf("Finish = %v, want the export's error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file holds %q, want the old one", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the directory, want 1", len(entries))
	}
}
