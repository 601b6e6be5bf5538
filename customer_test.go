package loyalty_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// Tests of what VirtPOS customer and card answers mean.

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
	if c, err := vp.Customers.Get(ctx, 11); err != nil {
		t.Errorf("Get(11) = %+v, %v; want err == nil", c, err)
	} else if c.FirstName != "Пётр" {
		t.Errorf("Get(11) = %+v, %v; want c.FirstName == \"Пётр\"", c, err)
	}
	if c, err := vp.Customers.GetByExternalID(ctx, "B"); err != nil {
		t.Errorf("GetByExternalID(B) = %+v, %v; want err == nil", c, err)
	} else if c.ID != 11 {
		t.Errorf("GetByExternalID(B) = %+v, %v; want c.ID == 11", c, err)
	}
	if _, err := vp.Customers.Get(ctx, 5); !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("Get(5) = %v, want ErrNotFound", err)
	}
}

// A customer update answered without its id is an error (the spec
// promises the id); card writes, whose answer the spec does not document,
// take a bare success=1 (TestCardWriteAnsweredBareSuccess).
func TestCustomerWriteAnsweredWithoutIDIsAnError(t *testing.T) {
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
	if res, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{Email: new("a@b.ru")}); !errors.As(err, &ae) {
		t.Errorf("Create without an id in the answer: %+v, %v; want an *APIError, not a silent zero", res, err)
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
	if err != nil {
		t.Fatalf("List: %v, %d customers; want err == nil", err, len(page.Customers))
	} else if len(page.Customers) != 0 {
		t.Fatalf("List: %v, %d customers; want len(page.Customers) == 0", err, len(page.Customers))
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
