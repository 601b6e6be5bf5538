package loyalty

import (
	"testing"

	"github.com/google/go-querystring/query"
)

// The read queries are encoded by hand (no reflection on the hot path);
// they must stay byte for byte what go-querystring and url.Values.Encode
// make of the same struct.
func TestCustomerQueryEncodesAsQuerystring(t *testing.T) {
	for _, q := range []CustomerQuery{
		{},
		{ID: 1},
		{ID: 9223372036854775807},
		{ExternalID: "1C-000 42/&=?+é"},
		{Phone: "+7 (916) 123-45-67", Email: "a+b@example.ru"},
		{WithPhone: new(true), WithEmail: new(false)},
		{WithPhone: new(false), WithEmail: new(true), Page: 3, PageSize: 200},
		{Page: 1},
		{PageSize: 50},
		{ID: 7, ExternalID: "x", Phone: "p", Email: "e", WithPhone: new(true), WithEmail: new(true), Page: 2, PageSize: 10},
	} {
		for _, f := range []Format{FormatXML, FormatJSON} {
			want, err := query.Values(&q)
			if err != nil {
				t.Fatal(err)
			}
			want.Set("apikey", "key with spaces&=")
			want.Set("format", string(f))
			if got := q.rawQuery("key with spaces&=", f); got != want.Encode() {
				t.Errorf("%+v:\n got %s\nwant %s", q, got, want.Encode())
			}
		}
	}
}

func TestCRMParamsEncodeAsQuerystring(t *testing.T) {
	for _, style := range []ParamStyle{ParamsJSON, ParamsDotted} {
		c := &CRM{style: style}
		for _, p := range []crmParams{
			{CommercialFirmID: "firm 1&"},
			{CommercialFirmID: "f", ContactID: "5d2f8b1c-9e4a-4f6b-a7c3-0e1d2c3b0001"},
			{CommercialFirmID: "f", CardID: "c", PartnerID: "p"},
			{CommercialFirmID: "f", Filter: c.object(ContactFilter{MobilePhone: "79161234567", Email: "a+b@x.ru"})},
			{CommercialFirmID: "f", NewContact: c.object(NewContact{Contact: PersonalData{FirstName: "Пётр"}}),
				CardData: c.object(PhysicalCardRequest{CardNumber: "7770000000002"})},
		} {
			want, err := query.Values(&p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.values()
			if err != nil {
				t.Fatal(err)
			}
			if got.Encode() != want.Encode() {
				t.Errorf("%v %+v:\n got %s\nwant %s", style, p, got.Encode(), want.Encode())
			}
			raw, err := p.rawQuery()
			if err != nil {
				t.Fatal(err)
			}
			if raw != want.Encode() {
				t.Errorf("%v %+v rawQuery:\n got %s\nwant %s", style, p, raw, want.Encode())
			}
		}
	}
}
