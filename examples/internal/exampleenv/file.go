package exampleenv

import (
	"os"
	"path/filepath"
)

// File is an output file that appears under its name only when complete:
// it is written to a temporary file in the same directory, which Finish
// renames over the target, so a reader or a crash never sees half of it.
type File struct {
	*os.File
	path string
	mode os.FileMode
}

// CreateFile starts writing the file path with the given mode.
func CreateFile(path string, mode os.FileMode) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path, mode: mode}, nil
}

// Finish closes the file and, when err (the writer's outcome) is nil,
// renames it to its target; otherwise, or when closing or renaming fails,
// it removes the temporary file and the target is left as it was. It
// returns err, or the first error of its own.
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

// WriteFile writes data to path the way CreateFile and Finish do: the old
// file stays until the new one is complete.
func WriteFile(path string, data []byte, mode os.FileMode) error {
	f, err := CreateFile(path, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return f.Finish(err)
}
