package loyalty

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// probeShape is what contactShape stands for: encoding/json's reading of
// the two keys.
func probeShape(b []byte) (contact, contactID bool, err error) {
	var probe struct {
		Contact   json.RawMessage `json:"contact"`
		ContactID json.RawMessage `json:"contact_id"`
	}
	err = json.Unmarshal(b, &probe)
	return probe.Contact != nil, probe.ContactID != nil, err
}

// contactShape agrees with encoding/json on every object it reads at
// sight, and leaves the rest to it.
func TestContactShapeAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		body            string
		contact, id, ok bool
	}{
		{`{"contact":{"contact_id":"x"},"cards":[]}`, true, false, true},
		{`{"contact_id":"x","first_name":"Иван"}`, false, true, true},
		{`{"Contact":null}`, true, false, true},
		{`{"CONTACT_ID":1,"contact":{}}`, true, true, true},
		{` { "cards" : [ {"contact":1} ] , "x":"contact_id" } `, false, false, true},
		{`{}`, false, false, true},
		{`{"cont\u0061ct":{}}`, false, false, false}, // an escape: encoding/json decides
		{`{"contaсt":{}}`, false, false, false},      // a Cyrillic с
		{`[]`, false, false, false},
		{`{"contact":`, false, false, false},
	} {
		contact, id, ok := contactShape([]byte(tc.body))
		if contact != tc.contact || id != tc.id || ok != tc.ok {
			t.Errorf("contactShape(%s) = %v, %v, %v; want %v, %v, %v", tc.body, contact, id, ok, tc.contact, tc.id, tc.ok)
		}
		if pc, pid, err := probeShape([]byte(tc.body)); ok && err == nil && (pc != contact || pid != id) {
			t.Errorf("contactShape(%s) = %v, %v; encoding/json reads %v, %v", tc.body, contact, id, pc, pid)
		}
	}
}

// FuzzContactShape: wherever contactShape answers and encoding/json reads
// the document, they agree.
func FuzzContactShape(f *testing.F) {
	for _, s := range []string{`{"contact":{},"cards":[]}`, `{"contact_id":"x"}`, `{"Contact_ID":null,"CONTACT":1}`, `{"a":[{"contact":1}]}`, `{"contact" : "x" , "contact_id" : [1,{"b":null}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		contact, id, ok := contactShape(b)
		if !ok {
			return
		}
		if pc, pid, err := probeShape(b); err == nil && (pc != contact || pid != id) {
			t.Fatalf("contactShape(%q) = %v, %v; encoding/json reads %v, %v", b, contact, id, pc, pid)
		}
	})
}

// The answers' one-pass decoding (decodeOnePass) decodes exactly what
// json.Unmarshal and ContactInfo.UnmarshalJSON decode, and leaves every
// other answer to them: a shape it does not read at sight, an error
// anywhere, a contact without contact_id.
const (
	onePassNested = `{"contact":{"contact_id":"5d2f8b1c-9e4a-4f6b-a7c3-0e1d2c3b0001","first_name":"Мария","birth_date":"1985-03-14T00:00:00"},` +
		`"cards":[{"id":"e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f0001","number":"7770000000001","balance":1250.5,"master_money_balance":null}]}`
	onePassBare  = `{"contact_id":"5d2f8b1c-9e4a-4f6b-a7c3-0e1d2c3b0002","first_name":"Иван","level_id":null}`
	onePassNoID  = `{"contact":{"first_name":"Без номера"},"cards":[]}`
	onePassNoID2 = `{"contact_id":"00000000-0000-0000-0000-000000000000"}`
)

func TestOnePassAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		onePass    bool // the usual answers take the one pass
	}{
		{"4.3 contact with cards", `{"contact":` + onePassNested + `,"errors":[]}`, true},
		{"4.4 bare profile", `{"contact":` + onePassBare + `,"errors":[]}`, true},
		{"keys in another case", `{"Contact":` + onePassNested + `,"ERRORS":[]}`, true},
		{"errors beside the contact", `{"errors":[{"code":10010,"description":"x"}],"contact":` + onePassBare + `}`, true},
		{"white space", " {\n \"contact\" : " + onePassNested + " , \"errors\" : [ ] }\n", true},
		{"contact null", `{"contact":null,"errors":[{"code":10010,"description":"Контакт не найден"}]}`, false},
		{"no contact", `{"errors":[]}`, false},
		{"contact twice", `{"contact":` + onePassBare + `,"contact":` + onePassNested + `}`, false},
		{"contact in two cases", `{"contact":` + onePassBare + `,"CONTACT":` + onePassNested + `}`, false},
		{"escaped key", `{"cont\u0061ct":` + onePassNested + `}`, false},
		{"no contact_id, nested", `{"contact":` + onePassNoID + `}`, false},
		{"nil contact_id, bare", `{"contact":` + onePassNoID2 + `}`, false},
		{"neither shape", `{"contact":{"first_name":"x"}}`, false},
		{"errors not an array", `{"contact":` + onePassNested + `,"errors":"down"}`, false},
		{"bad uuid", `{"contact":{"contact_id":"nope"}}`, false},
		{"contact an array", `{"contact":[` + onePassBare + `]}`, false},
		{"truncated", `{"contact":` + onePassNested, false},
		{"trailing garbage", `{"contact":` + onePassNested + `} x`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if took := checkOnePass(t, []byte(tc.body), new(contactAnswer), new(contactAnswer)); took != tc.onePass {
				t.Errorf("one pass taken: %v, want %v", took, tc.onePass)
			}
		})
	}
	for _, tc := range []struct {
		name, body string
		onePass    bool
	}{
		{"4.3 contacts", `{"contacts":[` + onePassNested + `,` + onePassNested + `],"errors":[]}`, true},
		{"bare contacts", `{"contacts":[` + onePassBare + `],"errors":[]}`, true},
		{"no contacts", `{"contacts":[],"errors":[]}`, false},
		{"contacts null", `{"contacts":null}`, false},
		{"mixed shapes", `{"contacts":[` + onePassNested + `,` + onePassBare + `]}`, false},
		{"one without contact_id", `{"contacts":[` + onePassNested + `,` + onePassNoID + `]}`, false},
		{"an element not an object", `{"contacts":[` + onePassBare + `,1]}`, false},
		{"contacts twice", `{"contacts":[` + onePassBare + `],"Contacts":[]}`, false},
	} {
		t.Run("find/"+tc.name, func(t *testing.T) {
			if took := checkOnePass(t, []byte(tc.body), new(contactsAnswer), new(contactsAnswer)); took != tc.onePass {
				t.Errorf("one pass taken: %v, want %v", took, tc.onePass)
			}
		})
	}
}

// checkOnePass runs fast's one pass on body and, when it is taken, checks
// that json.Unmarshal decodes body into slow without error and the same
// way; it reports whether the one pass was taken.
func checkOnePass[A oneShapeAnswer](t *testing.T, body []byte, fast, slow A) bool {
	t.Helper()
	before := reflect.ValueOf(fast).Elem().Interface()
	if !fast.decodeOnePass(body) {
		if after := reflect.ValueOf(fast).Elem().Interface(); !reflect.DeepEqual(before, after) {
			t.Errorf("%.80q: the one pass declined and still changed the answer: %+v", body, after)
		}
		return false
	}
	if err := json.Unmarshal(body, slow); err != nil {
		t.Errorf("%.80q: the one pass decoded what encoding/json refuses (%v)", body, err)
		return true
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("%.80q: one pass %+v, encoding/json %+v", body, fast, slow)
	}
	return true
}

// FuzzOnePassAnswers: wherever the one pass decodes an answer,
// json.Unmarshal and ContactInfo.UnmarshalJSON decode it the same way.
func FuzzOnePassAnswers(f *testing.F) {
	for _, s := range []string{
		`{"contact":` + onePassNested + `,"errors":[]}`, `{"contact":` + onePassBare + `}`,
		`{"contacts":[` + onePassNested + `],"errors":[]}`, `{"contacts":[` + onePassBare + `,` + onePassBare + `]}`,
		`{"contact":{"contact":{"contact_id":"5d2f8b1c-9e4a-4f6b-a7c3-0e1d2c3b0001"},"contact_id":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if strings.Count(string(b), "{") > 64 {
			return // keeps each input quick; nesting is not what is tested
		}
		checkOnePass(t, b, new(contactAnswer), new(contactAnswer))
		checkOnePass(t, b, new(contactsAnswer), new(contactsAnswer))
	})
}
