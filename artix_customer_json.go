package loyalty

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// MarshalJSON writes the client object: every string and date attribute,
// and the pointer attributes that are set.
func (c ArtixCustomer) MarshalJSON() ([]byte, error) {
	u := c.asUpdate()
	return u.appendJSON(nil), nil
}

// UnmarshalJSON reads a client object, tolerating the variants listed in
// [ArtixCustomerUpdate].
func (c *ArtixCustomer) UnmarshalJSON(b []byte) error {
	var u ArtixCustomerUpdate
	if err := u.UnmarshalJSON(b); err != nil {
		return err
	}
	*c = ArtixCustomer{ID: u.ID}
	c.apply(u)
	return nil
}

// MarshalJSON writes idclient and the attributes u sets.
func (u ArtixCustomerUpdate) MarshalJSON() ([]byte, error) { return u.appendJSON(nil), nil }

func (u *ArtixCustomerUpdate) appendJSON(buf []byte) []byte {
	buf = append(buf, `{"idclient":`...)
	buf = appendJSONString(buf, u.ID)
	key := func(k string) {
		buf = append(buf, ',', '"')
		buf = append(buf, k...)
		buf = append(buf, '"', ':')
	}
	for i, p := range u.strs() {
		if *p != nil {
			key(artixStrings[i].key)
			buf = appendJSONString(buf, **p)
		}
	}
	for i, p := range u.dates() {
		if *p != nil {
			key(artixDates[i])
			buf = appendJSONString(buf, string(**p))
		}
	}
	if u.Gender != nil {
		key("sex")
		buf = strconv.AppendInt(buf, int64(*u.Gender), 10)
	}
	if u.ChildrenCount != nil {
		key("childrencount")
		buf = strconv.AppendInt(buf, int64(*u.ChildrenCount), 10)
	}
	if u.Subscribed != nil {
		key("subscriptionadj")
		buf = append(buf, '"', boolDigit(*u.Subscribed), '"')
	}
	if u.Options != nil {
		key("options")
		buf = appendFlags(buf, u.Options.flags())
	}
	if u.Communications != nil {
		key("communications")
		buf = appendFlags(buf, u.Communications.flags())
	}
	return append(buf, '}')
}

// artixClientIn is a client object as it arrives. encoding/json matches
// keys without regard to case; the spec's other spellings have their own
// fields.
type artixClientIn struct {
	ID               json.RawMessage `json:"idclient"`
	Name             json.RawMessage `json:"name"`
	LastName         json.RawMessage `json:"lastname"`
	MiddleName       json.RawMessage `json:"patronymic"`
	Text             json.RawMessage `json:"text"`
	SpecialDate1Name json.RawMessage `json:"specialdate1name"`
	SpecialDate2Name json.RawMessage `json:"specialdate2name"`
	SpecialDate3Name json.RawMessage `json:"specialdate3name"`
	ZipCode          json.RawMessage `json:"zipcode"`
	Address          json.RawMessage `json:"address"`
	Email            json.RawMessage `json:"email"`
	WebPage          json.RawMessage `json:"webpage"`
	Phone            json.RawMessage `json:"phonenumber"`
	INN              json.RawMessage `json:"inn"`
	Document         json.RawMessage `json:"document"`
	OKPO             json.RawMessage `json:"okpo"`
	OKPD             json.RawMessage `json:"okpd"`
	Occupation       json.RawMessage `json:"occupation"`
	ExtendedOptions  json.RawMessage `json:"extendedoptions"`
	OrganizationCode json.RawMessage `json:"organizationcode"`
	BirthDate        json.RawMessage `json:"birthday"`
	SpecialDate1     json.RawMessage `json:"specialdate1"`
	SpecialDate2     json.RawMessage `json:"specialdate2"`
	SpecialDate3     json.RawMessage `json:"specialdate3"`
	Gender           json.RawMessage `json:"sex"`
	ChildrenCount    json.RawMessage `json:"childrencount"`
	Subscribed       json.RawMessage `json:"subscriptionadj"`
	Options          json.RawMessage `json:"options"`
	Communications   json.RawMessage `json:"communications"`

	// The spec's other spellings.
	PhoneTable        json.RawMessage `json:"phonenumbr"`
	SpecialDate1Name2 json.RawMessage `json:"specialdate1 name"`
	SpecialDate2Name2 json.RawMessage `json:"specialdate2 name"`
	SpecialDate3Name2 json.RawMessage `json:"specialdate3 name"`
	Subscribed2       json.RawMessage `json:"subscription adj"`
}

// UnmarshalJSON reads a client object, tolerating the spec's variants (see
// the type's documentation). Unknown keys are ignored; null leaves a field nil.
func (u *ArtixCustomerUpdate) UnmarshalJSON(b []byte) error {
	var in artixClientIn
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	return u.from(&in)
}

func (u *ArtixCustomerUpdate) from(in *artixClientIn) error {
	*u = ArtixCustomerUpdate{}
	or := func(a, b json.RawMessage) json.RawMessage {
		if a == nil {
			return b
		}
		return a
	}
	strs := []json.RawMessage{in.Name, in.LastName, in.MiddleName, in.Text,
		or(in.SpecialDate1Name, in.SpecialDate1Name2), or(in.SpecialDate2Name, in.SpecialDate2Name2), or(in.SpecialDate3Name, in.SpecialDate3Name2),
		in.ZipCode, in.Address, in.Email, in.WebPage, or(in.Phone, in.PhoneTable),
		in.INN, in.Document, in.OKPO, in.OKPD, in.Occupation,
		in.ExtendedOptions, in.OrganizationCode}
	f := flexFields{object: "client"}
	for i, p := range u.strs() {
		*p = f.text(artixStrings[i].key, strs[i])
	}
	for i, raw := range []json.RawMessage{in.BirthDate, in.SpecialDate1, in.SpecialDate2, in.SpecialDate3} {
		if s, ok := flexRead(&f, artixDates[i], raw, flexString); ok {
			*u.dates()[i] = new(ArtixDate(s))
		}
	}
	u.ID = f.str("idclient", in.ID)
	if n, ok := flexRead(&f, "sex", in.Gender, flexInt); ok {
		u.Gender = new(ArtixGender(n))
	}
	u.ChildrenCount = f.integer("childrencount", in.ChildrenCount)
	u.Subscribed = f.boolean("subscriptionadj", or(in.Subscribed, in.Subscribed2))
	if f.err != nil {
		return f.err
	}
	if !isNull(in.Options) {
		u.Options = new(ArtixOptions)
		if err := u.Options.UnmarshalJSON(in.Options); err != nil {
			return fmt.Errorf("artix client options: %w", err)
		}
	}
	if !isNull(in.Communications) {
		u.Communications = new(ArtixCommunications)
		if err := u.Communications.UnmarshalJSON(in.Communications); err != nil {
			return fmt.Errorf("artix client communications: %w", err)
		}
	}
	return nil
}

func isNull(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}
