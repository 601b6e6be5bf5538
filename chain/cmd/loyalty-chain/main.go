// Command loyalty-chain syncs a retail chain's Artix cash registers with
// VirtPOS: every shop, every register, as durable jobs on River.
//
//	loyalty-chain                       # a demo: an embedded chain of 20 shops × 3 registers, some faulty
//	loyalty-chain plan   -topology chain.txt             # what would go where; writes nothing to a register
//	loyalty-chain run    -topology chain.txt             # snapshot VirtPOS, fan out, wait
//	loyalty-chain work   -topology chain.txt -pg-env LOYALTY_CHAIN_PG_DSN   # a worker joining a Postgres-backed run
//	loyalty-chain status -topology chain.txt [-json]     # per shop and register: confirmed version, lag, in flight, last error
//
// The topology file lists the shops and registers (see
// chainsync.ParseTopology); credentials are only named there, by
// environment variable. The state (versions, checkpoints, River's jobs)
// lives in one SQLite file (-db, or the topology's store line) or, with
// -pg-env VAR, in the PostgreSQL database whose DSN the variable holds,
// which several `work` processes share. VirtPOS is read from
// -virtpos-url with the API key in LOYALTY_VIRTPOS_APIKEY.
//
// run and work stop cleanly on SIGINT or SIGTERM: no new unit starts, the
// units in flight finish (their checkpoints written), and the next run
// resumes; a second signal ends the process at once. A run so stopped
// exits with 128 + the signal's number (143 for SIGTERM); work exits 0.
// Progress is a bar on a terminal and a log line every few seconds
// otherwise; -json prints the final statuses as JSON.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chain"
	"github.com/loyaltykit/loyalty/chainsync"
)

func main() {
	ctx, stop := signalContext()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && ctx.Err() != nil {
		err = context.Cause(ctx) // the signal, not "context canceled"
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loyalty-chain:", err)
		}
		os.Exit(exitCode(err))
	}
}

// signalContext is a context that SIGINT or SIGTERM cancels with a
// [signalled] cause. After the first signal the signals have their
// default effect again: a second one ends the process at once.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		if sig, ok := <-sigs; ok {
			signal.Stop(sigs)
			cancel(signalled{sig})
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(sigs)
		cancel(nil)
	}
}

// signalled is the cause of a command stopped by a signal.
type signalled struct{ sig os.Signal }

func (s signalled) Error() string {
	return "stopped by a signal (" + s.sig.String() + "); the units in flight were let finish, run again to resume"
}

// errSomeFailed is a run that ended with failed registers.
var errSomeFailed = errors.New("some registers failed")

// exitCode is the command's exit status for err: 2 for a usage error,
// 128 + the signal's number for a command a signal stopped (130 for
// SIGINT, 143 for SIGTERM), 1 otherwise (failed registers included).
func exitCode(err error) int {
	var sig signalled
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 2
	case errors.As(err, &sig):
		if n, ok := sig.sig.(syscall.Signal); ok {
			return 128 + int(n)
		}
	}
	return 1
}

// options are the flags every subcommand shares.
type options struct {
	topology       string
	db             string
	pgEnv          string
	virtposURL     string
	workers        int
	batch          int
	maxLag         int64
	attempts       int
	confirmTimeout time.Duration
	statusListen   string
	statusAddress  string
	jsonOut        bool
	verbose        bool
	exitWhenIdle   bool
}

func flags(name string, o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("loyalty-chain "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.topology, "topology", "", "the chain's topology file (required but for the demo)")
	fs.StringVar(&o.db, "db", "", "SQLite database file (default: the topology's store line, else loyalty-chain.db)")
	fs.StringVar(&o.pgEnv, "pg-env", "", "name of an environment variable holding a PostgreSQL DSN: use it instead of SQLite")
	fs.StringVar(&o.virtposURL, "virtpos-url", "", "VirtPOS base URL; the API key is read from LOYALTY_VIRTPOS_APIKEY")
	fs.IntVar(&o.workers, "workers", chain.DefaultWorkers, "units in flight at once in this process (one per register at most)")
	fs.IntVar(&o.batch, "batch", chainsync.DefaultBatchSize, "commands per batch")
	fs.Int64Var(&o.maxLag, "max-lag", chainsync.DefaultMaxLag, "versions a register may be behind and still get the delta; further behind it is reloaded in full")
	fs.IntVar(&o.attempts, "attempts", chain.DefaultMaxAttempts, "attempts per batch before its register is marked failed")
	fs.DurationVar(&o.confirmTimeout, "confirm-timeout", chain.DefaultConfirmTimeout, "how long a batch waits for its register's confirmation")
	fs.StringVar(&o.statusListen, "status-listen", "127.0.0.1:0", "where the load-status receiver listens")
	fs.StringVar(&o.statusAddress, "status-address", "", "host:port the registers reach the receiver at (default: the listener's address)")
	fs.BoolVar(&o.jsonOut, "json", false, "print results as JSON")
	fs.BoolVar(&o.verbose, "v", false, "log every unit")
	fs.BoolVar(&o.exitWhenIdle, "exit-when-idle", false, "work: exit once every register is at the newest version or failed")
	return fs
}

func usage(w io.Writer) {
	fmt.Fprint(w, `loyalty-chain syncs every Artix cash register of a retail chain with VirtPOS, as durable jobs on River.

usage:
  loyalty-chain                 a demo against an embedded chain (20 shops × 3 registers, some faulty)
  loyalty-chain plan   -topology FILE [flags]   what each register needs; sends nothing
  loyalty-chain run    -topology FILE [flags]   snapshot VirtPOS, fan out to every register, wait
  loyalty-chain work   -topology FILE -pg-env VAR [flags]   a worker joining a Postgres-backed run
  loyalty-chain status -topology FILE [flags]   per register: confirmed version, lag, in flight, last error

'loyalty-chain run -h' lists the flags.
`)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return demo(ctx, stdout, stderr)
	}
	cmd := args[0]
	switch cmd {
	case "plan", "run", "work", "status":
	case "-h", "-help", "--help", "help":
		usage(stderr)
		return nil
	default:
		usage(stderr)
		return fmt.Errorf("unknown command %q: %w", cmd, flag.ErrHelp)
	}
	var o options
	fs := flags(cmd, &o, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments %q", cmd, fs.Args())
	}
	if o.topology == "" {
		return fmt.Errorf("%s: -topology FILE is required", cmd)
	}
	top, err := chainsync.LoadTopology(o.topology)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, o.verbose)
	cfg := o.config(top, logger)
	e, err := openEngine(ctx, &o, top, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	switch cmd {
	case "plan":
		return printPlan(ctx, e, stdout, o.jsonOut)
	case "status":
		sts, err := e.Status(ctx)
		if err != nil {
			return err
		}
		return printStatus(stdout, sts, o.jsonOut)
	case "work":
		return work(ctx, e, &o, stdout, stderr)
	}
	vp, err := virtpos(o.virtposURL)
	if err != nil {
		return err
	}
	return runOnce(ctx, e, vp, &o, stdout, stderr)
}

func (o *options) config(top *chainsync.Topology, logger *slog.Logger) chain.Config {
	return chain.Config{
		Topology:       top,
		Policy:         chainsync.Policy{BatchSize: o.batch, MaxLag: o.maxLag},
		Workers:        o.workers,
		MaxAttempts:    o.attempts,
		ConfirmTimeout: o.confirmTimeout,
		StatusListen:   o.statusListen,
		StatusAddress:  o.statusAddress,
		Logger:         logger,
	}
}

func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// openEngine opens the engine on PostgreSQL (-pg-env) or SQLite.
func openEngine(ctx context.Context, o *options, top *chainsync.Topology, cfg chain.Config) (chain.Runner, error) {
	if o.pgEnv != "" {
		dsn, ok := os.LookupEnv(o.pgEnv)
		if !ok || dsn == "" {
			return nil, fmt.Errorf("-pg-env %s: the variable is not set", o.pgEnv)
		}
		return chain.OpenPostgres(ctx, dsn, cfg)
	}
	path := o.db
	if path == "" {
		path = top.Store
	}
	if path == "" {
		path = "loyalty-chain.db"
	}
	return chain.OpenSQLite(ctx, path, cfg)
}

// virtpos is the VirtPOS client of -virtpos-url.
func virtpos(url string) (*loyalty.VirtPOS, error) {
	if url == "" {
		return nil, errors.New("run: -virtpos-url is required (the API key in LOYALTY_VIRTPOS_APIKEY)")
	}
	key, ok := os.LookupEnv("LOYALTY_VIRTPOS_APIKEY")
	if !ok || key == "" {
		return nil, errors.New("run: LOYALTY_VIRTPOS_APIKEY is not set")
	}
	return loyalty.NewVirtPOS(url, key)
}

func printPlan(ctx context.Context, e chain.Runner, w io.Writer, jsonOut bool) error {
	plans, err := e.Plan(ctx)
	if err != nil {
		return err
	}
	return writePlan(w, plans, jsonOut)
}
