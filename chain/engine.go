package chain

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chainsync"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// UnitArgs are a unit's job arguments: references (register, versions,
// batch, where it starts), never the commands. A register has at most
// one unit queued or running: uniqueness is by register over the
// unfinished states, and each unit enqueues the next in its own
// transaction.
type UnitArgs struct {
	Register string `json:"register" river:"unique"`
	Unit     chainsync.Unit
}

// Kind is the job kind.
func (UnitArgs) Kind() string { return "loyalty_chain_unit" }

// unitInsertOpts keeps one unfinished unit per register.
func unitInsertOpts(maxAttempts int) *river.InsertOpts {
	return &river.InsertOpts{
		Queue:       Queue,
		MaxAttempts: maxAttempts,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
				rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled},
		},
	}
}

// Engine runs a chain's sync on River over one database.
type Engine[TTx any] struct {
	cfg      Config
	d        db[TTx]
	st       *store[TTx]
	complete func(ctx context.Context, tx TTx, job *river.Job[UnitArgs]) error
	client   *river.Client[TTx]
	regs     map[string]chainsync.Register

	receiver *loyalty.ArtixStatusReceiver
	clients  map[string]*loyalty.Artix
	workers  bool
	done     atomic.Int64 // units this process confirmed

	// reclaim makes the units a dead process left running available
	// again, for a database one process owns (SQLite); nil otherwise,
	// where River's rescuer does it after RescueAfter.
	reclaim func(ctx context.Context) (int64, error)
	unlock  func()
}

// Runner is an Engine whatever its database.
type Runner interface {
	// Snapshot records a new directory version from customers.
	Snapshot(ctx context.Context, customers iter.Seq2[loyalty.Customer, error]) (*chainsync.SnapshotResult, error)
	// Plan says what each register needs to reach the newest version,
	// writing nothing.
	Plan(ctx context.Context) ([]RegisterPlan, error)
	// Enqueue fans the newest version out: every register that needs
	// work and has none in flight gets its first unit.
	Enqueue(ctx context.Context) (int, error)
	// Start starts this process's workers (the status receiver first).
	// ctx ending stops them as Stop does: no new unit starts and those in
	// flight finish (cancelled only past the job timeout).
	Start(ctx context.Context) error
	// Stop stops fetching units and waits for those running (until ctx
	// ends): a SIGTERM finishes in-flight units cleanly.
	Stop(ctx context.Context) error
	// Wait polls until every register is at the newest version or failed,
	// calling progress with each poll's statuses.
	Wait(ctx context.Context, progress func([]RegisterStatus)) ([]RegisterStatus, error)
	// Status reads every register's checkpoint.
	Status(ctx context.Context) ([]RegisterStatus, error)
	// Batches is how many batches the ledger holds as confirmed.
	Batches(ctx context.Context) (int, error)
	// UnitsDone is how many units this process confirmed.
	UnitsDone() int64
	// Close stops the receiver and closes the database.
	Close()
}

// OpenSQLite opens the engine on a SQLite database file (created and
// migrated as needed): River's riversqlite driver over modernc.org/sqlite,
// one connection, WAL.
//
// One process at a time owns the file (a lock beside it, path+".lock"):
// a second one is refused. Units a killed process left running are taken
// up again at once by the next Start, not after River's rescue delay.
func OpenSQLite(ctx context.Context, path string, cfg Config) (*Engine[*sql.Tx], error) {
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	d, err := openSQLite(path)
	if err != nil {
		unlock()
		return nil, err
	}
	e, err := open(ctx, d, cfg, func(ctx context.Context, tx *sql.Tx, job *river.Job[UnitArgs]) error {
		_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, job)
		return err
	})
	if err != nil {
		d.close()
		unlock()
		return nil, err
	}
	e.unlock = unlock
	e.reclaim = func(ctx context.Context) (int64, error) {
		return d.exec(ctx, nil, `UPDATE river_job SET state = 'available' WHERE state = 'running' AND kind = $1`, UnitArgs{}.Kind())
	}
	return e, nil
}

// OpenPostgres opens the engine on a PostgreSQL database (migrated as
// needed) through pgx: several processes may share it, each with its
// workers.
func OpenPostgres(ctx context.Context, dsn string, cfg Config) (*Engine[pgx.Tx], error) {
	d, err := openPostgres(ctx, dsn)
	if err != nil {
		return nil, err
	}
	e, err := open(ctx, d, cfg, func(ctx context.Context, tx pgx.Tx, job *river.Job[UnitArgs]) error {
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
		return err
	})
	if err != nil {
		d.close()
	}
	return e, err
}

func open[TTx any](ctx context.Context, d db[TTx], cfg Config, complete func(context.Context, TTx, *river.Job[UnitArgs]) error) (*Engine[TTx], error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if err := migrate(ctx, d); err != nil {
		return nil, err
	}
	e := &Engine[TTx]{cfg: cfg, d: d, st: &store[TTx]{d: d}, complete: complete, regs: map[string]chainsync.Register{}}
	for _, r := range cfg.Topology.Registers {
		e.regs[r.ID()] = r
	}
	if err := e.st.ensureRegisters(ctx, cfg.Topology.Registers); err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &unitWorker[TTx]{e: e}); err != nil {
		return nil, err
	}
	client, err := river.NewClient(d.driver(), &river.Config{
		Queues:               map[string]river.QueueConfig{Queue: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.jobTimeout(),
		RescueStuckJobsAfter: cfg.rescueAfter(),
		FetchCooldown:        5 * time.Millisecond,
		FetchPollInterval:    cfg.FetchPollInterval,
		// The context given to Start ending (a signal) stops fetching and
		// lets the units in flight finish and checkpoint, as Stop does;
		// only past the job timeout are they cancelled.
		SoftStopTimeout: cfg.jobTimeout(),
		Logger:          slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, fmt.Errorf("chain: river: %w", err)
	}
	e.client = client
	return e, nil
}

// Store is the engine's chainsync.VersionStore.
func (e *Engine[TTx]) Store() chainsync.VersionStore { return e.st }

// Snapshot implements Runner.
func (e *Engine[TTx]) Snapshot(ctx context.Context, customers iter.Seq2[loyalty.Customer, error]) (*chainsync.SnapshotResult, error) {
	return chainsync.Snapshot(ctx, e.st, customers)
}

// RegisterPlan is what one register needs.
type RegisterPlan struct {
	Register string          `json:"register"`
	Shop     string          `json:"shop"`
	Target   string          `json:"target"` // its URL or exchange directory
	State    string          `json:"state"`
	Work     chainsync.Work  `json:"work"`
	Resume   *chainsync.Unit `json:"resume,omitempty"` // the unit in flight it resumes
}

// Plan implements Runner.
func (e *Engine[TTx]) Plan(ctx context.Context) ([]RegisterPlan, error) {
	sts, err := e.st.statuses(ctx)
	if err != nil {
		return nil, err
	}
	var out []RegisterPlan
	rb := e.newReadBacks()
	for _, st := range sts {
		r, ok := e.regs[st.Register]
		if !ok {
			continue // a register no longer in the topology
		}
		p := RegisterPlan{Register: st.Register, Shop: st.Shop, Target: cmpOr(r.URL, r.Dir), State: st.State}
		if st.State == StateWorking && st.BatchesDone < st.Batches {
			u, err := e.resumeUnit(ctx, st)
			if err != nil {
				return nil, err
			}
			p.Resume = &u
			p.Work = chainsync.Work{From: st.Confirmed, To: st.Target, Full: st.Full, Batches: st.Batches, Size: u.Size, Repair: st.Repairs, Reason: "resumes its work in flight"}
		} else {
			disagrees := st.Confirmed <= st.Newest && rb.disagrees(ctx, r, st.Confirmed)
			if p.Work, err = chainsync.PlanRegister(ctx, e.st, st.Confirmed, st.Newest, disagrees, e.cfg.Policy); err != nil {
				return nil, err
			}
			// A repair gets dictionaryids of its own: a second one at the
			// same versions would otherwise be skipped by the ledger.
			p.Work.Repair = st.Repairs
			if disagrees && p.Work.Full {
				p.Work.Repair++
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Enqueue implements Runner.
func (e *Engine[TTx]) Enqueue(ctx context.Context) (int, error) {
	plans, err := e.Plan(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range plans {
		var u chainsync.Unit
		var ok bool
		if p.Resume != nil {
			u, ok = *p.Resume, true
		} else if u, ok = chainsync.FirstUnit(p.Register, p.Work); !ok {
			if err := e.st.upToDate(ctx, p.Register, p.Work.To); err != nil {
				return n, err
			}
			continue
		}
		inserted, err := e.insertFirst(ctx, p, u)
		if err != nil {
			return n, err
		}
		if inserted {
			n++
		}
	}
	return n, nil
}

// insertFirst inserts a register's first (or resumed) unit and records
// its work, in one transaction; a register with a unit already
// unfinished is left alone.
func (e *Engine[TTx]) insertFirst(ctx context.Context, p RegisterPlan, u chainsync.Unit) (bool, error) {
	tx, err := e.d.begin(ctx)
	if err != nil {
		return false, err
	}
	defer e.d.rollback(ctx, tx)
	res, err := e.client.InsertTx(ctx, tx, UnitArgs{Register: u.Register, Unit: u}, unitInsertOpts(e.cfg.MaxAttempts))
	if err != nil {
		return false, fmt.Errorf("chain: enqueue %v: %w", u, err)
	}
	if res.UniqueSkippedAsDuplicate {
		e.cfg.Logger.Info("unit in flight already", "register", u.Register, "job", res.Job.ID, "state", res.Job.State)
		return false, nil
	}
	if p.Resume == nil {
		if err := e.st.startWork(ctx, tx, p.Register, p.Work); err != nil {
			return false, err
		}
	}
	if err := e.d.commit(ctx, tx); err != nil {
		return false, err
	}
	e.cfg.Logger.Info("enqueued", "unit", u.String(), "reason", p.Work.Reason)
	return true, nil
}

// resumeUnit is the unit a working register's checkpoint stands at.
func (e *Engine[TTx]) resumeUnit(ctx context.Context, st RegisterStatus) (chainsync.Unit, error) {
	w := chainsync.Work{From: st.Confirmed, To: st.Target, Full: st.Full, Batches: st.Batches, Repair: st.Repairs}
	after, size, err := e.st.resumePoint(ctx, st.Register)
	if err != nil {
		return chainsync.Unit{}, err
	}
	w.Size = size
	u, _ := chainsync.FirstUnit(st.Register, w)
	u.Batch, u.After = st.BatchesDone, after
	return u, nil
}

// Status implements Runner.
func (e *Engine[TTx]) Status(ctx context.Context) ([]RegisterStatus, error) {
	return e.st.statuses(ctx)
}

// Batches implements Runner.
func (e *Engine[TTx]) Batches(ctx context.Context) (int, error) { return e.st.batchCount(ctx, "") }

// Wait implements Runner.
func (e *Engine[TTx]) Wait(ctx context.Context, progress func([]RegisterStatus)) ([]RegisterStatus, error) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		sts, err := e.st.statuses(ctx)
		if err != nil {
			return nil, err
		}
		if progress != nil {
			progress(sts)
		}
		if Settled(sts) {
			return sts, nil
		}
		select {
		case <-ctx.Done():
			return sts, ctx.Err()
		case <-t.C:
		}
	}
}

// Settled reports every register at the newest version or failed.
func Settled(sts []RegisterStatus) bool {
	for _, st := range sts {
		if st.State == StateWorking || (st.State == StateIdle && st.Lag != 0) {
			return false
		}
	}
	return true
}

// Start implements Runner.
func (e *Engine[TTx]) Start(ctx context.Context) error {
	if e.receiver == nil {
		r, err := loyalty.ListenArtixStatusReceiver(e.cfg.StatusListen, e.cfg.StatusAddress, e.cfg.Logger)
		if err != nil {
			return fmt.Errorf("chain: status receiver: %w", err)
		}
		e.receiver = r
		if e.clients, err = e.artixClients(); err != nil {
			return err
		}
	}
	if e.reclaim != nil {
		n, err := e.reclaim(ctx)
		if err != nil {
			return fmt.Errorf("chain: taking up units left running: %w", err)
		}
		if n > 0 {
			e.cfg.Logger.Warn("taking up units a stopped process left running (they are sent again under the same dictionaryid)", "units", n)
		}
	}
	e.workers = true
	return e.client.Start(ctx)
}

// Stop implements Runner.
func (e *Engine[TTx]) Stop(ctx context.Context) error {
	if !e.workers {
		return nil
	}
	e.workers = false
	return e.client.Stop(ctx)
}

// Close implements Runner.
func (e *Engine[TTx]) Close() {
	if e.workers {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		e.Stop(ctx)
		cancel()
	}
	if e.receiver != nil {
		e.receiver.Close()
	}
	e.d.close()
	if e.unlock != nil {
		e.unlock()
	}
}

// UnitsDone implements Runner.
func (e *Engine[TTx]) UnitsDone() int64 { return e.done.Load() }
