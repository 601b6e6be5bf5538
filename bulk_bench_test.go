package loyalty_test

import (
	"context"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// BenchmarkBulk writes 200 customers to the mock with 5 ms of injected
// latency per request, sequentially (1 worker) and with 8 workers, and
// reports items/s and the new connections made (dials) after the first
// request. Target: 8 workers >= 6x sequential; no re-dials.
func BenchmarkBulk(b *testing.B) {
	const items = 200
	for _, workers := range []int{1, 8} {
		b.Run("workers-"+string(rune('0'+workers)), func(b *testing.B) {
			srv := mock.NewServer(b)
			srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Delay: 5 * time.Millisecond, Times: -1})
			vp := srv.VirtPOS()
			batch := make([]loyalty.CustomerUpsert, items)
			for i := range batch {
				batch[i] = loyalty.CustomerUpsert{ID: int64(i%50 + 1), Fields: &loyalty.CustomerUpdate{SendSMS: new(i%2 == 0)}}
			}
			var dials dialCounter
			ctx := dials.ctx(context.Background())
			// Warm up: one connection per worker.
			if _, err := vp.Customers.UpsertMany(ctx, batch[:workers], loyalty.Workers(workers)); err != nil {
				b.Fatal(err)
			}
			dials.n.Store(0)
			start := time.Now()
			n := 0
			for b.Loop() {
				res, err := vp.Customers.UpsertMany(ctx, batch, loyalty.Workers(workers))
				if err == nil {
					err = res.Err()
				}
				if err != nil {
					b.Fatal(err)
				}
				n += items
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "items/s")
			b.ReportMetric(float64(dials.n.Load()), "dials")
			// The warm-up may open fewer connections than workers (a worker
			// can finish before another starts); topping the pool up to
			// one per worker is fine, re-dialing beyond that is not.
			if d := dials.n.Load(); d > int64(workers) {
				b.Errorf("%d re-dials with %d workers", d, workers)
			}
		})
	}
}

// BenchmarkArtixBatch sends 10k addClient commands as one command stream
// (one request) to the mock.
func BenchmarkArtixBatch(b *testing.B) {
	srv := mock.NewServer(b)
	ax := srv.Artix()
	cmds := make([]loyalty.ArtixCommand, 10_000)
	for i := range cmds {
		cmds[i] = loyalty.AddClient(benchArtixCustomer(i + 1))
	}
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		if err := ax.Send(ctx, cmds...); err != nil {
			b.Fatal(err)
		}
		n += len(cmds)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "commands/s")
}
