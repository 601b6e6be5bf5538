package loyalty_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
	"github.com/shopspring/decimal"
)

// Tests of VirtPOS response decoding: the spec's samples, XML and JSON
// agreeing, the tolerated JSON shapes and the bodies that are errors.

func TestGoldenSpecSample(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	serve(srv, readFile(t, "testdata/virtpos/customers.xml"), "application/xml")
	page, err := vp.Customers.List(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if page.Count != 2 || len(page.Customers) != 1 {
		t.Fatalf("count %d, %d customers", page.Count, len(page.Customers))
	}
	sameCustomer(t, page.Customers[0], sample())

	// The write answer of the spec.
	serve(srv, readFile(t, "testdata/virtpos/update.xml"), "application/xml")
	res, err := vp.Customers.Update(ctxT(t), 11, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
	if err != nil || *res != (loyalty.UpdateResult{ID: 11, IsNew: true}) {
		t.Fatalf("update: %+v, %v", res, err)
	}
}

// The mock serves customer 1 byte for byte as the spec's example does.
func TestGoldenMockEncodesSpecSample(t *testing.T) {
	srv := mock.NewServer(t)
	want := readFile(t, "testdata/virtpos/customers.xml")
	want = want[strings.Index(want, "\t\t<customer>") : strings.Index(want, "</customer>")+len("</customer>")]
	got := httpGet(t, srv.VirtPOSURL+"/api/customer?format=xml&id=1&apikey="+url.QueryEscape(srv.APIKey))
	i, j := strings.Index(got, "\t\t<customer>"), strings.Index(got, "</customer>")
	if i < 0 || j < 0 {
		t.Fatalf("no customer in %s", got)
	}
	if got = got[i : j+len("</customer>")]; got != want {
		t.Fatalf("mock customer 1:\n%s\nspec:\n%s", got, want)
	}
}

func TestCustomerJSONRoundTrip(t *testing.T) {
	c := sample()
	c.ExternalID, c.GroupID, c.GroupName, c.Email = "1C-1", 3, "VIP", "s@example.ru"
	c.AccumulatedSales = decimal.RequireFromString("15200.55")
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"fname":"Сергей"`, `"register_date":"2016-07-18 13:54:37"`, `"accumulated_sales":15200.55`, `"send_sms":1`, `"group_id":3`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	var back loyalty.Customer
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	sameCustomer(t, back, c)
}

func TestJSONAndXMLAgree(t *testing.T) {
	srv := mock.NewServer(t)
	ctx := ctxT(t)
	x, err := srv.VirtPOS().Customers.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON)).Customers.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Customers) != mock.DefaultCustomers || len(j.Customers) != len(x.Customers) {
		t.Fatalf("xml %d, json %d customers", len(x.Customers), len(j.Customers))
	}
	for i := range x.Customers {
		sameCustomer(t, j.Customers[i], x.Customers[i])
	}
	sameCustomer(t, x.Customers[0], sample())
	if r := srv.Requests(); r[1].Query.Get("format") != "json" || r[0].Query.Get("format") != "xml" {
		t.Errorf("format params %q %q", r[0].Query.Get("format"), r[1].Query.Get("format"))
	}
}

// Undocumented JSON shapes and string-typed scalars all decode.
func TestTolerantJSONShapes(t *testing.T) {
	one := `{"id":"7","fname":"Пётр","age":"30","send_push":"true","send_email":false,"send_sms":"0","accumulated_sales":"10.50","group_id":"","birth_day":null,"register_date":"2020-01-02 03:04:05"}`
	want := loyalty.Customer{ID: 7, FirstName: "Пётр", Age: 30, SendPush: true,
		AccumulatedSales: decimal.RequireFromString("10.5"), RegisterDate: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
	cases := map[string]string{
		"array":              `{"success":1,"customers":[` + one + `]}`,
		"customer array":     `{"success":"1","customers":{"customer":[` + one + `]}}`,
		"customer object":    `{"success":true,"customers":{"customer":` + one + `}}`,
		"single object":      `{"success":"true","count":"1","customers":` + one + `}`,
		"success after":      `{"customers":[` + one + `],"extra":{"a":[1,2]},"success":1}`,
		"unknown fields":     `{"success":1,"customers":[{"zzz":{"x":1},` + one[1:] + `]}`,
		"BOM and whitespace": "\ufeff \n" + `{"success":1,"customers":[` + one + `]}`,
	}
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON))
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			for _, stream := range []bool{false, true} {
				serve(srv, body, "application/json")
				var got []loyalty.Customer
				if stream {
					for c, err := range vp.Customers.Stream(ctxT(t), nil) {
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, c)
					}
				} else {
					page, err := vp.Customers.List(ctxT(t), nil)
					if err != nil {
						t.Fatal(err)
					}
					got = page.Customers
				}
				if len(got) != 1 {
					t.Fatalf("stream=%v: %d customers", stream, len(got))
				}
				sameCustomer(t, got[0], want)
			}
		})
	}
	for name, body := range map[string]string{
		"null":       `{"success":1,"count":0,"customers":null}`,
		"empty":      `{"success":1,"customers":""}`,
		"empty list": `{"success":1,"customers":{}}`,
		"xml empty":  `<root><success>1</success><count>0</count><customers/></root>`,
	} {
		serve(srv, body, "")
		page, err := vp.Customers.List(ctxT(t), nil)
		if err != nil || len(page.Customers) != 0 {
			t.Errorf("%s: %v, %+v", name, err, page)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	cases := map[string]string{
		"bad int":          `{"success":1,"customers":[{"id":"x"}]}`,
		"bad bool":         `{"success":1,"customers":[{"id":1,"send_sms":"maybe"}]}`,
		"bad time":         `<root><success>1</success><customers><customer><register_date>yesterday</register_date></customer></customers></root>`,
		"bad money":        `<root><success>1</success><customers><customer><accumulated_sales>lots</accumulated_sales></customer></customers></root>`,
		"no success field": `<root><customers/></root>`,
		"html":             "<html><head><title>Bad Gateway</title></head><body><hr></body></html>",
		"truncated json":   `{"success":1,"customers":[{"id":1`,
		"empty body":       "",
	}
	for name, body := range cases {
		srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 200, Body: body, BodySize: len(body), ContentType: "text/html"})
		_, err := vp.Customers.List(ctxT(t), nil)
		var ae *loyalty.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 200 || ae.Err == nil {
			t.Errorf("%s: got %v, want *APIError with a cause", name, err)
		}
	}
}
