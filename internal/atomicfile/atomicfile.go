// Package atomicfile writes files that appear whole or not at all, for
// the commands and examples that keep state or certificates on disk or
// export to a file.
package atomicfile

import (
	"os"
	"path/filepath"
)

// File is a file being written that appears at its path, complete, only
// when Finish is called with a nil error; until then it is a temporary
// file in the same directory.
type File struct {
	*os.File
	path string
	mode os.FileMode
}

// Create starts a file for path: writes go to a temporary file beside it,
// which Finish renames into place with mode (not subject to the umask).
func Create(path string, mode os.FileMode) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path, mode: mode}, nil
}

// Finish ends the file: when err is nil, it is closed, given its mode and
// renamed into place; otherwise (or when any of that fails) the temporary
// file is removed and the old file at path, if any, stays. It returns err,
// or the first error of finishing.
func (f *File) Finish(err error) error {
	cerr := f.Close()
	if err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), f.mode)
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// WriteFile writes data to path through a temporary file in the same
// directory, renamed into place, so a crash leaves the old file (or none),
// never a half-written one. The file gets mode (not subject to the umask).
func WriteFile(path string, data []byte, mode os.FileMode) error {
	f, err := Create(path, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return f.Finish(err)
}
