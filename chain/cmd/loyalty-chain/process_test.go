package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/chain"
	"github.com/loyaltykit/loyalty/chain/chainmock"
	"github.com/loyaltykit/loyalty/chainsync"
	"github.com/loyaltykit/loyalty/mock"
)

// built is the command, built once per test binary by [command] with
// go build, in a directory TestMain removes.
var built struct {
	once      sync.Once
	dir, path string
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// command is the path of the loyalty-chain binary built from this
// package's source.
func command(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "loyalty-chain-test-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "loyalty-chain")
		out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
		if err != nil {
			built.err = errors.New(err.Error() + ": " + string(out))
		}
	})
	if built.err != nil {
		t.Fatalf("go build of loyalty-chain: %v", built.err)
	}
	return built.path
}

// exitStatus is the exit status of a finished command (-1 when it did not
// exit on its own).
func exitStatus(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("the command did not run: %v", err)
	return -1
}

// liveClients is the client ids of the newest version in the SQLite
// file at path.
func liveClients(t *testing.T, path string, top *chainsync.Topology) (map[string]bool, []chain.RegisterStatus) {
	t.Helper()
	ctx := context.Background()
	e, err := chain.OpenSQLite(ctx, path, chain.Config{Topology: top})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ids := map[string]bool{}
	if _, err := e.Store().Live(ctx, func(id string, _ chainsync.Hash) { ids[id] = true }); err != nil {
		t.Fatal(err)
	}
	sts, err := e.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ids, sts
}

// TestRunStopsCleanlyOnSIGTERM: `loyalty-chain run` signalled with
// SIGTERM while units wait for slow confirmations starts no new unit,
// lets those in flight finish and checkpoints them, and exits with 143
// (128 + SIGTERM) within the bound; every batch a register received is
// then in the ledger. A second run completes every register at the
// newest version without sending any of those batches again.
func TestRunStopsCleanlyOnSIGTERM(t *testing.T) {
	bin := command(t)
	head := mock.NewServer(t, mock.Config{Customers: 120})
	dir := t.TempDir()
	c, top := startChain(t, chainmock.Config{Shops: 2, Cashes: 2}, dir)
	for _, r := range c.Registers() {
		r.SetFault(chainmock.Fault{Latency: 150 * time.Millisecond}) // each batch confirmed after ~300 ms
	}
	db := filepath.Join(dir, "chain.db")
	runCmd := func() *exec.Cmd {
		cmd := exec.Command(bin, "run", "-topology", top, "-db", db, "-virtpos-url", head.VirtPOSURL,
			"-batch", "15", "-workers", "4", "-confirm-timeout", "5s", "-json")
		cmd.Env = append(os.Environ(), "LOYALTY_VIRTPOS_APIKEY="+head.APIKey)
		return cmd
	}

	cmd := runCmd()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	loads := func() map[string]int {
		n := map[string]int{}
		for _, r := range c.Registers() {
			n[r.ID()] = len(r.Loads())
		}
		return n
	}
	// Every register has a unit in flight or confirmed: several wait for
	// their confirmation when the signal comes.
	allStarted := func(n map[string]int) bool {
		for _, v := range n {
			if v == 0 {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(20 * time.Second)
	for !allStarted(loads()) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("not every register received a batch within 20 s (%v)\nstderr: %s", loads(), stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	atSignal := loads()
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var werr error
	select {
	case werr = <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("run had not exited 10 s after SIGTERM\nstderr: %s", stderr.String())
	}
	t.Logf("run exited %v after SIGTERM; batches sent at the signal %v", time.Since(signalled).Round(time.Millisecond), atSignal)
	if code := exitStatus(t, werr); code != 128+int(syscall.SIGTERM) {
		t.Errorf("run stopped by SIGTERM exited %d, want %d\nstderr: %s", code, 128+int(syscall.SIGTERM), stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("run stopped by SIGTERM said nothing of it on stderr:\n%s", stderr.String())
	}

	topo, err := chainsync.LoadTopology(top)
	if err != nil {
		t.Fatal(err)
	}
	ids, sts := liveClients(t, db, topo)
	afterStop := loads()
	unfinished := 0
	for _, st := range sts {
		got := afterStop[st.Register]
		if got > atSignal[st.Register]+1 {
			t.Errorf("register %s received %d batches after the signal, want at most the one in flight", st.Register, got-atSignal[st.Register])
		}
		if st.BatchesDone != got {
			t.Errorf("register %s received %d batches, %d are checkpointed; want every batch sent (those in flight at the signal too) checkpointed", st.Register, got, st.BatchesDone)
		}
		if st.BatchesDone < st.Batches {
			unfinished++
		}
	}
	if unfinished == 0 {
		t.Fatalf("every register finished before the signal took effect: the test shows nothing (statuses %+v)", sts)
	}

	cmd = runCmd()
	stdout.Reset()
	stderr.Reset()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the second run: %v\nstderr: %s", err, stderr.String())
	}
	if err := json.Unmarshal([]byte(stdout.String()), &sts); err != nil {
		t.Fatalf("the second run printed no statuses: %v\n%s", err, stdout.String())
	}
	for _, st := range sts {
		if st.State != chain.StateIdle || st.Lag != 0 || st.Confirmed != 1 {
			t.Errorf("after the second run, register %s: state %s, version %d, lag %d; want idle at version 1", st.Register, st.State, st.Confirmed, st.Lag)
		}
		got := map[string]bool{}
		for id := range c.Register(st.Register).Clients() {
			got[id] = true
		}
		if !maps.Equal(got, ids) {
			t.Errorf("after the second run, register %s holds %d clients, want the newest version's %d", st.Register, len(got), len(ids))
		}
	}
	if d := c.Duplicates(); d != 0 {
		t.Errorf("the registers received %d batches twice; want none (every batch sent before the signal was confirmed and checkpointed)", d)
	}
}

// demoRow is one register's line of the demo's status table.
var demoRow = regexp.MustCompile(`(?m)^s\d{3}\s+(s\d{3}/\d)\s+v(\d+)\s+(\d+)\s+(\w+)\s`)

// TestDemo runs loyalty-chain with no arguments (quick: fewer customers,
// shorter waits; the same 20 × 3 chain and faults): it exits 0, names
// the faulty registers, shows those that fail failing in the first run
// and every other register synced; in the second run the repaired ones
// (s003/1, s007/2) catch up with a full reload and only s015/1, which
// never reports a load, stays failed.
func TestDemo(t *testing.T) {
	cmd := exec.Command(command(t))
	cmd.Env = append(os.Environ(), envDemoQuick+"=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("the demo took %v", time.Since(start).Round(time.Millisecond))
	if code := exitStatus(t, err); code != 0 {
		t.Fatalf("the demo exited %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	head, rest, ok := strings.Cut(out, "== run 1")
	if !ok {
		t.Fatalf("the demo printed no first run:\n%s", out)
	}
	run1, run2, ok := strings.Cut(rest, "== run 2")
	if !ok {
		t.Fatalf("the demo printed no second run:\n%s", out)
	}
	for _, id := range []string{"s003/1", "s007/2", "s011/3", "s015/1", "s018/2"} {
		if !strings.Contains(head, id) {
			t.Errorf("the demo's introduction does not name the faulty register %s:\n%s", id, head)
		}
	}
	for i, tc := range []struct {
		out     string
		version string
		failed  []string
	}{
		{run1, "1", []string{"s003/1", "s007/2", "s015/1"}},
		{run2, "2", []string{"s015/1"}},
	} {
		rows := demoRow.FindAllStringSubmatch(tc.out, -1)
		if len(rows) != demoShops*demoCashes {
			t.Errorf("run %d: %d registers in its table, want %d:\n%s", i+1, len(rows), demoShops*demoCashes, tc.out)
		}
		for _, r := range rows {
			id, version, lag, state := r[1], r[2], r[3], r[4]
			switch {
			case slices.Contains(tc.failed, id) && state != chain.StateFailed:
				t.Errorf("run %d: register %s is %s; want failed (it is faulty)", i+1, id, state)
			case !slices.Contains(tc.failed, id) && (state != chain.StateIdle || version != tc.version || lag != "0"):
				t.Errorf("run %d: register %s is %s at v%s, lag %s; want synced: idle at v%s", i+1, id, state, version, lag, tc.version)
			}
		}
		want := fmt.Sprintf("%d registers: %d idle, 0 working, %d failed; newest version v%s", demoShops*demoCashes, demoShops*demoCashes-len(tc.failed), len(tc.failed), tc.version)
		if !strings.Contains(tc.out, want) {
			t.Errorf("run %d: no summary %q in:\n%s", i+1, want, tc.out)
		}
	}
	if !strings.Contains(run2, "duplicate batches received by the registers:") {
		t.Errorf("the demo does not report the duplicates the registers received:\n%s", run2)
	}
}

// TestWorkExitsZeroOnSIGTERM: `loyalty-chain work`, which runs until a
// signal, exits 0 on SIGTERM.
func TestWorkExitsZeroOnSIGTERM(t *testing.T) {
	bin := command(t)
	dir := t.TempDir()
	_, top := startChain(t, chainmock.Config{Shops: 1, Cashes: 1}, dir)
	cmd := exec.Command(bin, "work", "-topology", top, "-db", filepath.Join(dir, "chain.db"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Its first line comes once its signals are handled.
	line, err := bufio.NewReader(stderr).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("work printed nothing: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	exited := make(chan error, 1)
	go func() {
		io.Copy(&rest, stderr) // until the process ends
		exited <- cmd.Wait()
	}()
	select {
	case err := <-exited:
		if code := exitStatus(t, err); code != 0 {
			t.Errorf("work stopped by SIGTERM exited %d, want 0\nstderr: %s%s", code, line, rest.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("work had not exited 10 s after SIGTERM")
	}
}
