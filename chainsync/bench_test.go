package chainsync

import (
	"context"
	"fmt"
	"iter"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// hashStore is a VersionStore that keeps the live hashes only, and
// compactly (in the index Snapshot itself uses), as a store writing its
// records elsewhere (to disk) would keep next to nothing: it isolates
// Snapshot's own cost, the paging, mapping, hashing and diffing.
type hashStore struct {
	newest int64
	live   *hashIndex
}

func newHashStore() *hashStore { return &hashStore{live: newHashIndex()} }

func (s *hashStore) Live(_ context.Context, each func(string, Hash)) (int64, error) {
	for k, v := range s.live.all() {
		each(k, v)
	}
	return s.newest, nil
}

func (s *hashStore) AddVersion(_ context.Context, changes iter.Seq2[Change, error]) (int64, error) {
	n := 0
	for c, err := range changes {
		if err != nil {
			return 0, err
		}
		n++
		if c.Kind == Deleted {
			s.live.delete(c.ID)
		} else {
			s.live.set(c.ID, c.Hash)
		}
	}
	if n > 0 {
		s.newest++
	}
	return s.newest, nil
}

func (s *hashStore) Changes(context.Context, int64, int64, bool, string, int) ([]Change, error) {
	return nil, nil
}
func (s *hashStore) CountChanges(context.Context, int64, int64, bool) (int, error) { return 0, nil }

// generated yields n customers with phones, the i-th changed when
// changed(i).
func generated(n int, changed func(int) bool) iter.Seq2[loyalty.Customer, error] {
	return func(yield func(loyalty.Customer, error) bool) {
		for i := range n {
			name := "Имя"
			if changed(i) {
				name = "Другое"
			}
			c := loyalty.Customer{ID: int64(i + 1), FirstName: name, LastName: "Фамилия",
				Phone: fmt.Sprintf("+7 9%09d", i+1), Email: fmt.Sprintf("c%d@example.com", i+1)}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// peakHeap samples HeapInuse until stop is called and returns the peak.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// benchSizes are the customer counts measured: 10k and 100k, and 1M
// with LOYALTY_CHAIN_BENCH_1M=1 (docs/benchmarks: it takes minutes).
func benchSizes() []int {
	sizes := []int{10_000, 100_000}
	if os.Getenv("LOYALTY_CHAIN_BENCH_1M") != "" {
		sizes = append(sizes, 1_000_000)
	}
	return sizes
}

// BenchmarkSnapshotDiff records a first version of n customers, then
// measures the next snapshot (1% changed): paging is synthetic here, so
// the figures are Snapshot's own. ns/customer and the peak heap in use
// are reported.
func BenchmarkSnapshotDiff(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			ctx := context.Background()
			store := newHashStore()
			if _, err := Snapshot(ctx, store, generated(n, func(int) bool { return false })); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			stop := peakHeap()
			b.ResetTimer()
			for i := range b.N {
				res, err := Snapshot(ctx, store, generated(n, func(j int) bool { return (j+i)%100 == 0 }))
				if err != nil || !res.New {
					b.Fatalf("Snapshot = %+v, %v; want a new version", res, err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/customer")
			b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MiB")
		})
	}
}

// BenchmarkSnapshotFromMock pages the customers from the in-memory mock
// (XML over the in-memory transport): the end-to-end time per customer.
// The mock's own customers are in the heap, so no heap figure.
func BenchmarkSnapshotFromMock(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		if n > 10_000 && testing.Short() {
			continue
		}
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			srv, err := mock.NewInMemory(mock.Config{Customers: n})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			vp := srv.VirtPOS()
			b.ResetTimer()
			for range b.N {
				store := newHashStore()
				if _, err := Snapshot(ctx, store, vp.Customers.All(ctx, nil)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/customer")
		})
	}
}
