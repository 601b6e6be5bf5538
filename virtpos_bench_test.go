package loyalty_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func BenchmarkCustomersList(b *testing.B) {
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		b.Run(string(f), func(b *testing.B) {
			srv := mock.NewServer(b)
			vp := srv.VirtPOS(loyalty.WithFormat(f))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := vp.Customers.List(ctx, &loyalty.CustomerQuery{Page: 1, PageSize: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCustomersStream reads 100k customers in one unpaged response
// (about 70 MB of XML), decoded while it streams in. The reported heap
// includes the in-process mock, which holds all 100k customers.
func BenchmarkCustomersStream(b *testing.B) {
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		b.Run(string(f), func(b *testing.B) {
			srv := mock.NewServer(b, mock.Config{Customers: 100_000})
			vp := srv.VirtPOS(loyalty.WithFormat(f), loyalty.WithMaxResponseBytes(1<<30))
			ctx := context.Background()
			b.ReportAllocs()
			var peak uint64
			var ms runtime.MemStats
			for b.Loop() {
				n := 0
				for _, err := range vp.Customers.Stream(ctx, nil) {
					if err != nil {
						b.Fatal(err)
					}
					if n++; n%20000 == 0 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}
				}
				if n != 100_000 {
					b.Fatalf("%d customers", n)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
