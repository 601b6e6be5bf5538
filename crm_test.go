package loyalty_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
	"github.com/shopspring/decimal"
)

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewCRMConfigErrors(t *testing.T) {
	srv := mock.NewServer(t)
	dir := t.TempDir()
	certFile := writeFile(t, dir, "client.crt", srv.ClientCertPEM())
	const secret = "MHcCAQEEIVERYSECRETKEYMATERIALdoNotPrintMe"
	badKey := writeFile(t, dir, "bad.key", []byte("-----BEGIN EC PRIVATE KEY-----\n"+secret+"\n-----END EC PRIVATE KEY-----\n"))
	other := mock.NewServer(t)
	otherKey := writeFile(t, dir, "other.key", other.ClientKeyPEM())
	cert := loyalty.WithClientCertificate(srv.ClientCertificate())
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}

	for _, tc := range []struct {
		name, url, firm string
		opts            []loyalty.Option
		field           string
	}{
		{"empty firm", srv.CRMURL, " ", []loyalty.Option{cert}, "commercialFirmID"},
		{"no client certificate", srv.CRMURL, "firm-1", nil, "WithClientCertificate"},
		{"empty certificate", srv.CRMURL, "firm-1", []loyalty.Option{loyalty.WithClientCertificate(tls.Certificate{})}, "WithClientCertificate"},
		{"plain http", "http://crm.example.ru/api", "firm-1", []loyalty.Option{cert}, "baseURL"},
		{"nil roots", srv.CRMURL, "firm-1", []loyalty.Option{cert, loyalty.WithRootCAs(nil)}, "WithRootCAs"},
		{"unknown param style", srv.CRMURL, "firm-1", []loyalty.Option{cert, loyalty.WithParamStyle(7)}, "WithParamStyle"},
		{"missing cert file", srv.CRMURL, "firm-1", []loyalty.Option{loyalty.WithClientCertificateFiles(filepath.Join(dir, "nope.crt"), badKey)}, "WithClientCertificateFiles"},
		{"bad key PEM", srv.CRMURL, "firm-1", []loyalty.Option{loyalty.WithClientCertificateFiles(certFile, badKey)}, "WithClientCertificateFiles"},
		{"key of another certificate", srv.CRMURL, "firm-1", []loyalty.Option{loyalty.WithClientCertificateFiles(certFile, otherKey)}, "WithClientCertificateFiles"},
		{"insecure transport", srv.CRMURL, "firm-1", []loyalty.Option{cert, loyalty.WithHTTPClient(insecure)}, "WithHTTPClient"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loyalty.NewCRM(tc.url, tc.firm, tc.opts...)
			var ce *loyalty.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("got %v, %v; want *ConfigError for %s", c, err, tc.field)
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, "PRIVATE KEY-----") || strings.Contains(msg, string(other.ClientKeyPEM()[40:80])) {
				t.Fatalf("error prints key material: %s", msg)
			}
		})
	}
	// CRM options are refused by the other constructors.
	_, err := loyalty.NewVirtPOS("https://x.myvirtualpos.ru", "key", cert)
	var ce *loyalty.ConfigError
	if !errors.As(err, &ce) || ce.Field != "WithClientCertificate" {
		t.Fatalf("NewVirtPOS with a CRM option: %v", err)
	}
}

func TestCRMCertificateFiles(t *testing.T) {
	srv := mock.NewServer(t)
	dir := t.TempDir()
	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificateFiles(writeFile(t, dir, "c.crt", srv.ClientCertPEM()), writeFile(t, dir, "c.key", srv.ClientKeyPEM())),
		loyalty.WithRootCAs(srv.RootCAs()))
	if err != nil {
		t.Fatal(err)
	}
	regs, err := crm.Directory.Regions(context.Background())
	if err != nil || len(regs) != 2 || regs[0].Name != "Москва" {
		t.Fatalf("Regions: %+v, %v", regs, err)
	}
	if crm.CommercialFirmID() != srv.CommercialFirmID || crm.ParamStyle() != loyalty.ParamsJSON {
		t.Fatalf("accessors: %q %v", crm.CommercialFirmID(), crm.ParamStyle())
	}
}

func TestCRMHandshakeFailures(t *testing.T) {
	srv := mock.NewServer(t)
	ctx := context.Background()
	cert := loyalty.WithClientCertificate(srv.ClientCertificate())

	t.Run("no client certificate on the wire", func(t *testing.T) {
		// A middleware that ignores the transport it wraps replaces the
		// client's TLS settings with its own, which send no certificate.
		bare := loyalty.WithTransportMiddleware(func(http.RoundTripper) http.RoundTripper {
			return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs()}}
		})
		crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, cert, bare, loyalty.WithoutRetries())
		if err != nil {
			t.Fatal(err)
		}
		_, err = crm.Directory.Partners(ctx)
		var re *loyalty.RequestError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "TLS handshake with the CRM failed") || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v, want a TLS *RequestError", err)
		}
		t.Log(err)
	})
	t.Run("server not trusted", func(t *testing.T) {
		crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, cert, loyalty.WithRootCAs(x509.NewCertPool()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = crm.Directory.Partners(ctx)
		if !errors.As(err, new(*loyalty.RequestError)) || !strings.Contains(err.Error(), "x509") || loyalty.Attempts(err) != 1 {
			t.Fatalf("got %v (attempts %d), want one failed verification", err, loyalty.Attempts(err))
		}
	})
	t.Run("server limited to TLS 1.1", func(t *testing.T) {
		old := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"partners":[],"errors":[]}`))
		}))
		old.Config.ErrorLog = log.New(io.Discard, "", 0)
		old.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
		old.StartTLS()
		defer old.Close()
		pool := x509.NewCertPool()
		pool.AddCert(old.Certificate())
		crm, err := loyalty.NewCRM(old.URL, "firm-1", cert, loyalty.WithRootCAs(pool), loyalty.WithoutRetries())
		if err != nil {
			t.Fatal(err)
		}
		_, err = crm.Directory.Partners(ctx)
		if !errors.As(err, new(*loyalty.RequestError)) || !strings.Contains(err.Error(), "protocol version") {
			t.Fatalf("got %v, want a protocol version failure", err)
		}
	})
	t.Run("caller's transport is cloned, not changed", func(t *testing.T) {
		tr := &http.Transport{}
		crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, cert, loyalty.WithRootCAs(srv.RootCAs()), loyalty.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := crm.Directory.Partners(ctx); err != nil {
			t.Fatal(err)
		}
		if tr.TLSClientConfig != nil && (len(tr.TLSClientConfig.Certificates) > 0 || tr.TLSClientConfig.RootCAs != nil) {
			t.Fatal("the caller's transport was given the certificate")
		}
	})
}

func TestCRMContactsFlow(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := context.Background()

	infos, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "+7 (916) 123-45-67"})
	if err != nil || len(infos) != 1 {
		t.Fatalf("Find: %+v, %v", infos, err)
	}
	c := infos[0]
	if c.Contact.ContactID != mock.CRMContactID || c.Contact.LastName != "Иванова" || len(c.Cards) != 1 {
		t.Fatalf("Find: %+v", c)
	}
	want := decimal.RequireFromString("12345678901234567890.123456789")
	if !c.Cards[0].Balance.Equal(want) || c.Cards[0].Balance.String() != "12345678901234567890.123456789" {
		t.Fatalf("balance %s", c.Cards[0].Balance)
	}
	// AND of fields: the right phone with a wrong email matches nothing.
	none, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "79161234567", Email: "x@example.ru"})
	if err != nil || len(none) != 0 {
		t.Fatalf("Find AND: %+v, %v", none, err)
	}
	byCard, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{CardNumber: mock.CRMOwnedCardNumber, PartnerID: &mock.CRMPartnerID})
	if err != nil || len(byCard) != 1 {
		t.Fatalf("Find by card: %+v, %v", byCard, err)
	}

	id, err := crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact: loyalty.PersonalData{MobilePhone: "8 926 000-11-22", Email: "new@example.ru", LastName: "Смирнова",
			FirstName: "Анна", GenderCode: loyalty.ContactGenderFemale, BirthDate: loyalty.CRMDate(1990, time.May, 9)},
		Registration:  loyalty.Registration{SalesOutletID: mock.CRMOutletID, PartnerID: &mock.CRMPartnerID},
		Communication: loyalty.Communication{AllowSMS: true},
	})
	if err != nil || id == uuid.Nil {
		t.Fatalf("Create: %v, %v", id, err)
	}
	got, err := crm.Contacts.Get(ctx, id)
	if err != nil || got.Contact.MobilePhone != "79260001122" || got.Contact.BirthDate.Format("2006-01-02") != "1990-05-09" || len(got.Cards) != 0 {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	vc, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: id, CardTypeID: mock.CRMVirtualCardTypeID})
	if err != nil || vc.Number != "9990000000001" || vc.StatusCode != loyalty.BonusCardStatusActive || vc.FullName != "Смирнова Анна" {
		t.Fatalf("BindVirtualCard: %+v, %v", vc, err)
	}
	pc, err := crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: id, CardNumber: mock.CRMFreeCardNumber})
	if err != nil || pc.Number != mock.CRMFreeCardNumber {
		t.Fatalf("BindPhysicalCard: %+v, %v", pc, err)
	}
	got, err = crm.Contacts.Get(ctx, id)
	if err != nil || len(got.Cards) != 2 {
		t.Fatalf("Get after binding: %+v, %v", got, err)
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
	if err != nil || len(byCard) != 2 || byCard[0].Discount != 15 || byCard[0].ActualEnd.Month() != time.August {
		t.Fatalf("ByCard: %+v, %v", byCard, err)
	}
	byContact, err := crm.Campaigns.ByContact(ctx, mock.CRMContactID)
	if err != nil || len(byContact) != 2 {
		t.Fatalf("ByContact: %+v, %v", byContact, err)
	}
	none, err := crm.Campaigns.ByContact(ctx, mock.CRMContact2ID)
	if err != nil || len(none) != 0 {
		t.Fatalf("ByContact without campaigns: %+v, %v", none, err)
	}
	outs, err := crm.Directory.SalesOutlets(ctx, mock.CRMPartnerID)
	if err != nil || len(outs) != 2 || outs[0].Latitude == nil || outs[0].Latitude.String() != "55.7649312" || outs[1].Latitude != nil || outs[1].RegionID != nil {
		t.Fatalf("SalesOutlets: %+v, %v", outs, err)
	}
	all, err := crm.Directory.CardTypes(ctx, nil)
	if err != nil || len(all) != 4 {
		t.Fatalf("CardTypes(nil): %+v, %v", all, err)
	}
	some, err := crm.Directory.CardTypes(ctx, &mock.CRMPartner2ID)
	if err != nil || len(some) != 1 || some[0].ID != mock.CRMEmptyPoolCardTypeID {
		t.Fatalf("CardTypes(partner 2): %+v, %v", some, err)
	}
	parts, err := crm.Directory.Partners(ctx)
	if err != nil || len(parts) != 3 || parts[0].Name != "Продукты у дома" {
		t.Fatalf("Partners: %+v, %v", parts, err)
	}
	// nil partner leaves partner_id out of the query.
	var ct []mock.Request
	for _, r := range srv.RequestsTo(mock.CRMAPI) {
		if r.Path == "/GetCardTypesByPartner" {
			ct = append(ct, r)
		}
	}
	if len(ct) != 2 || ct[0].Query.Has("partner_id") || ct[1].Query.Get("partner_id") != mock.CRMPartner2ID.String() ||
		ct[0].Query.Get("commercial_firm_id") != srv.CommercialFirmID {
		t.Fatalf("GetCardTypesByPartner queries: %+v", ct)
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
			if !find.Query.Has(tc.findKey) || find.Query.Get("commercial_firm_id") != srv.CommercialFirmID {
				t.Fatalf("find query %v lacks %s", find.Query, tc.findKey)
			}
			if tc.style == loyalty.ParamsJSON && find.Query.Get("filter") != `{"mobile_phone":"79035550011"}` {
				t.Fatalf("filter = %q", find.Query.Get("filter"))
			}
			if tc.body {
				var body map[string]json.RawMessage
				if err := json.Unmarshal(bind.Body, &body); err != nil || len(bind.Query) != 0 || body["card_data"] == nil {
					t.Fatalf("bind body %s query %v", bind.Body, bind.Query)
				}
				if ct := bind.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("Content-Type %q", ct)
				}
			} else if !bind.Query.Has(tc.bindKey) || len(bind.Body) != 0 {
				t.Fatalf("bind query %v body %q", bind.Query, bind.Body)
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
			_, err := crm.Contacts.Create(ctx, loyalty.NewContact{Contact: loyalty.PersonalData{Email: "a@b.ru", GenderCode: "x"}, Registration: okReg})
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
			if d.Description != tc.code.Description() || d.InternalErrorID == "" || !strings.Contains(err.Error(), d.InternalErrorID) {
				t.Fatalf("detail %+v, message %q", d, err)
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
	if !errors.As(err, &ce) || !errors.Is(err, loyalty.CodeAccessDenied) || ce.StatusCode != http.StatusForbidden || loyalty.Attempts(err) != 1 {
		t.Fatalf("wrong firm: %v", err)
	}
}

func TestCRMPoolRunsDry(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	ctx := context.Background()
	seen := map[string]bool{}
	for i := range 5 {
		c, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: mock.CRMContact2ID, CardTypeID: mock.CRMVirtualCardTypeID, PartnerID: &mock.CRMPartnerID})
		if err != nil || seen[c.Number] || c.PartnerID == nil || *c.PartnerID != mock.CRMPartnerID {
			t.Fatalf("bind %d: %+v, %v", i, c, err)
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
	if !errors.As(err, &ce) || ce.StatusCode != 500 || len(ce.Errors) != 2 || !errors.Is(err, loyalty.CodeCardAlreadyOwned) {
		t.Fatalf("got %v", err)
	}
	if u := ce.Errors[1].Code; u != 10999 || u.Known() || !errors.Is(err, u) || ce.Errors[1].Description != "Новая ошибка сервера" {
		t.Fatalf("unknown code entry %+v", ce.Errors[1])
	}
	if ce.Errors[0].InternalErrorID != "3f2504e0-4f89-11d3-9a0c-0305e82c3301" || !strings.Contains(err.Error(), "[HTTP 500]") {
		t.Fatalf("%+v / %s", ce.Errors[0], err)
	}

	// HTML from a proxy: *APIError, whatever the status.
	for _, status := range []int{200, 502} {
		srv.Fail(mock.Fault{API: mock.CRMAPI, Status: status, Body: "<html><body>Bad Gateway</body></html>", ContentType: "text/html", Times: -1})
		_, err = crm.Directory.Regions(ctx)
		srv.ClearFaults()
		var ae *loyalty.APIError
		if !errors.As(err, &ae) || ae.StatusCode != status || errors.As(err, new(*loyalty.CRMError)) {
			t.Fatalf("HTML %d: %v", status, err)
		}
	}
	// Non-2xx JSON without errors: *APIError.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Status: 404, Body: `{"errors":[]}`, ContentType: "application/json"})
	_, err = crm.Directory.Regions(ctx)
	if !errors.As(err, new(*loyalty.APIError)) || errors.Is(err, loyalty.ErrNotFound) {
		t.Fatalf("404 without errors (a wrong path, not a missing record): %v", err)
	}
	// Malformed 200 body: *APIError.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Malformed: true})
	if _, err = crm.Directory.Partners(ctx); !errors.As(err, new(*loyalty.APIError)) {
		t.Fatalf("malformed: %v", err)
	}
	// A contact answer without its result field.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Status: 200, Body: `{"errors":null}`, ContentType: "application/json"})
	if _, err = crm.Contacts.Get(ctx, mock.CRMContactID); !errors.As(err, new(*loyalty.APIError)) || !strings.Contains(err.Error(), `"contact"`) {
		t.Fatalf("missing result: %v", err)
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
	if !errors.As(err, new(*loyalty.APIError)) || loyalty.Attempts(err) != 1 {
		t.Fatalf("POST 503: %v (attempts %d)", err, loyalty.Attempts(err))
	}
	// The card was bound once: binding again says so.
	_, err = crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: mock.CRMContact2ID, CardNumber: mock.CRMFreeCardNumber})
	if !errors.Is(err, loyalty.CodeCardAlreadyOwned) {
		t.Fatalf("second bind: %v", err)
	}
	// POST: a reset connection is not retried either.
	srv.Fail(mock.Fault{API: mock.CRMAPI, Path: "/CreateContact", Reset: true})
	_, err = crm.Contacts.Create(ctx, loyalty.NewContact{Contact: loyalty.PersonalData{Email: "r@example.ru"}, Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID}})
	if !errors.As(err, new(*loyalty.RequestError)) || loyalty.Attempts(err) != 1 {
		t.Fatalf("POST reset: %v", err)
	}
	// POST: 429 is retried (nothing was processed).
	srv.Fail(mock.Fault{API: mock.CRMAPI, Path: "/CreateContact", Status: 429, RetryAfter: "0"})
	id, err := crm.Contacts.Create(ctx, loyalty.NewContact{Contact: loyalty.PersonalData{Email: "r@example.ru"}, Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID}})
	if err != nil || id == uuid.Nil {
		t.Fatalf("POST 429: %v", err)
	}
}

// canonical decodes JSON keeping numbers as written.
func canonical(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return v
}

func TestCRMGoldenRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		file string
		v    any
	}{
		{"contact_info.json", new(loyalty.ContactInfo)},
		{"sales_outlets.json", new([]loyalty.SalesOutlet)},
		{"personal_campaigns.json", new([]loyalty.PersonalCampaign)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", "crm", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(in, tc.v); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := canonical(t, in), canonical(t, out); !reflect.DeepEqual(a, b) {
				t.Fatalf("round trip changed the payload:\n in: %s\nout: %s", in, out)
			}
		})
	}
	var info loyalty.ContactInfo
	in, _ := os.ReadFile("testdata/crm/contact_info.json")
	if err := json.Unmarshal(in, &info); err != nil {
		t.Fatal(err)
	}
	c := info.Cards[0]
	if c.Balance.String() != "12345678901234567890.123456789" || c.MasterActiveBalance != nil || c.MasterMoneyBalance.String() != "1500" {
		t.Fatalf("card %+v", c)
	}
	if c.StatusDate.UTC().Format(time.RFC3339Nano) != "2017-07-05T07:30:00.123Z" || c.ExpiryDate.UTC().Year() != 2027 {
		t.Fatalf("dates %v %v", c.StatusDate, c.ExpiryDate)
	}
	v := info.Cards[1]
	if v.BonusType.Known() || v.StatusCode.Known() || v.BonusType != "cashback" || v.PartnerID != nil || v.CardTypeID != nil {
		t.Fatalf("unknown enums / nulls: %+v", v)
	}
	if info.Contact.LevelID == nil || info.Contact.PartnerID != nil || !info.Contact.GenderCode.Known() {
		t.Fatalf("contact %+v", info.Contact)
	}
}

func TestParamStyleString(t *testing.T) {
	for s, want := range map[loyalty.ParamStyle]string{loyalty.ParamsJSON: "ParamsJSON", loyalty.ParamsDotted: "ParamsDotted", loyalty.ParamsJSONBody: "ParamsJSONBody", 9: "ParamStyle(9)"} {
		if s.String() != want {
			t.Errorf("%d: %s", int(s), s)
		}
	}
}

// GetByContactId answered with spec 4.4's bare profile under "contact"
// (instead of 4.3's {contact, cards}) is read as that contact without
// cards; a contact without contact_id is an *APIError, never a silent zero
// contact.
func TestCRMGetByContactIDShapes(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM(loyalty.WithoutRetries())
	ctx := context.Background()
	id := mock.CRMContactID
	bare := `{"contact":{"contact_id":"` + id.String() + `","mobile_phone":"79161234567","first_name":"Пётр"},"errors":[]}`
	srv.Fail(mock.Fault{API: mock.CRMAPI, Status: 200, ContentType: "application/json", Body: bare})
	info, err := crm.Contacts.Get(ctx, id)
	if err != nil || info.Contact.ContactID != id || info.Contact.FirstName != "Пётр" || len(info.Cards) != 0 {
		t.Fatalf("bare profile: %+v, %v", info, err)
	}
	for _, body := range []string{
		`{"contact":{"mobile_phone":"79161234567"},"errors":[]}`,
		`{"contact":{"contact":{"first_name":"Пётр"},"cards":[]},"errors":[]}`,
		`{"contact":{},"errors":[]}`,
	} {
		srv.Fail(mock.Fault{API: mock.CRMAPI, Status: 200, ContentType: "application/json", Body: body})
		info, err := crm.Contacts.Get(ctx, id)
		var ae *loyalty.APIError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "contact_id") {
			t.Errorf("%s: got %+v, %v; want an *APIError about contact_id", body, info, err)
		}
	}
}
