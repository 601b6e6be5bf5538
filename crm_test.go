package loyalty_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
	"github.com/shopspring/decimal"
)

func TestCRMContactsFlow(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := context.Background()

	infos, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "+7 (916) 123-45-67"})
	if err != nil {
		t.Fatalf("Find: %+v, %v; want err == nil", infos, err)
	} else if len(infos) != 1 {
		t.Fatalf("Find: %+v, %v; want len(infos) == 1", infos, err)
	}
	c := infos[0]
	if c.Contact.ContactID != mock.CRMContactID {
		t.Fatalf("Find: %+v; want c.Contact.ContactID == mock.CRMContactID", c)
	} else if c.Contact.LastName != "Иванова" {
		t.Fatalf("Find: %+v; want c.Contact.LastName == \"Иванова\"", c)
	} else if len(c.Cards) != 1 {
		t.Fatalf("Find: %+v; want len(c.Cards) == 1", c)
	}
	want := decimal.RequireFromString("12345678901234567890.123456789")
	if !c.Cards[0].Balance.Equal(want) {
		t.Fatalf("balance %s; want c.Cards[0].Balance.Equal(want)", c.Cards[0].Balance)
	} else if c.Cards[0].Balance.String() != "12345678901234567890.123456789" {
		t.Fatalf("balance %s; want c.Cards[0].Balance.String() == \"12345678901234567890.123456789\"", c.Cards[0].Balance)
	}
	// AND of fields: the right phone with a wrong email matches nothing.
	none, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "79161234567", Email: "x@example.ru"})
	if err != nil {
		t.Fatalf("Find AND: %+v, %v; want err == nil", none, err)
	} else if len(none) != 0 {
		t.Fatalf("Find AND: %+v, %v; want len(none) == 0", none, err)
	}
	byCard, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{CardNumber: mock.CRMOwnedCardNumber, PartnerID: &mock.CRMPartnerID})
	if err != nil {
		t.Fatalf("Find by card: %+v, %v; want err == nil", byCard, err)
	} else if len(byCard) != 1 {
		t.Fatalf("Find by card: %+v, %v; want len(byCard) == 1", byCard, err)
	}

	id, err := crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact: loyalty.PersonalData{MobilePhone: "8 926 000-11-22", Email: "new@example.ru", LastName: "Смирнова",
			FirstName: "Анна", Gender: loyalty.ContactGenderFemale, BirthDate: loyalty.CRMDate(1990, time.May, 9)},
		Registration:  loyalty.Registration{SalesOutletID: mock.CRMOutletID, PartnerID: &mock.CRMPartnerID},
		Communication: loyalty.Communication{AllowSMS: true},
	})
	if err != nil {
		t.Fatalf("Create: %v, %v; want err == nil", id, err)
	} else if id == uuid.Nil {
		t.Fatalf("Create: %v, %v; want id != uuid.Nil", id, err)
	}
	got, err := crm.Contacts.Get(ctx, id)
	if err != nil {
		t.Fatalf("Get: %+v, %v; want err == nil", got, err)
	} else if got.Contact.MobilePhone != "79260001122" {
		t.Fatalf("Get: %+v, %v; want got.Contact.MobilePhone == \"79260001122\"", got, err)
	} else if got.Contact.BirthDate.Format("2006-01-02") != "1990-05-09" {
		t.Fatalf("Get: %+v, %v; want got.Contact.BirthDate.Format(\"2006-01-02\") == \"1990-05-09\"", got, err)
	} else if len(got.Cards) != 0 {
		t.Fatalf("Get: %+v, %v; want len(got.Cards) == 0", got, err)
	}
	vc, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: id, CardTypeID: mock.CRMVirtualCardTypeID})
	if err != nil {
		t.Fatalf("BindVirtualCard: %+v, %v; want err == nil", vc, err)
	} else if vc.Number != "9990000000001" {
		t.Fatalf("BindVirtualCard: %+v, %v; want vc.Number == \"9990000000001\"", vc, err)
	} else if vc.Status != loyalty.BonusCardStatusActive {
		t.Fatalf("BindVirtualCard: %+v, %v; want vc.Status == loyalty.BonusCardStatusActive", vc, err)
	} else if vc.FullName != "Смирнова Анна" {
		t.Fatalf("BindVirtualCard: %+v, %v; want vc.FullName == \"Смирнова Анна\"", vc, err)
	}
	pc, err := crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: id, CardNumber: mock.CRMFreeCardNumber})
	if err != nil {
		t.Fatalf("BindPhysicalCard: %+v, %v; want err == nil", pc, err)
	} else if pc.Number != mock.CRMFreeCardNumber {
		t.Fatalf("BindPhysicalCard: %+v, %v; want pc.Number == mock.CRMFreeCardNumber", pc, err)
	}
	got, err = crm.Contacts.Get(ctx, id)
	if err != nil {
		t.Fatalf("Get after binding: %+v, %v; want err == nil", got, err)
	} else if len(got.Cards) != 2 {
		t.Fatalf("Get after binding: %+v, %v; want len(got.Cards) == 2", got, err)
	}
	// Writes went as POST, reads as GET.
	methods := map[string]string{}
	for _, r := range srv.RequestsTo(mock.CRMAPI) {
		methods[r.Path] = r.Method
	}
	for path, m := range map[string]string{"/FindContactInfo": "GET", "/GetByContactId": "GET", "/CreateContact": "POST", "/BindVirtualCard": "POST", "/BindPhysicalCard": "POST"} {
		if methods[path] != m {
			t.Errorf("%s sent as %q, want %s", path, methods[path], m)
		}
	}
}

func TestCRMCampaignsAndDirectory(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := context.Background()
	byCard, err := crm.Campaigns.ByCard(ctx, mock.CRMOwnedCardID)
	if err != nil {
		t.Fatalf("ByCard: %+v, %v; want err == nil", byCard, err)
	} else if len(byCard) != 2 {
		t.Fatalf("ByCard: %+v, %v; want len(byCard) == 2", byCard, err)
	} else if byCard[0].Discount != 15 {
		t.Fatalf("ByCard: %+v, %v; want byCard[0].Discount == 15", byCard, err)
	} else if byCard[0].ActualEnd.Month() != time.August {
		t.Fatalf("ByCard: %+v, %v; want byCard[0].ActualEnd.Month() == time.August", byCard, err)
	}
	byContact, err := crm.Campaigns.ByContact(ctx, mock.CRMContactID)
	if err != nil {
		t.Fatalf("ByContact: %+v, %v; want err == nil", byContact, err)
	} else if len(byContact) != 2 {
		t.Fatalf("ByContact: %+v, %v; want len(byContact) == 2", byContact, err)
	}
	none, err := crm.Campaigns.ByContact(ctx, mock.CRMContact2ID)
	if err != nil {
		t.Fatalf("ByContact without campaigns: %+v, %v; want err == nil", none, err)
	} else if len(none) != 0 {
		t.Fatalf("ByContact without campaigns: %+v, %v; want len(none) == 0", none, err)
	}
	outs, err := crm.Directory.SalesOutlets(ctx, mock.CRMPartnerID)
	if err != nil {
		t.Fatalf("SalesOutlets: %+v, %v; want err == nil", outs, err)
	} else if len(outs) != 2 {
		t.Fatalf("SalesOutlets: %+v, %v; want len(outs) == 2", outs, err)
	} else if outs[0].Latitude == nil {
		t.Fatalf("SalesOutlets: %+v, %v; want outs[0].Latitude != nil", outs, err)
	} else if outs[0].Latitude.String() != "55.7649312" {
		t.Fatalf("SalesOutlets: %+v, %v; want outs[0].Latitude.String() == \"55.7649312\"", outs, err)
	} else if outs[1].Latitude != nil {
		t.Fatalf("SalesOutlets: %+v, %v; want outs[1].Latitude == nil", outs, err)
	} else if outs[1].RegionID != nil {
		t.Fatalf("SalesOutlets: %+v, %v; want outs[1].RegionID == nil", outs, err)
	}
	all, err := crm.Directory.CardTypes(ctx, nil)
	if err != nil {
		t.Fatalf("CardTypes(nil): %+v, %v; want err == nil", all, err)
	} else if len(all) != 4 {
		t.Fatalf("CardTypes(nil): %+v, %v; want len(all) == 4", all, err)
	}
	some, err := crm.Directory.CardTypes(ctx, &mock.CRMPartner2ID)
	if err != nil {
		t.Fatalf("CardTypes(partner 2): %+v, %v; want err == nil", some, err)
	} else if len(some) != 1 {
		t.Fatalf("CardTypes(partner 2): %+v, %v; want len(some) == 1", some, err)
	} else if some[0].ID != mock.CRMEmptyPoolCardTypeID {
		t.Fatalf("CardTypes(partner 2): %+v, %v; want some[0].ID == mock.CRMEmptyPoolCardTypeID", some, err)
	}
	parts, err := crm.Directory.Partners(ctx)
	if err != nil {
		t.Fatalf("Partners: %+v, %v; want err == nil", parts, err)
	} else if len(parts) != 3 {
		t.Fatalf("Partners: %+v, %v; want len(parts) == 3", parts, err)
	} else if parts[0].Name != "Продукты у дома" {
		t.Fatalf("Partners: %+v, %v; want parts[0].Name == \"Продукты у дома\"", parts, err)
	}
	// nil partner leaves partner_id out of the query.
	var ct []mock.Request
	for _, r := range srv.RequestsTo(mock.CRMAPI) {
		if r.Path == "/GetCardTypesByPartner" {
			ct = append(ct, r)
		}
	}
	if len(ct) != 2 {
		t.Fatalf("GetCardTypesByPartner queries: %+v; want len(ct) == 2", ct)
	} else if ct[0].Query.Has("partner_id") {
		t.Fatalf("GetCardTypesByPartner queries: %+v; want !ct[0].Query.Has(\"partner_id\")", ct)
	} else if ct[1].Query.Get("partner_id") != mock.CRMPartner2ID.String() {
		t.Fatalf("GetCardTypesByPartner queries: %+v; want ct[1].Query.Get(\"partner_id\") == mock.CRMPartner2ID.String()", ct)
	} else if ct[0].Query.Get("commercial_firm_id") != srv.CommercialFirmID {
		t.Fatalf("GetCardTypesByPartner queries: %+v; want ct[0].Query.Get(\"commercial_firm_id\") == srv.CommercialFirmID", ct)
	}
}

func TestCRMParamStyles(t *testing.T) {
	for _, tc := range []struct {
		style            loyalty.ParamStyle
		findKey, bindKey string // where the objects travel
		body             bool
	}{
		{loyalty.ParamsJSON, "filter", "card_data", false},
		{loyalty.ParamsDotted, "filter.mobile_phone", "card_data.card_number", false},
		{loyalty.ParamsJSONBody, "filter", "", true},
	} {
		t.Run(tc.style.String(), func(t *testing.T) {
			srv := mock.NewServer(t)
			crm := srv.CRM(loyalty.WithParamStyle(tc.style))
			ctx := context.Background()
			if _, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "79035550011"}); err != nil {
				t.Fatal(err)
			}
			id, err := crm.Contacts.Create(ctx, loyalty.NewContact{
				Contact:       loyalty.PersonalData{Email: "style@example.ru"},
				Registration:  loyalty.Registration{SalesOutletID: mock.CRMOutletID},
				Communication: loyalty.Communication{AllowEmail: true, CommunicationMethod: loyalty.CommunicationEmail},
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: id, CardNumber: mock.CRMFreeCard2Number}); err != nil {
				t.Fatal(err)
			}
			j := srv.RequestsTo(mock.CRMAPI)
			find, bind := j[0], j[2]
			if !find.Query.Has(tc.findKey) {
				t.Fatalf("find query %v lacks %s; want find.Query.Has(tc.findKey)", find.Query, tc.findKey)
			} else if find.Query.Get("commercial_firm_id") != srv.CommercialFirmID {
				t.Fatalf("find query %v lacks %s; want find.Query.Get(\"commercial_firm_id\") == srv.CommercialFirmID", find.Query, tc.findKey)
			}
			if tc.style == loyalty.ParamsJSON && find.Query.Get("filter") != `{"mobile_phone":"79035550011"}` {
				t.Fatalf("filter = %q", find.Query.Get("filter"))
			}
			if tc.body {
				var body map[string]json.RawMessage
				if err := json.Unmarshal(bind.Body, &body); err != nil {
					t.Fatalf("bind body %s query %v; want err == nil", bind.Body, bind.Query)
				} else if len(bind.Query) != 0 {
					t.Fatalf("bind body %s query %v; want len(bind.Query) == 0", bind.Body, bind.Query)
				} else if body["card_data"] == nil {
					t.Fatalf("bind body %s query %v; want body[\"card_data\"] != nil", bind.Body, bind.Query)
				}
				if ct := bind.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("Content-Type %q", ct)
				}
			} else if !bind.Query.Has(tc.bindKey) {
				t.Fatalf("bind query %v body %q; want bind.Query.Has(tc.bindKey)", bind.Query, bind.Body)
			} else if len(bind.Body) != 0 {
				t.Fatalf("bind query %v body %q; want len(bind.Body) == 0", bind.Query, bind.Body)
			}
			create := j[1]
			if tc.style == loyalty.ParamsDotted && create.Query.Get("new_contact.communication.communication_method") != "email" {
				t.Fatalf("create query %v", create.Query)
			}
			if tc.style == loyalty.ParamsJSON && !strings.Contains(create.Query.Get("new_contact"), `"communication_method":"email"`) {
				t.Fatalf("create query %v", create.Query)
			}
		})
	}
}

func TestCRMValidationBeforeSending(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := context.Background()
	okReg := loyalty.Registration{SalesOutletID: mock.CRMOutletID}
	for _, tc := range []struct {
		name  string
		call  func() error
		field string
	}{
		{"empty filter", func() error { _, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{Email: "  "}); return err }, "filter"},
		{"bad filter phone", func() error {
			_, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "12345"})
			return err
		}, "filter.mobile_phone"},
		{"nil contact id", func() error { _, err := crm.Contacts.Get(ctx, uuid.Nil); return err }, "contact_id"},
		{"empty new contact", func() error {
			_, err := crm.Contacts.Create(ctx, loyalty.NewContact{Registration: okReg})
			return err
		}, "new_contact.contact"},
		{"no outlet", func() error {
			_, err := crm.Contacts.Create(ctx, loyalty.NewContact{Contact: loyalty.PersonalData{Email: "a@b.ru"}})
			return err
		}, "new_contact.registration.sales_outlet_id"},
		{"unknown method", func() error {
			_, err := crm.Contacts.Create(ctx, loyalty.NewContact{Contact: loyalty.PersonalData{Email: "a@b.ru"}, Registration: okReg,
				Communication: loyalty.Communication{CommunicationMethod: "pigeon"}})
			return err
		}, "new_contact.communication.communication_method"},
		{"unknown gender", func() error {
			_, err := crm.Contacts.Create(ctx, loyalty.NewContact{Contact: loyalty.PersonalData{Email: "a@b.ru", Gender: "x"}, Registration: okReg})
			return err
		}, "new_contact.contact.gender_code"},
		{"virtual: nil type", func() error {
			_, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: mock.CRMContactID})
			return err
		}, "card_data.card_type_id"},
		{"physical: no number", func() error {
			_, err := crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: mock.CRMContactID})
			return err
		}, "card_data.card_number"},
		{"campaigns: nil card", func() error { _, err := crm.Campaigns.ByCard(ctx, uuid.Nil); return err }, "card_id"},
		{"campaigns: nil contact", func() error { _, err := crm.Campaigns.ByContact(ctx, uuid.Nil); return err }, "contact_id"},
		{"outlets: nil partner", func() error { _, err := crm.Directory.SalesOutlets(ctx, uuid.Nil); return err }, "partner_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ve *loyalty.ValidationError
			if err := tc.call(); !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("got %v, want *ValidationError for %s", err, tc.field)
			}
		})
	}
	if n := len(srv.RequestsTo(mock.CRMAPI)); n != 0 {
		t.Fatalf("%d requests were sent", n)
	}
}

func TestCRMErrorCodes(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := context.Background()
	unknown := uuid.MustParse("00000000-0000-4000-8000-000000000001")
	newContact := func(phone, email string) loyalty.NewContact {
		return loyalty.NewContact{Contact: loyalty.PersonalData{MobilePhone: phone, Email: email},
			Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID}}
	}
	virtual := func(typ uuid.UUID, partner *uuid.UUID) func() error {
		return func() error {
			_, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: mock.CRMContact2ID, CardTypeID: typ, PartnerID: partner})
			return err
		}
	}
	physical := func(contact uuid.UUID, number string) func() error {
		return func() error {
			_, err := crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: contact, CardNumber: number})
			return err
		}
	}
	for _, tc := range []struct {
		name     string
		call     func() error
		op       string
		code     loyalty.ErrorCode
		notFound bool
	}{
		{"contact not found", func() error { _, err := crm.Contacts.Get(ctx, unknown); return err }, "GetByContactId", loyalty.CodeContactNotFound, true},
		{"campaigns of unknown contact", func() error { _, err := crm.Campaigns.ByContact(ctx, unknown); return err }, "GetPersonalCampaignByContact", loyalty.CodeContactNotFound, true},
		{"campaigns of unknown card", func() error { _, err := crm.Campaigns.ByCard(ctx, unknown); return err }, "GetPersonalCampaignByCard", loyalty.CodeCardNotFound, true},
		{"card does not exist", physical(mock.CRMContact2ID, "0000"), "BindPhysicalCard", loyalty.CodeCardDoesNotExist, true},
		{"card not active", physical(mock.CRMContact2ID, mock.CRMBlockedCardNumber), "BindPhysicalCard", loyalty.CodeCardNotActive, false},
		{"card already owned", physical(mock.CRMContact2ID, mock.CRMOwnedCardNumber), "BindPhysicalCard", loyalty.CodeCardAlreadyOwned, false},
		{"bind to unknown contact", physical(unknown, mock.CRMFreeCardNumber), "BindPhysicalCard", loyalty.CodeContactNotFound, true},
		{"duplicate phone", func() error { _, err := crm.Contacts.Create(ctx, newContact("79161234567", "")); return err }, "CreateContact", loyalty.CodeDuplicatePhone, false},
		{"duplicate email", func() error {
			_, err := crm.Contacts.Create(ctx, newContact("", "MARIA.IVANOVA@example.ru"))
			return err
		}, "CreateContact", loyalty.CodeDuplicateEmail, false},
		{"card type not found", virtual(unknown, nil), "BindVirtualCard", loyalty.CodeCardTypeNotFound, false}, // a referenced record, not the addressed one
		{"card type inactive", virtual(mock.CRMInactiveCardTypeID, nil), "BindVirtualCard", loyalty.CodeCardTypeInactive, false},
		{"card type not virtual", virtual(mock.CRMPlasticCardTypeID, nil), "BindVirtualCard", loyalty.CodeCardTypeNotVirtual, false},
		{"no virtual cards left", virtual(mock.CRMEmptyPoolCardTypeID, nil), "BindVirtualCard", loyalty.CodeNoVirtualCardsAvailable, false},
		{"partner not found", virtual(mock.CRMVirtualCardTypeID, &unknown), "BindVirtualCard", loyalty.CodePartnerNotFound, true},
		{"partner inactive", virtual(mock.CRMVirtualCardTypeID, &mock.CRMInactivePartnerID), "BindVirtualCard", loyalty.CodePartnerInactive, false},
		{"outlets of unknown partner", func() error { _, err := crm.Directory.SalesOutlets(ctx, unknown); return err }, "GetSalesOutlet", loyalty.CodePartnerNotFound, true},
		{"card types of inactive partner", func() error {
			_, err := crm.Directory.CardTypes(ctx, &mock.CRMInactivePartnerID)
			return err
		}, "GetCardTypesByPartner", loyalty.CodePartnerInactive, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ce *loyalty.CRMError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want *CRMError", err)
			}
			if !errors.Is(err, tc.code) || ce.Code() != tc.code || ce.Operation != tc.op || ce.StatusCode != http.StatusOK {
				t.Fatalf("got %+v, want %d from %s", ce, tc.code, tc.op)
			}
			if errors.Is(err, loyalty.ErrNotFound) != tc.notFound {
				t.Fatalf("errors.Is(ErrNotFound) = %v", !tc.notFound)
			}
			d := ce.Errors[0]
			if d.Description != tc.code.Description() {
				t.Fatalf("detail %+v, message %q; want d.Description == tc.code.Description()", d, err)
			} else if d.InternalErrorID == "" {
				t.Fatalf("detail %+v, message %q; want d.InternalErrorID != \"\"", d, err)
			} else if !strings.Contains(err.Error(), d.InternalErrorID) {
				t.Fatalf("detail %+v, message %q; want strings.Contains(err.Error(), d.InternalErrorID)", d, err)
			}
		})
	}
	// A wrong commercial_firm_id is 10210 with HTTP 403.
	wrong, err := loyalty.NewCRM(srv.CRMURL, "other-firm", loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(srv.RootCAs()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.Directory.Regions(ctx)
	var ce *loyalty.CRMError
	if !errors.As(err, &ce) {
		t.Fatalf("wrong firm: %v; want errors.As(err, &ce)", err)
	} else if !errors.Is(err, loyalty.CodeAccessDenied) {
		t.Fatalf("wrong firm: %v; want errors.Is(err, loyalty.CodeAccessDenied)", err)
	} else if ce.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong firm: %v; want ce.StatusCode == http.StatusForbidden", err)
	} else if loyalty.Attempts(err) != 1 {
		t.Fatalf("wrong firm: %v; want loyalty.Attempts(err) == 1", err)
	}
}

func TestCRMPoolRunsDry(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := context.Background()
	seen := map[string]bool{}
	for i := range 5 {
		c, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: mock.CRMContact2ID, CardTypeID: mock.CRMVirtualCardTypeID, PartnerID: &mock.CRMPartnerID})
		if err != nil {
			t.Fatalf("bind %d: %+v, %v; want err == nil", i, c, err)
		} else if seen[c.Number] {
			t.Fatalf("bind %d: %+v, %v; want !seen[c.Number]", i, c, err)
		} else if c.PartnerID == nil {
			t.Fatalf("bind %d: %+v, %v; want c.PartnerID != nil", i, c, err)
		} else if *c.PartnerID != mock.CRMPartnerID {
			t.Fatalf("bind %d: %+v, %v; want *c.PartnerID == mock.CRMPartnerID", i, c, err)
		}
		seen[c.Number] = true
	}
	_, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: mock.CRMContact2ID, CardTypeID: mock.CRMVirtualCardTypeID})
	if !errors.Is(err, loyalty.CodeNoVirtualCardsAvailable) {
		t.Fatalf("6th bind: %v", err)
	}
	srv.Reset()
	if _, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: mock.CRMContact2ID, CardTypeID: mock.CRMVirtualCardTypeID}); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

func TestCRMResponseErrors(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := context.Background()
	golden, err := os.ReadFile("testdata/crm/errors.json")
	if err != nil {
		t.Fatal(err)
	}

	// errors array with a 500 status and an unknown code: *CRMError, every entry kept.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Path: "/BindPhysicalCard", Status: 500, Body: string(golden), ContentType: "application/json"})
	_, err = crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: mock.CRMContactID, CardNumber: "1"})
	var ce *loyalty.CRMError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v; want errors.As(err, &ce)", err)
	} else if ce.StatusCode != 500 {
		t.Fatalf("got %v; want ce.StatusCode == 500", err)
	} else if len(ce.Errors) != 2 {
		t.Fatalf("got %v; want len(ce.Errors) == 2", err)
	} else if !errors.Is(err, loyalty.CodeCardAlreadyOwned) {
		t.Fatalf("got %v; want errors.Is(err, loyalty.CodeCardAlreadyOwned)", err)
	}
	if u := ce.Errors[1].Code; u != 10999 {
		t.Fatalf("unknown code entry %+v; want u == 10999", ce.Errors[1])
	} else if u.Known() {
		t.Fatalf("unknown code entry %+v; want !u.Known()", ce.Errors[1])
	} else if !errors.Is(err, u) {
		t.Fatalf("unknown code entry %+v; want errors.Is(err, u)", ce.Errors[1])
	} else if ce.Errors[1].Description != "Новая ошибка сервера" {
		t.Fatalf("unknown code entry %+v; want ce.Errors[1].Description == \"Новая ошибка сервера\"", ce.Errors[1])
	}
	if ce.Errors[0].InternalErrorID != "3f2504e0-4f89-11d3-9a0c-0305e82c3301" {
		t.Fatalf("%+v / %s; want ce.Errors[0].InternalErrorID == \"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"", ce.Errors[0], err)
	} else if !strings.Contains(err.Error(), "[HTTP 500]") {
		t.Fatalf("%+v / %s; want strings.Contains(err.Error(), \"[HTTP 500]\")", ce.Errors[0], err)
	}

	// HTML from a proxy: *APIError, whatever the status.
	for _, status := range []int{200, 502} {
		srv.Fail(mock.Fault{API: mock.CRMAPI, Status: status, Body: "<html><body>Bad Gateway</body></html>", ContentType: "text/html", Times: -1})
		_, err = crm.Directory.Regions(ctx)
		srv.ClearFaults()
		var ae *loyalty.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("HTML %d: %v; want errors.As(err, &ae)", status, err)
		} else if ae.StatusCode != status {
			t.Fatalf("HTML %d: %v; want ae.StatusCode == status", status, err)
		} else if errors.As(err, new(*loyalty.CRMError)) {
			t.Fatalf("HTML %d: %v; want !errors.As(err, new(*loyalty.CRMError))", status, err)
		}
	}
	// Non-2xx JSON without errors: *APIError.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Status: 404, Body: `{"errors":[]}`, ContentType: "application/json"})
	_, err = crm.Directory.Regions(ctx)
	if !errors.As(err, new(*loyalty.APIError)) {
		t.Fatalf("404 without errors (a wrong path, not a missing record): %v; want errors.As(err, new(*loyalty.APIError))", err)
	} else if errors.Is(err, loyalty.ErrNotFound) {
		t.Fatalf("404 without errors (a wrong path, not a missing record): %v; want !errors.Is(err, loyalty.ErrNotFound)", err)
	}
	// Malformed 200 body: *APIError.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Malformed: true})
	if _, err = crm.Directory.Partners(ctx); !errors.As(err, new(*loyalty.APIError)) {
		t.Fatalf("malformed: %v", err)
	}
	// A contact answer without its result field.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Status: 200, Body: `{"errors":null}`, ContentType: "application/json"})
	if _, err = crm.Contacts.Get(ctx, mock.CRMContactID); !errors.As(err, new(*loyalty.APIError)) {
		t.Fatalf("missing result: %v; want errors.As(err, new(*loyalty.APIError))", err)
	} else if !strings.Contains(err.Error(), `"contact"`) {
		t.Fatalf("missing result: %v; want strings.Contains(err.Error(), `\"contact\"`)", err)
	}
	// A 400 from the mock (a parameter it cannot read): *APIError.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs(), Certificates: []tls.Certificate{srv.ClientCertificate()}}}}
	resp, err := hc.Get(srv.CRMURL + "/GetByContactId?commercial_firm_id=firm-1&contact_id=not-a-guid")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("bad guid: HTTP %d", resp.StatusCode)
	}
}

func TestCRMRetryPolicy(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := context.Background()

	// GET: retried through a 503.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Path: "/GetPartners", Status: 503})
	if _, err := crm.Directory.Partners(ctx); err != nil {
		t.Fatalf("GET through 503: %v", err)
	}
	// POST: not retried after a 503 that took effect (ambiguous).
	srv.Fail(mock.Fault{API: mock.CRMAPI, Path: "/BindPhysicalCard", Status: 503, AfterApply: true})
	_, err := crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: mock.CRMContact2ID, CardNumber: mock.CRMFreeCardNumber})
	if !errors.As(err, new(*loyalty.APIError)) {
		t.Fatalf("POST 503: %v (attempts %d); want errors.As(err, new(*loyalty.APIError))", err, loyalty.Attempts(err))
	} else if loyalty.Attempts(err) != 1 {
		t.Fatalf("POST 503: %v (attempts %d); want loyalty.Attempts(err) == 1", err, loyalty.Attempts(err))
	}
	// The card was bound once: binding again says so.
	_, err = crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: mock.CRMContact2ID, CardNumber: mock.CRMFreeCardNumber})
	if !errors.Is(err, loyalty.CodeCardAlreadyOwned) {
		t.Fatalf("second bind: %v", err)
	}
	// POST: a reset connection is not retried either.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Path: "/CreateContact", Reset: true})
	_, err = crm.Contacts.Create(ctx, loyalty.NewContact{Contact: loyalty.PersonalData{Email: "r@example.ru"}, Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID}})
	if !errors.As(err, new(*loyalty.RequestError)) {
		t.Fatalf("POST reset: %v; want errors.As(err, new(*loyalty.RequestError))", err)
	} else if loyalty.Attempts(err) != 1 {
		t.Fatalf("POST reset: %v; want loyalty.Attempts(err) == 1", err)
	}
	// POST: 429 is retried (nothing was processed).
	srv.Fail(mock.Fault{API: mock.CRMAPI, Path: "/CreateContact", Status: 429, RetryAfter: "0"})
	id, err := crm.Contacts.Create(ctx, loyalty.NewContact{Contact: loyalty.PersonalData{Email: "r@example.ru"}, Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID}})
	if err != nil {
		t.Fatalf("POST 429: %v; want err == nil", err)
	} else if id == uuid.Nil {
		t.Fatalf("POST 429: %v; want id != uuid.Nil", err)
	}
}

// The CRM gateway may pass through a Manzana code it does not map: any
// integer code decodes (quoted too), with its description verbatim and
// its internal_error_id.
func TestCRMUnmappedErrorCodesPassThrough(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	_, err := crm.Contacts.BindPhysicalCard(ctxT(t), loyalty.PhysicalCardRequest{ContactID: mock.CRMContact2ID, CardNumber: mock.CRMPINCardNumber})
	var ce *loyalty.CRMError
	if !errors.As(err, &ce) || len(ce.Errors) != 1 {
		t.Fatalf("got %v, want a *CRMError with one entry", err)
	}
	d := ce.Errors[0]
	if d.Code != 100961 || d.Code.Known() {
		t.Errorf("code %d (known %v), want the unlisted 100961", d.Code, d.Code.Known())
	}
	if d.Description != "Неверный PIN-код карты" || d.InternalErrorID == "" {
		t.Errorf("description %q, internal_error_id %q; want the server's text and an id", d.Description, d.InternalErrorID)
	}
	if !errors.Is(err, mock.CodeManzanaWrongPIN) || errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("errors.Is(err, 100961) = %v, ErrNotFound = %v; want true, false", errors.Is(err, mock.CodeManzanaWrongPIN), errors.Is(err, loyalty.ErrNotFound))
	}
	if msg := err.Error(); !strings.Contains(msg, "100961 Неверный PIN-код карты (internal_error_id "+d.InternalErrorID+")") {
		t.Errorf("message %q lacks the code, text and id", msg)
	}

	for _, tc := range []struct {
		name, body, desc string
		code             loyalty.ErrorCode
	}{
		{"quoted code", `{"card":null,"errors":[{"code":"1000048","description":"Карта уже принадлежит другому клиенту","internal_error_id":"a1"}]}`, "Карта уже принадлежит другому клиенту", 1000048},
		{"raw placeholder", `{"errors":[{"code":10110,"description":"Регион типа \"%1!\" не найден","internal_error_id":"a2"}]}`, `Регион типа "%1!" не найден`, 10110},
		{"unlisted, no description", `{"errors":[{"code":100962,"description":"","internal_error_id":"a3"}]}`, "", 100962},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{func(r *http.Request) *http.Response {
				return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r, Body: io.NopCloser(strings.NewReader(tc.body))}
			}}}
			c := srv.CRM(mock.WithTransport(tr))
			_, err := c.Contacts.BindPhysicalCard(ctxT(t), loyalty.PhysicalCardRequest{ContactID: mock.CRMContactID, CardNumber: "1"})
			var ce *loyalty.CRMError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *CRMError", err)
			}
			d := ce.Errors[0]
			if d.Code != tc.code || d.Description != tc.desc || d.InternalErrorID == "" {
				t.Errorf("entry %+v, want code %d, description %q and an internal_error_id", d, tc.code, tc.desc)
			}
			if tc.desc != "" && !strings.Contains(err.Error(), tc.desc) {
				t.Errorf("message %q lacks the description verbatim", err)
			}
		})
	}
}
