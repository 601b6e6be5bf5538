package chain

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chain/chainmock"
	"github.com/loyaltykit/loyalty/chain/internal/pgtest"
	"github.com/loyaltykit/loyalty/chainsync"
)

// testConfig is a Config for a chain mock: small batches, quick retries.
func testConfig(c *chainmock.Chain) Config {
	return Config{
		Topology:       c.Topology(),
		Policy:         chainsync.Policy{BatchSize: 20},
		Workers:        4,
		MaxAttempts:    3,
		RetryBase:      10 * time.Millisecond,
		RetryMax:       50 * time.Millisecond,
		ConfirmTimeout: 10 * time.Second,
	}
}

func startChain(t *testing.T, cfg chainmock.Config) *chainmock.Chain {
	t.Helper()
	c, err := chainmock.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// newest is the Artix directory the newest version holds, by client id.
func newestDirectory(t *testing.T, store chainsync.VersionStore) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	v, err := store.Live(ctx, func(id string, _ chainsync.Hash) { out[id] = "" })
	if err != nil {
		t.Fatal(err)
	}
	live := out
	cs, err := store.Changes(ctx, 0, v, true, "", len(live)+1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		out[c.ID] = string(c.Record)
	}
	return out
}

func directoryOf(t *testing.T, r *chainmock.Register) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, c := range r.Clients() {
		b, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		out[id] = string(b)
	}
	return out
}

// syncOnce snapshots the head office, fans out and waits.
func syncOnce(t *testing.T, e Runner, c *chainmock.Chain) []RegisterStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := e.Snapshot(ctx, c.HeadOffice.VirtPOS().Customers.All(ctx, nil)); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if _, err := e.Enqueue(ctx); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	sts, err := e.Wait(ctx, nil)
	if err != nil {
		t.Fatalf("Wait: %v (statuses %+v)", err, sts)
	}
	return sts
}

func TestEngineSyncsAChainSQLite(t *testing.T) {
	c := startChain(t, chainmock.Config{Shops: 3, Cashes: 2, Customers: 50})
	e, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "chain.db"), testConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	testEngineSyncsAChain(t, e, e.Store(), c)
}

func TestEngineSyncsAChainPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	c := startChain(t, chainmock.Config{Shops: 3, Cashes: 2, Customers: 50})
	e, err := OpenPostgres(context.Background(), dsn, testConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	testEngineSyncsAChain(t, e, e.Store(), c)
}

func testEngineSyncsAChain(t *testing.T, e Runner, store chainsync.VersionStore, c *chainmock.Chain) {
	ctx := context.Background()
	broken, flaky := c.Register("s002/1"), c.Register("s003/2")
	broken.SetFault(chainmock.Fault{Status: "STATUS_ERROR", Message: "диск переполнен"})
	flaky.SetFault(chainmock.Fault{FailLoads: 1, Latency: 5 * time.Millisecond})
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}

	sts := syncOnce(t, e, c)
	want := newestDirectory(t, store)
	if len(want) == 0 {
		t.Fatal("the newest version holds no client")
	}
	for _, st := range sts {
		r := c.Register(st.Register)
		if r == broken {
			if st.State != StateFailed || !strings.Contains(st.LastError, "диск переполнен") {
				t.Errorf("register %s: state %q, last error %q; want failed with its message", st.Register, st.State, st.LastError)
			}
			continue
		}
		if st.State != StateIdle || st.Lag != 0 || st.Confirmed != 1 {
			t.Errorf("register %s: %+v, want idle at version 1", st.Register, st)
		}
		if got := directoryOf(t, r); !maps.Equal(got, want) {
			t.Errorf("register %s holds %d clients, want the newest version's %d", st.Register, len(got), len(want))
		}
		if d := r.Duplicates(); d != 0 {
			t.Errorf("register %s was sent %d batches twice, want none", st.Register, d)
		}
	}

	// The head office changes: the next run sends each register the delta.
	vp := c.HeadOffice.VirtPOS()
	first := slices.Sorted(maps.Keys(want))[0]
	id, _ := strconv.ParseInt(first, 10, 64)
	if _, err := vp.Customers.Update(ctx, id, &loyalty.CustomerUpdate{FirstName: new("Изменённая")}); err != nil {
		t.Fatal(err)
	}
	broken.SetFault(chainmock.Fault{})
	before := map[string]int{}
	for _, r := range c.Registers() {
		before[r.ID()] = len(r.Loads())
	}
	sts = syncOnce(t, e, c)
	want = newestDirectory(t, store)
	for _, st := range sts {
		r := c.Register(st.Register)
		if st.State != StateIdle || st.Confirmed != 2 {
			t.Errorf("after the change, register %s: %+v, want idle at version 2", st.Register, st)
		}
		if got := directoryOf(t, r); !maps.Equal(got, want) {
			t.Errorf("after the change, register %s does not hold the newest version", st.Register)
		}
		loads := r.Loads()[before[r.ID()]:]
		if r == broken {
			if len(loads) == 0 || !strings.HasPrefix(loads[0], "chain-s002.1-0-2f-1of") {
				t.Errorf("the register that failed got %v, want a full reload to version 2 (chain-s002.1-0-2f-1of… first)", loads)
			}
			continue
		}
		if !slices.Equal(loads, []string{"chain-" + strings.ReplaceAll(r.ID(), "/", ".") + "-1-2d-1of1"}) {
			t.Errorf("register %s got %v after one change, want the one delta batch", r.ID(), loads)
		}
	}
}

// TestEngineCountsOnlyTheRegistersOwnCashCode: the engine declares each
// register's cash code for its load confirmation, so a register whose
// reports name another cash code (here its neighbour's) confirms nothing:
// it ends failed, not confirmed, and the rest of the chain goes on.
func TestEngineCountsOnlyTheRegistersOwnCashCode(t *testing.T) {
	c := startChain(t, chainmock.Config{Shops: 1, Cashes: 2, Customers: 10})
	cfg := testConfig(c)
	cfg.MaxAttempts, cfg.ConfirmTimeout = 1, 500*time.Millisecond
	e, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "chain.db"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	wrong := c.Register("s001/2")
	wrong.SetFault(chainmock.Fault{ReportAs: "1"})
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, st := range syncOnce(t, e, c) {
		switch {
		case st.Register == wrong.ID() && st.State != StateFailed:
			t.Errorf("register %s reporting as cash 1: state %q at version %d; want failed, its batch not confirmed", st.Register, st.State, st.Confirmed)
		case st.Register == wrong.ID():
			t.Logf("register %s: %s", st.Register, st.LastError)
		case st.State != StateIdle || st.Confirmed != 1:
			t.Errorf("register %s: state %q at version %d; want idle at version 1", st.Register, st.State, st.Confirmed)
		}
	}
}

// TestEngineReloadsARegisterWhoseReadBackDisagrees: a shop with a Cash
// Server has its directory read back before planning; a directory changed
// behind the engine's back (a client deleted there) disagrees with the
// register's confirmed version and gets a full reload, though nothing
// changed at the head office; a shop whose read-back agrees gets nothing.
func TestEngineReloadsARegisterWhoseReadBackDisagrees(t *testing.T) {
	ctx := context.Background()
	c := startChain(t, chainmock.Config{Shops: 2, Cashes: 1, Customers: 30, CashServers: true})
	e, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "chain.db"), testConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	syncOnce(t, e, c)
	want := newestDirectory(t, e.Store())
	cs, err := loyalty.NewArtixCashServer(c.CashServerURL("s001"))
	if err != nil {
		t.Fatal(err)
	}
	gone := slices.Sorted(maps.Keys(want))[0]
	if err := cs.Customers.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	changed, same := c.Register("s001/1"), c.Register("s002/1")
	before := map[string]int{changed.ID(): len(changed.Loads()), same.ID(): len(same.Loads())}

	plans, err := e.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plans {
		if full := p.Register == changed.ID(); p.Work.Full != full {
			t.Errorf("plan for %s: %+v; want full reload %v", p.Register, p.Work, full)
		}
	}
	syncOnce(t, e, c)
	if got := directoryOf(t, changed); !maps.Equal(got, want) {
		t.Errorf("register %s holds %d clients after the run, want the confirmed version's %d (client %s restored)", changed.ID(), len(got), len(want), gone)
	}
	if loads := changed.Loads()[before[changed.ID()]:]; len(loads) == 0 || !strings.HasPrefix(loads[0], "chain-s001.1-1-1f-r1-1of") {
		t.Errorf("register %s got %v, want a full reload of version 1, repair 1 (chain-s001.1-1-1f-r1-1of… first)", changed.ID(), loads)
	}
	if loads := same.Loads()[before[same.ID()]:]; len(loads) != 0 {
		t.Errorf("register %s, whose read-back agrees, got %v; want nothing", same.ID(), loads)
	}
}

// TestEngineRepairsARegisterTwiceSQLite and …Postgres: a register whose
// directory is changed behind the engine's back twice, with no change at
// the head office in between, is repaired both times. The second repair
// is at the same confirmed and newest versions as the first, so it must
// carry dictionaryids of its own: had it the first's, the ledger would
// hold them as confirmed and nothing would be sent.
func TestEngineRepairsARegisterTwiceSQLite(t *testing.T) {
	c := startChain(t, chainmock.Config{Shops: 1, Cashes: 1, Customers: 30, CashServers: true})
	e, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "chain.db"), testConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	testEngineRepairsARegisterTwice(t, e, e.Store(), c)
}

func TestEngineRepairsARegisterTwicePostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	c := startChain(t, chainmock.Config{Shops: 1, Cashes: 1, Customers: 30, CashServers: true})
	e, err := OpenPostgres(context.Background(), dsn, testConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	testEngineRepairsARegisterTwice(t, e, e.Store(), c)
}

func testEngineRepairsARegisterTwice(t *testing.T, e Runner, store chainsync.VersionStore, c *chainmock.Chain) {
	ctx := context.Background()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	syncOnce(t, e, c)
	want := newestDirectory(t, store)
	cs, err := loyalty.NewArtixCashServer(c.CashServerURL("s001"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Register("s001/1")
	ids := slices.Sorted(maps.Keys(want))
	var repairs [][]string
	for i, gone := range ids[:2] {
		if err := cs.Customers.Delete(ctx, gone); err != nil {
			t.Fatal(err)
		}
		before := len(r.Loads())
		sts := syncOnce(t, e, c)
		if got := directoryOf(t, r); !maps.Equal(got, want) {
			t.Errorf("tampered with %d time(s): register %s holds %d clients after the run, want the newest version's %d (client %s restored)", i+1, r.ID(), len(got), len(want), gone)
		}
		loads := r.Loads()[before:]
		if len(loads) == 0 {
			t.Errorf("tampered with %d time(s): register %s was sent nothing, want a full reload", i+1, r.ID())
		}
		for _, st := range sts {
			if st.State != StateIdle || st.Confirmed != 1 {
				t.Errorf("tampered with %d time(s): register %s: state %q at version %d; want idle at version 1", i+1, st.Register, st.State, st.Confirmed)
			}
		}
		repairs = append(repairs, loads)
	}
	if slices.Equal(repairs[0], repairs[1]) {
		t.Errorf("both repairs were sent as %v; want dictionaryids of their own", repairs[0])
	}
	if d := r.Duplicates(); d != 0 {
		t.Errorf("register %s received %d batches twice; want none (each repair its own ids)", r.ID(), d)
	}
}
