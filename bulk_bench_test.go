package loyalty_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
	"github.com/loyaltykit/loyalty/mock"
)

// BenchmarkBulk writes 200 customers to the mock with 5 ms of injected
// latency per request, sequentially (1 worker) and with 8 workers, and
// reports items/s, the process CPU per item and the new connections made
// (dials) after the first request. Target: 8 workers >= 6x sequential; no re-dials.
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
			if _, err := vp.Customers.UpsertMany(ctx, batch[:workers], loyalty.WithWorkers(workers)); err != nil {
				b.Fatal(err)
			}
			dials.n.Store(0)
			start, cpu0 := time.Now(), cpuTime()
			n := 0
			for b.Loop() {
				res, err := vp.Customers.UpsertMany(ctx, batch, loyalty.WithWorkers(workers))
				if err == nil {
					err = res.Err()
				}
				if err != nil {
					b.Fatal(err)
				}
				n += items
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "items/s")
			// Process CPU (SDK and mock) per item: with it, whether a
			// shortfall of the 8 workers is this code's or a busy machine's.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/item")
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

// BenchmarkArtixBatch sends batches of n addClient commands to a loopback
// server that discards the body and answers ok, two ways interleaved
// round by round: the SDK's SendSeq, and the best raw client, a
// json.Encoder streaming typed structs through an io.Pipe into the request
// body. Both take the commands from the same iter.Seq, which yields 1000
// distinct pre-built commands in turn (building them is not measured).
// It reports the time per command and the peak heap of each, and x-raw
// (SDK time / raw time). Target (issue 15): x-raw <= 1.15 for every n
// from 1 to 1M, no cliff where the SDK switches from a buffered to a
// streamed body. 1M runs only with LOYALTY_BENCH_1M=1.
func BenchmarkArtixBatch(b *testing.B) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, artixOK)
	}))
	b.Cleanup(hs.Close)
	ax, err := loyalty.NewArtix(hs.URL)
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	ring := make([]loyalty.ArtixCommand, 1000)
	for i := range ring {
		ring[i] = loyalty.AddClient(benchArtixCustomer(i + 1))
	}
	sizes := []int{1, 10, 100, 1000, 1001} // 1000: the last buffered batch
	for _, n := range scaleSizes() {
		if n > 1001 {
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		seq := func(yield func(loyalty.ArtixCommand) bool) {
			for i := range n {
				if !yield(ring[i%len(ring)]) {
					return
				}
			}
		}
		ctx := context.Background()
		b.Run(sizeName(n), func(b *testing.B) {
			// Heap peaks from 1000 commands: a GC per call would dominate small batches.
			vs, ns, peak, rounds := rotate(b, []variant{
				{"sdk", func() error { return ax.SendSeq(ctx, seq) }},
				{"raw", func() error { return rawArtixStream(ctx, hc, hs.URL, seq) }},
			}, n >= 1000)
			for i, v := range vs {
				b.ReportMetric(float64(ns[i].Nanoseconds())/float64(rounds*n), v.name+"-ns/command")
				if n >= 1000 {
					b.ReportMetric(peak[i], v.name+"-peak-heap-MiB")
				}
			}
			if len(vs) == 2 {
				b.ReportMetric(float64(ns[0])/float64(max(ns[1], 1)), "x-raw")
			}
		})
	}
}

// rawArtixStream is the best hand-written batch: a json.Encoder writing
// typed structs into a buffered io.Pipe that is the request body, so that
// memory does not grow with the batch.
func rawArtixStream(ctx context.Context, hc *http.Client, base string, seq iter.Seq[loyalty.ArtixCommand]) error {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 64<<10)
		enc := json.NewEncoder(bw)
		bw.WriteByte('[')
		first := true
		for c := range seq {
			if !first {
				bw.WriteByte(',')
			}
			first = false
			if err := enc.Encode(rawArtixCommand{Command: "addClient", Client: rawArtixFromCustomer(*c.Client)}); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		bw.WriteByte(']')
		pw.CloseWithError(bw.Flush())
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+artixwire.LoadDictsPath, pr)
	if err != nil {
		pr.Close()
		return err
	}
	return rawArtixReply(hc, req, false)
}
