//go:build unix

package mock

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without following a symlink and
// without blocking on a FIFO swapped in after it was checked.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
}
