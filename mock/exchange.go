package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// "---"), applies the batch to the same client directory the HTTP side
// uses (all or nothing), and deletes both files. Flags are taken in name
// order. A batch that fails to load is deleted as well and its error kept
// for ArtixLoadErrors. It returns nil when ctx ends, or an error if dir
// cannot be read.
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

// ArtixLoadErrors returns the errors of exchange-directory batches that
// failed to load, oldest first.
func (s *Server) ArtixLoadErrors() []error {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	return slices.Clone(s.ax.loadErrs)
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
		if err := s.loadArtixFile(aif); err != nil {
			s.ax.mu.Lock()
			s.ax.loadErrs = append(s.ax.loadErrs, fmt.Errorf("%s: %w", base+".aif", err))
			s.ax.mu.Unlock()
		}
		os.Remove(aif)
		os.Remove(filepath.Join(dir, name))
	}
	return nil
}

func (s *Server) loadArtixFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	cmds, err := parseArtixFile(data)
	if err != nil {
		return err
	}
	return s.ax.apply(cmds)
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
