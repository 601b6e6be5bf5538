package loyalty_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A generated table of BENCHMARKS.md sits between a line
//
//	<!-- benchdoc: go test -run '^$' -bench PATTERN -benchtime=Nx PKG | columns: METRIC ... -->
//
// and a line <!-- /benchdoc -->: a Markdown table with one row per
// benchmark the command runs (its name without "Benchmark" and the
// GOMAXPROCS suffix, in backquotes) and one column per metric listed, as
// the command reports it. TestBenchmarksDocShape holds each table to a
// fresh run's shape; LOYALTY_BENCHDOC=write rewrites its numbers.
var (
	benchdocStart = regexp.MustCompile(`(?m)^<!-- benchdoc: (go test [^|]*?) \| columns: ([^>]*?) -->\n`)
	benchdocEnd   = "<!-- /benchdoc -->"
	benchLine     = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)
)

// benchdocTable is one generated table: the command that produces it, the
// metrics it shows, and where its body stands in the page.
type benchdocTable struct {
	command    string
	columns    []string
	start, end int // the body's byte offsets: after the start marker, up to the end marker
	rows       []string
}

func benchdocTables(t *testing.T, doc string) []benchdocTable {
	t.Helper()
	var out []benchdocTable
	for _, m := range benchdocStart.FindAllStringSubmatchIndex(doc, -1) {
		tb := benchdocTable{command: doc[m[2]:m[3]], columns: strings.Fields(doc[m[4]:m[5]]), start: m[1]}
		end := strings.Index(doc[tb.start:], benchdocEnd)
		if end < 0 {
			t.Fatalf("BENCHMARKS.md: the table of %q has no %s line", tb.command, benchdocEnd)
		}
		tb.end = tb.start + end
		for _, line := range strings.Split(doc[tb.start:tb.end], "\n") {
			if name, ok := strings.CutPrefix(line, "| `"); ok {
				name, _, _ = strings.Cut(name, "`")
				tb.rows = append(tb.rows, name)
			}
		}
		out = append(out, tb)
	}
	return out
}

// runBenchdoc runs a table's command (with -benchtime=1x unless full) and
// returns, by benchmark, the metrics it reported.
func runBenchdoc(t *testing.T, command string, full bool) map[string]map[string]string {
	t.Helper()
	args := strings.Fields(strings.ReplaceAll(command, "'", ""))
	if args[0] != "go" {
		t.Fatalf("benchdoc command %q does not start with go", command)
	}
	if !full {
		for i, a := range args {
			if strings.HasPrefix(a, "-benchtime=") {
				args[i] = "-benchtime=1x"
			}
		}
	}
	cmd := exec.Command("go", args[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	got := map[string]map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		metrics := map[string]string{}
		for i := 0; i+1 < len(f); i += 2 {
			metrics[f[i+1]] = f[i]
		}
		got[m[1]] = metrics
	}
	return got
}

// TestBenchmarksDocShape: every generated table of BENCHMARKS.md has one
// row per benchmark its command runs today, no row for a benchmark that is
// gone, and a column per metric that the run still reports. Timings are
// not compared (a loaded machine could never match them); the shape is.
// It builds and runs the benchmarks once, so -short skips it.
//
// LOYALTY_BENCHDOC=write go test -run '^TestBenchmarksDocShape$' .
// runs each command as written and rewrites its table's numbers.
func TestBenchmarksDocShape(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the documented benchmarks once; run without -short")
	}
	raw, err := os.ReadFile("BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	tables := benchdocTables(t, doc)
	if len(tables) == 0 {
		t.Fatal("BENCHMARKS.md has no generated table (<!-- benchdoc: ... -->)")
	}
	write := os.Getenv("LOYALTY_BENCHDOC") == "write"
	for i := len(tables) - 1; i >= 0; i-- { // from the end, so offsets stay valid when rewriting
		tb := tables[i]
		got := runBenchdoc(t, tb.command, write)
		if write {
			doc = doc[:tb.start] + benchdocMarkdown(tb, got) + doc[tb.end:]
			continue
		}
		ran := slices.Sorted(func(yield func(string) bool) {
			for name := range got {
				if !yield(name) {
					return
				}
			}
		})
		documented := slices.Sorted(slices.Values(tb.rows))
		for _, name := range ran {
			if !slices.Contains(documented, name) {
				t.Errorf("BENCHMARKS.md: %q runs %s, which its table lacks: rerun with LOYALTY_BENCHDOC=write", tb.command, name)
			}
		}
		for _, name := range documented {
			metrics, ok := got[name]
			if !ok {
				t.Errorf("BENCHMARKS.md: the table of %q has a row for %s, which the command no longer runs", tb.command, name)
				continue
			}
			for _, col := range tb.columns {
				if _, ok := metrics[col]; !ok {
					t.Errorf("BENCHMARKS.md: the table of %q shows %s of %s, which the run no longer reports", tb.command, col, name)
				}
			}
		}
	}
	if write {
		if err := os.WriteFile("BENCHMARKS.md", []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote the generated tables of BENCHMARKS.md")
	}
}

// benchdocMarkdown is a table's body from a run: a header of the metrics,
// one row per benchmark in the order of the run's names.
func benchdocMarkdown(tb benchdocTable, got map[string]map[string]string) string {
	var b strings.Builder
	b.WriteString("| benchmark |")
	for _, c := range tb.columns {
		fmt.Fprintf(&b, " %s |", c)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(tb.columns)) + "\n")
	names := make([]string, 0, len(got))
	for name := range got {
		names = append(names, name)
	}
	// Keep the documented order for rows that stay; new ones go last.
	slices.SortStableFunc(names, func(a, b string) int {
		ia, ib := slices.Index(tb.rows, a), slices.Index(tb.rows, b)
		switch {
		case ia < 0 && ib < 0:
			return strings.Compare(a, b)
		case ia < 0:
			return 1
		case ib < 0:
			return -1
		}
		return ia - ib
	})
	for _, name := range names {
		fmt.Fprintf(&b, "| `%s` |", name)
		for _, c := range tb.columns {
			fmt.Fprintf(&b, " %s |", benchdocNumber(got[name][c]))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// benchdocNumber shortens a metric for the page: whole numbers and
// numbers from 10 up as integers, smaller ones (ratios) to two decimals.
func benchdocNumber(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return s
	case f == float64(int64(f)) || f >= 10:
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

// TestBenchdocTables checks the parsing the shape test relies on.
func TestBenchdocTables(t *testing.T) {
	doc := "x\n<!-- benchdoc: go test -run '^$' -bench 'Overhead/mem' -benchtime=20x . | columns: sdk-allocs/op best-allocs/op -->\n" +
		"| benchmark | sdk-allocs/op | best-allocs/op |\n|---|---:|---:|\n| `Overhead/mem/a` | 1 | 2 |\n| `Overhead/mem/b` | 3 | 4 |\n" + benchdocEnd + "\ny\n"
	tbs := benchdocTables(t, doc)
	if len(tbs) != 1 {
		t.Fatalf("found %d tables, want 1", len(tbs))
	}
	tb := tbs[0]
	if tb.command != "go test -run '^$' -bench 'Overhead/mem' -benchtime=20x ." {
		t.Fatalf("parsed %+v; want tb.command == \"go test -run '^$' -bench 'Overhead/mem' -benchtime=20x .\"", tb)
	} else if !slices.Equal(tb.columns, []string{"sdk-allocs/op", "best-allocs/op"}) {
		t.Fatalf("parsed %+v; want slices.Equal(tb.columns, []string{\"sdk-allocs/op\", \"best-allocs/op\"})", tb)
	} else if !slices.Equal(tb.rows, []string{"Overhead/mem/a", "Overhead/mem/b"}) {
		t.Fatalf("parsed %+v; want slices.Equal(tb.rows, []string{\"Overhead/mem/a\", \"Overhead/mem/b\"})", tb)
	}
	body := benchdocMarkdown(tb, map[string]map[string]string{
		"Overhead/mem/b": {"sdk-allocs/op": "3.000", "best-allocs/op": "0.2304"},
		"Overhead/mem/c": {"sdk-allocs/op": "5", "best-allocs/op": "6"},
	})
	want := "| benchmark | sdk-allocs/op | best-allocs/op |\n|---|---:|---:|\n| `Overhead/mem/b` | 3 | 0.23 |\n| `Overhead/mem/c` | 5 | 6 |\n"
	if body != want {
		t.Errorf("table written as\n%s\nwant\n%s", body, want)
	}
	if m := benchLine.FindStringSubmatch("BenchmarkOverhead/mem/crm-get-2         \t       1\t  11177627 ns/op\t 127.0 sdk-allocs/op"); m == nil || m[1] != "Overhead/mem/crm-get" {
		t.Errorf("benchmark line parsed as %q, want the name Overhead/mem/crm-get", m)
	}
}
