package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// ArtixExchangePoll is how often ServeArtixExchangeDir looks for new flag files.
const ArtixExchangePoll = 5 * time.Millisecond

// ServeArtixExchangeDir behaves like the Artix cash server watching its
// exchange directory until ctx ends: when a pos*.flz flag appears it loads
// the .aif of the same name (commands as JSON objects separated by lines of
// "---"), applies the batch to the same directories the HTTP side uses
// (all or nothing), and deletes both files. Flags are taken in name order.
//
// A batch that fails to load (malformed, refused by a command, not a
// regular file, over MaxArtixBody) is reported the way a register
// reports it: a line in error.txt in the exchange directory
// ("2006-01-02 15:04:05 pos….aif: the error"), and also a warning in the
// log, an entry of ArtixLoadFailures and GET /_mock/artix/errors. Its
// flag is removed and its .aif kept, so a writer that waits for both
// files to go (as field ERPs do) sees that it did not load, instead of
// taking the deletion for success. Only regular files are read (a FIFO,
// a device or a symlink is refused without being opened). It returns nil
// when ctx ends, or an error if dir cannot be read.
func (s *Server) ServeArtixExchangeDir(ctx context.Context, dir string) error {
	if _, err := os.ReadDir(dir); err != nil {
		return fmt.Errorf("mock: artix exchange dir: %w", err)
	}
	t := time.NewTicker(ArtixExchangePoll)
	defer t.Stop()
	for {
		if err := s.loadArtixDir(dir); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Bounds of the exchange player's error reports.
const (
	// MaxArtixLoadFailures is how many failed batches ArtixLoadFailures
	// keeps, the newest.
	MaxArtixLoadFailures = 100
	// MaxArtixErrorFile is the size past which error.txt is started anew.
	MaxArtixErrorFile = 1 << 20
)

// ArtixErrorFile is the file in the exchange directory that refused
// batches are reported in, as a cash register does.
const ArtixErrorFile = artixwire.ErrorFile

// ArtixLoadFailure is an exchange-directory batch that failed to load.
type ArtixLoadFailure struct {
	Time  time.Time `json:"time"`  // when it was refused (the mock's clock)
	File  string    `json:"file"`  // the .aif's base name
	Error string    `json:"error"` // why
}

// artixLoadFailure keeps the error itself for ArtixLoadErrors.
type artixLoadFailure struct {
	ArtixLoadFailure
	err error
}

// ArtixLoadErrors returns the errors of the exchange-directory batches
// that failed to load, oldest first (the last MaxArtixLoadFailures).
func (s *Server) ArtixLoadErrors() []error {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	out := make([]error, len(s.ax.loadErrs))
	for i, f := range s.ax.loadErrs {
		out[i] = f.err
	}
	return out
}

// ArtixLoadFailures returns the exchange-directory batches that failed to
// load, oldest first (the last MaxArtixLoadFailures), as GET
// /_mock/artix/errors shows them.
func (s *Server) ArtixLoadFailures() []ArtixLoadFailure {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	out := make([]ArtixLoadFailure, len(s.ax.loadErrs))
	for i, f := range s.ax.loadErrs {
		out[i] = f.ArtixLoadFailure
	}
	return out
}

// loadArtixDir loads every flagged batch in dir once.
func (s *Server) loadArtixDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("mock: artix exchange dir: %w", err)
	}
	for _, e := range entries { // ReadDir sorts by name
		name := e.Name()
		if e.IsDir() || !artixwire.IsFlag(name) {
			continue
		}
		base := strings.TrimSuffix(name, ".flz")
		aif := filepath.Join(dir, base+".aif")
		err := s.loadArtixFile(aif)
		if err == nil {
			os.Remove(aif)
		} else {
			s.refuseArtixBatch(dir, base+".aif", err)
		}
		os.Remove(filepath.Join(dir, name))
	}
	return nil
}

// refuseArtixBatch reports a batch that failed to load: error.txt, the
// log, ArtixLoadFailures.
func (s *Server) refuseArtixBatch(dir, file string, err error) {
	f := artixLoadFailure{ArtixLoadFailure{Time: s.now(), File: file, Error: err.Error()}, fmt.Errorf("%s: %w", file, err)}
	s.ax.mu.Lock()
	if len(s.ax.loadErrs) >= MaxArtixLoadFailures {
		s.ax.loadErrs = slices.Delete(s.ax.loadErrs, 0, len(s.ax.loadErrs)-MaxArtixLoadFailures+1)
	}
	s.ax.loadErrs = append(s.ax.loadErrs, f)
	s.ax.mu.Unlock()
	line := f.Time.Format(time.DateTime) + " " + file + ": " + strings.ReplaceAll(f.Error, "\n", " ") + "\n"
	if werr := appendArtixErrorFile(filepath.Join(dir, ArtixErrorFile), line); werr != nil {
		s.ax.warn("mock artix exchange: writing error.txt failed", "file", file, "error", werr.Error())
	}
	s.ax.warn("mock artix exchange batch refused", "file", file, "error", f.Error)
}

// appendArtixErrorFile appends line to error.txt, starting it anew past
// MaxArtixErrorFile. It does not follow a symlink put in its place.
func appendArtixErrorFile(path, line string) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if fi, err := os.Lstat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
		if fi.Size()+int64(len(line)) > MaxArtixErrorFile {
			flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		}
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// loadArtixFile reads the batch at path, a regular file of at most
// MaxArtixBody bytes, and applies it.
func (s *Server) loadArtixFile(path string) error {
	data, err := readArtixFile(path)
	if err != nil {
		return err
	}
	cmds, err := parseArtixFile(data)
	if err != nil {
		return err
	}
	return s.ax.apply(cmds)
}

// readArtixFile reads a regular file of at most MaxArtixBody bytes: a
// symlink, a FIFO or a device is refused without being read (opened
// without blocking, where the system allows).
func readArtixFile(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() > MaxArtixBody {
		return nil, fmt.Errorf("%d bytes, over the %d a batch may have", fi.Size(), MaxArtixBody)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxArtixBody+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxArtixBody {
		return nil, fmt.Errorf("over the %d bytes a batch may have", MaxArtixBody)
	}
	return data, nil
}

// parseArtixFile splits an .aif file at lines that are exactly "---" and
// decodes and validates each command.
func parseArtixFile(data []byte) ([]loyalty.ArtixCommand, error) {
	chunks, err := artixwire.SplitCommands(data)
	if err != nil {
		return nil, &artixBatchError{index: len(chunks), err: err}
	}
	var cmds []loyalty.ArtixCommand
	for _, chunk := range chunks {
		var c loyalty.ArtixCommand
		err := json.Unmarshal(chunk, &c)
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			return nil, &artixBatchError{index: len(cmds), err: err}
		}
		cmds = append(cmds, c)
	}
	if len(cmds) == 0 {
		return nil, errors.New("no commands")
	}
	return cmds, nil
}
