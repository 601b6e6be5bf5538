package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeBatch puts base.aif (body) and its flag in dir.
func writeBatch(t *testing.T, dir, base, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, base+".aif"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, base+".flz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestArtixExchangeRefusedBatch: a refused batch leaves a line in
// error.txt as a register does, keeps its .aif (so a writer waiting for
// both files to go does not take it for loaded), and is listed by
// ArtixLoadFailures, GET /_mock/artix/errors and a warning in the log.
func TestArtixExchangeRefusedBatch(t *testing.T) {
	logger, logs := infoLogger()
	srv := NewServer(t, Config{Logger: logger})
	dir := t.TempDir()
	writeBatch(t, dir, "pos20261207100000", `{"command":"addClient","client":{"idclient":"1"}}`+"\n---\n")
	writeBatch(t, dir, "pos20261207100001", `{"command":"updateClient","client":{"idclient":"nobody","name":"x"}}`+"\n---\n")
	if err := srv.loadArtixDir(dir); err != nil {
		t.Fatal(err)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if want := "error.txt pos20261207100001.aif"; strings.Join(left, " ") != want {
		t.Errorf("left %v, want %s (the loaded batch gone, the refused one's flag gone, its .aif kept)", left, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, ArtixErrorFile))
	if err != nil {
		t.Fatal(err)
	}
	if line := string(data); !strings.Contains(line, "pos20261207100001.aif: command 0: updateClient: no client with idclient \"nobody\"") || strings.Count(line, "\n") != 1 {
		t.Errorf("error.txt: %q, want one line naming the file and the refusal", line)
	}
	if f := srv.ArtixLoadFailures(); len(f) != 1 {
		t.Errorf("ArtixLoadFailures %+v; want len(f) == 1", f)
	} else if f[0].File != "pos20261207100001.aif" {
		t.Errorf("ArtixLoadFailures %+v; want f[0].File == \"pos20261207100001.aif\"", f)
	} else if f[0].Time.IsZero() {
		t.Errorf("ArtixLoadFailures %+v; want !f[0].Time.IsZero()", f)
	}
	resp, err := http.Get(srv.ArtixURL + "/_mock/artix/errors")
	if err != nil {
		t.Fatal(err)
	}
	var listed []ArtixLoadFailure
	err = json.NewDecoder(resp.Body).Decode(&listed)
	resp.Body.Close()
	if err != nil {
		t.Errorf("GET /_mock/artix/errors: %+v, %v; want err == nil", listed, err)
	} else if len(listed) != 1 {
		t.Errorf("GET /_mock/artix/errors: %+v, %v; want len(listed) == 1", listed, err)
	} else if !strings.Contains(listed[0].Error, "nobody") {
		t.Errorf("GET /_mock/artix/errors: %+v, %v; want strings.Contains(listed[0].Error, \"nobody\")", listed, err)
	}
	if !strings.Contains(logs.String(), `level=WARN msg="mock artix exchange batch refused" file=pos20261207100001.aif`) {
		t.Errorf("no warning in the log:\n%s", logs)
	}
}

// TestArtixExchangeReadsRegularFilesOnly: a FIFO (which blocked the player
// for ever) and a symlink to /dev/zero (read past 2 GiB) are refused at
// once, without being read.
func TestArtixExchangeReadsRegularFilesOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs or /dev/zero")
	}
	srv := NewServer(t)
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pos20261207100000.aif"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "pos20261207100000.flz"), nil, 0o644)
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "pos20261207100001.aif")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "pos20261207100001.flz"), nil, 0o644)
	done := make(chan error, 1)
	go func() { done <- srv.loadArtixDir(dir) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the player is still reading after 10 s")
	}
	f := srv.ArtixLoadFailures()
	if len(f) != 2 {
		t.Fatalf("failures %+v, want the FIFO and the symlink", f)
	}
	for _, x := range f {
		if !strings.Contains(x.Error, "not a regular file") {
			t.Errorf("%s: %q, want \"not a regular file\"", x.File, x.Error)
		}
	}
}

// TestArtixLoadFailuresBounded: the failures kept, and error.txt, have
// bounds.
func TestArtixLoadFailuresBounded(t *testing.T) {
	srv := NewServer(t)
	dir := t.TempDir()
	for i := range MaxArtixLoadFailures + 5 {
		writeBatch(t, dir, fmt.Sprintf("pos2026120710%04d", i), "not json\n---\n")
		if err := srv.loadArtixDir(dir); err != nil {
			t.Fatal(err)
		}
	}
	f := srv.ArtixLoadFailures()
	if len(f) != MaxArtixLoadFailures || f[0].File != "pos20261207100005.aif" {
		t.Errorf("%d failures kept, the oldest %s; want %d, the oldest pos20261207100005.aif", len(f), f[0].File, MaxArtixLoadFailures)
	}
	if n := len(srv.ArtixLoadErrors()); n != MaxArtixLoadFailures {
		t.Errorf("ArtixLoadErrors: %d, want %d", n, MaxArtixLoadFailures)
	}
	path := filepath.Join(dir, ArtixErrorFile)
	if err := os.WriteFile(path, []byte(strings.Repeat("x", MaxArtixErrorFile)), 0o644); err != nil {
		t.Fatal(err)
	}
	writeBatch(t, dir, "pos20261207110000", "not json\n---\n")
	srv.loadArtixDir(dir)
	if fi, err := os.Stat(path); err != nil {
		t.Errorf("error.txt past its bound: %v, %v; want err == nil", fi.Size(), err)
	} else if fi.Size() > MaxArtixErrorFile {
		t.Errorf("error.txt past its bound: %v, %v; want fi.Size() <= MaxArtixErrorFile", fi.Size(), err)
	}
}
