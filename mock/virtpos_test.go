package mock

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

func vpPost(t *testing.T, srv *Server, path string, q, form url.Values) string {
	t.Helper()
	resp, err := http.PostForm(srv.VirtPOSURL+path+"?"+q.Encode(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

func TestVirtPOSSeedIsDeterministicWithTheSpecSample(t *testing.T) {
	srv := NewServer(t, Config{Customers: 75})
	cs := srv.VirtPOSCustomers()
	if len(cs) != 75 {
		t.Fatalf("%d customers", len(cs))
	}
	s := SampleCustomer()
	if got := cs[0]; got.FirstName != s.FirstName {
		t.Errorf("customer 1 %+v; want got.FirstName == s.FirstName", got)
	} else if got.Age != 24 {
		t.Errorf("customer 1 %+v; want got.Age == 24", got)
	} else if !got.AccumulatedSales.Equal(s.AccumulatedSales) {
		t.Errorf("customer 1 %+v; want got.AccumulatedSales.Equal(s.AccumulatedSales)", got)
	}
	cyr, cards := 0, srv.VirtPOSCards()
	for _, c := range cs {
		if strings.ContainsAny(c.LastName, "аеиоуя") {
			cyr++
		}
	}
	if cyr != len(cs) {
		t.Errorf("cyrillic %d, cards %d, groups %d; want cyr == len(cs)", cyr, len(cards), len(srv.VirtPOSGroups()))
	} else if len(cards) < 40 {
		t.Errorf("cyrillic %d, cards %d, groups %d; want len(cards) >= 40", cyr, len(cards), len(srv.VirtPOSGroups()))
	} else if len(srv.VirtPOSGroups()) != 3 {
		t.Errorf("cyrillic %d, cards %d, groups %d; want len(srv.VirtPOSGroups()) == 3", cyr, len(cards), len(srv.VirtPOSGroups()))
	}
	// Deterministic: a second server has the same data.
	again := NewServer(t, Config{Customers: 75}).VirtPOSCustomers()
	for i := range cs {
		a, b := cs[i], again[i]
		if a.FirstName != b.FirstName {
			t.Fatalf("customer %d differs between servers; want a.FirstName == b.FirstName", a.ID)
		} else if a.Phone != b.Phone {
			t.Fatalf("customer %d differs between servers; want a.Phone == b.Phone", a.ID)
		} else if !a.RegisterDate.Equal(b.RegisterDate) {
			t.Fatalf("customer %d differs between servers; want a.RegisterDate.Equal(b.RegisterDate)", a.ID)
		} else if !a.AccumulatedSales.Equal(b.AccumulatedSales) {
			t.Fatalf("customer %d differs between servers; want a.AccumulatedSales.Equal(b.AccumulatedSales)", a.ID)
		}
	}
	for _, c := range cards {
		if ean, _ := loyalty.EAN13(c.UID); c.UIDEAN13 != ean {
			t.Errorf("card %s EAN %s, want %s", c.UID, c.UIDEAN13, ean)
		}
	}
}

func TestVirtPOSAPIKeyGetOrPost(t *testing.T) {
	srv := NewServer(t)
	// In the query of a write.
	body := vpPost(t, srv, "/api/customer/update", url.Values{"apikey": {srv.APIKey}, "id": {"2"}, "format": {"json"}}, url.Values{"fname": {"Q"}})
	if !strings.Contains(body, `"success":1`) {
		t.Fatalf("apikey in query: %s", body)
	}
	// In the body of a read.
	body = vpPost(t, srv, "/api/customer", url.Values{"id": {"2"}, "format": {"json"}}, url.Values{"apikey": {srv.APIKey}})
	if !strings.Contains(body, `"fname":"Q"`) {
		t.Fatalf("apikey in body: %s", body)
	}
	// Missing and wrong.
	for _, q := range []url.Values{{}, {"apikey": {"nope"}}} {
		body = vpPost(t, srv, "/api/customer", q, nil)
		if !strings.Contains(body, "<success>0</success>") {
			t.Errorf("bad key answered %s; want strings.Contains(body, \"<success>0</success>\")", body)
		} else if !strings.Contains(body, "<info>") {
			t.Errorf("bad key answered %s; want strings.Contains(body, \"<info>\")", body)
		}
	}
}

func TestVirtPOSWritesFollowTheMockRules(t *testing.T) {
	srv := NewServer(t)
	key := url.Values{"apikey": {srv.APIKey}, "format": {"json"}}
	withQ := func(kv ...string) url.Values {
		q := url.Values{}
		for k, v := range key {
			q[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q
	}
	cases := []struct {
		name, path string
		q, form    url.Values
		want       string
	}{
		{"age refused", "/api/customer/update", withQ("id", "1"), url.Values{"age": {"3"}}, "age"},
		{"any gender kept", "/api/customer/update", withQ("id", "1"), url.Values{"gender": {"X"}}, `"success":1`},
		{"bad audit user", "/api/customer/update", withQ("id", "1"), url.Values{"created_by": {"x"}}, "created_by"},
		{"bad audit date", "/api/customer/update", withQ("id", "1"), url.Values{"last_update_date": {"вчера"}}, "last_update_date"},
		{"no id, no create", "/api/customer/update", withQ(), url.Values{"fname": {"A"}}, vpNoCustomerID},
		{"id only from query", "/api/customer/update", withQ(), url.Values{"id": {"1"}, "fname": {"A"}}, vpNoCustomerID},
		{"card keys only from query on delete", "/api/customer/deleteCard", withQ(), url.Values{"uid": {"100002"}}, vpNoCardKey},
		{"bad medium", "/api/customer/insertCard", withQ(), url.Values{"medium": {"PAPER"}}, "medium"},
		{"bad status", "/api/customer/updateCard", withQ("uid", "100002"), url.Values{"status": {"LOST"}}, "status"},
		{"unknown type id", "/api/customer/updateCard", withQ("uid", "100002"), url.Values{"type_id": {"99"}}, vpTypeMissing},
		{"unknown customer", "/api/customer/insertCard", withQ(), url.Values{"customer_id": {"9999"}}, vpCustomerMissing},
		{"bad date", "/api/customer/insertCard", withQ(), url.Values{"block_date": {"tomorrow"}}, "block_date"},
		{"bad page", "/api/customer", withQ("page", "x"), nil, "page"},
		{"ok page", "/api/customer", withQ("page", "2", "page_size", "5"), nil, `"count":60`},
		{"generated uid", "/api/customer/insertCard", withQ(), nil, `{"success":1}`},
	}
	for _, tc := range cases {
		if body := vpPost(t, srv, tc.path, tc.q, tc.form); !strings.Contains(body, tc.want) {
			t.Errorf("%s: %s lacks %q", tc.name, body, tc.want)
		}
	}
	// A generated uid has an EAN-13 and a barcode.
	cards := srv.VirtPOSCards()
	last := cards[len(cards)-1]
	if last.UID == "" {
		t.Errorf("generated card %+v; want last.UID != \"\"", last)
	} else if last.UIDEAN13 == "" {
		t.Errorf("generated card %+v; want last.UIDEAN13 != \"\"", last)
	} else if last.Barcode != last.UIDEAN13 {
		t.Errorf("generated card %+v; want last.Barcode == last.UIDEAN13", last)
	} else if last.Status != loyalty.CardNew {
		t.Errorf("generated card %+v; want last.Status == loyalty.CardNew", last)
	}
}

func TestVirtPOSPhoneFilterIgnoresFormatting(t *testing.T) {
	for in, want := range map[string]string{
		"+7 (916) 123-45-67": "79161234567",
		"8 916 123 45 67":    "79161234567",
		"9161234567":         "79161234567",
		"79161234567":        "79161234567",
		"":                   "",
	} {
		if got := digits(in); got != want {
			t.Errorf("digits(%q) = %q, want %q", in, got, want)
		}
	}
	srv := NewServer(t)
	srv.VirtPOS() // a valid client; panics only on bad options
	body := vpPost(t, srv, "/api/customer/update", url.Values{"apikey": {srv.APIKey}, "id": {"1"}}, url.Values{"phone": {"79161234567"}})
	if !strings.Contains(body, "<success>1</success>") {
		t.Fatal(body)
	}
	body = vpPost(t, srv, "/api/customer", url.Values{"apikey": {srv.APIKey}, "format": {"json"}, "phone": {"+7 (916) 123-45-67"}}, nil)
	var env struct {
		Count     int                `json:"count"`
		Customers []loyalty.Customer `json:"customers"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("%v %s; want err == nil", err, body)
	} else if env.Count != 1 {
		t.Fatalf("%v %s; want env.Count == 1", err, body)
	} else if env.Customers[0].ID != 1 {
		t.Fatalf("%v %s; want env.Customers[0].ID == 1", err, body)
	}
}

func TestVirtPOSResetRestoresSeed(t *testing.T) {
	srv := NewServer(t)
	vpPost(t, srv, "/api/customer/update", url.Values{"apikey": {srv.APIKey}, "id": {"1"}}, url.Values{"fname": {"Иван"}})
	if c, _ := srv.VirtPOSCustomer(1); c.FirstName != "Иван" {
		t.Fatalf("update not applied: %+v; want c.FirstName == \"Иван\"", c)
	} else if c.LastUpdateDate.Before(SpecEpoch) {
		t.Fatalf("update not applied: %+v; want !c.LastUpdateDate.Before(SpecEpoch)", c)
	}
	srv.Reset()
	if c, _ := srv.VirtPOSCustomer(1); c.FirstName != "Сергей" {
		t.Fatalf("after reset %+v", c)
	}
	if n := srv.AddVirtPOSCustomers(40); n != DefaultCustomers+40 {
		t.Fatalf("AddVirtPOSCustomers: %d", n)
	}
}

func TestVirtPOSPanicsOnBadOptions(t *testing.T) {
	srv := NewServer(t)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	srv.VirtPOS(loyalty.WithFormat("yaml"))
}

func TestVirtPOSHugePagingDoesNotPanic(t *testing.T) {
	srv := NewServer(t)
	for _, q := range []string{"page=2&page_size=9223372036854775807", "page=9223372036854775807&page_size=2", "page=1&page_size=9223372036854775807"} {
		resp, err := http.Get(srv.VirtPOSURL + "/api/customer?format=json&apikey=" + srv.APIKey + "&" + q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", q, resp.StatusCode)
		}
	}
}

// An empty group_name is ignored (the spec applies it only when it has a
// value); an empty group_id takes the customer out of its group.
func TestVirtPOSEmptyGroupNameKeepsTheGroup(t *testing.T) {
	srv := NewServer(t)
	q := url.Values{"apikey": {srv.APIKey}, "id": {"1"}, "format": {"json"}}
	vpPost(t, srv, "/api/customer/update", q, url.Values{"group_name": {"VIP"}})
	vpPost(t, srv, "/api/customer/update", q, url.Values{"group_name": {""}, "fname": {"Анна"}})
	if c, _ := srv.VirtPOSCustomer(1); c.GroupName != "VIP" || c.FirstName != "Анна" {
		t.Errorf("after an empty group_name: group %q, fname %q; want VIP kept, Анна", c.GroupName, c.FirstName)
	}
	vpPost(t, srv, "/api/customer/update", q, url.Values{"group_id": {""}})
	if c, _ := srv.VirtPOSCustomer(1); c.GroupID != 0 || c.GroupName != "" {
		t.Errorf("after an empty group_id: group %d %q, want none", c.GroupID, c.GroupName)
	}
}
