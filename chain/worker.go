package chain

import (
	"context"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty/chainsync"
	"github.com/riverqueue/river"
)

// unitWorker sends one unit and, once its register confirmed it, writes
// the checkpoint, completes the job and enqueues the register's next unit
// in one transaction: the checkpoint is written exactly once, and a
// crash before that transaction re-runs the unit, which re-sends the
// same batch under the same dictionaryid (at-least-once, deduplicated by
// batch id). A unit already in the ledger is not sent again.
type unitWorker[TTx any] struct {
	river.WorkerDefaults[UnitArgs]
	e *Engine[TTx]
}

// NextRetry backs off: RetryBase, doubling, at most RetryMax.
func (w *unitWorker[TTx]) NextRetry(job *river.Job[UnitArgs]) time.Time {
	d := w.e.cfg.RetryBase << min(max(job.Attempt-1, 0), 20)
	return time.Now().Add(min(d, w.e.cfg.RetryMax))
}

// Timeout is the confirmation timeout and a margin.
func (w *unitWorker[TTx]) Timeout(*river.Job[UnitArgs]) time.Duration {
	return w.e.cfg.jobTimeout()
}

// Work implements river.Worker.
func (w *unitWorker[TTx]) Work(ctx context.Context, job *river.Job[UnitArgs]) error {
	e := w.e
	u := job.Args.Unit
	done, err := e.st.confirmed(ctx, u.DictionaryID())
	if err != nil {
		return err
	}
	var next chainsync.Unit
	var more bool
	commands := 0
	if done {
		// Confirmed before (a re-run after a crash between the ledger and
		// River's own completion cannot happen, both are one transaction;
		// this is a unit enqueued again for a range already confirmed).
		_, last, err := u.Commands(ctx, e.st)
		if err != nil {
			return err
		}
		next, more = u.Next(last)
	} else {
		ax, ok := e.clients[u.Register]
		if !ok {
			return w.fail(ctx, job, fmt.Errorf("register %s is not in the topology", u.Register))
		}
		sendCtx, cancel := context.WithTimeout(ctx, e.cfg.ConfirmTimeout)
		res, n, m, err := u.Step(sendCtx, ax, e.st)
		cancel()
		if err != nil {
			return w.fail(ctx, job, err)
		}
		next, more = n, m
		if res != nil {
			commands = res.Commands
		}
	}
	tx, err := e.d.begin(ctx)
	if err != nil {
		return err
	}
	defer e.d.rollback(ctx, tx)
	if err := e.complete(ctx, tx, job); err != nil {
		return fmt.Errorf("chain: complete %v: %w", u, err)
	}
	if err := e.st.confirmBatch(ctx, tx, u, next.After, commands); err != nil {
		return fmt.Errorf("chain: checkpoint %v: %w", u, err)
	}
	if more {
		if _, err := e.client.InsertTx(ctx, tx, UnitArgs{Register: next.Register, Unit: next}, unitInsertOpts(e.cfg.MaxAttempts)); err != nil {
			return fmt.Errorf("chain: enqueue %v: %w", next, err)
		}
	}
	if err := e.d.commit(ctx, tx); err != nil {
		return err
	}
	e.done.Add(1)
	e.cfg.Logger.Info("confirmed", "unit", u.String(), "id", u.DictionaryID(), "commands", commands)
	return nil
}

// fail records a unit's error on its register and returns it for River
// to retry. After the last attempt the register is marked failed with
// the error, and the job completed, in one transaction: the rest of the
// chain goes on, and the next run plans the register again.
func (w *unitWorker[TTx]) fail(ctx context.Context, job *river.Job[UnitArgs], err error) error {
	e := w.e
	msg := err.Error()
	e.cfg.Logger.Warn("unit failed", "unit", job.Args.Unit.String(), "attempt", job.Attempt, "of", job.MaxAttempts, "error", msg)
	if job.Attempt < job.MaxAttempts {
		if rerr := e.st.noteError(ctx, nil, job.Args.Register, msg, false); rerr != nil {
			e.cfg.Logger.Error("recording a unit's error", "unit", job.Args.Unit.String(), "error", rerr)
		}
		return err
	}
	tx, terr := e.d.begin(ctx)
	if terr != nil {
		return err
	}
	defer e.d.rollback(ctx, tx)
	if terr := e.complete(ctx, tx, job); terr != nil {
		return err
	}
	if terr := e.st.noteError(ctx, &tx, job.Args.Register, msg, true); terr != nil {
		return err
	}
	if terr := e.d.commit(ctx, tx); terr != nil {
		return err
	}
	e.cfg.Logger.Error("register failed", "register", job.Args.Register, "error", msg)
	return nil
}
