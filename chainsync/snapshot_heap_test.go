package chainsync

import (
	"context"
	"iter"
	"runtime"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// heapAtEnd wraps customers so that, once the last customer has been
// taken, it collects garbage and records the live heap: what Snapshot
// holds at its fullest (the previous version's hashes and the clients
// seen), before the deletions are yielded.
func heapAtEnd(customers iter.Seq2[loyalty.Customer, error], live *uint64) iter.Seq2[loyalty.Customer, error] {
	return func(yield func(loyalty.Customer, error) bool) {
		for c, err := range customers {
			if !yield(c, err) {
				return
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		*live = ms.HeapAlloc
	}
}

// TestSnapshotHeapPerClient bounds what Snapshot itself keeps per client
// while it diffs: the budget is the 256 MiB peak at 1 000 000
// clients, of which the heap may be twice the live data between two
// collections (GOGC=100) and a store that keeps its hashes in memory
// (this one, or MemStore) takes its own share. Snapshot keeps one index
// of the previous version's hashes, keyed by the numeric client id, and
// no second set of the ids it has seen: at most 48 bytes a client.
func TestSnapshotHeapPerClient(t *testing.T) {
	if testing.Short() {
		t.Skip("pages 100 000 customers")
	}
	const n = 100_000
	ctx := context.Background()
	store := newHashStore()
	if _, err := Snapshot(ctx, store, generated(n, func(int) bool { return false })); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var live uint64
	res, err := Snapshot(ctx, store, heapAtEnd(generated(n, func(j int) bool { return j%100 == 0 }), &live))
	if err != nil {
		t.Fatal(err)
	}
	if res.Updated != n/100 || res.Clients != n {
		t.Fatalf("Snapshot = %+v; want %d updated of %d clients", res, n/100, n)
	}
	perClient := (float64(live) - float64(base)) / n
	t.Logf("Snapshot keeps %.0f bytes a client (base heap with the store %d MiB)", perClient, base>>20)
	if perClient > 48 {
		t.Errorf("Snapshot keeps %.0f bytes a client while it diffs; want at most 48", perClient)
	}
}

func TestHashIndexKeepsEveryID(t *testing.T) {
	x := newHashIndex()
	ids := []string{"1", "18446744073709551615", "007", "0", "-5", "+5", "18446744073709551616", "abc", ""}
	for i, id := range ids {
		x.set(id, Hash{byte(i + 1)})
	}
	for i, id := range ids {
		if h, ok := x.get(id); !ok || h != (Hash{byte(i + 1)}) {
			t.Errorf("get(%q) = %v, %v; want %v, true", id, h, ok, Hash{byte(i + 1)})
		}
	}
	got := map[string]Hash{}
	for id, h := range x.all() {
		got[id] = h
	}
	if len(got) != len(ids) {
		t.Errorf("all yields %d ids (%v); want the %d set", len(got), got, len(ids))
	}
	for i, id := range ids {
		if got[id] != (Hash{byte(i + 1)}) {
			t.Errorf("all yields %q with %v; want %v", id, got[id], Hash{byte(i + 1)})
		}
	}
	if _, ok := x.get("2"); ok {
		t.Errorf("get(%q) found a client never set", "2")
	}
}
