package loyalty_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/testutil"
	"github.com/loyaltykit/loyalty/mock"
	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
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
	if page.Count != 2 {
		t.Fatalf("count %d, %d customers; want page.Count == 2", page.Count, len(page.Customers))
	} else if len(page.Customers) != 1 {
		t.Fatalf("count %d, %d customers; want len(page.Customers) == 1", page.Count, len(page.Customers))
	}
	sameCustomer(t, page.Customers[0], mock.SampleCustomer())

	// The write answer of the spec.
	serve(srv, readFile(t, "testdata/virtpos/update.xml"), "application/xml")
	res, err := vp.Customers.Update(ctxT(t), 11, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
	if err != nil {
		t.Fatalf("update: %+v, %v; want err == nil", res, err)
	} else if *res != (loyalty.UpdateResult{ID: 11, IsNew: true, IDSent: true, IsNewSent: true}) {
		t.Fatalf("update: %+v, %v; want *res == (loyalty.UpdateResult{ID: 11, IsNew: true, IDSent: true, IsNewSent: true})", res, err)
	}
}

// The mock serves customer 1 byte for byte as the spec's example does.
func TestGoldenMockEncodesSpecSample(t *testing.T) {
	srv := mock.NewServer(t)
	want := readFile(t, "testdata/virtpos/customers.xml")
	want = want[strings.Index(want, "\t\t<customer>") : strings.Index(want, "</customer>")+len("</customer>")]
	got := testutil.Get(t, nil, srv.VirtPOSURL+"/api/customer?format=xml&id=1&apikey="+url.QueryEscape(srv.APIKey))
	i, j := strings.Index(got, "\t\t<customer>"), strings.Index(got, "</customer>")
	if i < 0 {
		t.Fatalf("no customer in %s; want i >= 0", got)
	} else if j < 0 {
		t.Fatalf("no customer in %s; want j >= 0", got)
	}
	if got = got[i : j+len("</customer>")]; got != want {
		t.Fatalf("mock customer 1:\n%s\nspec:\n%s", got, want)
	}
}

func TestCustomerJSONRoundTrip(t *testing.T) {
	c := mock.SampleCustomer()
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
	if len(x.Customers) != mock.DefaultCustomers {
		t.Fatalf("xml %d, json %d customers; want len(x.Customers) == mock.DefaultCustomers", len(x.Customers), len(j.Customers))
	} else if len(j.Customers) != len(x.Customers) {
		t.Fatalf("xml %d, json %d customers; want len(j.Customers) == len(x.Customers)", len(x.Customers), len(j.Customers))
	}
	for i := range x.Customers {
		sameCustomer(t, j.Customers[i], x.Customers[i])
	}
	sameCustomer(t, x.Customers[0], mock.SampleCustomer())
	if r := srv.Requests(); r[1].Query.Get("format") != "json" {
		t.Errorf("format params %q %q; want r[1].Query.Get(\"format\") == \"json\"", r[0].Query.Get("format"), r[1].Query.Get("format"))
	} else if r[0].Query.Get("format") != "xml" {
		t.Errorf("format params %q %q; want r[0].Query.Get(\"format\") == \"xml\"", r[0].Query.Get("format"), r[1].Query.Get("format"))
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
		if err != nil {
			t.Errorf("%s: %v, %+v; want err == nil", name, err, page)
		} else if len(page.Customers) != 0 {
			t.Errorf("%s: %v, %+v; want len(page.Customers) == 0", name, err, page)
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
		// issue 20 item 13: a repeated verdict key, in any case, is malformed
		"success twice":           `{"success":0,"info":"Клиент не найден","customers":[],"success":1}`,
		"success twice, any case": `{"Success":1,"customers":[{"id":1}],"SUCCESS":0}`,
		// issue 20 item 14: customers with id 0 and no error
		"customers, an object of objects": `{"success":1,"customers":{"11":{"id":11,"fname":"Иван"},"12":{"id":12}}}`,
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

// readBoth decodes body with List (buffered) and Stream (streamed) and
// returns what each yielded and its error.
func readBoth(t *testing.T, vp *loyalty.VirtPOS, srv *mock.Server, body, ctype string) (list, stream []loyalty.Customer, lerr, serr error) {
	t.Helper()
	serve(srv, body, ctype)
	page, lerr := vp.Customers.List(ctxT(t), nil)
	if lerr == nil {
		list = page.Customers
	}
	serve(srv, body, ctype)
	for c, err := range vp.Customers.Stream(ctxT(t), nil) {
		if err != nil {
			serr = err
			break
		}
		stream = append(stream, c)
	}
	return list, stream, lerr, serr
}

// One decoder contract for both paths: the same body gives the same
// customers, or an error on both, and no customer is handed out by a
// stream whose envelope turns out to be an error.
func TestListAndStreamAgree(t *testing.T) {
	one := `{"id":7,"fname":"Пётр"}`
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	cases := []struct {
		name, body string
		want       int // customers; -1: an error on both paths, -2: also, but found after a customer has streamed
	}{
		{"trailing bytes after the JSON", `{"success":1,"customers":[` + one + `]} trailing`, -2},
		{"a second JSON value after the first", `{"success":1,"customers":[` + one + `]}{"success":0}`, -2},
		{"no success field", `{"customers":[` + one + `]}`, -1},
		{"success=0 after the customers", `{"customers":[` + one + `],"success":0,"info":"нет"}`, -1},
		{"customer object inside customers", `{"success":1,"customers":{"customer":` + one + `}}`, 1},
		{"customer object after another key", `{"success":1,"customers":{"count":1,"customer":` + one + `}}`, 1},
		{"keys in other case", `{"Success":1,"CUSTOMERS":[{"ID":7,"FName":"Пётр"}]}`, 1},
		{"deep nesting in an unknown field", `{"success":1,"x":` + deep + `,"customers":[` + one + `]}`, -1},
		{"null element", `{"success":1,"customers":[null,` + one + `]}`, 1},
		{"empty customer object", `{"success":1,"customers":[{},` + one + `]}`, 1},
		{"object where a value belongs", `{"success":1,"customers":[{"id":7,"fname":{"a":1}}]}`, -1},
		{"xml success after the customers", `<root><customers><customer><id>7</id></customer></customers><success>1</success></root>`, 1},
		{"xml without success", `<root><customers><customer><id>7</id></customer></customers></root>`, -1},
		{"xml trailing element", `<root><success>1</success><customers><customer><id>7</id></customer></customers></root><root/>`, -2},
	}
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, stream, lerr, serr := readBoth(t, vp, srv, c.body, "")
			if c.want < 0 {
				if lerr == nil || serr == nil || c.want == -1 && len(stream) != 0 {
					t.Fatalf("want an error on both paths and nothing streamed: List %d, %v; Stream %d, %v", len(list), lerr, len(stream), serr)
				}
				return
			}
			if lerr != nil || serr != nil || len(list) != c.want || len(stream) != c.want {
				t.Fatalf("want %d customers on both: List %d, %v; Stream %d, %v", c.want, len(list), lerr, len(stream), serr)
			}
			if c.want > 0 && (list[0].ID != 7 || stream[0].ID != 7) {
				t.Fatalf("List %+v, Stream %+v", list[0], stream[0])
			}
		})
	}
}

// Russian servers answer in windows-1251: declared in the XML declaration
// or the Content-Type, on reads, writes and refusals alike.
func TestWindows1251(t *testing.T) {
	enc := func(s string) string {
		b, err := charmap.Windows1251.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	list := `<root><success>1</success><customers><customer><id>7</id><fname>Пётр</fname></customer></customers></root>`
	refusal := `<root><success>0</success><info>Клиент не найден</info></root>`
	decl := `<?xml version="1.0" encoding="windows-1251"?>`
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	for _, c := range []struct{ name, body, ctype string }{
		{"xml declaration", decl + enc(list), "text/xml"},
		{"content-type", enc(list), "text/xml; charset=windows-1251"},
		{"content-type cp1251, json", enc(`{"success":1,"customers":[{"id":7,"fname":"Пётр"}]}`), "application/json; charset=cp1251"},
		{"encoding utf8", `<?xml version="1.0" encoding="utf8"?>` + list, "text/xml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, s, lerr, serr := readBoth(t, vp, srv, c.body, c.ctype)
			if lerr != nil {
				t.Fatalf("List %v, %v; Stream %v, %v; want lerr == nil", l, lerr, s, serr)
			} else if serr != nil {
				t.Fatalf("List %v, %v; Stream %v, %v; want serr == nil", l, lerr, s, serr)
			} else if len(l) != 1 {
				t.Fatalf("List %v, %v; Stream %v, %v; want len(l) == 1", l, lerr, s, serr)
			} else if len(s) != 1 {
				t.Fatalf("List %v, %v; Stream %v, %v; want len(s) == 1", l, lerr, s, serr)
			}
			if l[0].FirstName != "Пётр" {
				t.Fatalf("names %q %q; want l[0].FirstName == \"Пётр\"", l[0].FirstName, s[0].FirstName)
			} else if s[0].FirstName != "Пётр" {
				t.Fatalf("names %q %q; want s[0].FirstName == \"Пётр\"", l[0].FirstName, s[0].FirstName)
			}
		})
	}
	for _, c := range []struct{ name, body, ctype string }{
		{"refusal, xml declaration", decl + enc(refusal), "text/xml"},
		{"refusal, content-type", enc(refusal), "text/xml; charset=windows-1251"},
	} {
		t.Run(c.name, func(t *testing.T) {
			serve(srv, c.body, c.ctype)
			_, err := vp.Customers.Get(ctxT(t), 7)
			var ae *loyalty.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("Get: %v; want errors.As(err, &ae)", err)
			} else if ae.Info != "Клиент не найден" {
				t.Fatalf("Get: %v; want ae.Info == \"Клиент не найден\"", err)
			} else if !errors.Is(err, loyalty.ErrNotFound) {
				t.Fatalf("Get: %v; want errors.Is(err, loyalty.ErrNotFound)", err)
			}
			serve(srv, c.body, c.ctype)
			_, err = vp.Customers.Update(ctxT(t), 7, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
			if !errors.As(err, &ae) {
				t.Fatalf("Update: %v; want errors.As(err, &ae)", err)
			} else if ae.Info != "Клиент не найден" {
				t.Fatalf("Update: %v; want ae.Info == \"Клиент не найден\"", err)
			}
		})
	}
	// Undeclared bytes that are not UTF-8 in JSON are an error, never
	// mojibake handed to the caller.
	vpJS := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON))
	l, s, lerr, serr := readBoth(t, vpJS, srv, enc(`{"success":1,"customers":[{"id":7,"fname":"Пётр"}]}`), "application/json")
	var ce *loyalty.CharsetError
	if !errors.As(lerr, &ce) {
		t.Fatalf("invalid UTF-8: List %v, %v; Stream %v, %v; want errors.As(lerr, &ce)", l, lerr, s, serr)
	} else if !errors.As(serr, &ce) {
		t.Fatalf("invalid UTF-8: List %v, %v; Stream %v, %v; want errors.As(serr, &ce)", l, lerr, s, serr)
	} else if len(l)+len(s) != 0 {
		t.Fatalf("invalid UTF-8: List %v, %v; Stream %v, %v; want len(l) + len(s) == 0", l, lerr, s, serr)
	}
}

// Numbers no real value reaches are refused before they are parsed (a
// million digits took seconds, past any deadline).
func TestHugeNumbersRefused(t *testing.T) {
	huge := strings.Repeat("9", 1_000_000)
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	for _, field := range []string{"accumulated_sales", "id", "group_id", "birth_year"} {
		serve(srv, `<root><success>1</success><customers><customer><`+field+`>`+huge+`</`+field+`></customer></customers></root>`, "text/xml")
		_, err := vp.Customers.List(ctxT(t), nil)
		var ae *loyalty.APIError
		if !errors.As(err, &ae) {
			t.Errorf("%s: %v; want errors.As(err, &ae)", field, err)
		} else if !strings.Contains(err.Error(), "longer than") {
			t.Errorf("%s: %v; want strings.Contains(err.Error(), \"longer than\")", field, err)
		}
	}
	serve(srv, `<root><success>1</success><id>`+huge+`</id><isnew>1</isnew></root>`, "text/xml")
	if _, err := vp.Customers.Update(ctxT(t), 7, &loyalty.CustomerUpdate{Email: new("a@b.ru")}); err == nil {
		t.Errorf("update id: %v; want err != nil", err)
	} else if !strings.Contains(err.Error(), "longer than") {
		t.Errorf("update id: %v; want strings.Contains(err.Error(), \"longer than\")", err)
	}
}

// A deadline that passes while a big body is being decoded ends the call
// with the deadline's error, not a success after it.
func TestDeadlinePassesDuringDecode(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"success":1,"customers":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":1,"fname":"a"}`)
	}
	b.WriteString(`]}`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		// The body ends; the deadline passes as the client starts decoding.
		body := &cancelAtEOF{r: strings.NewReader(b.String()), cancel: cancel}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(body), Request: r}, nil
	})}
	vp, err := loyalty.NewVirtPOS("http://virtpos.test", "key", loyalty.WithHTTPClient(hc), loyalty.WithFormat(loyalty.FormatJSON))
	if err != nil {
		t.Fatal(err)
	}
	page, err := vp.Customers.List(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("List after the deadline: %v, %d customers", err, len(page.Customers))
	}
}

// cancelAtEOF cancels a context when its reader is done.
type cancelAtEOF struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelAtEOF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

// A streamed read cut before the first customer is handed out is retried
// like a buffered one; cut every time, it is the transport error it is.
func TestStreamCutBeforeFirstCustomer(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(fast)
	cut := mock.Fault{API: mock.VirtPOSAPI, Truncate: true, Body: `<root><success>1</success><customers>`, ContentType: "text/xml"}
	srv.Fail(cut)
	n := 0
	for _, err := range vp.Customers.Stream(ctxT(t), nil) {
		if err != nil {
			t.Fatalf("after one cut: %v", err)
		}
		n++
	}
	if n != mock.DefaultCustomers {
		t.Fatalf("%d customers", n)
	}
	cut.Times = -1
	srv.Fail(cut)
	defer srv.ClearFaults()
	for _, err := range vp.Customers.Stream(ctxT(t), nil) {
		var re *loyalty.RequestError
		var ae *loyalty.APIError
		if !errors.As(err, &re) {
			t.Fatalf("cut every time: %T %v (attempts %d); want errors.As(err, &re)", err, err, loyalty.Attempts(err))
		} else if errors.As(err, &ae) {
			t.Fatalf("cut every time: %T %v (attempts %d); want !errors.As(err, &ae)", err, err, loyalty.Attempts(err))
		} else if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut every time: %T %v (attempts %d); want errors.Is(err, io.ErrUnexpectedEOF)", err, err, loyalty.Attempts(err))
		} else if loyalty.Attempts(err) != 4 {
			t.Fatalf("cut every time: %T %v (attempts %d); want loyalty.Attempts(err) == 4", err, err, loyalty.Attempts(err))
		}
	}
}
