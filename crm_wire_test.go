package loyalty_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// The CRM's wire forms: golden payloads of the spec's examples, parameter
// styles and the shapes of GetByContactId's answer.

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
	if c.Balance.String() != "12345678901234567890.123456789" {
		t.Fatalf("card %+v; want c.Balance.String() == \"12345678901234567890.123456789\"", c)
	} else if c.MasterActiveBalance != nil {
		t.Fatalf("card %+v; want c.MasterActiveBalance == nil", c)
	} else if c.MasterMoneyBalance.String() != "1500" {
		t.Fatalf("card %+v; want c.MasterMoneyBalance.String() == \"1500\"", c)
	}
	if c.StatusDate.UTC().Format(time.RFC3339Nano) != "2017-07-05T07:30:00.123Z" {
		t.Fatalf("dates %v %v; want c.StatusDate.UTC().Format(time.RFC3339Nano) == \"2017-07-05T07:30:00.123Z\"", c.StatusDate, c.ExpiryDate)
	} else if c.ExpiryDate.UTC().Year() != 2027 {
		t.Fatalf("dates %v %v; want c.ExpiryDate.UTC().Year() == 2027", c.StatusDate, c.ExpiryDate)
	}
	v := info.Cards[1]
	if v.BonusType.Known() {
		t.Fatalf("unknown enums / nulls: %+v; want !v.BonusType.Known()", v)
	} else if v.Status.Known() {
		t.Fatalf("unknown enums / nulls: %+v; want !v.Status.Known()", v)
	} else if v.BonusType != "cashback" {
		t.Fatalf("unknown enums / nulls: %+v; want v.BonusType == \"cashback\"", v)
	} else if v.PartnerID != nil {
		t.Fatalf("unknown enums / nulls: %+v; want v.PartnerID == nil", v)
	} else if v.CardTypeID != nil {
		t.Fatalf("unknown enums / nulls: %+v; want v.CardTypeID == nil", v)
	}
	if info.Contact.LevelID == nil {
		t.Fatalf("contact %+v; want info.Contact.LevelID != nil", info.Contact)
	} else if info.Contact.PartnerID != nil {
		t.Fatalf("contact %+v; want info.Contact.PartnerID == nil", info.Contact)
	} else if !info.Contact.Gender.Known() {
		t.Fatalf("contact %+v; want info.Contact.Gender.Known()", info.Contact)
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
	if err != nil {
		t.Fatalf("bare profile: %+v, %v; want err == nil", info, err)
	} else if info.Contact.ContactID != id {
		t.Fatalf("bare profile: %+v, %v; want info.Contact.ContactID == id", info, err)
	} else if info.Contact.FirstName != "Пётр" {
		t.Fatalf("bare profile: %+v, %v; want info.Contact.FirstName == \"Пётр\"", info, err)
	} else if len(info.Cards) != 0 {
		t.Fatalf("bare profile: %+v, %v; want len(info.Cards) == 0", info, err)
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
