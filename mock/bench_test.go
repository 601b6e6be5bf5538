package mock

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// BenchmarkMockThroughput hammers the mock with small requests from
// parallel loopback clients (plain net/http reading the whole answer, so
// that the mock's own cost dominates) and reports requests per second,
// clients and server sharing the same cores. Target: >= 10k req/s on 2
// cores.
func BenchmarkMockThroughput(b *testing.B) {
	cases := []struct {
		name string
		req  func(s *Server) (*http.Client, func() (*http.Request, error))
	}{
		{"virtpos-list1-json", virtposList("json", 1)},
		{"virtpos-list1-xml", virtposList("xml", 1)},
		{"virtpos-list10-json", virtposList("json", 10)},
		{"crm-get", func(s *Server) (*http.Client, func() (*http.Request, error)) {
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, TLSClientConfig: &tls.Config{
				RootCAs: s.RootCAs(), Certificates: []tls.Certificate{s.ClientCertificate()},
			}}}
			u := s.CRMURL + "/GetByContactId?" + url.Values{
				"commercial_firm_id": {s.CommercialFirmID}, "contact_id": {CRMContactID.String()}}.Encode()
			return hc, func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) }
		}},
		{"artix-add", func(s *Server) (*http.Client, func() (*http.Request, error)) {
			const body = `[{"command":"addClient","client":{"idclient":"42","name":"Пётр","lastname":"Петров","phonenumber":"89161234567"}}]`
			return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}, func() (*http.Request, error) {
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
			s := NewServer(b, Config{JournalSize: 1000})
			hc, newReq := tc.req(s)
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
			if err := do(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetParallelism(4)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := do(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

func virtposList(format string, size int) func(s *Server) (*http.Client, func() (*http.Request, error)) {
	return func(s *Server) (*http.Client, func() (*http.Request, error)) {
		u := s.VirtPOSURL + "/api/customer?" + url.Values{"apikey": {s.APIKey}, "format": {format},
			"page": {"1"}, "page_size": {fmt.Sprint(size)}}.Encode()
		return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
			func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) }
	}
}

// BenchmarkStart (start a mock with its CA and certificates, then close
// it; target < 100 ms) is in server_test.go.
