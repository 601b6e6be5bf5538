package loyalty_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// scriptedTransport answers each request with the next of its responses.
type scriptedTransport struct {
	n     atomic.Int32
	resps []func(*http.Request) *http.Response
}

func (s *scriptedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	i := int(s.n.Add(1)) - 1
	return s.resps[min(i, len(s.resps)-1)](r), nil
}

// trackedBody records whether it was closed.
type trackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

// errAfter yields data then fails with err (a body cut off mid-way).
type errAfter struct {
	data string
	err  error
}

func (e *errAfter) Read(p []byte) (int, error) {
	if e.data == "" {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestRetryNeverReusesAnEarlierAttemptsBody(t *testing.T) {
	last := &trackedBody{Reader: strings.NewReader("<html>503 gateway down</html>")}
	tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{
		func(r *http.Request) *http.Response { // a 200 cut off mid-body
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
				Body: io.NopCloser(&errAfter{data: "<root><success>1</success><customers><customer><id>7", err: io.ErrUnexpectedEOF})}
		},
		func(r *http.Request) *http.Response { // then a 503 on the last attempt
			return &http.Response{StatusCode: 503, Header: http.Header{}, Request: r, Body: last}
		},
	}}
	vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithRetry(1, 0, 0),
		loyalty.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = vp.Customers.Get(context.Background(), 7)
	var ae *loyalty.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || ae.Attempts != 2 {
		t.Fatalf("got %v, want the last attempt's *APIError HTTP 503 after 2 attempts", err)
	}
	if !strings.Contains(ae.Body, "gateway down") || strings.Contains(ae.Body, "<customer>") {
		t.Errorf("Body %q is not the 503's own body", ae.Body)
	}
	if !last.closed.Load() {
		t.Error("the last attempt's body was not closed (its connection leaks)")
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
	if err != nil || len(page.Customers) != 0 {
		t.Fatalf("List: %v %+v", err, page)
	}
}

// closeCounter counts CloseIdleConnections calls on a transport.
type closeCounter struct {
	http.RoundTripper
	closes atomic.Int32
}

func (c *closeCounter) CloseIdleConnections() { c.closes.Add(1) }

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

func TestShortSecretDoesNotGarbleErrors(t *testing.T) {
	srv := mock.NewServer(t)
	srv.RequireArtixAuth("admin", "1")
	ax := srv.Artix(loyalty.WithBasicAuth("admin", "1"))
	err := ax.Customers.Update(context.Background(), loyalty.ArtixCustomerUpdate{ID: "10", Email: new("x@y.ru")})
	if err == nil {
		t.Fatal("updating an unknown client: want an error")
	}
	if !strings.Contains(err.Error(), strings.TrimPrefix(srv.ArtixURL, "http://")) {
		t.Fatalf("the error lost its URL to redaction of a one-letter password: %v", err)
	}
}

func TestGetReturnsOnlyTheCustomerAskedFor(t *testing.T) {
	// A server that ignores id and external_id answers every customer.
	body := `<?xml version="1.0"?><root><success>1</success><count>2</count><customers>` +
		`<customer><id>1</id><fname>Сергей</fname><external_id>A</external_id></customer>` +
		`<customer><id>11</id><fname>Пётр</fname><external_id>B</external_id></customer></customers></root>`
	tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{
		func(r *http.Request) *http.Response {
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r, Body: io.NopCloser(strings.NewReader(body))}
		},
	}}
	vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if c, err := vp.Customers.Get(ctx, 11); err != nil || c.FirstName != "Пётр" {
		t.Errorf("Get(11) = %+v, %v", c, err)
	}
	if c, err := vp.Customers.GetByExternalID(ctx, "B"); err != nil || c.ID != 11 {
		t.Errorf("GetByExternalID(B) = %+v, %v", c, err)
	}
	if _, err := vp.Customers.Get(ctx, 5); !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("Get(5) = %v, want ErrNotFound", err)
	}
}

func TestWriteAnsweredWithoutIDIsAnError(t *testing.T) {
	tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{
		func(r *http.Request) *http.Response {
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
				Body: io.NopCloser(strings.NewReader(`<?xml version="1.0"?><root><success>1</success></root>`))}
		},
	}}
	vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ae *loyalty.APIError
	if res, err := vp.Customers.Update(ctx, 11, &loyalty.CustomerUpdate{Email: new("a@b.ru")}); !errors.As(err, &ae) {
		t.Errorf("Update without an id in the answer: %+v, %v; want an *APIError, not a silent zero", res, err)
	}
	if res, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "5"}); !errors.As(err, &ae) {
		t.Errorf("Insert without an id in the answer: %+v, %v", res, err)
	}
	if err := vp.Cards.Delete(ctx, loyalty.CardRef{UID: "5"}); err != nil {
		t.Errorf("Delete needs no id in its answer: %v", err)
	}
}

func TestEmptyCustomerObjectIsNoCustomerBufferedOrStreamed(t *testing.T) {
	body := `{"success":1,"count":0,"customers":{"customer":{}}}`
	tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{
		func(r *http.Request) *http.Response {
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r, Body: io.NopCloser(strings.NewReader(body))}
		},
	}}
	vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithFormat(loyalty.FormatJSON),
		loyalty.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	page, err := vp.Customers.List(context.Background(), nil)
	if err != nil || len(page.Customers) != 0 {
		t.Fatalf("List: %v, %d customers", err, len(page.Customers))
	}
	n := 0
	for _, err := range vp.Customers.Stream(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Fatalf("Stream yielded %d customers for an empty object, want 0 (no zero-value customer)", n)
	}
}
