package loyalty_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestArchitectureListsEveryFile fails when a non-test .go file of the
// library (the root package, mock, mock/cassette, internal/…) has no row
// in ARCHITECTURE.md's file tables, or a row names a file that is gone.
func TestArchitectureListsEveryFile(t *testing.T) {
	doc, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	row := regexp.MustCompile("(?m)^\\| `([^`]+\\.go)` \\|")
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		if !strings.Contains(m[1], "*") { // a pattern such as *_example_test.go
			listed[m[1]] = true
		}
	}
	var files []string
	for _, root := range []string{".", "mock", "internal"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && path != root && (root == "." || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
				return fs.SkipDir // the root's subdirectories are walked as roots of their own, or not at all
			case !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
				files = append(files, filepath.ToSlash(path))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		if !listed[f] {
			t.Errorf("%s has no row in ARCHITECTURE.md: add \"| `%s` | what it holds |\" to the table of its package", f, f)
		}
		delete(listed, f)
	}
	for f := range listed {
		t.Errorf("ARCHITECTURE.md lists %s, which does not exist: remove or rename its row", f)
	}
}
