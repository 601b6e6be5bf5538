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

// TestArtixErrorLogRefusal: which lines of error.txt refuse a batch.
// Only complete lines appended after the watch began count, and only
// those naming the batch's file whole; a file started anew is read from
// its start.
func TestArtixErrorLogRefusal(t *testing.T) {
	const file = "pos20261207123000.aif"
	cases := []struct {
		name   string
		before string // error.txt when the batch is written ("-": none)
		after  string // what it is when the wait looks (appended unless anew)
		anew   bool   // the server started error.txt anew
		reason string // "" for no refusal
	}{
		{"no error.txt", "-", "-", false, ""},
		{"the mock's line", "", "2026-12-07 12:30:01 " + file + ": command 0: bad\n", false, "command 0: bad"},
		{"created after the batch", "-", "2026-12-07 12:30:01 " + file + ": command 0: bad\n", false, "command 0: bad"},
		{"a full path", "", "/tmp/dict/aif/" + file + " - JSON parse error\n", false, "JSON parse error"},
		{"CRLF", "", file + ": bad\r\n", false, "bad"},
		{"nothing after the name", "", "ERROR loading " + file + "\n", false, "ERROR loading " + file},
		{"another file", "", "pos20261207123001.aif: bad\n", false, ""},
		{"a longer name", "", "pos20261207123000123.aif: bad\npos20261207123000.aif2: bad\nxpos20261207123000.aif: bad\n", false, ""},
		{"a line written before the batch", file + ": old\n", "", false, ""},
		{"a partial line", "", file + ": bad", false, ""},
		{"the second of two lines", "", "pos1.aif: other\n" + file + ": mine\n", false, "mine"},
		{"started anew", strings.Repeat("x", 100) + "\n", file + ": after a restart\n", true, "after a restart"},
		{"a long reason", "", file + ": " + strings.Repeat("я", 600) + "\n", false, strings.Repeat("я", 256) + "…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "error.txt")
			if tc.before != "-" {
				if err := os.WriteFile(path, []byte(tc.before), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			l := watchArtixErrors(dir)
			if reason, ok := l.refusal(file); ok {
				t.Fatalf("before anything was appended: refused (%q); want no refusal", reason)
			}
			switch {
			case tc.after == "-":
			case tc.anew || tc.before == "-":
				if err := os.WriteFile(path, []byte(tc.after), 0o644); err != nil {
					t.Fatal(err)
				}
			default:
				if err := os.WriteFile(path, []byte(tc.before+tc.after), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			reason, ok := l.refusal(file)
			if ok != (tc.reason != "") {
				t.Fatalf("refusal %v (%q); want %v", ok, reason, tc.reason != "")
			}
			if reason != tc.reason {
				t.Fatalf("reason %q; want %q", reason, tc.reason)
			}
		})
	}
}
