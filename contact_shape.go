package loyalty

import (
	"bytes"
	"encoding/json"

	"github.com/google/uuid"
)

// The shape of a contact in an answer, read at sight. Spec 4.3 nests a
// contact's profile under "contact" beside its "cards"; a server that
// answers with 4.4's bare profile instead is read too ([ContactInfo]).
// encoding/json can only tell them apart inside an UnmarshalJSON, which
// costs a second validation of the contact and a skip over it; a look at
// the keys first lets the usual answer decode in one pass.

// contactShape reports, without decoding, whether the JSON object b has
// the keys "contact" and "contact_id" at its top level (any value, null
// included), matched as encoding/json matches field names (any ASCII
// case). It does not validate: encoding/json hands UnmarshalJSON a valid
// value, and decodes b fully afterwards, refusing what is malformed. ok
// is false for what it does not read at sight (not an object, a key
// with an escape or a non-ASCII byte): the caller then asks encoding/json.
func contactShape(b []byte) (contact, contactID, ok bool) {
	ok = eachMember(b, func(key, _ []byte) {
		switch {
		case isFold(key, "contact"):
			contact = true
		case isFold(key, "contact_id"):
			contactID = true
		}
	})
	if !ok {
		return false, false, false
	}
	return contact, contactID, true
}

// eachMember calls f with the key and the value of every member of the
// JSON object b, in order. Like contactShape it does not validate, and ok
// is false for what it does not read at sight: b not an object, a key
// with an escape or a non-ASCII byte, b ending early.
func eachMember(b []byte, f func(key, value []byte)) (ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	for i++; ; {
		i = skipSpace(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case '}':
			return true
		case ',':
			i++
			continue
		case '"':
		default:
			return false
		}
		end := i + 1
		for end < len(b) && b[end] != '"' {
			if b[end] == '\\' || b[end] >= 0x80 {
				return false // may unescape or fold to an ASCII name
			}
			end++
		}
		if end >= len(b) {
			return false
		}
		key := b[i+1 : end]
		i = skipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		start := skipSpace(b, i+1)
		if i = skipJSONValue(b, start); i < 0 {
			return false
		}
		f(key, b[start:i])
	}
}

// memberValue is the value of the member key (lower-case ASCII) of the
// JSON object b, matched in any ASCII case as encoding/json matches a
// field name; ok is false when b holds it other than once, or is not
// read at sight (eachMember).
func memberValue(b []byte, key string) (value []byte, ok bool) {
	n := 0
	if !eachMember(b, func(k, v []byte) {
		if isFold(k, key) {
			n++
			value = v
		}
	}) || n != 1 {
		return nil, false
	}
	return value, true
}

// contactsShape is contactShape for every element of the JSON array b: ok
// when b holds at least one element and all of them are contacts of one
// shape, bare (4.4's profile) or not (4.3's contact with cards).
func contactsShape(b []byte) (bare, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return false, false
	}
	n := 0
	for i++; ; {
		i = skipSpace(b, i)
		if i >= len(b) {
			return false, false
		}
		switch b[i] {
		case ']':
			return bare, n > 0
		case ',':
			i++
			continue
		}
		end := skipJSONValue(b, i)
		if end < 0 {
			return false, false
		}
		nested, id, ok := contactShape(b[i:end])
		if !ok || !nested && !id || n > 0 && bare != !nested {
			return false, false
		}
		bare, i = !nested, end
		n++
	}
}

// skipJSONValue is the index just past the member value starting at i
// (at the ',' or '}' that follows a scalar), or -1 when b ends first. It
// matches brackets and skips strings, and checks nothing else.
func skipJSONValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			for i++; ; i++ {
				q := bytes.IndexByte(b[i:], '"')
				if q < 0 {
					return -1
				}
				i += q
				bs := 0 // backslashes before the quote: an odd count escapes it
				for bs < i && b[i-1-bs] == '\\' {
					bs++
				}
				if bs%2 == 0 {
					break
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return -1
}

// plainContactInfo is [ContactInfo] without its UnmarshalJSON, for an
// answer whose contacts are known to be nested (4.3).
type plainContactInfo struct {
	Contact Contact     `json:"contact"`
	Cards   []BonusCard `json:"cards"`
}

// oneShapeAnswer is an answer that can decode its usual form in one pass
// (decodeOnePass); check falls back to json.Unmarshal when it cannot.
type oneShapeAnswer interface {
	// decodeOnePass decodes body when its contacts have one shape, read at
	// sight, and body decodes without error into that shape's types, with
	// a contact_id for every contact; otherwise it reports false and
	// leaves the answer as it was, for encoding/json and
	// ContactInfo.UnmarshalJSON to decode and to say what is wrong.
	decodeOnePass(body []byte) bool
}

func (a *contactAnswer) decodeOnePass(body []byte) bool {
	v, ok := memberValue(body, "contact")
	if !ok {
		return false
	}
	nested, id, ok := contactShape(v)
	switch {
	case !ok:
		return false
	case nested:
		var w struct {
			crmErrors
			Contact *plainContactInfo `json:"contact"`
		}
		if json.Unmarshal(body, &w) != nil || w.Contact == nil || w.Contact.Contact.ContactID == uuid.Nil {
			return false
		}
		a.crmErrors, a.Contact = w.crmErrors, (*ContactInfo)(w.Contact)
	case id:
		var w struct {
			crmErrors
			Contact *Contact `json:"contact"`
		}
		if json.Unmarshal(body, &w) != nil || w.Contact == nil || w.Contact.ContactID == uuid.Nil {
			return false
		}
		a.crmErrors, a.Contact = w.crmErrors, &ContactInfo{Contact: *w.Contact}
	default:
		return false
	}
	return true
}

func (a *contactsAnswer) decodeOnePass(body []byte) bool {
	v, ok := memberValue(body, "contacts")
	if !ok {
		return false
	}
	bare, ok := contactsShape(v)
	if !ok {
		return false
	}
	var out []ContactInfo
	var errs crmErrors
	if bare {
		out, errs, ok = decodeContacts(body, func(c Contact) ContactInfo { return ContactInfo{Contact: c} })
	} else {
		out, errs, ok = decodeContacts(body, func(c plainContactInfo) ContactInfo { return ContactInfo(c) })
	}
	if !ok {
		return false
	}
	for _, c := range out {
		if c.Contact.ContactID == uuid.Nil {
			return false
		}
	}
	a.crmErrors = errs
	a.Contacts = &out
	return true
}

// decodeContacts decodes a FindContactInfo answer whose contacts are all
// E (Contact or plainContactInfo), made ContactInfo by info.
func decodeContacts[E any](body []byte, info func(E) ContactInfo) ([]ContactInfo, crmErrors, bool) {
	var w struct {
		crmErrors
		Contacts []E `json:"contacts"`
	}
	if json.Unmarshal(body, &w) != nil {
		return nil, crmErrors{}, false
	}
	out := make([]ContactInfo, len(w.Contacts))
	for i, c := range w.Contacts {
		out[i] = info(c)
	}
	return out, w.crmErrors, true
}
