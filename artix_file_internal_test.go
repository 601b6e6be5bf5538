package loyalty

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestArtixFlagFailureRemovesBatch: when the .flz flag cannot be created,
// the placed .aif (which would never load) is removed and the error says
// so.
func TestArtixFlagFailureRemovesBatch(t *testing.T) {
	dir := t.TempDir()
	errFlag := errors.New("disk full")
	f := &artixFiles{dir: dir, poll: DefaultArtixPollInterval, createFlag: func(string) error { return errFlag }}
	err := newArtix(f).Send(context.Background(), DeleteClient("1"))
	var fe *ArtixFileError
	if !errors.As(err, &fe) || !errors.Is(err, errFlag) || !strings.HasSuffix(fe.Path, ".flz") {
		t.Fatalf("want an *ArtixFileError for the flag wrapping the cause, got %v", err)
	}
	if !strings.Contains(err.Error(), ".aif was removed") {
		t.Errorf("the error does not say the batch was removed: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
}

// TestArtixPlaceWithoutLinks: where hard links are not supported the batch
// is copied into a file created exclusively; another writer's .aif that
// appears under the chosen name is never replaced.
func TestArtixPlaceWithoutLinks(t *testing.T) {
	dir := t.TempDir()
	var other string
	f := &artixFiles{dir: dir, poll: DefaultArtixPollInterval, link: func(_, newname string) error {
		if other == "" {
			// Another writer takes this name first.
			other = newname
			if err := os.WriteFile(newname, []byte("other"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return &os.LinkError{Op: "link", New: newname, Err: syscall.ENOTSUP}
	}}
	if err := newArtix(f).Send(context.Background(), DeleteClient("1")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(other); err != nil {
		t.Errorf("the other writer's batch became %q (%v); want err == nil", b, err)
	} else if string(b) != "other" {
		t.Errorf("the other writer's batch became %q (%v); want string(b) == \"other\"", b, err)
	}
	aifs, _ := filepath.Glob(filepath.Join(dir, "*.aif"))
	aifs = slices.DeleteFunc(aifs, func(s string) bool { return s == other })
	if len(aifs) != 1 {
		t.Fatalf("batches %v", aifs)
	}
	if b, _ := os.ReadFile(aifs[0]); !strings.Contains(string(b), `"deleteClient"`) {
		t.Errorf("batch %q", b)
	}
	flz := strings.TrimSuffix(aifs[0], ".aif") + ".flz"
	if _, err := os.Stat(flz); err != nil {
		t.Errorf("no flag: %v", err)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".loyalty-*")); len(tmps) != 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}
