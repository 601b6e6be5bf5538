package loyalty_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// streamCustomers is the size of the export the streaming benchmarks read.
const streamCustomers = 100_000

// streamChunk is the customers the export repeats (ids repeat every
// streamChunk customers): small enough that the server holds no more than
// it, so the heap measured is the client's.
const streamChunk = 1000

var streamBodies = sync.OnceValue(func() map[loyalty.Format]customerBody {
	m := map[loyalty.Format]customerBody{}
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		m[f] = makeCustomerBody(f, 1, streamChunk+1, streamCustomers)
	}
	return m
})

// serveExport serves the 100k-customer export, writing the chunk again
// and again, and returns its size in bytes.
func serveExport(b *testing.B, f loyalty.Format) (*httptest.Server, int64) {
	cb := streamBodies()[f]
	times := streamCustomers / streamChunk
	size := int64(len(cb.head) + times*len(cb.customers) + len(cb.tail))
	if f == loyalty.FormatJSON {
		size += int64(times - 1)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.Write(cb.head)
		for i := range times {
			if i > 0 && f == loyalty.FormatJSON {
				w.Write([]byte{','})
			}
			w.Write(cb.customers)
		}
		w.Write(cb.tail)
	}))
	b.Cleanup(hs.Close)
	return hs, size
}

// BenchmarkStream reads a 100k-customer unpaged response (about 70 MB of
// XML, 50 MB of JSON) with Customers.Stream and reports the client's peak
// heap (target <= 16 MiB) and throughput; the unmarshal sub-benchmarks are
// encoding/xml and encoding/json unmarshalling the same bytes into a slice
// (throughput target: stream >= unmarshal).
func BenchmarkStream(b *testing.B) {
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		b.Run(string(f)+"/sdk-stream", func(b *testing.B) {
			hs, size := serveExport(b, f)
			vp, err := loyalty.NewVirtPOS(hs.URL, "k", loyalty.WithFormat(f))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.SetBytes(size)
			b.ReportAllocs()
			h := startHeapSampler()
			for b.Loop() {
				n := 0
				for _, err := range vp.Customers.Stream(ctx, nil) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != streamCustomers {
					b.Fatalf("%d customers", n)
				}
			}
			b.ReportMetric(h.peakMiB(), "peak-heap-MiB")
		})
		b.Run(string(f)+"/unmarshal", func(b *testing.B) {
			body := streamBodies()[f].bytes(streamCustomers/streamChunk, f)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			h := startHeapSampler()
			for b.Loop() {
				var env rawEnvelope
				var err error
				if f == loyalty.FormatJSON {
					err = json.Unmarshal(body, &env)
				} else {
					err = xml.Unmarshal(body, &env)
				}
				if err != nil || len(env.Customers) != streamCustomers {
					b.Fatalf("%d customers, %v", len(env.Customers), err)
				}
			}
			b.ReportMetric(h.peakMiB(), "peak-heap-MiB")
		})
	}
}
