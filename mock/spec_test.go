package mock

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/shopspring/decimal"
)

// TestVirtPOSUpdateCardReadsAttributesFromQueryAndBody: the spec allows
// every card attribute "get или post"; lookup keys stay get-only.
func TestVirtPOSUpdateCardReadsAttributesFromQueryAndBody(t *testing.T) {
	srv := NewServer(t)
	q := url.Values{"apikey": {srv.APIKey}, "format": {"json"}, "uid": {"100002"}, "status": {"BLOCKED"}, "type_name": {"Бронзовая"}}
	if body := vpPost(t, srv, "/api/customer/updateCard", q, url.Values{"medium": {"APP"}}); !strings.Contains(body, `"success":1`) {
		t.Fatal(body)
	}
	c, _ := srv.VirtPOSCard("100002")
	if c.Status != loyalty.CardBlocked {
		t.Fatalf("card %+v: query attributes not applied; want c.Status == loyalty.CardBlocked", c)
	} else if c.TypeName != "Бронзовая" {
		t.Fatalf("card %+v: query attributes not applied; want c.TypeName == \"Бронзовая\"", c)
	} else if c.Medium != loyalty.MediumApp {
		t.Fatalf("card %+v: query attributes not applied; want c.Medium == loyalty.MediumApp", c)
	}
	// A lookup key in the body does not select a card.
	body := vpPost(t, srv, "/api/customer/updateCard", url.Values{"apikey": {srv.APIKey}, "format": {"json"}}, url.Values{"uid": {"100002"}, "status": {"ACTIVE"}})
	if !strings.Contains(body, vpNoCardKey) {
		t.Fatalf("body lookup key: %s", body)
	}
}

// TestVirtPOSUpdateCardCreatesWithBarcodeNotCardBarcode: card_barcode is
// for lookup only; a created card's barcode is `barcode` or generated.
func TestVirtPOSUpdateCardCreatesWithBarcodeNotCardBarcode(t *testing.T) {
	srv := NewServer(t, Config{Quirks: Quirks{CardWriteIDs: true}})
	for _, tc := range []struct {
		name, uid string
		form      url.Values
		want      func(Card) string
	}{
		{"generated", "9100001", nil, func(c Card) string { return c.UIDEAN13 }},
		{"barcode", "9100002", url.Values{"barcode": {"4600000000017"}}, func(Card) string { return "4600000000017" }},
	} {
		q := url.Values{"apikey": {srv.APIKey}, "format": {"json"}, "uid": {tc.uid}, "card_barcode": {"2999999999993"}, "create_if_not_exist": {"1"}}
		if body := vpPost(t, srv, "/api/customer/updateCard", q, tc.form); !strings.Contains(body, `"isnew":1`) {
			t.Fatalf("%s: %s", tc.name, body)
		}
		c, ok := srv.VirtPOSCard(tc.uid)
		if !ok || c.Barcode != tc.want(c) || c.Barcode == "2999999999993" {
			t.Errorf("%s: barcode %q, want %q", tc.name, c.Barcode, tc.want(c))
		}
	}
}

// TestVirtPOSUpdateAppliesRegisterDateAndAccumulatedSales: every customer
// field but age may be sent.
func TestVirtPOSUpdateAppliesRegisterDateAndAccumulatedSales(t *testing.T) {
	srv := NewServer(t)
	q := url.Values{"apikey": {srv.APIKey}, "format": {"json"}, "id": {"2"}}
	form := url.Values{"register_date": {"2015-03-04 05:06:07"}, "accumulated_sales": {"1234.56"}}
	if body := vpPost(t, srv, "/api/customer/update", q, form); !strings.Contains(body, `"success":1`) {
		t.Fatal(body)
	}
	c, _ := srv.VirtPOSCustomer(2)
	if !c.RegisterDate.Equal(time.Date(2015, 3, 4, 5, 6, 7, 0, time.UTC)) {
		t.Fatalf("register_date %v accumulated_sales %s; want c.RegisterDate.Equal(time.Date(2015, 3, 4, 5, 6, 7, 0, time.UTC))", c.RegisterDate, c.AccumulatedSales)
	} else if !c.AccumulatedSales.Equal(decimal.RequireFromString("1234.56")) {
		t.Fatalf("register_date %v accumulated_sales %s; want c.AccumulatedSales.Equal(decimal.RequireFromString(\"1234.56\"))", c.RegisterDate, c.AccumulatedSales)
	}
	for _, bad := range []url.Values{
		{"register_date": {"вчера"}},
		{"accumulated_sales": {"много"}},
		{"accumulated_sales": {strings.Repeat("9", 100)}},
	} {
		if body := vpPost(t, srv, "/api/customer/update", q, bad); !strings.Contains(body, `"success":0`) {
			t.Errorf("%v accepted: %s", bad, body)
		}
	}
}

// TestMockClockIsOneForAges: seed ages and recomputed ages use the same
// clock, Config.Clock when set; by default the spec's sample customer is
// 24 before and after a birth-date update.
func TestMockClockIsOneForAges(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantAge int
		created time.Time
	}{
		{"default", Config{}, 24, time.Time{}},
		{"set", Config{Clock: func() time.Time { return time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC) }}, 34, time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := NewServer(t, tc.cfg)
			if c, _ := srv.VirtPOSCustomer(1); c.Age != tc.wantAge {
				t.Fatalf("seed age %d, want %d", c.Age, tc.wantAge)
			}
			vp := srv.VirtPOS()
			if _, err := vp.Customers.Update(ctx, 1, &loyalty.CustomerUpdate{BirthDay: new(24)}); err != nil {
				t.Fatal(err)
			}
			if c, _ := srv.VirtPOSCustomer(1); c.Age != tc.wantAge {
				t.Fatalf("age after a birth-date update %d, want %d", c.Age, tc.wantAge)
			}
			res, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Часы")})
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := srv.VirtPOSCustomer(res.ID); !tc.created.IsZero() && !c.CreatedDate.Equal(tc.created) {
				t.Fatalf("created %v, want the clock's %v", c.CreatedDate, tc.created)
			}
		})
	}
}

// TestCRMCreateContactRequiresWhatTheSpecDoes: contact and communication
// (with its three allow_ flags) are not nullable; what was sent is kept.
func TestCRMCreateContactRequiresWhatTheSpecDoes(t *testing.T) {
	srv, c, firm := crmTest(t)
	reg := `"registration":{"sales_outlet_id":"` + CRMOutletID.String() + `"}`
	comm := `"communication":{"allow_email":true,"allow_sms":false,"allow_phone":true,"communication_method":"email"}`
	for _, tc := range []struct{ name, contact, want string }{
		{"no contact", `{` + reg + `,` + comm + `}`, "new_contact.contact"},
		{"null contact", `{"contact":null,` + reg + `,` + comm + `}`, "new_contact.contact"},
		{"empty contact", `{"contact":{},` + reg + `,` + comm + `}`, "new_contact.contact"},
		{"no communication", `{"contact":{"email":"x@example.ru"},` + reg + `}`, "new_contact.communication"},
		{"empty communication", `{"contact":{"email":"x@example.ru"},` + reg + `,"communication":{}}`, "allow_email"},
		{"no allow_phone", `{"contact":{"email":"x@example.ru"},` + reg + `,"communication":{"allow_email":true,"allow_sms":true}}`, "allow_phone"},
	} {
		status, body := crmDo(t, c, "POST", srv.CRMURL+"/CreateContact?"+firm+"&new_contact="+url.QueryEscape(tc.contact), "", "")
		if status != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("%s: HTTP %d %s, want 400 naming %s", tc.name, status, body, tc.want)
		}
	}
	id, err := srv.CRM().Contacts.Create(context.Background(), loyalty.NewContact{
		Contact:       loyalty.PersonalData{Email: "consent@example.ru"},
		Registration:  loyalty.Registration{SalesOutletID: CRMOutletID},
		Communication: loyalty.Communication{AllowEmail: true, AllowPhone: true, CommunicationMethod: loyalty.CommunicationEmail},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := srv.CRMCommunication(id)
	want := loyalty.Communication{AllowEmail: true, AllowPhone: true, CommunicationMethod: loyalty.CommunicationEmail}
	if !ok || got != want {
		t.Fatalf("stored communication %+v %v, want %+v", got, ok, want)
	}
}

// TestCRMNullPartnerIsAbsent: partner_id=null (or empty) where the spec
// allows null means "no partner", in the query and in dotted objects.
func TestCRMNullPartnerIsAbsent(t *testing.T) {
	srv, c, firm := crmTest(t)
	_, all := crmDo(t, c, "GET", srv.CRMURL+"/GetCardTypesByPartner?"+firm, "", "")
	for _, q := range []string{"&partner_id=null", "&partner_id="} {
		status, body := crmDo(t, c, "GET", srv.CRMURL+"/GetCardTypesByPartner?"+firm+q, "", "")
		if status != 200 || body != all {
			t.Errorf("%s: HTTP %d %s, want every card type", q, status, body)
		}
	}
	status, body := crmDo(t, c, "GET", srv.CRMURL+"/FindContactInfo?"+firm+"&filter.mobile_phone=79161234567&filter.partner_id=null", "", "")
	if status != 200 {
		t.Errorf("dotted filter.partner_id=null: HTTP %d %s; want status == 200", status, body)
	} else if !strings.Contains(body, "Иванова") {
		t.Errorf("dotted filter.partner_id=null: HTTP %d %s; want strings.Contains(body, \"Иванова\")", status, body)
	}
}

// TestEveryVirtPOSFieldSettableAndClearable: CustomerUpdate sends
// register_date and accumulated_sales and takes a customer out of its
// group; CardUpdate empties block_date, barcode, type_name and
// customer_external_id; the mock honours each.
func TestEveryVirtPOSFieldSettableAndClearable(t *testing.T) {
	srv := NewServer(t)
	ctx := context.Background()
	vp := srv.VirtPOS()
	reg := time.Date(2014, 2, 3, 4, 5, 6, 0, time.UTC)
	sales := decimal.RequireFromString("98765.43")
	if _, err := vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{RegisterDate: &reg, AccumulatedSales: &sales}); err != nil {
		t.Fatal(err)
	}
	if c, _ := srv.VirtPOSCustomer(2); !c.RegisterDate.Equal(reg) {
		t.Fatalf("register_date %v accumulated_sales %s; want c.RegisterDate.Equal(reg)", c.RegisterDate, c.AccumulatedSales)
	} else if !c.AccumulatedSales.Equal(sales) {
		t.Fatalf("register_date %v accumulated_sales %s; want c.AccumulatedSales.Equal(sales)", c.RegisterDate, c.AccumulatedSales)
	}
	for _, tc := range []struct {
		id int64
		u  loyalty.CustomerUpdate
	}{
		{1, loyalty.CustomerUpdate{GroupName: new("")}},
		{2, loyalty.CustomerUpdate{GroupID: new(int64(0))}},
	} {
		if _, err := vp.Customers.Update(ctx, tc.id, &loyalty.CustomerUpdate{GroupID: new(int64(3))}); err != nil {
			t.Fatal(err)
		}
		if _, err := vp.Customers.Update(ctx, tc.id, &tc.u); err != nil {
			t.Fatal(err)
		}
		if c, _ := srv.VirtPOSCustomer(tc.id); c.GroupID != 0 {
			t.Errorf("customer %d still in group %d %q; want c.GroupID == 0", tc.id, c.GroupID, c.GroupName)
		} else if c.GroupName != "" {
			t.Errorf("customer %d still in group %d %q; want c.GroupName == \"\"", tc.id, c.GroupID, c.GroupName)
		}
	}

	// Seed card 100009 is blocked, with a block date, a type and an owner.
	const uid = "100009"
	before, _ := srv.VirtPOSCard(uid)
	if before.BlockDate.IsZero() {
		t.Fatalf("seed card %+v; want !before.BlockDate.IsZero()", before)
	} else if before.TypeName == "" {
		t.Fatalf("seed card %+v; want before.TypeName != \"\"", before)
	} else if before.CustomerID == 0 {
		t.Fatalf("seed card %+v; want before.CustomerID != 0", before)
	}
	_, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: uid}, &loyalty.CardUpdate{
		Status: loyalty.CardActive, BlockDate: new(time.Time{}), Barcode: new(""), TypeName: new(""), CustomerExternalID: new(""),
	})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := srv.VirtPOSCard(uid)
	if c.Status != loyalty.CardActive {
		t.Fatalf("card after clearing %+v; want c.Status == loyalty.CardActive", c)
	} else if !c.BlockDate.IsZero() {
		t.Fatalf("card after clearing %+v; want c.BlockDate.IsZero()", c)
	} else if c.Barcode != "" {
		t.Fatalf("card after clearing %+v; want c.Barcode == \"\"", c)
	} else if c.TypeID != 0 {
		t.Fatalf("card after clearing %+v; want c.TypeID == 0", c)
	} else if c.TypeName != "" {
		t.Fatalf("card after clearing %+v; want c.TypeName == \"\"", c)
	} else if c.CustomerID != 0 {
		t.Fatalf("card after clearing %+v; want c.CustomerID == 0", c)
	} else if c.CustomerExternalID != "" {
		t.Fatalf("card after clearing %+v; want c.CustomerExternalID == \"\"", c)
	}
	last := srv.RequestsTo(VirtPOSAPI)
	form, _ := url.ParseQuery(string(last[len(last)-1].Body))
	for _, k := range []string{"block_date", "barcode", "type_name", "customer_external_id"} {
		if vs, ok := form[k]; !ok || vs[0] != "" {
			t.Errorf("form %v: want %s sent empty", form, k)
		}
	}
	block := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	if _, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: uid}, &loyalty.CardUpdate{BlockDate: &block, Barcode: new("4600000000017")}); err != nil {
		t.Fatal(err)
	}
	if c, _ := srv.VirtPOSCard(uid); !c.BlockDate.Equal(block) {
		t.Fatalf("card after setting %+v; want c.BlockDate.Equal(block)", c)
	} else if c.Barcode != "4600000000017" {
		t.Fatalf("card after setting %+v; want c.Barcode == \"4600000000017\"", c)
	}
}
