package loyalty_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
)

// scaleSizes are the record counts of the scaling benchmarks. 1M runs only
// with LOYALTY_BENCH_1M=1 (minutes per run; see BENCHMARKS.md), so that CI's
// one pass over every benchmark stays short.
func scaleSizes() []int {
	sizes := []int{1_000, 10_000, 100_000}
	if os.Getenv("LOYALTY_BENCH_1M") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	return sizes
}

func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// BenchmarkAll reads n customers with Customers.All, page by page
// (DefaultPageSize, 200), from a loopback server that serves two
// pre-encoded pages in turn (All stops on a page that repeats the last),
// and reports the time and CPU per record and the client's peak heap.
func BenchmarkAll(b *testing.B) {
	const size = loyalty.DefaultPageSize
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		pages := [2][]byte{
			makeCustomerBody(f, 1, size+1, size).bytes(1, f),
			makeCustomerBody(f, size+1, 2*size+1, size).bytes(1, f),
		}
		empty := makeCustomerBody(f, 0, 0, 0).bytes(1, f)
		for _, n := range scaleSizes() {
			b.Run(string(f)+"/"+sizeName(n), func(b *testing.B) {
				hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					p, err := strconv.Atoi(r.URL.Query().Get("page"))
					switch {
					case err != nil || p < 1:
						http.Error(w, "page", http.StatusBadRequest)
					case p > n/size:
						w.Write(empty)
					default:
						w.Write(pages[p%2])
					}
				}))
				b.Cleanup(hs.Close)
				vp, err := loyalty.NewVirtPOS(hs.URL, "k", loyalty.WithFormat(f))
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				b.ReportAllocs()
				var d, cpu time.Duration
				h := startHeapSampler()
				for b.Loop() {
					t0, c0 := time.Now(), cpuTime()
					got := 0
					for _, err := range vp.Customers.All(ctx, nil) {
						if err != nil {
							b.Fatal(err)
						}
						got++
					}
					d, cpu = d+time.Since(t0), cpu+cpuTime()-c0
					if got != n {
						b.Fatalf("%d customers, want %d", got, n)
					}
				}
				b.ReportMetric(float64(d.Nanoseconds())/float64(b.N*n), "ns/record")
				// Process CPU (client and the loopback server) per record:
				// far less sensitive to other load on the machine.
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/record")
				b.ReportMetric(h.peakMiB(), "peak-heap-MiB")
			})
		}
	}
}
