package mock

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkMockThroughput hammers the mock (default config: the journal
// on, DefaultJournalSize) with small requests from parallel loopback
// clients (plain net/http reading the whole answer, so that the mock's own
// cost dominates) and reports requests per second, clients and server
// sharing the same cores. Target (issue 15): >= 15k req/s on 2 cores for
// single-customer VirtPOS reads and CRM reads.
func BenchmarkMockThroughput(b *testing.B) {
	cases := []struct {
		name string
		req  func(s *Server) (*http.Client, func() (*http.Request, error))
	}{
		{"virtpos-get-json", virtposGet("json")},
		{"virtpos-get-xml", virtposGet("xml")},
		{"virtpos-list1-json", virtposList("json", 1)},
		{"virtpos-list1-xml", virtposList("xml", 1)},
		{"virtpos-list10-json", virtposList("json", 10)},
		{"crm-get", func(s *Server) (*http.Client, func() (*http.Request, error)) {
			hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
				RootCAs: s.RootCAs(), Certificates: []tls.Certificate{s.ClientCertificate()},
			}}}
			u := s.CRMURL + "/GetByContactId?" + url.Values{
				"commercial_firm_id": {s.CommercialFirmID}, "contact_id": {CRMContactID.String()}}.Encode()
			return hc, func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) }
		}},
		{"crm-find", func(s *Server) (*http.Client, func() (*http.Request, error)) {
			hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
				RootCAs: s.RootCAs(), Certificates: []tls.Certificate{s.ClientCertificate()},
			}}}
			u := s.CRMURL + "/FindContactInfo?" + url.Values{
				"commercial_firm_id": {s.CommercialFirmID}, "filter": {`{"mobile_phone":"79161234567"}`}}.Encode()
			return hc, func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) }
		}},
		{"artix-add", func(s *Server) (*http.Client, func() (*http.Request, error)) {
			const body = `[{"command":"addClient","client":{"idclient":"42","name":"Пётр","lastname":"Петров","phonenumber":"89161234567"}}]`
			return &http.Client{Transport: &http.Transport{}}, func() (*http.Request, error) {
				r, err := http.NewRequest(http.MethodPost, s.ArtixURL+"/aifexchange/loaddicts", strings.NewReader(body))
				if r != nil {
					r.Header.Set("Content-Type", "application/json")
				}
				return r, err
			}
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			s := NewServer(b)
			hc, newReq := tc.req(s)
			dials := countDials(hc)
			do := func() error {
				r, err := newReq()
				if err != nil {
					return err
				}
				resp, err := hc.Do(r)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					return err
				}
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("HTTP %d", resp.StatusCode)
				}
				return nil
			}
			// Open the connections first, one per client goroutine, so that
			// their TLS handshakes (≈ 10M instructions each for the CRM:
			// more than 30 requests) stay out of the CPU per request.
			var wg sync.WaitGroup
			errs := make([]error, parallelism*runtime.GOMAXPROCS(0))
			for i := range errs {
				wg.Go(func() { errs[i] = do() })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.ReportAllocs()
			b.SetParallelism(parallelism)
			start, cpu0 := time.Now(), cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := do(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			// CPU time per request (server and client, all threads) drifts
			// far less with the machine's load than req/s; 2 cores fully
			// used would serve 2 s / cpu-per-request each second.
			cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
			b.ReportMetric(cpu*1e6, "cpu-µs/req")
			b.ReportMetric(2/cpu, "cpu-bound-req/s")
			// Connections are reused (keep-alive): about one dial, so one
			// TLS handshake for the CRM, per client goroutine (8–10 for 8
			// goroutines: net/http now and then closes one and dials
			// again), never one per request.
			b.ReportMetric(float64(dials.Load()), "dials")
			if dials.Load() > int64(2*parallelism*runtime.GOMAXPROCS(0)) {
				b.Errorf("%d dials for %d requests: connections are not reused", dials.Load(), b.N)
			}
		})
	}
}

// parallelism is the client goroutines per GOMAXPROCS.
const parallelism = 4

// countDials caps hc's transport at one open connection per client
// goroutine (a request waits for an idle one rather than dialing a spare:
// spare dials, 8–21 a run, made the TLS handshakes, and so the CPU per
// request, vary from run to run) and counts the connections it opens.
func countDials(hc *http.Client) *atomic.Int64 {
	n := new(atomic.Int64)
	t := hc.Transport.(*http.Transport)
	t.MaxConnsPerHost = parallelism * runtime.GOMAXPROCS(0)
	t.MaxIdleConnsPerHost = t.MaxConnsPerHost
	d := &net.Dialer{}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return d.DialContext(ctx, network, addr)
	}
	return n
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func virtposGet(format string) func(s *Server) (*http.Client, func() (*http.Request, error)) {
	return func(s *Server) (*http.Client, func() (*http.Request, error)) {
		u := s.VirtPOSURL + "/api/customer?" + url.Values{"apikey": {s.APIKey}, "format": {format}, "id": {"1"}}.Encode()
		return &http.Client{Transport: &http.Transport{}},
			func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) }
	}
}

func virtposList(format string, size int) func(s *Server) (*http.Client, func() (*http.Request, error)) {
	return func(s *Server) (*http.Client, func() (*http.Request, error)) {
		u := s.VirtPOSURL + "/api/customer?" + url.Values{"apikey": {s.APIKey}, "format": {format},
			"page": {"1"}, "page_size": {fmt.Sprint(size)}}.Encode()
		return &http.Client{Transport: &http.Transport{}},
			func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) }
	}
}

// BenchmarkStart (start a mock with its CA and certificates, then close
// it; target < 100 ms) is in server_test.go.
