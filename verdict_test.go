package loyalty_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// TestRepeatedVerdictKeyIsMalformed: an answer holding its verdict key
// twice, in any case, resolved toward success (issue 20 item 13); it is
// an *APIError now, for the VirtPOS write envelope and the CRM errors
// array (the Artix reply: TestArtixLoadReplies; the VirtPOS customer
// list: TestDecodeErrors).
func TestRepeatedVerdictKeyIsMalformed(t *testing.T) {
	srv := mock.NewServer(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		api  mock.API
		body string
		call func() error
	}{
		{"virtpos success 0 then 1", mock.VirtPOSAPI, `{"success":0,"info":"Клиент не найден","success":1,"id":5,"isnew":1}`,
			func() error {
				_, err := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON)).Customers.Update(ctx, 1, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
				return err
			}},
		{"virtpos Success then SUCCESS", mock.VirtPOSAPI, `{"Success":0,"SUCCESS":1,"id":5}`,
			func() error {
				_, err := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON)).Customers.Update(ctx, 1, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
				return err
			}},
		{"crm errors then none", mock.CRMAPI, `{"errors":[{"code":10210,"description":"Доступ запрещён"}],"errors":[],"contacts":[]}`,
			func() error {
				_, err := srv.CRM().Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "79161234567"})
				return err
			}},
		{"crm Errors then errors", mock.CRMAPI, `{"Errors":[{"code":10210,"description":"x"}],"errors":[],"contacts":[]}`,
			func() error {
				_, err := srv.CRM().Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "79161234567"})
				return err
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.Fail(mock.Fault{API: tc.api, Status: 200, Body: tc.body, ContentType: "application/json"})
			defer srv.ClearFaults()
			err := tc.call()
			var ae *loyalty.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want an *APIError for a repeated verdict key, got %T %v", err, err)
			}
		})
	}
}

// TestVirtPOSRepeatedSuccessBothFormats: a VirtPOS answer holding its
// verdict twice is malformed in XML as in JSON, for the write envelope
// (Update) and the customer list (List and Stream); a verdict that comes
// once is decided by it in both formats.
func TestVirtPOSRepeatedSuccessBothFormats(t *testing.T) {
	const repeated = "verdict key more than once"
	type formats struct{ json, xml string }
	writes := []struct {
		name string
		body formats
		want string // "" for a success, else a text of the *APIError's cause
	}{
		{"once", formats{
			`{"success":1,"id":5,"isnew":0}`,
			`<root><success>1</success><id>5</id><isnew>0</isnew></root>`}, ""},
		{"0 then 1", formats{
			`{"success":0,"info":"Клиент не найден","success":1,"id":5,"isnew":1}`,
			`<root><success>0</success><info>Клиент не найден</info><success>1</success><id>5</id><isnew>1</isnew></root>`}, repeated},
		{"1 then 0", formats{
			`{"success":1,"id":5,"isnew":0,"success":0}`,
			`<root><success>1</success><id>5</id><isnew>0</isnew><success>0</success></root>`}, repeated},
		{"two cases", formats{
			`{"Success":0,"SUCCESS":1,"id":5}`,
			`<root><Success>0</Success><success>1</success><id>5</id></root>`}, repeated},
		{"namespaced", formats{
			`{"success":0,"success":1,"id":5}`,
			`<root xmlns:v="urn:v"><v:success>0</v:success><success>1</success><id>5</id></root>`}, repeated},
		{"empty then 1", formats{
			`{"success":"","success":1,"id":5}`,
			`<root><success/><success>1</success><id>5</id></root>`}, repeated},
	}
	reads := []struct {
		name string
		body formats
		want string
		held bool // the customers come before the verdicts: none may stream
	}{
		{"once", formats{
			`{"success":1,"customers":[{"id":1}]}`,
			`<root><success>1</success><customers><customer><id>1</id></customer></customers></root>`}, "", false},
		{"a deeper success is no verdict", formats{
			`{"success":1,"customers":[{"id":1,"success":0}]}`,
			`<root><success>1</success><customers><customer><id>1</id><success>0</success></customer></customers></root>`}, "", false},
		{"0 then 1", formats{
			`{"success":0,"info":"Клиент не найден","customers":[],"success":1}`,
			`<root><success>0</success><info>Клиент не найден</info><customers/><success>1</success></root>`}, repeated, false},
		{"1, customers, 0", formats{
			`{"success":1,"customers":[{"id":1}],"success":0}`,
			`<root><success>1</success><customers><customer><id>1</id></customer></customers><success>0</success></root>`}, repeated, false},
		{"customers before both", formats{
			`{"customers":[{"id":1}],"Success":1,"SUCCESS":0}`,
			`<root><customers><customer><id>1</id></customer></customers><Success>1</Success><success>0</success></root>`}, repeated, true},
	}
	srv := mock.NewServer(t)
	check := func(t *testing.T, err error, want string) {
		t.Helper()
		if want == "" {
			if err != nil {
				t.Fatalf("got %v; want no error", err)
			}
			return
		}
		var ae *loyalty.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("got %T %v; want an *APIError", err, err)
		}
		if ae.Err == nil || !strings.Contains(ae.Err.Error(), want) {
			t.Fatalf("got cause %v; want one saying %q", ae.Err, want)
		}
	}
	for _, f := range []struct {
		name   string
		format loyalty.Format
		ctype  string
		body   func(formats) string
	}{
		{"json", loyalty.FormatJSON, "application/json", func(b formats) string { return b.json }},
		{"xml", loyalty.FormatXML, "text/xml", func(b formats) string { return b.xml }},
	} {
		vp := srv.VirtPOS(loyalty.WithFormat(f.format))
		for _, tc := range writes {
			t.Run(f.name+"/update/"+tc.name, func(t *testing.T) {
				serve(srv, f.body(tc.body), f.ctype)
				defer srv.ClearFaults()
				_, err := vp.Customers.Update(ctxT(t), 1, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
				check(t, err, tc.want)
			})
		}
		for _, tc := range reads {
			t.Run(f.name+"/list/"+tc.name, func(t *testing.T) {
				serve(srv, f.body(tc.body), f.ctype)
				defer srv.ClearFaults()
				_, err := vp.Customers.List(ctxT(t), nil)
				check(t, err, tc.want)
			})
			t.Run(f.name+"/stream/"+tc.name, func(t *testing.T) {
				serve(srv, f.body(tc.body), f.ctype)
				defer srv.ClearFaults()
				var err error
				n := 0
				for _, e := range vp.Customers.Stream(ctxT(t), nil) {
					if e != nil {
						err = e
						break
					}
					n++
				}
				check(t, err, tc.want)
				if tc.held && n != 0 {
					t.Fatalf("streamed %d customers; want 0 from a malformed answer", n)
				}
			})
		}
	}
}
