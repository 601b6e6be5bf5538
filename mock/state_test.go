package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// changeEverySide makes state that differs from the seed on all three sides,
// through the clients, and returns the id of the CRM contact it created.
func changeEverySide(t *testing.T, srv *Server) {
	t.Helper()
	ctx := context.Background()
	vp := srv.VirtPOS()
	res, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Снимок"), Phone: new("+79990001122"), GroupName: new("Новая группа")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "5550001", Medium: loyalty.MediumApp, CustomerID: new(res.ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := vp.Customers.Update(ctx, 1, &loyalty.CustomerUpdate{Email: new("changed@example.ru")}); err != nil {
		t.Fatal(err)
	}
	crm := srv.CRM()
	id, err := crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact:      loyalty.PersonalData{MobilePhone: "89265550102", FirstName: "Анна"},
		Registration: loyalty.Registration{SalesOutletID: CRMOutletID},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: id, CardTypeID: CRMVirtualCardTypeID}); err != nil {
		t.Fatal(err)
	}
	err = srv.Artix().Send(ctx,
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "7", FirstName: "Пётр", BirthDate: "1966-05-20", Gender: new(loyalty.ArtixGenderMale),
			Subscribed: new(true), Options: &loyalty.ArtixOptions{EmailConfirmed: new(true)}}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "8", LastName: "Сидорова", Phone: "79161112233"}))
	if err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	srv := NewServer(t)
	changeEverySide(t, srv)
	snap, err := srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"virtpos"`, `"crm"`, `"artix"`, "Снимок", "5550001", "Сидорова", "changed@example.ru"} {
		if !bytes.Contains(snap, []byte(want)) {
			t.Fatalf("snapshot lacks %s", want)
		}
	}

	other := NewServer(t)
	if err := other.Restore(snap); err != nil {
		t.Fatal(err)
	}
	// Customers compare in their wire form: a decimal's trailing zeros
	// (15200.00 vs 15200) are not kept, as on the wire.
	if got, want := wire(t, other.VirtPOSCustomers()), wire(t, srv.VirtPOSCustomers()); got != want {
		t.Fatalf("customers differ after restore:\n%s\n%s", got, want)
	}
	if got, want := other.VirtPOSCards(), srv.VirtPOSCards(); !reflect.DeepEqual(got, want) {
		t.Fatal("cards differ after restore")
	}
	if got, want := other.VirtPOSGroups(), srv.VirtPOSGroups(); !reflect.DeepEqual(got, want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	if got, want := other.ArtixCustomers(), srv.ArtixCustomers(); !reflect.DeepEqual(got, want) {
		t.Fatalf("artix directory %v, want %v", got, want)
	}
	again, err := other.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, snap) {
		t.Fatal("a restored server's snapshot differs from the one it was restored from")
	}

	// The id counters came along: both servers hand out the same next ids.
	ctx := context.Background()
	for _, s := range []*Server{srv, other} {
		if _, err := s.VirtPOS().Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Следующий")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CRM().Contacts.Create(ctx, loyalty.NewContact{
			Contact:      loyalty.PersonalData{Email: "next@example.ru"},
			Registration: loyalty.Registration{SalesOutletID: CRMOutletID},
		}); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := srv.Snapshot()
	b, _ := other.Snapshot()
	if !bytes.Equal(a, b) {
		t.Fatal("after the same calls the two servers' states differ: a counter was not restored")
	}

	// The restored CRM state answers: the contact made before the snapshot
	// has its virtual card.
	infos, err := other.CRM().Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "89265550102"})
	if err != nil {
		t.Fatalf("restored contact: %+v, %v; want err == nil", infos, err)
	} else if len(infos) != 1 {
		t.Fatalf("restored contact: %+v, %v; want len(infos) == 1", infos, err)
	} else if len(infos[0].Cards) != 1 {
		t.Fatalf("restored contact: %+v, %v; want len(infos[0].Cards) == 1", infos, err)
	}

	// Reset still means the seed.
	other.Reset()
	if n := other.ArtixCustomerCount(); n != 0 {
		t.Fatalf("artix after reset: %d clients", n)
	}
	if _, ok := other.VirtPOSCard("5550001"); ok {
		t.Fatal("restored card survived Reset")
	}
}

func wire(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRestoreKeepsUnnamedAPIsAndRefusesInvalidState(t *testing.T) {
	srv := NewServer(t)
	changeEverySide(t, srv)
	before := srv.VirtPOSCustomers()
	if err := srv.Restore([]byte(`{"artix":{"clients":[{"idclient":"1","name":"Один"}]}}`)); err != nil {
		t.Fatal(err)
	}
	if c, ok := srv.ArtixCustomer("1"); !ok {
		t.Fatalf("artix after partial restore: %+v; want ok", srv.ArtixCustomers())
	} else if c.FirstName != "Один" {
		t.Fatalf("artix after partial restore: %+v; want c.FirstName == \"Один\"", srv.ArtixCustomers())
	} else if srv.ArtixCustomerCount() != 1 {
		t.Fatalf("artix after partial restore: %+v; want srv.ArtixCustomerCount() == 1", srv.ArtixCustomers())
	}
	if wire(t, srv.VirtPOSCustomers()) != wire(t, before) {
		t.Fatal("VirtPOS changed by a restore that did not name it")
	}
	for _, bad := range []string{
		`not json`,
		`{"nosuch":{}}`,
		`{"artix":{"clients":[{"name":"без id"}]}}`,
		`{"virtpos":{"customers":[{"id":3},{"id":3}]}}`,
		`{"crm":{"contacts":[{"contact":{"contact_id":"5d2f8b1c-9e4a-4f6b-a7c3-0e1d2c3b0001"},"cards":["404"]}]}}`,
	} {
		if err := srv.Restore([]byte(bad)); err == nil {
			t.Errorf("Restore(%s) = nil, want an error", bad)
		}
	}
	if srv.ArtixCustomerCount() != 1 {
		t.Fatal("a refused restore changed the artix directory")
	}
}

func TestAdminStateDumpsAndLoads(t *testing.T) {
	srv := NewServer(t)
	changeEverySide(t, srv)
	resp, body, err := get(t, http.DefaultClient, srv.VirtPOSURL+"/_mock/state")
	if err != nil {
		t.Fatalf("GET state: %v %v; want err == nil", resp, err)
	} else if resp.StatusCode != 200 {
		t.Fatalf("GET state: %v %v; want resp.StatusCode == 200", resp, err)
	}
	var parsed map[API]json.RawMessage
	if err := json.Unmarshal([]byte(body), &parsed); err != nil {
		t.Fatalf("state body: %v, %d sides; want err == nil", err, len(parsed))
	} else if len(parsed) != 3 {
		t.Fatalf("state body: %v, %d sides; want len(parsed) == 3", err, len(parsed))
	}
	srv.Reset()
	put := func(body string) int {
		req, _ := http.NewRequest(http.MethodPut, srv.ArtixURL+"/_mock/state", strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := put(body); st != http.StatusNoContent {
		t.Fatalf("PUT state: %d", st)
	}
	if _, ok := srv.ArtixCustomer("8"); !ok {
		t.Fatal("PUT state did not restore the artix directory")
	}
	if st := put(`{"virtpos":[]}`); st != http.StatusBadRequest {
		t.Fatalf("PUT bad state: %d, want 400", st)
	}
}

// TestRestoreIsAllOrNothing: a state refused for one side changes no side,
// whatever order the sides are applied in.
func TestRestoreIsAllOrNothing(t *testing.T) {
	srv := NewServer(t)
	bad := `{"artix":{"clients":[{"idclient":"99","name":"Новый"}]},` +
		`"crm":{"contacts":[{"contact":{"contact_id":"5d2f8b1c-9e4a-4f6b-a7c3-0e1d2c3b0001"},"cards":["404"]}]},` +
		`"virtpos":{"customers":[{"id":3},{"id":3}]}}`
	for range 20 { // map order varies: any side may be tried first
		if err := srv.Restore([]byte(bad)); err == nil {
			t.Fatal("Restore accepted a bad state")
		}
		if _, ok := srv.ArtixCustomer("99"); ok {
			t.Fatal("a refused restore replaced the Artix directory")
		}
		if len(srv.VirtPOSCustomers()) != DefaultCustomers {
			t.Fatal("a refused restore replaced the VirtPOS side")
		}
	}
}

// TestRestoreRefusesCountersNearTheLimit: an id or counter the next
// creation would overflow is refused.
func TestRestoreRefusesCountersNearTheLimit(t *testing.T) {
	srv := NewServer(t)
	for _, bad := range []string{
		`{"virtpos":{"next":{"customer":9223372036854775807}}}`,
		`{"virtpos":{"next":{"card":9223372036854775806}}}`,
		`{"virtpos":{"next":{"uid":9223372036854775807}}}`,
		`{"virtpos":{"customers":[{"id":9223372036854775807}]}}`,
		`{"virtpos":{"groups":{"9223372036854775807":"X"}}}`,
		`{"crm":{"seq":9223372036854775807}}`,
	} {
		if err := srv.Restore([]byte(bad)); err == nil {
			t.Errorf("Restore(%s) = nil, want an error", bad)
		}
	}
	res, err := srv.VirtPOS().Customers.Create(context.Background(), &loyalty.CustomerUpdate{FirstName: new("После")})
	if err != nil {
		t.Fatalf("create after refused restores: %+v %v; want err == nil", res, err)
	} else if res.ID <= 0 {
		t.Fatalf("create after refused restores: %+v %v; want res.ID > 0", res, err)
	}
}
