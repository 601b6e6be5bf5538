//go:build unix

package chain

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on path (created as needed), held
// until unlock or the process's end, kill -9 included.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("chain: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("chain: %s is held by another process: one process at a time runs a SQLite chain database (use PostgreSQL, -pg-env, for several)", path)
		}
		return nil, fmt.Errorf("chain: lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
