package mock

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
)

// crmWant is what the CRM answered before its encodings were memoised:
// json.Marshal of the envelope map, errors [] when none.
func crmWant(t *testing.T, field string, result any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{field: result, "errors": []loyalty.CRMErrorDetail{}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCRMAnswersAreWhatJSONMarshalWrites holds the memoised contact and
// card encodings to json.Marshal of the same values, byte for byte, also
// after a card and a contact change (bound card, new balance, new name).
func TestCRMAnswersAreWhatJSONMarshalWrites(t *testing.T) {
	srv := NewServer(t)
	c := crmClient(srv)
	firm := url.Values{"commercial_firm_id": {srv.CommercialFirmID}}
	get := func(op string, q url.Values) string {
		t.Helper()
		for k, v := range firm {
			q[k] = v
		}
		status, body := crmDo(t, c, http.MethodGet, srv.CRMURL+"/"+op+"?"+q.Encode(), "", "")
		if status != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", op, status, body)
		}
		return body
	}
	infos := func(ids ...uuid.UUID) []loyalty.ContactInfo {
		srv.crm.mu.Lock()
		defer srv.crm.mu.Unlock()
		out := []loyalty.ContactInfo{}
		for _, id := range ids {
			out = append(out, srv.crm.info(srv.crm.contact(id)))
		}
		return out
	}
	partnered := []uuid.UUID{CRMContactID} // the contacts of CRMPartnerID
	check := func(step string) {
		t.Helper()
		for _, id := range append([]uuid.UUID{CRMContact2ID}, partnered...) {
			got := get("GetByContactId", url.Values{"contact_id": {id.String()}})
			if want := crmWant(t, "contact", infos(id)[0]); got != want {
				t.Errorf("%s: GetByContactId %s\n got %s\nwant %s", step, id, got, want)
			}
		}
		got := get("FindContactInfo", url.Values{"filter": {`{"partner_id":"` + CRMPartnerID.String() + `"}`}})
		if want := crmWant(t, "contacts", infos(partnered...)); got != want {
			t.Errorf("%s: FindContactInfo\n got %s\nwant %s", step, got, want)
		}
		got = get("FindContactInfo", url.Values{"filter": {`{"mobile_phone":"70000000000"}`}})
		if want := crmWant(t, "contacts", []loyalty.ContactInfo{}); got != want {
			t.Errorf("%s: FindContactInfo, none\n got %s\nwant %s", step, got, want)
		}
	}
	check("seed")

	status, body := crmDo(t, c, http.MethodPost, srv.CRMURL+"/BindPhysicalCard", "application/json",
		`{"commercial_firm_id":"`+srv.CommercialFirmID+`","card_data":{"contact_id":"`+CRMContact2ID.String()+
			`","card_number":"`+CRMFreeCardNumber+`"}}`)
	if status != http.StatusOK {
		t.Fatalf("BindPhysicalCard: HTTP %d %s", status, body)
	}
	status, body = crmDo(t, c, http.MethodPost, srv.CRMURL+"/CreateContact", "application/json",
		`{"commercial_firm_id":"`+srv.CommercialFirmID+`","new_contact":{"contact":{"email":"n@example.ru"},`+
			`"registration":{"sales_outlet_id":"`+CRMOutletID.String()+`","partner_id":"`+CRMPartnerID.String()+`"},`+
			`"communication":{"allow_email":true,"allow_sms":false,"allow_phone":false}}}`)
	var created struct {
		ContactID uuid.UUID `json:"contact_id"`
	}
	if err := json.Unmarshal([]byte(body), &created); status != http.StatusOK {
		t.Fatalf("CreateContact: HTTP %d %s (%v); want status == http.StatusOK", status, body, err)
	} else if err != nil {
		t.Fatalf("CreateContact: HTTP %d %s (%v); want err == nil", status, body, err)
	}
	partnered = append(partnered, created.ContactID)
	check("card bound, contact created")

	srv.crm.mu.Lock()
	card := srv.crm.st.cards[CRMOwnedCardNumber]
	card.Balance = dec("7.10")
	srv.crm.contact(CRMContactID).FirstName = "Марина"
	srv.crm.mu.Unlock()
	check("balance and name changed")
}

// TestCRMEnvelopeKeysAreSorted holds every kind of answer (a field before
// and after "errors", spec errors, no field) to the order and form
// json.Marshal gives a map.
func TestCRMEnvelopeKeysAreSorted(t *testing.T) {
	srv := NewServer(t)
	c := crmClient(srv)
	firm := "commercial_firm_id=" + srv.CommercialFirmID
	for _, q := range []string{
		"/GetPartners?" + firm,
		"/GetRegions?" + firm,
		"/GetPersonalCampaignByContact?" + firm + "&contact_id=" + CRMContactID.String(),
		"/GetByContactId?" + firm + "&contact_id=" + uuid.NewString(),
		"/GetByContactId?commercial_firm_id=wrong&contact_id=" + CRMContactID.String(),
	} {
		_, body := crmDo(t, c, http.MethodGet, srv.CRMURL+q, "", "")
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("%s: %v in %s", q, err, body)
		}
		again, _ := json.Marshal(m)
		if string(again) != body {
			t.Errorf("%s\n got %s\nwant %s", q, body, again)
		}
	}
}
