package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chain"
	"github.com/loyaltykit/loyalty/chain/chainmock"
	"github.com/loyaltykit/loyalty/chain/internal/pgtest"
	"github.com/loyaltykit/loyalty/chainsync"
)

// benchEnv reads a size from the environment, small by default so that
// CI's one run of each benchmark stays short.
func benchEnv(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// envBenchDSN carries a benchmark's database to its worker processes
// (-pg-env names it).
const envBenchDSN = "LOYALTY_CHAIN_BENCH_DSN"

// BenchmarkPostgresWorkers runs one chain's full reload on PostgreSQL
// with one and with two `loyalty-chain work -exit-when-idle` processes
// (the built command, each with -workers LOYALTY_CHAIN_BENCH_WORKERS,
// default 4), and reports the units (batches) confirmed per second of
// wall time, from the processes' start to the last one's exit (their
// connecting and River's start included). Sizes:
// LOYALTY_CHAIN_BENCH_REGISTERS (default 10) registers,
// LOYALTY_CHAIN_BENCH_COMMANDS (default 200) customers,
// LOYALTY_CHAIN_BENCH_BATCH (default 50) commands a batch,
// LOYALTY_CHAIN_BENCH_LATENCY_MS (default 20) per status callback.
// The version is recorded and the units enqueued before the timer.
func BenchmarkPostgresWorkers(b *testing.B) {
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", procs), func(b *testing.B) {
			b.StopTimer()            // the build, the chain and the database are set up untimed
			dsnBase := pgtest.DSN(b) // skips without PostgreSQL (fails under CI)
			bin := command(b)
			c, top := benchChain(b)
			units := 0
			var elapsed time.Duration
			for i := range b.N {
				dsn := dsnBase
				if i > 0 {
					dsn = pgtest.DSN(b)
				}
				n, took := benchWorkers(b, bin, dsn, c, top, procs)
				units += n
				elapsed += took
			}
			b.ReportMetric(float64(units)/elapsed.Seconds(), "units/s")
			b.ReportMetric(float64(units)/float64(b.N), "units/op")
		})
	}
}

// benchChain is the benchmark's chain mock (registers shops × 1, callbacks
// delayed) and its topology file.
func benchChain(b *testing.B) (*chainmock.Chain, string) {
	regs := benchEnv("LOYALTY_CHAIN_BENCH_REGISTERS", 10)
	commands := benchEnv("LOYALTY_CHAIN_BENCH_COMMANDS", 200)
	latency := time.Duration(benchEnv("LOYALTY_CHAIN_BENCH_LATENCY_MS", 20)) * time.Millisecond
	c, top := startChain(b, chainmock.Config{Shops: regs, Cashes: 1, Customers: 1}, b.TempDir())
	for _, r := range c.Registers() {
		r.SetFault(chainmock.Fault{Latency: latency})
	}
	items := make([]loyalty.CustomerUpsert, commands)
	for i := range items {
		items[i] = loyalty.CustomerUpsert{Fields: &loyalty.CustomerUpdate{
			FirstName: new(fmt.Sprintf("Клиент%d", i)), Phone: new(fmt.Sprintf("+7 9%09d", i+1))}}
	}
	if _, err := c.HeadOffice.VirtPOS().Customers.UpsertMany(context.Background(), items); err != nil {
		b.Fatal(err)
	}
	return c, top
}

// benchWorkers records the version and enqueues on a fresh database,
// then times procs worker processes until the run has settled. It
// returns the units the ledger holds and the time.
func benchWorkers(b *testing.B, bin, dsn string, c *chainmock.Chain, top string, procs int) (int, time.Duration) {
	ctx := context.Background()
	topo, err := chainsync.LoadTopology(top)
	if err != nil {
		b.Fatal(err)
	}
	batch := benchEnv("LOYALTY_CHAIN_BENCH_BATCH", 50)
	e, err := chain.OpenPostgres(ctx, dsn, chain.Config{Topology: topo, Policy: chainsync.Policy{BatchSize: batch}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Snapshot(ctx, c.HeadOffice.VirtPOS().Customers.All(ctx, nil)); err != nil {
		b.Fatal(err)
	}
	if _, err := e.Enqueue(ctx); err != nil {
		b.Fatal(err)
	}
	dupsBefore := c.Duplicates()
	cmds := make([]*exec.Cmd, procs)
	outs := make([]strings.Builder, procs)
	b.StartTimer()
	start := time.Now()
	for i := range cmds {
		cmds[i] = exec.Command(bin, "work", "-topology", top, "-pg-env", envBenchDSN, "-exit-when-idle",
			"-workers", strconv.Itoa(benchEnv("LOYALTY_CHAIN_BENCH_WORKERS", 4)), "-batch", strconv.Itoa(batch), "-confirm-timeout", "1m")
		cmds[i].Env = append(os.Environ(), envBenchDSN+"="+dsn)
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		if err := cmds[i].Start(); err != nil {
			b.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			b.Fatalf("worker process %d of %d: %v\n%s", i+1, procs, err, outs[i].String())
		}
	}
	took := time.Since(start)
	b.StopTimer()
	sts, err := e.Status(ctx)
	if err != nil {
		b.Fatal(err)
	}
	want := 0
	for _, st := range sts {
		if st.State != chain.StateIdle || st.Lag != 0 {
			b.Fatalf("register %s: %s, lag %d (%s); want idle at the newest version", st.Register, st.State, st.Lag, st.LastError)
		}
		want += st.Batches
	}
	units, err := e.Batches(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if units != want {
		b.Fatalf("the ledger holds %d units, the registers' work was %d", units, want)
	}
	if d := c.Duplicates() - dupsBefore; d != 0 {
		b.Fatalf("the registers received %d batches twice, want none", d)
	}
	return units, took
}
