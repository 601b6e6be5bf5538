package chain

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/chain/chainmock"
	"github.com/loyaltykit/loyalty/chain/internal/pgtest"
	"github.com/loyaltykit/loyalty/chainsync"
)

// The environment of a child process started by these tests: it opens
// the engine (SQLite file or PostgreSQL DSN) on the parent's chain mock,
// works until the run has settled, and prints "units=N".
const (
	envChild    = "LOYALTY_CHAIN_TEST_CHILD"
	envTopology = "LOYALTY_CHAIN_TEST_TOPOLOGY"
	envSQLite   = "LOYALTY_CHAIN_TEST_SQLITE"
	envPG       = "LOYALTY_CHAIN_TEST_PG"
)

func childConfig(t *testing.T) Config {
	top, err := chainsync.ParseTopology(strings.NewReader(os.Getenv(envTopology)), "parent")
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Topology:       top,
		Policy:         chainsync.Policy{BatchSize: 10},
		Workers:        4,
		MaxAttempts:    5,
		RetryBase:      10 * time.Millisecond,
		RetryMax:       50 * time.Millisecond,
		ConfirmTimeout: 5 * time.Second,
	}
}

// TestWorkerProcess is the child: not a test of its own.
func TestWorkerProcess(t *testing.T) {
	if os.Getenv(envChild) == "" {
		t.Skip("a child process of TestPostgresTwoWorkerProcesses and TestCrashSafety")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var e Runner
	var err error
	if dsn := os.Getenv(envPG); dsn != "" {
		e, err = OpenPostgres(ctx, dsn, childConfig(t))
	} else {
		e, err = OpenSQLite(ctx, os.Getenv(envSQLite), childConfig(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Enqueue(ctx); err != nil { // resumes what a killed process left
		t.Fatal(err)
	}
	if _, err := e.Wait(ctx, nil); err != nil {
		t.Fatal(err)
	}
	stop, cancelStop := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelStop()
	e.Stop(stop)
	fmt.Printf("units=%d\n", e.UnitsDone())
}

func child(t *testing.T, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), append(env, envChild+"=1")...)
	cmd.Stderr = os.Stderr
	return cmd
}

// unitsOf reads a finished child's "units=N" line.
func unitsOf(t *testing.T, out string) int {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "units="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatalf("the worker process printed no units= line:\n%s", out)
	return 0
}

// checkChainAtNewest holds every register to the newest version.
func checkChainAtNewest(t *testing.T, e Runner, store chainsync.VersionStore, c *chainmock.Chain) {
	t.Helper()
	sts, err := e.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := newestDirectory(t, store)
	for _, st := range sts {
		if st.State != StateIdle || st.Lag != 0 {
			t.Errorf("register %s: state %s, lag %d (last error %q); want idle at the newest version", st.Register, st.State, st.Lag, st.LastError)
		}
		if got := directoryOf(t, c.Register(st.Register)); !maps.Equal(got, want) {
			t.Errorf("register %s holds %d clients, not the newest version's %d", st.Register, len(got), len(want))
		}
	}
}

func TestPostgresTwoWorkerProcesses(t *testing.T) {
	dsn := pgtest.DSN(t)
	c := startChain(t, chainmock.Config{Shops: 4, Cashes: 3, Customers: 200})
	for _, r := range c.Registers() {
		r.SetFault(chainmock.Fault{Latency: 2 * time.Millisecond})
	}
	ctx := context.Background()
	t.Setenv(envTopology, c.TopologyText())
	e, err := OpenPostgres(ctx, dsn, childConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Snapshot(ctx, c.HeadOffice.VirtPOS().Customers.All(ctx, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Enqueue(ctx); err != nil {
		t.Fatal(err)
	}
	var cmds [2]*exec.Cmd
	var outs [2]strings.Builder
	for i := range cmds {
		cmds[i] = child(t, envPG+"="+dsn)
		cmds[i].Stdout = &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	units := 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("worker process %d: %v\n%s", i+1, err, outs[i].String())
		}
		n := unitsOf(t, outs[i].String())
		t.Logf("worker process %d confirmed %d units", i+1, n)
		if n == 0 {
			t.Errorf("worker process %d confirmed no unit: the work was not shared", i+1)
		}
		units += n
	}
	checkChainAtNewest(t, e, e.Store(), c)
	ledger, err := e.Batches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if units != ledger {
		t.Errorf("the two processes confirmed %d units in all, the ledger holds %d: a unit was done twice or lost", units, ledger)
	}
	if d := c.Duplicates(); d != 0 {
		t.Errorf("the registers received %d batches twice, want none", d)
	}
}

// TestCrashSafety kills (SIGKILL) the process running a chain at random
// points and starts it again each time: every register ends at the
// newest version, no batch confirmed before a kill is sent again, and
// the batches sent twice are at most those running at the kills.
func TestCrashSafety(t *testing.T) {
	kills := 5
	if testing.Short() {
		kills = 3
	}
	c := startChain(t, chainmock.Config{Shops: 4, Cashes: 2, Customers: 300})
	for _, r := range c.Registers() {
		r.SetFault(chainmock.Fault{Latency: 3 * time.Millisecond})
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chain.db")
	t.Setenv(envTopology, c.TopologyText())
	// The parent records the version and enqueues; children do the work.
	e, err := OpenSQLite(ctx, path, childConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Snapshot(ctx, c.HeadOffice.VirtPOS().Customers.All(ctx, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Enqueue(ctx); err != nil {
		t.Fatal(err)
	}
	e.Close()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	inFlight := map[string]int{} // register → kills with a unit of it running
	for k := range kills {
		cmd := child(t, envSQLite+"="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		confirmed, running := ledgerAndRunning(t, path)
		t.Logf("kill %d: %d batches confirmed, %d units running", k+1, len(confirmed), len(running))
		for _, r := range running {
			inFlight[r]++
		}
		counts := map[string]int{}
		for _, r := range c.Registers() {
			for _, id := range r.Loads() {
				counts[id] = r.LoadCount(id)
			}
		}
		t.Cleanup(func() {
			for _, r := range c.Registers() {
				for _, id := range r.Loads() {
					if confirmed[id] && r.LoadCount(id) != counts[id] {
						t.Errorf("batch %s, confirmed before kill %d, was sent again afterwards (%d times in all, %d at the kill)", id, k+1, r.LoadCount(id), counts[id])
					}
				}
			}
		})
	}
	cmd := child(t, envSQLite+"="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the last run: %v\n%s", err, out)
	}
	e, err = OpenSQLite(ctx, path, childConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	checkChainAtNewest(t, e, e.Store(), c)
	for _, r := range c.Registers() {
		if d := r.Duplicates(); d > inFlight[r.ID()] {
			t.Errorf("register %s received %d batches twice, more than the %d kills that found a unit of it running", r.ID(), d, inFlight[r.ID()])
		}
	}
}

// ledgerAndRunning reads, between runs, the batches the ledger holds and
// the registers whose unit River has as running.
func ledgerAndRunning(t *testing.T, path string) (map[string]bool, []string) {
	t.Helper()
	d, err := openSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	ctx := context.Background()
	confirmed := map[string]bool{}
	rs, done, err := d.query(ctx, nil, `SELECT dictionary_id FROM chain_batch`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var id string
		if err := rs.Scan(&id); err != nil {
			t.Fatal(err)
		}
		confirmed[id] = true
	}
	done()
	var running []string
	rs, done, err = d.query(ctx, nil, `SELECT json_extract(args, '$.register') FROM river_job WHERE state = 'running'`)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	for rs.Next() {
		var reg string
		if err := rs.Scan(&reg); err != nil {
			t.Fatal(err)
		}
		running = append(running, reg)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return confirmed, running
}
