package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chain"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// stopTimeout bounds how long a signalled run waits for its units in
// flight (each at most the confirmation timeout).
func stopTimeout(o *options) time.Duration { return o.confirmTimeout + 30*time.Second }

// runOnce snapshots VirtPOS, fans the newest version out and waits until
// every register is at it or failed. A signal stops it cleanly.
func runOnce(ctx context.Context, e chain.Runner, vp *loyalty.VirtPOS, o *options, stdout, stderr io.Writer) error {
	snap, err := e.Snapshot(ctx, vp.Customers.All(ctx, nil))
	if err != nil {
		return err
	}
	if !o.jsonOut {
		what := "no change: version stays"
		if snap.New {
			what = fmt.Sprintf("new version (+%d added, ~%d updated, -%d deleted)", snap.Added, snap.Updated, snap.Deleted)
		}
		fmt.Fprintf(stdout, "snapshot: %d customers read, %d clients, %d skipped; %s %d\n", snap.Customers, snap.Clients, snap.Skipped, what, snap.Version)
	}
	if err := e.Start(ctx); err != nil {
		return err
	}
	n, err := e.Enqueue(ctx)
	if err != nil {
		stopWorkers(e, o, stderr)
		return err
	}
	if !o.jsonOut {
		fmt.Fprintf(stdout, "fan-out: %d register(s) with work\n", n)
	}
	sts, err := e.Wait(ctx, progress(stderr))
	stopped := stopWorkers(e, o, stderr)
	if err != nil && ctx.Err() != nil {
		if stopped {
			fmt.Fprintln(stderr, "interrupted: the units in flight finished and were checkpointed; run again to resume")
		} else {
			fmt.Fprintln(stderr, "interrupted: units still in flight were cut off; the next run sends them again under the same dictionaryids")
		}
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	if err := printStatus(stdout, sts, o.jsonOut); err != nil {
		return err
	}
	return failed(sts)
}

// work runs this process's workers on a shared (PostgreSQL) run until a
// signal, or with -exit-when-idle until the run has settled.
func work(ctx context.Context, e chain.Runner, o *options, stdout, stderr io.Writer) error {
	if o.pgEnv == "" {
		fmt.Fprintln(stderr, "work: without -pg-env the workers run on the SQLite file alone (fine, but only one process can use it)")
	}
	if err := e.Start(ctx); err != nil {
		if ctx.Err() != nil {
			stopWorkers(e, o, stderr)
			return nil // a signal while starting: nothing ran
		}
		return err
	}
	var sts []chain.RegisterStatus
	var err error
	if o.exitWhenIdle {
		sts, err = e.Wait(ctx, progress(stderr))
	} else {
		<-ctx.Done()
	}
	stopWorkers(e, o, stderr)
	if err != nil || sts == nil {
		if ctx.Err() != nil {
			return nil // a signal: the units in flight finished
		}
		return err
	}
	return printStatus(stdout, sts, o.jsonOut)
}

// stopWorkers stops this process's workers, letting the units in flight
// finish; false when some did not in time.
func stopWorkers(e chain.Runner, o *options, stderr io.Writer) bool {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout(o))
	defer cancel()
	if err := e.Stop(ctx); err != nil {
		fmt.Fprintln(stderr, "stopping the workers:", err)
		return false
	}
	return true
}

func failed(sts []chain.RegisterStatus) error {
	n := 0
	for _, st := range sts {
		if st.State == chain.StateFailed {
			n++
		}
	}
	if n > 0 {
		return fmt.Errorf("%d of %d registers: %w (see last_error; the next run tries them again)", n, len(sts), errSomeFailed)
	}
	return nil
}

// progress shows the batches confirmed: a bar on a terminal, otherwise a
// log line every 5 seconds.
func progress(w io.Writer) func([]chain.RegisterStatus) {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	var bar *progressbar.ProgressBar
	var last time.Time
	return func(sts []chain.RegisterStatus) {
		done, total, working, failed := 0, 0, 0, 0
		for _, st := range sts {
			done += st.BatchesDone
			total += st.Batches
			switch st.State {
			case chain.StateWorking:
				working++
			case chain.StateFailed:
				failed++
			}
		}
		if tty {
			if bar == nil {
				bar = progressbar.NewOptions(max(total, 1), progressbar.OptionSetWriter(w),
					progressbar.OptionSetDescription("batches"), progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
			}
			bar.ChangeMax(max(total, 1))
			bar.Describe(fmt.Sprintf("batches (%d registers working, %d failed)", working, failed))
			bar.Set(done)
			if chain.Settled(sts) {
				bar.Finish()
			}
			return
		}
		if time.Since(last) >= 5*time.Second || chain.Settled(sts) {
			last = time.Now()
			fmt.Fprintf(w, "%s progress: %d/%d batches confirmed, %d registers working, %d failed\n",
				time.Now().Format(time.TimeOnly), done, total, working, failed)
		}
	}
}
