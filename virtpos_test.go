package loyalty_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
	"github.com/shopspring/decimal"
)

// sameCustomer compares customers, money by value.
func sameCustomer(t *testing.T, got, want loyalty.Customer) {
	t.Helper()
	if !got.AccumulatedSales.Equal(want.AccumulatedSales) {
		t.Errorf("AccumulatedSales = %s, want %s", got.AccumulatedSales, want.AccumulatedSales)
	}
	got.AccumulatedSales, want.AccumulatedSales = decimal.Decimal{}, decimal.Decimal{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("customer\n got %+v\nwant %+v", got, want)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serve makes the mock answer the next VirtPOS request with body.
func serve(srv *mock.Server, body, ctype string) {
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 200, Body: body, ContentType: ctype})
}

func TestListFiltersAndPaging(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	ctx := ctxT(t)
	all := srv.VirtPOSCustomers()
	count := func(f func(c loyalty.Customer) bool) int {
		n := 0
		for _, c := range all {
			if f(c) {
				n++
			}
		}
		return n
	}
	withPhone := all[1] // customer 2 has a phone
	if withPhone.Phone == "" {
		t.Fatalf("seed customer 2 phone %q; want withPhone.Phone != \"\"", withPhone.Phone)
	} else if len(withPhone.Phone) != 11 {
		t.Fatalf("seed customer 2 phone %q; want len(withPhone.Phone) == 11", withPhone.Phone)
	}
	p := withPhone.Phone
	pretty := "+" + p[:1] + " (" + p[1:4] + ") " + p[4:7] + "-" + p[7:9] + "-" + p[9:]
	cases := []struct {
		name string
		q    loyalty.CustomerQuery
		want int
	}{
		{"all", loyalty.CustomerQuery{}, len(all)},
		{"id", loyalty.CustomerQuery{ID: 5}, 1},
		{"external id", loyalty.CustomerQuery{ExternalID: "1C-00004"}, 1},
		{"phone digits", loyalty.CustomerQuery{Phone: pretty}, 1},
		{"email any case", loyalty.CustomerQuery{Email: "CLIENT2@example.ru"}, 1},
		{"with phone", loyalty.CustomerQuery{WithPhone: new(true)}, count(func(c loyalty.Customer) bool { return c.Phone != "" })},
		{"without phone", loyalty.CustomerQuery{WithPhone: new(false)}, count(func(c loyalty.Customer) bool { return c.Phone == "" })},
		{"with email", loyalty.CustomerQuery{WithEmail: new(true)}, count(func(c loyalty.Customer) bool { return c.Email != "" })},
		{"without email", loyalty.CustomerQuery{WithEmail: new(false)}, count(func(c loyalty.Customer) bool { return c.Email == "" })},
		{"page 2", loyalty.CustomerQuery{Page: 2, PageSize: 25}, 25},
		{"last page", loyalty.CustomerQuery{Page: 3, PageSize: 25}, len(all) - 50},
		{"past the end", loyalty.CustomerQuery{Page: 9, PageSize: 25}, 0},
	}
	for _, tc := range cases {
		page, err := vp.Customers.List(ctx, &tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(page.Customers) != tc.want {
			t.Errorf("%s: %d customers, want %d", tc.name, len(page.Customers), tc.want)
		}
	}
	// The wire: GET with every filter as the spec names it.
	srv.Reset()
	_, err := vp.Customers.List(ctx, &loyalty.CustomerQuery{ID: 3, ExternalID: "e", Phone: "p", Email: "m", WithPhone: new(true), WithEmail: new(false), Page: 2, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	want := url.Values{"apikey": {mock.Redacted}, "format": {"xml"}, "id": {"3"}, "external_id": {"e"}, "phone": {"p"}, "email": {"m"},
		"with_phone": {"true"}, "with_email": {"false"}, "page": {"2"}, "page_size": {"10"}}
	if r.Method != "GET" {
		t.Errorf("wire %s %s %v; want r.Method == \"GET\"", r.Method, r.Path, r.Query)
	} else if r.Path != "/api/customer" {
		t.Errorf("wire %s %s %v; want r.Path == \"/api/customer\"", r.Method, r.Path, r.Query)
	} else if !reflect.DeepEqual(r.Query, want) {
		t.Errorf("wire %s %s %v; want reflect.DeepEqual(r.Query, want)", r.Method, r.Path, r.Query)
	}
}

func TestAllPagesAndCopiesQuery(t *testing.T) {
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		srv := mock.NewServer(t)
		vp := srv.VirtPOS(loyalty.WithFormat(f))
		q := &loyalty.CustomerQuery{PageSize: 7}
		var ids []int64
		for c, err := range vp.Customers.All(ctxT(t), q) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
			q.PageSize = 1000 // the iterator copied q
		}
		if len(ids) != mock.DefaultCustomers {
			t.Fatalf("%s: ids %v; want len(ids) == mock.DefaultCustomers", f, ids)
		} else if ids[0] != 1 {
			t.Fatalf("%s: ids %v; want ids[0] == 1", f, ids)
		} else if ids[len(ids)-1] != mock.DefaultCustomers {
			t.Fatalf("%s: ids %v; want ids[len(ids)-1] == mock.DefaultCustomers", f, ids)
		}
		// 60 customers in pages of 7: 9 pages (the last has 4).
		if n := len(srv.Requests()); n != 9 {
			t.Errorf("%s: %d requests, want 9", f, n)
		}
		// Break stops early, with no further request.
		srv.Reset()
		for range vp.Customers.All(ctxT(t), &loyalty.CustomerQuery{PageSize: 5}) {
			break
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%s: break made %d requests", f, n)
		}
	}
}

// A server that ignores page/page_size must not make All loop forever:
// the second page repeats the first, which ends All with
// ErrPagingIgnored and none of the repeated customers.
func TestAllServerIgnoresPaging(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	body := `<root><success>1</success><customers><customer><id>1</id></customer><customer><id>2</id></customer></customers></root>`
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 200, Body: body, Times: -1})
	n := 0
	var last error
	for _, err := range vp.Customers.All(ctxT(t), &loyalty.CustomerQuery{PageSize: 2}) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d customers, want 2", n)
	}
	if !errors.Is(last, loyalty.ErrPagingIgnored) {
		t.Errorf("error %v, want ErrPagingIgnored", last)
	}
}

func TestAllYieldsError(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithoutRetries())
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 502})
	var errs int
	for c, err := range vp.Customers.All(ctxT(t), nil) {
		if err == nil {
			t.Fatalf("got %+v, %v; want err != nil", c, err)
		} else if c.ID != 0 {
			t.Fatalf("got %+v, %v; want c.ID == 0", c, err)
		}
		errs++
	}
	if errs != 1 {
		t.Fatalf("%d errors", errs)
	}
	for _, err := range vp.Customers.All(ctxT(t), &loyalty.CustomerQuery{Page: -1}) {
		var ve *loyalty.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("got %v; want errors.As(err, &ve)", err)
		} else if ve.Field != "CustomerQuery.Page" {
			t.Fatalf("got %v; want ve.Field == \"CustomerQuery.Page\"", err)
		}
	}
}

func TestGet(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON))
	ctx := ctxT(t)
	c, err := vp.Customers.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	sameCustomer(t, *c, mock.SampleCustomer())
	c, err = vp.Customers.GetByExternalID(ctx, "1C-00008")
	if err != nil {
		t.Fatalf("by external id: %+v, %v; want err == nil", c, err)
	} else if c.ID != 8 {
		t.Fatalf("by external id: %+v, %v; want c.ID == 8", c, err)
	}
	for _, err := range []error{
		func() error { _, err := vp.Customers.Get(ctx, 9999); return err }(),
		func() error { _, err := vp.Customers.GetByExternalID(ctx, "nope"); return err }(),
	} {
		var ae *loyalty.APIError
		if !errors.Is(err, loyalty.ErrNotFound) {
			t.Errorf("absent: %v; want errors.Is(err, loyalty.ErrNotFound)", err)
		} else if !errors.As(err, &ae) {
			t.Errorf("absent: %v; want errors.As(err, &ae)", err)
		}
	}
}

func TestUpdateAndCreate(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	ctx := ctxT(t)
	before, _ := srv.VirtPOSCustomer(3)
	res, err := vp.Customers.Update(ctx, 3, &loyalty.CustomerUpdate{Email: new("new@example.ru"), SendSMS: new(false), CustomInformation: new("")})
	if err != nil {
		t.Fatalf("update: %+v, %v; want err == nil", res, err)
	} else if res.ID != 3 {
		t.Fatalf("update: %+v, %v; want res.ID == 3", res, err)
	} else if res.IsNew {
		t.Fatalf("update: %+v, %v; want !res.IsNew", res, err)
	}
	after, _ := srv.VirtPOSCustomer(3)
	if after.Email != "new@example.ru" {
		t.Errorf("after update %+v; want after.Email == \"new@example.ru\"", after)
	} else if after.SendSMS {
		t.Errorf("after update %+v; want !after.SendSMS", after)
	} else if after.CustomInformation != "" {
		t.Errorf("after update %+v; want after.CustomInformation == \"\"", after)
	} else if after.FirstName != before.FirstName {
		t.Errorf("after update %+v; want after.FirstName == before.FirstName", after)
	} else if after.Phone != before.Phone {
		t.Errorf("after update %+v; want after.Phone == before.Phone", after)
	}
	r := srv.Requests()[0]
	form, _ := url.ParseQuery(string(r.Body))
	wantForm := url.Values{"apikey": {mock.Redacted}, "email": {"new@example.ru"}, "send_sms": {"0"}, "custom_information": {""}}
	if r.Method != "POST" {
		t.Errorf("wire %s %s body %v; want r.Method == \"POST\"", r.Method, r.Path, form)
	} else if r.Path != "/api/customer/update" {
		t.Errorf("wire %s %s body %v; want r.Path == \"/api/customer/update\"", r.Method, r.Path, form)
	} else if !reflect.DeepEqual(form, wantForm) {
		t.Errorf("wire %s %s body %v; want reflect.DeepEqual(form, wantForm)", r.Method, r.Path, form)
	}
	if want := (url.Values{"id": {"3"}, "format": {"xml"}, "create_if_not_exist": {"0"}}); !reflect.DeepEqual(r.Query, want) {
		t.Errorf("query %v (the apikey must not be in it)", r.Query)
	}

	// Every writable field, and a new group by name.
	full := &loyalty.CustomerUpdate{
		FirstName: new("Пётр"), LastName: new("Петров"), MiddleName: new("Петрович"), Email: new("p@example.ru"),
		Phone: new("+7 (903) 000-11-22"), Gender: new(loyalty.GenderMale), CustomInformation: new("новый"),
		BirthDay: new(1), BirthMonth: new(2), BirthYear: new(1990), SendPush: new(true), SendEmail: new(false), SendSMS: new(true),
		GroupName: new("Новая группа"), ExternalID: new("1C-NEW"),
	}
	res, err = vp.Customers.Create(ctx, full)
	if err != nil {
		t.Fatalf("create: %+v, %v; want err == nil", res, err)
	} else if !res.IsNew {
		t.Fatalf("create: %+v, %v; want res.IsNew", res, err)
	} else if res.ID != mock.DefaultCustomers+1 {
		t.Fatalf("create: %+v, %v; want res.ID == mock.DefaultCustomers + 1", res, err)
	}
	c, err := vp.Customers.Get(ctx, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.FirstName != "Пётр" {
		t.Errorf("created %+v; want c.FirstName == \"Пётр\"", c)
	} else if c.LastName != "Петров" {
		t.Errorf("created %+v; want c.LastName == \"Петров\"", c)
	} else if c.MiddleName != "Петрович" {
		t.Errorf("created %+v; want c.MiddleName == \"Петрович\"", c)
	} else if c.Phone != "+7 (903) 000-11-22" {
		t.Errorf("created %+v; want c.Phone == \"+7 (903) 000-11-22\"", c)
	} else if c.Gender != loyalty.GenderMale {
		t.Errorf("created %+v; want c.Gender == loyalty.GenderMale", c)
	} else if c.BirthYear != 1990 {
		t.Errorf("created %+v; want c.BirthYear == 1990", c)
	} else if c.BirthMonth != 2 {
		t.Errorf("created %+v; want c.BirthMonth == 2", c)
	} else if c.BirthDay != 1 {
		t.Errorf("created %+v; want c.BirthDay == 1", c)
	} else if !c.SendPush {
		t.Errorf("created %+v; want c.SendPush", c)
	} else if c.SendEmail {
		t.Errorf("created %+v; want !c.SendEmail", c)
	} else if !c.SendSMS {
		t.Errorf("created %+v; want c.SendSMS", c)
	} else if c.GroupName != "Новая группа" {
		t.Errorf("created %+v; want c.GroupName == \"Новая группа\"", c)
	} else if c.GroupID == 0 {
		t.Errorf("created %+v; want c.GroupID != 0", c)
	} else if c.ExternalID != "1C-NEW" {
		t.Errorf("created %+v; want c.ExternalID == \"1C-NEW\"", c)
	} else if c.Age == 0 {
		t.Errorf("created %+v; want c.Age != 0", c)
	} else if c.RegisterDate.IsZero() {
		t.Errorf("created %+v; want !c.RegisterDate.IsZero()", c)
	}
	if srv.VirtPOSGroups()[c.GroupID] != "Новая группа" {
		t.Errorf("group not created: %v", srv.VirtPOSGroups())
	}
	// Read-only fields never go out.
	for _, r := range srv.RequestsTo(mock.VirtPOSAPI) {
		for _, k := range []string{"age", "register_date", "accumulated_sales", "created_date", "created_by", "last_update_date", "last_update_by"} {
			if strings.Contains(string(r.Body), k+"=") {
				t.Errorf("sent read-only %s; want !strings.Contains(string(r.Body), k+\"=\")", k)
			} else if r.Query.Has(k) {
				t.Errorf("sent read-only %s; want !r.Query.Has(k)", k)
			}
		}
	}
	// Update of a missing customer: not found; with CreateIfNotExist: created.
	_, err = vp.Customers.Update(ctx, 5000, &loyalty.CustomerUpdate{FirstName: new("X")})
	if !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("update missing: %v", err)
	}
	res, err = vp.Customers.Update(ctx, 5000, &loyalty.CustomerUpdate{FirstName: new("X")}, loyalty.CreateIfNotExist())
	if err != nil {
		t.Errorf("update create: %+v, %v; want err == nil", res, err)
	} else if !res.IsNew {
		t.Errorf("update create: %+v, %v; want res.IsNew", res, err)
	}
	// Group by id wins; an unknown group id is the server's error.
	if _, err = vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{GroupID: new(int64(2)), GroupName: new("ignored")}); err != nil {
		t.Fatal(err)
	}
	if c, _ := srv.VirtPOSCustomer(2); c.GroupID != 2 {
		t.Errorf("group by id: %+v; want c.GroupID == 2", c)
	} else if c.GroupName != "Сотрудники" {
		t.Errorf("group by id: %+v; want c.GroupName == \"Сотрудники\"", c)
	}
	_, err = vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{GroupID: new(int64(99))})
	var ae *loyalty.APIError
	if !errors.As(err, &ae) {
		t.Errorf("unknown group: %v; want errors.As(err, &ae)", err)
	} else if !strings.Contains(ae.Info, "Группа") {
		t.Errorf("unknown group: %v; want strings.Contains(ae.Info, \"Группа\")", err)
	}
}

func TestValidationBeforeRequest(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	ctx := ctxT(t)
	cases := map[string]func() error{
		"id":         func() error { _, err := vp.Customers.Get(ctx, 0); return err },
		"externalID": func() error { _, err := vp.Customers.GetByExternalID(ctx, ""); return err },
		"CustomerQuery.ID": func() error {
			_, err := vp.Customers.List(ctx, &loyalty.CustomerQuery{ID: -1})
			return err
		},
		"CustomerQuery.PageSize": func() error {
			_, err := vp.Customers.List(ctx, &loyalty.CustomerQuery{PageSize: -1})
			return err
		},
		"CustomerUpdate.CreatedBy": func() error {
			_, err := vp.Customers.Update(ctx, 1, &loyalty.CustomerUpdate{CreatedBy: new(int64(0))})
			return err
		},
		"CustomerUpdate.BirthMonth": func() error {
			_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{BirthMonth: new(13)})
			return err
		},
		"CustomerUpdate.BirthDay": func() error {
			_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{BirthDay: new(32)})
			return err
		},
		"CustomerUpdate.BirthYear": func() error {
			_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{BirthYear: new(-90)})
			return err
		},
		"CustomerUpdate.GroupID": func() error {
			_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{GroupID: new(int64(-2))})
			return err
		},
		"CustomerUpdate": func() error { _, err := vp.Customers.Create(ctx, nil); return err },
		"CardRef": func() error {
			_, err := vp.Cards.Update(ctx, loyalty.CardRef{}, &loyalty.CardUpdate{})
			return err
		},
		"CardRef.CardID": func() error { return vp.Cards.Delete(ctx, loyalty.CardRef{CardID: -1}) },
		"CardUpdate.Medium": func() error {
			_, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{Medium: "PAPER"})
			return err
		},
		"CardUpdate.Status": func() error {
			_, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: "1"}, &loyalty.CardUpdate{Status: "LOST"})
			return err
		},
		"CardUpdate.UIDEAN13": func() error {
			_, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UIDEAN13: new("0000001000124")})
			return err
		},
		"CardUpdate.UID": func() error {
			_, err := vp.Cards.Update(ctx, loyalty.CardRef{CardID: 1}, &loyalty.CardUpdate{UID: "2"})
			return err
		},
		"CardUpdate.CustomerID": func() error {
			_, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{CustomerID: new(int64(0))})
			return err
		},
		"id update": func() error {
			_, err := vp.Customers.Update(ctx, -5, &loyalty.CustomerUpdate{})
			return err
		},
	}
	for field, call := range cases {
		err := call()
		var ve *loyalty.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: got %v, want *ValidationError", field, err)
			continue
		}
		if want, _, _ := strings.Cut(field, " "); ve.Field != want {
			t.Errorf("%s: field %q", field, ve.Field)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent for invalid input", n)
	}
}

func TestConstructorErrors(t *testing.T) {
	for _, tc := range []struct {
		url, key, field string
		opts            []loyalty.VirtPOSOption
	}{
		{"https://x.example", "", "apiKey", nil},
		{"", "k", "baseURL", nil},
		{"ftp://x.example", "k", "baseURL", nil},
		{"https://x.example", "k", "WithFormat", []loyalty.VirtPOSOption{loyalty.WithFormat("yaml")}},
		{"https://x.example", "k", "WithCardPaths", []loyalty.VirtPOSOption{loyalty.WithCardPaths("a", "/b", "/c")}},
		{"https://x.example", "k", "WithRetry", []loyalty.VirtPOSOption{loyalty.WithRetry(-1, 0, 0)}},
	} {
		_, err := loyalty.NewVirtPOS(tc.url, tc.key, tc.opts...)
		var ce *loyalty.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%q %q: got %v, want ConfigError on %s", tc.url, tc.key, err, tc.field)
		}
	}
	if got := loyalty.VirtPOSCompanyURL("mycompany"); got != "https://mycompany.myvirtualpos.ru" {
		t.Errorf("VirtPOSCompanyURL = %q", got)
	}
}

func TestWrongAPIKey(t *testing.T) {
	srv := mock.NewServer(t)
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		vp, err := loyalty.NewVirtPOS(srv.VirtPOSURL, "wrong-key", loyalty.WithFormat(f))
		if err != nil {
			t.Fatal(err)
		}
		for name, call := range map[string]func() error{
			"list":   func() error { _, err := vp.Customers.List(ctxT(t), nil); return err },
			"create": func() error { _, err := vp.Customers.Create(ctxT(t), &loyalty.CustomerUpdate{}); return err },
			"delete": func() error { return vp.Cards.Delete(ctxT(t), loyalty.CardRef{UID: "1"}) },
		} {
			err := call()
			var ae *loyalty.APIError
			if !errors.As(err, &ae) {
				t.Errorf("%s %s: %v; want errors.As(err, &ae)", f, name, err)
			} else if !strings.Contains(ae.Info, "apikey") {
				t.Errorf("%s %s: %v; want strings.Contains(ae.Info, \"apikey\")", f, name, err)
			} else if ae.StatusCode != 200 {
				t.Errorf("%s %s: %v; want ae.StatusCode == 200", f, name, err)
			} else if errors.Is(err, loyalty.ErrNotFound) {
				t.Errorf("%s %s: %v; want !errors.Is(err, loyalty.ErrNotFound)", f, name, err)
			}
			if strings.Contains(err.Error(), "wrong-key") {
				t.Errorf("%s %s: error shows the key: %v", f, name, err)
			}
		}
	}
}

func TestEAN13(t *testing.T) {
	for uid, want := range map[string]string{
		"1000123":      "0000010001233",
		"460123456789": "4601234567893",
		"777":          "0000000007771",
		"0":            "0000000000000",
	} {
		got, err := loyalty.EAN13(uid)
		if err != nil || got != want {
			t.Errorf("EAN13(%q) = %q, %v; want %q", uid, got, err, want)
		}
	}
	for _, bad := range []string{"", "12a", "1234567890123", "-1"} {
		if _, err := loyalty.EAN13(bad); err == nil {
			t.Errorf("EAN13(%q): want an error", bad)
		}
	}
}
