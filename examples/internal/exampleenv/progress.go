package exampleenv

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// DefaultLogEvery is how often a Progress writing to something other than
// a terminal logs a line.
const DefaultLogEvery = 5 * time.Second

// Progress reports a long job the way command-line users expect: on a
// terminal, a progress bar (github.com/schollz/progressbar/v3) redrawn in
// place; elsewhere (a CI log, a file, a pipe), one log record every
// LogEvery with the count, the total when known and the rate, never a
// carriage return; and, once, a summary line with the count, the time
// taken and the rate. It is safe for use by several goroutines.
type Progress struct {
	// LogEvery is the interval between log records when not on a
	// terminal; set it before the first Add (default DefaultLogEvery).
	LogEvery time.Duration

	mu       sync.Mutex
	w        io.Writer
	label    string // what is counted, e.g. "customers exported"
	total    int64  // 0 or less: unknown
	n        int64
	start    time.Time
	lastLog  time.Time
	bar      *progressbar.ProgressBar // on a terminal
	log      *slog.Logger             // elsewhere
	finished bool
}

// NewProgress starts reporting the job label (what is counted: "customers
// exported") of total items (0 or less when not known) on w, with a bar
// when w is a terminal. A nil w or io.Discard reports nothing.
func NewProgress(w io.Writer, label string, total int64) *Progress {
	return newProgress(w, label, total, isTerminal(w))
}

// isTerminal says whether w is a terminal a bar can be drawn on.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
}

func newProgress(w io.Writer, label string, total int64, terminal bool) *Progress {
	if w == nil {
		w = io.Discard
	}
	p := &Progress{LogEvery: DefaultLogEvery, w: w, label: label, total: total, start: time.Now()}
	p.lastLog = p.start
	switch {
	case w == io.Discard:
	case terminal:
		max := total
		if max <= 0 {
			max = -1 // a spinner: the total is not known
		}
		p.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("items"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionClearOnFinish(), // the summary line replaces it
		)
	default:
		p.log = slog.New(slog.NewTextHandler(w, nil))
	}
	return p
}

// Add counts n more items done.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.n += int64(n)
	switch {
	case p.bar != nil:
		p.bar.Add(n)
	case p.log != nil:
		if now := time.Now(); now.Sub(p.lastLog) >= p.LogEvery {
			p.lastLog = now
			args := []any{"done", p.n}
			if p.total > 0 {
				args = append(args, "total", p.total, "percent", p.n*100/p.total)
			}
			args = append(args, "rate", rate(p.n, now.Sub(p.start)), "elapsed", now.Sub(p.start).Round(time.Second).String())
			p.log.Info(p.label, args...)
		}
	}
}

// Count is the number of items done so far.
func (p *Progress) Count() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Finish ends the report with one summary line, "customers exported: 1000
// in 1.2s (833/s)", or "… before stopping" when err is not nil (the
// caller reports err itself). Only the first call prints.
func (p *Progress) Finish(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.w == io.Discard {
		return
	}
	if p.bar != nil {
		p.bar.Exit()
		p.bar.Clear()
	}
	took := time.Since(p.start)
	count := fmt.Sprint(p.n)
	if p.total > 0 && p.n != p.total {
		count = fmt.Sprintf("%d of %d", p.n, p.total)
	}
	end := ""
	if err != nil {
		end = " before stopping"
	}
	fmt.Fprintf(p.w, "%s: %s in %s (%s)%s\n", p.label, count, took.Round(time.Millisecond), rate(p.n, took), end)
}

// rate is n items over d as "833/s".
func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f/s", float64(n)/d.Seconds())
}
