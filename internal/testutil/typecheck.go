package testutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// Compiler type-checks snippets of Go against the module's packages as
// the compiler sees them, for tests that show a misuse does not compile.
type Compiler struct {
	fset   *token.FileSet
	export map[string]string // import path → export data file
	imp    types.Importer
}

var (
	exportMu    sync.Mutex
	exportCache = map[string]map[string]string{}
)

// NewCompiler builds (with go list -export, from the build cache when it
// can) the export data of pkgs and everything they import.
func NewCompiler(t testing.TB, pkgs ...string) *Compiler {
	t.Helper()
	key := strings.Join(pkgs, " ")
	exportMu.Lock()
	defer exportMu.Unlock()
	export, ok := exportCache[key]
	if !ok {
		args := append([]string{"list", "-export", "-deps", "-json=ImportPath,Export"}, pkgs...)
		cmd := exec.Command("go", args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -export: %v\n%s", err, stderr.String())
		}
		export = map[string]string{}
		dec := json.NewDecoder(bytes.NewReader(out))
		for dec.More() {
			var p struct{ ImportPath, Export string }
			if err := dec.Decode(&p); err != nil {
				t.Fatalf("go list -export output: %v", err)
			}
			export[p.ImportPath] = p.Export
		}
		exportCache[key] = export
	}
	c := &Compiler{fset: token.NewFileSet(), export: export}
	c.imp = importer.ForCompiler(c.fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := c.export[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	return c
}

// Check type-checks src, a whole file of package p, and returns the
// type checker's first error (nil when src compiles). A file that does not
// parse ends the test: a snippet with a typo must not pass as "does not
// compile".
func (c *Compiler) Check(t testing.TB, src string) error {
	t.Helper()
	f, err := parser.ParseFile(c.fset, "snippet.go", src, 0)
	if err != nil {
		t.Fatalf("snippet does not parse: %v\n%s", err, src)
	}
	conf := types.Config{Importer: c.imp}
	_, err = conf.Check("p", c.fset, []*ast.File{f}, nil)
	return err
}

// Package is the type-checked package at path, as its importers see it.
func (c *Compiler) Package(t testing.TB, path string) *types.Package {
	t.Helper()
	p, err := c.imp.Import(path)
	if err != nil {
		t.Fatalf("importing %s: %v", path, err)
	}
	return p
}
