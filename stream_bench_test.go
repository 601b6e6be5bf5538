package loyalty_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// BenchmarkStream reads a 100k-customer unpaged response (about 87 MB of
// XML, 55 MB of JSON) from the same loopback server four ways, interleaved
// round by round (the order rotates): the SDK's Customers.Stream; the best
// raw streaming decoder (bestXMLCustomers: an xml.Decoder.RawToken loop;
// bestJSONCustomers: a json.Decoder element by element); the naive raw
// (io.ReadAll and Unmarshal into a slice); the floor (the body copied to
// io.Discard). It reports each one's MB/s and peak heap (sampled while it
// runs), and the SDK's throughput relative to each (speed-x-V = V's time /
// the SDK's time, so > 1 is the SDK faster). Targets (issue 15): XML
// speed-x-best >= 1.5, JSON >= 1.0, SDK peak heap <= 16 MiB.
func BenchmarkStream(b *testing.B) {
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		b.Run(string(f), func(b *testing.B) {
			hs, size := serveExport(b, f)
			vp, err := loyalty.NewVirtPOS(hs.URL, "k", loyalty.WithFormat(f))
			if err != nil {
				b.Fatal(err)
			}
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			ctx := context.Background()
			u := rawVirtPOSURL(hs.URL, f, url.Values{})
			want := func(n int) error {
				if n != streamCustomers {
					return fmt.Errorf("%d customers", n)
				}
				return nil
			}
			streamCompare(b, size, []variant{
				{"sdk", func() error {
					n := 0
					for _, err := range vp.Customers.Stream(ctx, nil) {
						if err != nil {
							return err
						}
						n++
					}
					return want(n)
				}},
				{"best", func() error {
					resp, err := rawGet(ctx, hc, u)
					if err != nil {
						return err
					}
					defer resp.Body.Close()
					n := 0
					st, err := bestCustomers(resp.Body, f, func(*loyalty.Customer) bool { n++; return true })
					if err == nil {
						err = st.err(resp.StatusCode)
					}
					if err != nil {
						return err
					}
					return want(n)
				}},
				{"naive", func() error {
					cs, err := naiveVirtPOSList(ctx, hc, u, f)
					if err != nil {
						return err
					}
					return want(len(cs))
				}},
				{"floor", func() error {
					n, err := floorGet(ctx, hc, u)
					if err == nil && n != size {
						err = fmt.Errorf("%d bytes of %d", n, size)
					}
					return err
				}},
			})
		})
	}
}

// streamCompare runs each variant once per round, the order rotating from
// round to round, and reports per variant its MB/s (size bytes a call) and
// peak heap, and the SDK's (vs[0]) speed relative to each other variant.
// LOYALTY_BENCH_VARIANT=name runs one variant alone.
func streamCompare(b *testing.B, size int64, vs []variant) {
	vs, ns, peak, rounds := rotate(b, vs, true)
	for i, v := range vs {
		b.ReportMetric(float64(size)*float64(rounds)/ns[i].Seconds()/1e6, v.name+"-MB/s")
		b.ReportMetric(peak[i], v.name+"-peak-heap-MiB")
		if i > 0 && v.name != "" {
			b.ReportMetric(float64(ns[i])/float64(max(ns[0], 1)), "speed-x-"+v.name)
		}
	}
}
