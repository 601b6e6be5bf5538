package exampleenv

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestProgressLogsLinesWhenNotATerminal: into a buffer (a CI log) the
// report is one log record per interval, each a whole line with the
// count, the total and the rate, no carriage return anywhere; Finish
// prints one summary line, once.
func TestProgressLogsLinesWhenNotATerminal(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, "customers exported", 3)
	p.LogEvery = 0 // a record for every Add
	for range 3 {
		p.Add(1)
	}
	p.Finish(nil)
	p.Finish(nil)
	text := out.String()
	if strings.Contains(text, "\r") {
		t.Errorf("the report holds a carriage return, which a CI log shows as one long line:\n%q", text)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 3 log records and 1 summary:\n%s", len(lines), text)
	}
	for i, want := range []string{`msg="customers exported" done=1 total=3 percent=33 rate=`, "done=2 total=3", "done=3 total=3 percent=100"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d is %q, want it to contain %q", i+1, lines[i], want)
		}
	}
	if want := "customers exported: 3 in "; !strings.HasPrefix(lines[3], want) || !strings.HasSuffix(lines[3], "/s)") {
		t.Errorf("summary is %q, want %q… ending in a rate", lines[3], want)
	}
}

// TestProgressLogsOnlyEveryInterval: with the default interval, a quick
// job logs no record, only its summary; one that failed says it stopped.
func TestProgressLogsOnlyEveryInterval(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, "customers read", 0)
	for range 1000 {
		p.Add(1)
	}
	p.Finish(errors.New("connection reset"))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want only the summary:\n%s", len(lines), out.String())
	}
	if !strings.HasPrefix(lines[0], "customers read: 1000 in ") || !strings.HasSuffix(lines[0], " before stopping") {
		t.Errorf("summary is %q, want \"customers read: 1000 in … before stopping\"", lines[0])
	}
	if got := p.Count(); got != 1000 {
		t.Errorf("Count() = %d, want 1000", got)
	}
}

// TestProgressDrawsABarOnATerminal: on a terminal the bar is redrawn in
// place, then cleared for the summary line, which is printed once.
func TestProgressDrawsABarOnATerminal(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, "customers exported", 2, true)
	p.Add(1)
	p.Add(1)
	p.Finish(nil)
	p.Finish(nil)
	text := out.String()
	if !strings.Contains(text, "\r") || !strings.Contains(text, "customers exported") {
		t.Errorf("no bar drawn in place (want \\r and the label):\n%q", text)
	}
	if n := strings.Count(text, "customers exported: 2 in "); n != 1 {
		t.Errorf("the summary is printed %d times, want once:\n%q", n, text)
	}
	if strings.Contains(text, "level=INFO") {
		t.Errorf("log records on a terminal, want only the bar:\n%q", text)
	}
}

// TestProgressDiscardPrintsNothing: -q and the like pass io.Discard or nil.
func TestProgressDiscardPrintsNothing(t *testing.T) {
	p := NewProgress(nil, "x", 1)
	p.Add(1)
	p.Finish(nil)
	if got := p.Count(); got != 1 {
		t.Errorf("Count() = %d, want 1", got)
	}
}
