package loyalty_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/testutil"
	"github.com/loyaltykit/loyalty/mock"
)

// Tests of the request path (request.go): headers, body limits, bodies
// cut off or malformed, the shared transport.

func TestResponseOverTheSizeLimitFails(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithMaxResponseBytes(2048))
	ctx := context.Background()
	// Announced too large.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 200, BodySize: 1 << 20})
	_, err := vp.Customers.List(ctx, nil)
	var ae *loyalty.APIError
	if !errors.Is(err, loyalty.ErrResponseTooLarge) {
		t.Fatalf("Content-Length over the limit: %v; want errors.Is(err, loyalty.ErrResponseTooLarge)", err)
	} else if !errors.As(err, &ae) {
		t.Fatalf("Content-Length over the limit: %v; want errors.As(err, &ae)", err)
	}
	// Streamed (chunked) too large: the real 60-customer list, buffered and
	// streamed. A stream applies the limit per customer: 2048 bytes hold
	// one customer, so the whole list streams; 300 bytes do not.
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		vp := srv.VirtPOS(loyalty.WithMaxResponseBytes(2048), loyalty.WithFormat(f))
		if _, err := vp.Customers.List(ctx, nil); !errors.Is(err, loyalty.ErrResponseTooLarge) {
			t.Errorf("%s list: %v", f, err)
		}
		stream := func(vp *loyalty.VirtPOS) (n int, last error) {
			for _, err := range vp.Customers.Stream(ctx, nil) {
				if err != nil {
					last = err
				} else {
					n++
				}
			}
			return n, last
		}
		if n, err := stream(vp); err != nil {
			t.Errorf("%s stream, 2048 bytes per customer: %d customers, then %v; want err == nil", f, n, err)
		} else if n != mock.DefaultCustomers {
			t.Errorf("%s stream, 2048 bytes per customer: %d customers, then %v; want n == mock.DefaultCustomers", f, n, err)
		}
		small := srv.VirtPOS(loyalty.WithMaxResponseBytes(300), loyalty.WithFormat(f))
		if n, err := stream(small); !errors.Is(err, loyalty.ErrResponseTooLarge) {
			t.Errorf("%s stream, 300 bytes per customer: %d customers, then %v; want errors.Is(err, loyalty.ErrResponseTooLarge)", f, n, err)
		} else if n >= mock.DefaultCustomers {
			t.Errorf("%s stream, 300 bytes per customer: %d customers, then %v; want n < mock.DefaultCustomers", f, n, err)
		}
	}
	if _, err := loyalty.NewVirtPOS(srv.VirtPOSURL, "k", loyalty.WithMaxResponseBytes(0)); err == nil {
		t.Error("WithMaxResponseBytes(0) accepted")
	}
}

func TestRequestsCarryUserAgentAndAccept(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithUserAgent("sync/1.0"), loyalty.WithFormat(loyalty.FormatJSON))
	if _, err := vp.Customers.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	h := srv.Requests()[0].Header
	if h.Get("User-Agent") != "sync/1.0" {
		t.Errorf("headers %v; want h.Get(\"User-Agent\") == \"sync/1.0\"", h)
	} else if h.Get("Accept") != "application/json" {
		t.Errorf("headers %v; want h.Get(\"Accept\") == \"application/json\"", h)
	}
	if _, err := loyalty.NewVirtPOS(srv.VirtPOSURL, "k", loyalty.WithUserAgent("a\nb")); err == nil {
		t.Error("a User-Agent with a line break accepted")
	}
}

func TestTruncatedOrMalformedBodyIsAPIError(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithoutRetries())
	for _, f := range []mock.Fault{{Truncate: true}, {Malformed: true}} {
		f.API = mock.VirtPOSAPI
		srv.Fail(f)
		_, err := vp.Customers.List(context.Background(), nil)
		var ae *loyalty.APIError
		if !errors.As(err, &ae) {
			t.Errorf("%+v: got %v", f, err)
		}
	}
}

func TestHugeContentLengthDoesNotPanicOrPreallocate(t *testing.T) {
	body := `<?xml version="1.0"?><root><success>1</success><count>0</count><customers/></root>`
	tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{
		func(r *http.Request) *http.Response {
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
				ContentLength: 1 << 60, Body: io.NopCloser(strings.NewReader(body))}
		},
	}}
	vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithMaxResponseBytes(math.MaxInt64),
		loyalty.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	page, err := vp.Customers.List(context.Background(), nil)
	if err != nil {
		t.Fatalf("List: %v %+v; want err == nil", err, page)
	} else if len(page.Customers) != 0 {
		t.Fatalf("List: %v %+v; want len(page.Customers) == 0", err, page)
	}
}

func TestFailedRequestKeepsOthersIdleConnections(t *testing.T) {
	tr := &closeCounter{RoundTripper: &scriptedTransport{resps: []func(*http.Request) *http.Response{
		func(r *http.Request) *http.Response {
			return &http.Response{StatusCode: 500, Header: http.Header{}, Request: r, Body: io.NopCloser(strings.NewReader("boom"))}
		},
	}}}
	vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithRetry(2, 0, 0),
		loyalty.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vp.Customers.Get(context.Background(), 1); err == nil {
		t.Fatal("want an error")
	}
	if n := tr.closes.Load(); n != 0 {
		t.Fatalf("a failed request closed the shared transport's idle connections %d times", n)
	}
}

// TestCallAllocations holds the client's allocations per call (issues 15
// and 19), through testutil.MemTransport so that they are the client's own: a
// VirtPOS JSON Get (the request core, the response-timeout guard and the
// JSON decoder), a CRM GetByContactId (the core and the answer's checks)
// and an Artix addClient (the core, the batch and the reply check). The
// bounds are what main reaches, with room for a Go release's own changes;
// the best raw clients (rawclient_test.go) make more.
func TestCallAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	ctx := context.Background()
	one := makeCustomerBody(loyalty.FormatJSON, 1, 2, 1).bytes(1, loyalty.FormatJSON)
	vp, err := loyalty.NewVirtPOS("http://virtpos.test", "k", loyalty.WithFormat(loyalty.FormatJSON),
		loyalty.WithHTTPClient(&http.Client{Transport: newMemTransport("application/json", func(*http.Request) []byte { return one })}))
	if err != nil {
		t.Fatal(err)
	}
	ax, err := loyalty.NewArtix("http://artix.test", loyalty.WithHTTPClient(&http.Client{
		Transport: newMemTransport("application/json", func(*http.Request) []byte { return []byte(artixOK) })}))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	get, _ := crmAnswers(t, m)
	crm, err := loyalty.NewCRM("https://crm.test", m.CommercialFirmID, loyalty.WithClientCertificate(m.ClientCertificate()),
		mock.WithTransport(newMemTransport("application/json", func(*http.Request) []byte { return get })))
	if err != nil {
		t.Fatal(err)
	}
	c := benchArtixCustomer(4)
	for _, tc := range []struct {
		name string
		max  float64 // what main reaches (2026-12-07); the best raw clients: 46, 47, 106, 35
		call func() error
	}{
		{"VirtPOS Get JSON", 40, func() error { _, err := vp.Customers.Get(ctx, 1); return err }},
		{"VirtPOS List 1 JSON", 37, func() error {
			_, err := vp.Customers.List(ctx, &loyalty.CustomerQuery{Page: 1, PageSize: 1})
			return err
		}},
		{"CRM GetByContactId", 96, func() error { _, err := crm.Contacts.Get(ctx, mock.CRMContactID); return err }},
		{"Artix addClient", 25, func() error { return ax.Customers.Add(ctx, c) }},
	} {
		var err error
		n := testing.AllocsPerRun(200, func() {
			if e := tc.call(); e != nil {
				err = e
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		most := tc.max
		if testutil.Race {
			most++ // a pooled buffer dropped by the race detector
		}
		if n > most {
			t.Errorf("%s: %.0f allocations a call, want at most %.0f", tc.name, n, most)
		}
		t.Logf("%s: %.0f allocations a call", tc.name, n)
	}
}

// writeCounter is a net.Conn that counts its writes.
type writeCounter struct {
	net.Conn
	writes *atomic.Int64
}

func (c writeCounter) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// A request whose body is in memory goes out in one write, headers and
// body together, as http.NewRequest's do: the transport flushes the
// headers on their own (two writes, two segments the server reads apart)
// for a body it does not know to be in memory.
func TestRequestWithABodyIsOneWrite(t *testing.T) {
	srv := mock.NewServer(t)
	var writes atomic.Int64
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return writeCounter{c, &writes}, nil
	}}}
	ctx := context.Background()
	ax := srv.Artix(loyalty.WithHTTPClient(hc))
	vp := srv.VirtPOS(loyalty.WithHTTPClient(hc), loyalty.WithFormat(loyalty.FormatJSON))
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Artix addClient", func() error {
			return ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "one-write", FirstName: "Пётр"})
		}},
		{"VirtPOS Update", func() error {
			_, err := vp.Customers.Update(ctx, 1, &loyalty.CustomerUpdate{FirstName: new("Пётр")})
			return err
		}},
	} {
		writes.Store(0)
		if err := tc.call(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n := writes.Load(); n != 1 {
			t.Errorf("%s: %d writes on the connection, want 1 (headers and body together)", tc.name, n)
		}
	}
}
