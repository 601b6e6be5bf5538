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
// collections (GOGC=100) and the store's own copy of the hashes is a
// third: Snapshot keeps the map [VersionStore.Live] hands it and next to
// nothing beside it (at most 16 bytes a client), no second set of the
// client ids it has seen.
func TestSnapshotHeapPerClient(t *testing.T) {
	if testing.Short() {
		t.Skip("pages 100 000 customers")
	}
	const n = 100_000
	ctx := context.Background()
	store := &hashStore{live: map[string]Hash{}}
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
	// The map Live returns: at most what the store's own map takes.
	runtime.GC()
	runtime.ReadMemStats(&ms)
	perClient := (float64(live) - float64(base)) / n
	t.Logf("Snapshot keeps %.0f bytes a client beyond the store (base heap %d MiB)", perClient, base>>20)
	mapBytes := float64(base) / n // the store's map, and a little else
	if extra := perClient - mapBytes; extra > 16 {
		t.Errorf("Snapshot keeps %.0f bytes a client beyond the map Live hands it (%.0f); want at most 16", extra, mapBytes)
	}
}
