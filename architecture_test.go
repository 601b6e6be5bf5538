package loyalty_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// goImports is every import path of the .go files under root (tests
// included when tests is true), by file, skipping testdata and hidden
// directories; a file that does not parse ends the test.
func goImports(t *testing.T, root string, recursive, tests bool) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != root && (!recursive || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
			return fs.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || (!tests && strings.HasSuffix(path, "_test.go")):
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[filepath.ToSlash(path)] = append(out[filepath.ToSlash(path)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const modulePath = "github.com/loyaltykit/loyalty"

// TestArchitectureImports holds ARCHITECTURE.md's claims about imports to
// the code: the root package never imports mock (mock imports it, never
// the reverse); the examples, tests included, use only the public API
// (the root package, mock, mock/cassette, chainsync) and their own helpers under
// examples/internal, never the library's internal/ packages, so any one
// of them copied into another module builds; and the service files do not
// talk to net/http (they name an HTTP method at most; the request core
// sends).
func TestArchitectureImports(t *testing.T) {
	for file, imps := range goImports(t, ".", false, false) {
		for _, p := range imps {
			if p == modulePath+"/mock" {
				t.Errorf("%s imports %s: the root package must never import the mock (ARCHITECTURE.md, Layers); want p != modulePath + \"/mock\"", file, p)
			} else if strings.HasPrefix(p, modulePath+"/mock/") {
				t.Errorf("%s imports %s: the root package must never import the mock (ARCHITECTURE.md, Layers); want !strings.HasPrefix(p, modulePath+\"/mock/\")", file, p)
			}
		}
	}
	public := map[string]bool{modulePath: true, modulePath + "/mock": true, modulePath + "/mock/cassette": true, modulePath + "/chainsync": true}
	examples := goImports(t, "examples", true, true)
	if len(examples) < 10 {
		t.Fatalf("found %d Go files under examples/, want the examples' sources and tests", len(examples))
	}
	for file, imps := range examples {
		for _, p := range imps {
			if strings.HasPrefix(p, modulePath) && !public[p] && !strings.HasPrefix(p, modulePath+"/examples/") {
				t.Errorf("%s imports %s: the examples may import only the public API (%s, /mock, /mock/cassette, /chainsync) and examples/internal", file, p, modulePath)
			}
		}
	}
	services := []string{"customer.go", "customer_read.go", "card.go", "contact.go", "campaign.go", "directory.go", "bulk.go"}
	for _, name := range services {
		src, err := os.ReadFile(name)
		if os.IsNotExist(err) {
			continue // renamed or split: the file table test names what is new
		}
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		httpName := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"net/http"` {
				httpName = "http"
				if imp.Name != nil {
					httpName = imp.Name.Name
				}
			}
		}
		if httpName == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == httpName && !strings.HasPrefix(sel.Sel.Name, "Method") && !strings.HasPrefix(sel.Sel.Name, "Status") {
				t.Errorf("%s uses %s.%s: a service names an HTTP method at most; the request core sends (ARCHITECTURE.md, Layers)", name, httpName, sel.Sel.Name)
			}
			return true
		})
	}
}
