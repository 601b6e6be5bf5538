//go:build !unix

package mock

import "os"

// openNoBlock opens path for reading (the caller checked it is a regular file).
func openNoBlock(path string) (*os.File, error) { return os.Open(path) }
