package loyalty_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// specAddClient is the typed form of testdata/artix/addClient.json.
func specAddClient() loyalty.ArtixCommand {
	return loyalty.AddClient(loyalty.ArtixCustomer{
		ID:         "4",
		FirstName:  "Пётр",
		LastName:   "Петров",
		MiddleName: "Петрович",
		Communications: &loyalty.ArtixCommunications{
			Call: new(true), Telegram: new(false), SMS: new(true),
		},
		Text:             "text",
		Gender:           new(loyalty.ArtixGenderMale),
		BirthDate:        "1966-05-20",
		SpecialDate1:     "1980-08-08",
		SpecialDate1Name: "День свадьбы",
		ZipCode:          "656000",
		Address:          "Ленина 108-46",
		Email:            "ivanov@gmail.ru",
		Occupation:       "Сантехник",
		ChildrenCount:    new(8),
		OrganizationCode: "1",
		Subscribed:       new(true),
		Options:          &loyalty.ArtixOptions{SendCheckToEmail: new(true), EmailConfirmed: new(true)},
	})
}

// specCommands are the typed forms of the spec's four examples.
func specCommands() map[string]loyalty.ArtixCommand {
	return map[string]loyalty.ArtixCommand{
		"addClient":    specAddClient(),
		"clearClient":  loyalty.ClearClient(),
		"deleteClient": loyalty.DeleteClient("12"),
		"updateClient": loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{
			ID:        "4",
			FirstName: new("Иван Иванов"),
			Gender:    new(loyalty.ArtixGenderMale),
			Phone:     new("88005559999"),
			Address:   new("ivan@mail.ru"),
		}),
	}
}

// decodeMap decodes JSON to a generic value with exact numbers.
func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// idAsString is the one documented difference from the spec's examples:
// idclient is sent as a string.
func idAsString(m map[string]any) {
	if v, ok := m["idclient"].(json.Number); ok {
		m["idclient"] = v.String()
	}
	if c, ok := m["client"].(map[string]any); ok {
		idAsString(c)
	}
}

func TestArtixSpecExamplesGolden(t *testing.T) {
	for name, typed := range specCommands() {
		t.Run(name, func(t *testing.T) {
			golden, err := os.ReadFile(filepath.Join("testdata", "artix", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			want := decodeMap(t, golden)
			idAsString(want)

			// The typed value encodes to the spec's keys and values.
			enc, err := json.Marshal(typed)
			if err != nil {
				t.Fatal(err)
			}
			if got := decodeMap(t, enc); !reflect.DeepEqual(got, want) {
				t.Errorf("encoding differs from the spec example\n got %v\nwant %v", got, want)
			}

			// The spec's example decodes to the typed value.
			var dec loyalty.ArtixCommand
			if err := json.Unmarshal(golden, &dec); err != nil {
				t.Fatalf("decode golden: %v", err)
			}
			if !reflect.DeepEqual(dec, typed) {
				t.Errorf("decoded %+v\nwant    %+v", dec, typed)
			}
			if err := dec.Validate(); err != nil {
				t.Errorf("spec example does not validate: %v", err)
			}
		})
	}
}

func TestArtixDecodeTolerant(t *testing.T) {
	cases := []struct {
		name  string
		json  string
		check func(u loyalty.ArtixCustomerUpdate) bool
	}{
		{"numeric idclient", `{"idclient":42}`, func(u loyalty.ArtixCustomerUpdate) bool { return u.ID == "42" }},
		{"string idclient", `{"idclient":"A-42"}`, func(u loyalty.ArtixCustomerUpdate) bool { return u.ID == "A-42" }},
		{"phonenumbr of the table", `{"idclient":"1","phonenumbr":"+7 916"}`, func(u loyalty.ArtixCustomerUpdate) bool { return *u.Phone == "+7 916" }},
		{"phonenumber of the example", `{"idclient":"1","phonenumber":"8800"}`, func(u loyalty.ArtixCustomerUpdate) bool { return *u.Phone == "8800" }},
		{"specialdate1 name with a space", `{"idclient":"1","specialdate1 name":"Свадьба"}`, func(u loyalty.ArtixCustomerUpdate) bool { return *u.SpecialDate1Name == "Свадьба" }},
		{"subscription adj with a space", `{"idclient":"1","subscription adj":1}`, func(u loyalty.ArtixCustomerUpdate) bool { return *u.Subscribed }},
		{"subscriptionadj string", `{"idclient":"1","subscriptionadj":"0"}`, func(u loyalty.ArtixCustomerUpdate) bool { return !*u.Subscribed }},
		{"subscriptionadj bool", `{"idclient":"1","subscriptionadj":true}`, func(u loyalty.ArtixCustomerUpdate) bool { return *u.Subscribed }},
		{"subscriptionadj null", `{"idclient":"1","subscriptionadj":null}`, func(u loyalty.ArtixCustomerUpdate) bool { return u.Subscribed == nil }},
		{"options booleans, camelCase", `{"idclient":"1","options":{"sendCheckToEmail":true,"emailConfirmed":false}}`, func(u loyalty.ArtixCustomerUpdate) bool {
			return *u.Options.SendCheckToEmail && !*u.Options.EmailConfirmed
		}},
		{"options bitmask", `{"idclient":"1","options":2}`, func(u loyalty.ArtixCustomerUpdate) bool {
			return !*u.Options.SendCheckToEmail && *u.Options.EmailConfirmed && u.Options.Mask() == 2
		}},
		{"communications bitmask", `{"idclient":"1","communications":12}`, func(u loyalty.ArtixCustomerUpdate) bool {
			c := u.Communications
			return !*c.Call && !*c.Telegram && *c.Email && *c.SMS && c.Mask() == 12
		}},
		{"communications bitmask string", `{"idclient":"1","communications":"3"}`, func(u loyalty.ArtixCustomerUpdate) bool {
			return u.Communications.Mask() == 3
		}},
		{"sex and childrencount as strings", `{"idclient":"1","sex":"1","childrencount":"2"}`, func(u loyalty.ArtixCustomerUpdate) bool {
			return *u.Gender == loyalty.ArtixGenderFemale && *u.ChildrenCount == 2
		}},
		{"empty dates", `{"idclient":"1","birthday":"","specialdate2":""}`, func(u loyalty.ArtixCustomerUpdate) bool {
			return *u.BirthDate == "" && *u.SpecialDate2 == "" && u.SpecialDate1 == nil
		}},
		{"unknown keys ignored", `{"idclient":"1","discount":5}`, func(u loyalty.ArtixCustomerUpdate) bool { return u.ID == "1" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var u loyalty.ArtixCustomerUpdate
			if err := json.Unmarshal([]byte(tc.json), &u); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !tc.check(u) {
				t.Errorf("decoded %+v", u)
			}
		})
	}
	for _, bad := range []string{`{"idclient":"1","sex":"x"}`, `{"idclient":"1","options":"abc"}`, `{"idclient":"1","subscriptionadj":7}`, `[1]`} {
		var u loyalty.ArtixCustomerUpdate
		if err := json.Unmarshal([]byte(bad), &u); err == nil {
			t.Errorf("decode %s: want an error, got %+v", bad, u)
		}
	}
}

func TestArtixCommandDecodeVariants(t *testing.T) {
	for _, tc := range []struct {
		json string
		want loyalty.ArtixCommand
	}{
		{`{"command":"deleteClient","client":{"idclient":7}}`, loyalty.DeleteClient("7")},
		{`{"command":"CLEARCLIENT"}`, loyalty.ClearClient()},
		{`{"Command":"deleteClient","IdClient":"x"}`, loyalty.DeleteClient("x")},
	} {
		var c loyalty.ArtixCommand
		if err := json.Unmarshal([]byte(tc.json), &c); err != nil {
			t.Errorf("decode %s: %+v, %v; want err == nil", tc.json, c, err)
		} else if !reflect.DeepEqual(c, tc.want) {
			t.Errorf("decode %s: %+v, %v; want reflect.DeepEqual(c, tc.want)", tc.json, c, err)
		}
	}
	for _, bad := range []string{`{}`, `{"command":"addClient"}`, `{"command":"updateClient","client":null}`, `{"command":"deleteClient"}`, `{"command":"drop table"}`, `{"command":"addUnit","unit":1,"idunit":2}`, `{"command":1}`} {
		var c loyalty.ArtixCommand
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("decode %s: want an error", bad)
		}
	}
}

func TestArtixEncodingDetails(t *testing.T) {
	// Update sends idclient plus only what is set; "" clears a field.
	b, err := json.Marshal(loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "9", Email: new(""), BirthDate: new(loyalty.ArtixDate(""))}))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"command":"updateClient","client":{"idclient":"9","email":"","birthday":""}}`; string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	// Add sends every string and date; unset pointers are left out;
	// control characters survive, invalid UTF-8 is replaced.
	b, _ = json.Marshal(loyalty.ArtixCustomer{ID: "1", Text: "<a&b>\n\x01\u2028", Address: "bad\xff"})
	m := decodeMap(t, b)
	if len(m) != 24 {
		t.Errorf("add encodes %d keys, want 24 (idclient, 19 strings, 4 dates): %s", len(m), b)
	}
	for _, k := range []string{"sex", "childrencount", "subscriptionadj", "options", "communications"} {
		if _, ok := m[k]; ok {
			t.Errorf("unset %s was sent: %s", k, b)
		}
	}
	if m["text"] != "<a&b>\n\x01\u2028" {
		t.Errorf("escaping: %s; want m[\"text\"] == \"<a&b>\\n\\x01\\u2028\"", b)
	} else if m["address"] != "bad\ufffd" {
		t.Errorf("escaping: %s; want m[\"address\"] == \"bad\\ufffd\"", b)
	}
	// Encode-decode round trip of a full record.
	c := specAddClient().Client
	c.Communications.Email = new(false)
	c.Phone, c.ExtendedOptions = "+79161234567", `{"k":"v"}`
	b, _ = json.Marshal(c)
	var back loyalty.ArtixCustomer
	if err := json.Unmarshal(b, &back); err != nil {
		t.Errorf("round trip: %+v, %v; want err == nil", back, err)
	} else if !reflect.DeepEqual(back, *c) {
		t.Errorf("round trip: %+v, %v; want reflect.DeepEqual(back, *c)", back, err)
	}
	if _, err := json.Marshal(loyalty.ArtixCommand{Name: "drop table"}); err == nil || !strings.Contains(err.Error(), "drop table") {
		t.Errorf("a command named %q was encoded (err %v); want an error naming it", "drop table", err)
	}
}

// Clone is a deep copy: changing the clone's pointer attributes leaves the
// original as it was.
func TestArtixCustomerClone(t *testing.T) {
	c := *specAddClient().Client
	clone := c.Clone()
	*clone.Options.EmailConfirmed = false
	*clone.Gender = loyalty.ArtixGenderFemale
	if !*c.Options.EmailConfirmed {
		t.Error("Clone shares Options with the original: changing the clone's EmailConfirmed changed the original's")
	}
	if *c.Gender != loyalty.ArtixGenderMale {
		t.Errorf("Clone shares Gender with the original: original's is %v after changing the clone's, want %v", *c.Gender, loyalty.ArtixGenderMale)
	}
	if !reflect.DeepEqual(c.Clone(), c) {
		t.Errorf("Clone = %+v, want a record equal to %+v", c.Clone(), c)
	}
}

func TestArtixDate(t *testing.T) {
	d := loyalty.ArtixDate("1966-05-20")
	tm, err := d.Time()
	if err != nil {
		t.Errorf("%v %v; want err == nil", tm, err)
	} else if tm.Year() != 1966 {
		t.Errorf("%v %v; want tm.Year() == 1966", tm, err)
	} else if loyalty.NewArtixDate(tm) != d {
		t.Errorf("%v %v; want loyalty.NewArtixDate(tm) == d", tm, err)
	}
	if tm, err := loyalty.ArtixDate("").Time(); err != nil {
		t.Errorf("empty date: %v %v; want err == nil", tm, err)
	} else if !tm.IsZero() {
		t.Errorf("empty date: %v %v; want tm.IsZero()", tm, err)
	}
	if _, err := loyalty.ArtixDate("20.05.1966").Time(); err == nil {
		t.Error("want an error for 20.05.1966")
	}
}
