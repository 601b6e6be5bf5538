package loyalty_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// Contacts.Create against the mock: new_contact.contact is spec section
// 4.4 (with partner_id since 1.6), the spec asks only that it is not
// null, and its MSISDN is international.

// newContactSent is the new_contact the mock received last.
func newContactSent(t *testing.T, srv *mock.Server) map[string]map[string]any {
	t.Helper()
	reqs := srv.Requests()
	var nc map[string]map[string]any
	if err := json.Unmarshal([]byte(reqs[len(reqs)-1].Query.Get("new_contact")), &nc); err != nil {
		t.Fatalf("new_contact: %v", err)
	}
	return nc
}

func TestCRMCreateContactSendsPartnerID(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := ctxT(t)
	id, err := crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact:      loyalty.PersonalData{FirstName: "Олег", PartnerID: new(mock.CRMPartner2ID)},
		Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID, PartnerID: new(mock.CRMPartnerID)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := newContactSent(t, srv)["contact"]["partner_id"]; got != mock.CRMPartner2ID.String() {
		t.Errorf("new_contact.contact.partner_id = %v, want %s", got, mock.CRMPartner2ID)
	}
	info, err := crm.Contacts.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p := info.Contact.PartnerID; p == nil || *p != mock.CRMPartner2ID {
		t.Errorf("the contact's partner is %v, want the contact's own %s", p, mock.CRMPartner2ID)
	}
	// Without it, nothing is sent: the registration's partner stands.
	if _, err := crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact: loyalty.PersonalData{FirstName: "Ия"}, Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID},
	}); err != nil {
		t.Fatal(err)
	}
	if _, sent := newContactSent(t, srv)["contact"]["partner_id"]; sent {
		t.Error("partner_id sent although PartnerID is nil")
	}
}

// A contact that has only a gender, a birth date or a middle name is a
// contact: the spec asks only that it is not null.
func TestCRMCreateContactWithoutNameOrPhone(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	for name, p := range map[string]loyalty.PersonalData{
		"gender":      {Gender: loyalty.ContactGenderFemale},
		"birth date":  {BirthDate: loyalty.CRMDate(1990, time.May, 9)},
		"middle name": {MiddleName: "Ивановна"},
	} {
		if _, err := crm.Contacts.Create(ctxT(t), loyalty.NewContact{Contact: p, Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID}}); err != nil {
			t.Errorf("a contact with only a %s: %v; want it created", name, err)
		}
	}
}

// An MSISDN of another country is created and found in international form.
func TestCRMContactWithInternationalPhone(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := ctxT(t)
	id, err := crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact:      loyalty.PersonalData{MobilePhone: "+375 (29) 123-45-67", FirstName: "Алесь"},
		Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID},
	})
	if err != nil {
		t.Fatalf("Create with a Belarusian number: %v", err)
	}
	found, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "375291234567"})
	if err != nil || len(found) != 1 || found[0].Contact.ContactID != id || found[0].Contact.MobilePhone != "375291234567" {
		t.Errorf("Find 375291234567: %+v, %v; want the contact just created", found, err)
	}
}

// The CRM's datetimes carry no offset: they are the server's local wall
// clock (Moscow in practice), not UTC. The mock writes them so, and At
// with the server's zone turns one into the instant.
func TestCRMZonelessDatetimesAreServerLocal(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	srv := mock.NewServer(t, mock.Config{Clock: func() time.Time { return now }})
	card, err := srv.CRM().Contacts.BindVirtualCard(ctxT(t), loyalty.VirtualCardRequest{ContactID: mock.CRMContactID, CardTypeID: mock.CRMVirtualCardTypeID})
	if err != nil {
		t.Fatal(err)
	}
	sd := card.StatusDate
	if sd.HasOffset() {
		t.Errorf("status_date %s has an offset; the CRM writes none", sd)
	}
	if got := sd.Format("15:04:05"); got != "10:08:09" {
		t.Errorf("status_date wall clock %s, want 10:08:09 (Moscow for 07:08:09 UTC)", got)
	}
	msk := time.FixedZone("MSK", 3*3600)
	if got := sd.At(msk); !got.Equal(now) {
		t.Errorf("At(MSK) = %v, want the instant %v", got, now)
	}
	withOffset, err := loyalty.ParseCRMTime("2024-05-06T10:08:09+03:00")
	if err != nil {
		t.Fatal(err)
	}
	if !withOffset.HasOffset() || !withOffset.At(time.UTC).Equal(now) {
		t.Errorf("a value with an offset: HasOffset %v, At(UTC) %v; want true, %v", withOffset.HasOffset(), withOffset.At(time.UTC), now)
	}
}
