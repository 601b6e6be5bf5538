package loyalty_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// noCompileMarker, on the line before a ```go fence, leaves that snippet
// out of TestDocsGoSnippetsCompile (for snippets that need a module this
// one does not depend on, such as otelhttp).
const noCompileMarker = "<!-- no-compile -->"

// readmeSnippet is one ```go block of a Markdown page.
type readmeSnippet struct {
	line int    // of the first line of code
	code string // without the fences
}

// readmeGoSnippets extracts the ```go blocks of a Markdown text, but those
// marked noCompileMarker.
func readmeGoSnippets(md []byte) ([]readmeSnippet, int) {
	var out []readmeSnippet
	skipped := 0
	sc := bufio.NewScanner(bytes.NewReader(md))
	var cur *readmeSnippet
	var code strings.Builder
	prev := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			if strings.TrimSpace(prev) == noCompileMarker {
				skipped++
				cur = &readmeSnippet{line: -1}
			} else {
				cur = &readmeSnippet{line: n + 1}
			}
			code.Reset()
		case cur != nil && strings.TrimSpace(line) == "```":
			if cur.line > 0 {
				cur.code = code.String()
				out = append(out, *cur)
			}
			cur = nil
		case cur != nil:
			code.WriteString(line + "\n")
		}
		prev = line
	}
	return out, skipped
}

// snippetImports are the packages every generated file imports (each used
// once by a blank declaration, so a snippet may use any of them).
var snippetImports = []struct{ path, use string }{
	{"context", "context.Background"},
	{"crypto/tls", "tls.VersionTLS12"},
	{"crypto/x509", "x509.NewCertPool"},
	{"errors", "errors.Is"},
	{"fmt", "fmt.Sprint"},
	{"io", "io.EOF"},
	{"log", "log.Printf"},
	{"log/slog", "slog.Info"},
	{"net/http", "http.MethodGet"},
	{"os", "os.Getenv"},
	{"slices", "slices.Sort[[]int]"},
	{"testing", "testing.Short"},
	{"time", "time.Second"},
	{"github.com/google/uuid", "uuid.Nil"},
	{"github.com/jarcoal/httpmock", "httpmock.NewMockTransport"},
	{"github.com/shopspring/decimal", "decimal.Zero"},
	{"github.com/loyaltykit/loyalty", "loyalty.ErrNotFound"},
	{"github.com/loyaltykit/loyalty/mock", "mock.Start"},
	{"github.com/loyaltykit/loyalty/mock/cassette", "cassette.Load"},
}

// snippetPrelude declares, at package level, the names README snippets use
// without declaring them.
const snippetPrelude = `
var (
	ctx                         = context.Background()
	vp                          *loyalty.VirtPOS
	crm                         *loyalty.CRM
	ax                          *loyalty.Artix
	srv                         *mock.Server
	hc                          *http.Client
	err                         error
	apiKey                      string
	outletID, typeID, partnerID uuid.UUID
	c1, c2                      loyalty.ArtixCustomer
	cmds                        []loyalty.ArtixCommand
	items                       []loyalty.CustomerUpsert
)

func mySync(context.Context, *loyalty.VirtPOS, *loyalty.CRM, *loyalty.Artix) error { return nil }
`

var importLine = regexp.MustCompile(`(?m)^import\s+("[^"]*"|\([^)]*\))\s*$`)

// snippetFile is the Go file for snippet i: a snippet that is a function
// body goes into a function returning error, with its top-level variables
// used once (so an unused one is not an error); one with declarations of
// its own (func, type, import) is a file, its imports replaced by the
// common set. //line directives point compile errors at README.md (the
// caller renames the page).
func snippetFile(i int, s readmeSnippet) string {
	var b strings.Builder
	b.WriteString(snippetFileHeader() + "\n")
	body := "package p\nfunc _() error {\n" + s.code + "\nreturn nil\n}\n"
	f, err := parser.ParseFile(token.NewFileSet(), "", body, 0)
	if err != nil { // not a function body: a file of its own
		code := importLine.ReplaceAllStringFunc(s.code, func(m string) string {
			return strings.Repeat("\n", strings.Count(m, "\n")) // keep the line numbers
		})
		fmt.Fprintf(&b, "//line README.md:%d\n%s", s.line, code)
		return b.String()
	}
	fmt.Fprintf(&b, "func snippet%d() error {\n//line README.md:%d\n%s", i, s.line, s.code)
	for _, name := range declaredNames(f.Decls[0].(*ast.FuncDecl).Body.List) {
		fmt.Fprintf(&b, "\t_ = %s\n", name)
	}
	b.WriteString("\treturn nil\n}\n")
	return b.String()
}

// declaredNames are the variables the statements declare at their own
// level (:= and var), in order, each once.
func declaredNames(stmts []ast.Stmt) []string {
	var names []string
	seen := map[string]bool{"_": true}
	add := func(id *ast.Ident) {
		if !seen[id.Name] {
			seen[id.Name] = true
			names = append(names, id.Name)
		}
	}
	for _, st := range stmts {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, e := range st.Lhs {
					if id, ok := e.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				for _, sp := range gd.Specs {
					for _, id := range sp.(*ast.ValueSpec).Names {
						add(id)
					}
				}
			}
		}
	}
	return names
}

// snippetPages are the Markdown pages whose Go snippets must compile: the
// README and every page under docs/ (and the root's other pages, should
// they gain a snippet).
func snippetPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append(pages, docs...)
}

// TestDocsGoSnippetsCompile builds every ```go block of README.md and
// docs/*.md (but those marked <!-- no-compile -->) against this module,
// each page as a package of its own, all in one go build, so a renamed or
// removed identifier fails here instead of in a reader's editor. Snippets
// are fragments: see snippetImports and snippetPrelude for what they may
// use without declaring it.
func TestDocsGoSnippetsCompile(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the docs' snippets: %v", err)
	}
	repo, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	// The module's own requirements (httpmock, uuid, decimal… are direct
	// dependencies here too), plus this module by a replace directive.
	mod := regexp.MustCompile(`(?m)^module .*$`).ReplaceAllString(string(gomod), "module readmesnippets")
	mod += "\nrequire github.com/loyaltykit/loyalty v0.0.0-00010101000000-000000000000\n" +
		"\nreplace github.com/loyaltykit/loyalty => " + repo + "\n"
	files := map[string]string{"go.mod": mod}
	if sum, err := os.ReadFile("go.sum"); err == nil {
		files["go.sum"] = string(sum)
	}
	total := 0
	perPage := map[string]int{}
	for i, page := range snippetPages(t) {
		md, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		snippets, skipped := readmeGoSnippets(md)
		perPage[page] = len(snippets)
		if len(snippets) == 0 {
			continue
		}
		total += len(snippets)
		pkg := fmt.Sprintf("page%02d", i)
		files[pkg+"/prelude.go"] = snippetFileHeader() + snippetPrelude
		for j, s := range snippets {
			files[fmt.Sprintf("%s/snippet%02d.go", pkg, j)] = strings.ReplaceAll(snippetFile(j, s), "//line README.md:", "//line "+page+":")
		}
		t.Logf("%s: %d Go snippets (%d marked no-compile)", page, len(snippets), skipped)
	}
	// Pages known to hold snippets: fewer than this means the extraction broke.
	for page, want := range map[string]int{"README.md": 3, "docs/guide.md": 5, "docs/testing.md": 5, "docs/reliability.md": 1} {
		if perPage[page] < want {
			t.Errorf("found %d Go snippets in %s, want at least %d: the page or the extraction changed", perPage[page], page, want)
		}
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goTool, "build", "-o", os.DevNull, "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the docs' Go snippets do not build (%v):\n%s", err, out)
	}
	t.Logf("built %d Go snippets", total)
}

// snippetFileHeader is the package clause and the common imports.
func snippetFileHeader() string {
	var b strings.Builder
	b.WriteString("package readmesnippets\n\nimport (\n")
	for _, imp := range snippetImports {
		fmt.Fprintf(&b, "\t%q\n", imp.path)
	}
	b.WriteString(")\n\nvar (\n")
	for _, imp := range snippetImports {
		fmt.Fprintf(&b, "\t_ = %s\n", imp.use)
	}
	b.WriteString(")\n")
	return b.String()
}

// TestREADMESnippetExtraction checks the extraction the build test relies
// on: fences, the no-compile marker, and line numbers.
func TestREADMESnippetExtraction(t *testing.T) {
	md := "# x\n```go\na := 1\n```\ntext\n" + noCompileMarker + "\n```go\nimport \"otel\"\n```\n```sh\nls\n```\n```go\nfunc F() {}\n```\n"
	got, skipped := readmeGoSnippets([]byte(md))
	if skipped != 1 {
		t.Fatalf("snippets %+v, skipped %d; want skipped == 1", got, skipped)
	} else if len(got) != 2 {
		t.Fatalf("snippets %+v, skipped %d; want len(got) == 2", got, skipped)
	} else if got[0].line != 3 {
		t.Fatalf("snippets %+v, skipped %d; want got[0].line == 3", got, skipped)
	} else if got[0].code != "a := 1\n" {
		t.Fatalf("snippets %+v, skipped %d; want got[0].code == \"a := 1\\n\"", got, skipped)
	} else if got[1].line != 14 {
		t.Fatalf("snippets %+v, skipped %d; want got[1].line == 14", got, skipped)
	} else if got[1].code != "func F() {}\n" {
		t.Fatalf("snippets %+v, skipped %d; want got[1].code == \"func F() {}\\n\"", got, skipped)
	}
	body := snippetFile(0, got[0])
	if !strings.Contains(body, "func snippet0() error {\n//line README.md:3\na := 1\n\t_ = a\n") {
		t.Fatalf("body snippet wrapped as:\n%s", body)
	}
	file := snippetFile(1, readmeSnippet{line: 7, code: "import \"github.com/loyaltykit/loyalty/mock\"\n\nfunc F() { _ = mock.Start }\n"})
	if strings.Contains(file, "func snippet1") {
		t.Fatalf("file snippet wrapped as:\n%s; want !strings.Contains(file, \"func snippet1\")", file)
	} else if strings.Count(file, `"github.com/loyaltykit/loyalty/mock"`) != 1 {
		t.Fatalf("file snippet wrapped as:\n%s; want strings.Count(file, `\"github.com/loyaltykit/loyalty/mock\"`) == 1", file)
	}
}

// TestDocsLinksResolve: every relative link of README.md, the root's other
// pages and docs/*.md names a file or directory of the repository, so a
// page moved or renamed fails here instead of leaving a dead link.
func TestDocsLinksResolve(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for _, page := range snippetPages(t) {
		md, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(md), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			path := filepath.Join(filepath.Dir(page), filepath.FromSlash(target))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links to %s, which does not exist (%s)", page, m[1], path)
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked %d relative links, want the README's and the docs' (the pattern broke?)", checked)
	}
}

// TestREADMEIsAFrontDoor: the README stays a front door (what the library
// is, install, the two commands, a short tour, links); long material goes
// to docs/.
func TestREADMEIsAFrontDoor(t *testing.T) {
	md, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(md, []byte("\n")); n > 250 {
		t.Errorf("README.md has %d lines, want at most 250: move the long sections to docs/ and link them", n)
	}
	for _, section := range []string{"\n## Install\n", "\n## The two commands\n", "\n## A short tour\n", "\n## Documentation\n"} {
		if !bytes.Contains(md, []byte(section)) {
			t.Errorf("README.md lacks the section %q", strings.TrimSpace(section))
		}
	}
}
