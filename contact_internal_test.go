package loyalty

import (
	"encoding/json"
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
