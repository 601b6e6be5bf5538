package loyalty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ArtixCommandName is the "command" key of an Artix directory command.
type ArtixCommandName string

// The client directory commands of the Artix spec.
const (
	ArtixAddClient    ArtixCommandName = "addClient"    // create (or replace) a client record
	ArtixUpdateClient ArtixCommandName = "updateClient" // change some attributes of a client
	ArtixDeleteClient ArtixCommandName = "deleteClient" // remove one client
	ArtixClearClient  ArtixCommandName = "clearClient"  // empty the whole client directory
)

// ArtixCommand is one command of a batch. Build it with AddClient,
// UpdateClient, DeleteClient or ClearClients. It encodes to the spec's wire
// form ({"command":"addClient","client":{...}}) and decodes from it,
// tolerating the variants listed in ArtixCustomerUpdate.
type ArtixCommand struct {
	// Name is the command.
	Name ArtixCommandName
	// Client is the record of an addClient command.
	Client *ArtixCustomer
	// Update is the change of an updateClient command.
	Update *ArtixCustomerUpdate
	// ID is the idclient of a deleteClient command.
	ID string
}

// AddClient is an addClient command creating c.
func AddClient(c ArtixCustomer) ArtixCommand { return ArtixCommand{Name: ArtixAddClient, Client: &c} }

// UpdateClient is an updateClient command: u.ID and only the attributes u sets.
func UpdateClient(u ArtixCustomerUpdate) ArtixCommand {
	return ArtixCommand{Name: ArtixUpdateClient, Update: &u}
}

// DeleteClient is a deleteClient command removing the client with idclient id.
func DeleteClient(id string) ArtixCommand { return ArtixCommand{Name: ArtixDeleteClient, ID: id} }

// ClearClients is a clearClient command emptying the client directory.
func ClearClients() ArtixCommand { return ArtixCommand{Name: ArtixClearClient} }

// ClientID is the idclient the command concerns ("" for clearClient).
func (c ArtixCommand) ClientID() string {
	switch {
	case c.Name == ArtixAddClient && c.Client != nil:
		return c.Client.ID
	case c.Name == ArtixUpdateClient && c.Update != nil:
		return c.Update.ID
	}
	return c.ID
}

// ArtixSex is the sex attribute: 0 male, 1 female.
type ArtixSex int

// The two values of ArtixSex.
const (
	ArtixMale   ArtixSex = 0
	ArtixFemale ArtixSex = 1
)

// ArtixDate is a calendar date as Artix writes it, "YYYY-MM-DD". The empty
// string means no date and is sent as "" (the spec's example does so).
type ArtixDate string

// NewArtixDate is the date of t (in t's location).
func NewArtixDate(t time.Time) ArtixDate { return ArtixDate(t.Format(time.DateOnly)) }

// Time parses d. The empty date is the zero time with a nil error.
func (d ArtixDate) Time() (time.Time, error) {
	if d == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, string(d))
}

// ArtixOptions is the client's options object. A nil flag is not sent (the
// server's default is 0). On input the spec's bitmask form is accepted too
// (1 sendchecktoemail, 2 emailconfirmed). Receipts go to the e-mail only
// when both flags are set (Artix Bonus loyalty only).
type ArtixOptions struct {
	SendCheckToEmail *bool // sendchecktoemail: send the receipt to the e-mail
	EmailConfirmed   *bool // emailconfirmed: the e-mail is confirmed
}

// Mask is the spec's bitmask form of o (unset flags count as 0).
func (o ArtixOptions) Mask() int {
	return mask(o.SendCheckToEmail, 1) | mask(o.EmailConfirmed, 2)
}

// ArtixCommunications is the client's allowed contact channels. A nil flag
// is not sent (the server's default is 0). On input the spec's bitmask form
// is accepted too (1 call, 2 telegram, 4 email, 8 sms).
type ArtixCommunications struct {
	Call     *bool // call: phone calls
	Telegram *bool // telegram: Telegram messages
	SMS      *bool // sms: text messages
	Email    *bool // email: e-mail
}

// Mask is the spec's bitmask form of c (unset flags count as 0).
func (c ArtixCommunications) Mask() int {
	return mask(c.Call, 1) | mask(c.Telegram, 2) | mask(c.Email, 4) | mask(c.SMS, 8)
}

func mask(b *bool, bit int) int {
	if b != nil && *b {
		return bit
	}
	return 0
}

func (o *ArtixOptions) flags() []artixFlag {
	return []artixFlag{{"sendchecktoemail", 1, &o.SendCheckToEmail}, {"emailconfirmed", 2, &o.EmailConfirmed}}
}

func (c *ArtixCommunications) flags() []artixFlag {
	return []artixFlag{{"call", 1, &c.Call}, {"telegram", 2, &c.Telegram}, {"sms", 8, &c.SMS}, {"email", 4, &c.Email}}
}

type artixFlag struct {
	key string
	bit int
	p   **bool
}

// MarshalJSON writes the set flags as 0/1.
func (o ArtixOptions) MarshalJSON() ([]byte, error) { return appendFlags(nil, o.flags()), nil }

// UnmarshalJSON reads an object of 0/1 or booleans, or a bitmask number.
func (o *ArtixOptions) UnmarshalJSON(b []byte) error {
	*o = ArtixOptions{}
	return decodeFlags(b, o.flags())
}

// MarshalJSON writes the set flags as 0/1.
func (c ArtixCommunications) MarshalJSON() ([]byte, error) { return appendFlags(nil, c.flags()), nil }

// UnmarshalJSON reads an object of 0/1 or booleans, or a bitmask number.
func (c *ArtixCommunications) UnmarshalJSON(b []byte) error {
	*c = ArtixCommunications{}
	return decodeFlags(b, c.flags())
}

func appendFlags(buf []byte, fs []artixFlag) []byte {
	buf = append(buf, '{')
	first := true
	for _, f := range fs {
		if *f.p == nil {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, '"')
		buf = append(buf, f.key...)
		buf = append(buf, `":`...)
		buf = append(buf, boolDigit(**f.p))
	}
	return append(buf, '}')
}

func boolDigit(b bool) byte {
	if b {
		return '1'
	}
	return '0'
}

func decodeFlags(b []byte, fs []artixFlag) error {
	b = trimJSON(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] != '{' {
		n, err := flexInt(b)
		if err != nil {
			return fmt.Errorf("want an object of 0/1 or a bitmask: %w", err)
		}
		for _, f := range fs {
			*f.p = new(n&f.bit != 0)
		}
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for k, v := range raw {
		for _, f := range fs {
			if normKey(k) == f.key {
				p, err := flexBool(v)
				if err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
				*f.p = p
			}
		}
	}
	return nil
}

// ArtixCustomer is a client record of the Artix directory: every attribute
// of the spec's table. addClient sends every string attribute (empty ones
// as ""), and the pointer attributes only when set.
type ArtixCustomer struct {
	ID               string    // idclient, up to 100 characters, required; sent as a string
	FirstName        string    // name; the spec says "full name", its example puts the first name here
	LastName         string    // lastname, up to 255 characters
	Patronymic       string    // patronymic, up to 255 characters
	Text             string    // text: a free comment
	Sex              *ArtixSex // sex: ArtixMale or ArtixFemale; nil: not sent
	Birthday         ArtixDate // birthday, the year after 1900
	SpecialDate1     ArtixDate // specialdate1
	SpecialDate2     ArtixDate // specialdate2
	SpecialDate3     ArtixDate // specialdate3
	SpecialDate1Name string    // specialdate1name
	SpecialDate2Name string    // specialdate2name
	SpecialDate3Name string    // specialdate3name
	ZipCode          string    // zipcode
	Address          string    // address
	Email            string    // email
	WebPage          string    // webpage
	Phone            string    // phonenumber (the table's "phonenumbr" is accepted on input)
	INN              string    // inn: taxpayer number
	Document         string    // document: passport or licence details
	OKPO             string    // okpo
	OKPD             string    // okpd
	Occupation       string    // occupation
	ChildrenCount    *int      // childrencount, not negative; nil: not sent
	ExtendedOptions  string    // extendedoptions, no length limit
	OrganizationCode string    // organizationcode, up to 255 characters
	// Subscribed is subscriptionadj, the consent to mailings, sent as "1"
	// or "0" like the spec's example; nil (NULL) means no consent.
	Subscribed     *bool
	Options        *ArtixOptions        // options; nil: not sent
	Communications *ArtixCommunications // communications; nil: not sent
}

// ArtixCustomerUpdate is an updateClient change: the ID and only the
// attributes to change (nil fields are not sent). Set a string to "" to
// clear it.
//
// Decoding (ArtixCustomer too) is tolerant of the spec's variants: keys in
// any case, with spaces ("specialdate1 name") or the table's "phonenumbr";
// idclient and numbers as numbers or strings; options and communications as
// objects of 0/1 or booleans, or bitmask numbers; subscriptionadj as a
// number, a string or a boolean.
type ArtixCustomerUpdate struct {
	ID               string // idclient of the record to change, required
	FirstName        *string
	LastName         *string
	Patronymic       *string
	Text             *string
	Sex              *ArtixSex
	Birthday         *ArtixDate
	SpecialDate1     *ArtixDate
	SpecialDate2     *ArtixDate
	SpecialDate3     *ArtixDate
	SpecialDate1Name *string
	SpecialDate2Name *string
	SpecialDate3Name *string
	ZipCode          *string
	Address          *string
	Email            *string
	WebPage          *string
	Phone            *string
	INN              *string
	Document         *string
	OKPO             *string
	OKPD             *string
	Occupation       *string
	ChildrenCount    *int
	ExtendedOptions  *string
	OrganizationCode *string
	Subscribed       *bool
	Options          *ArtixOptions
	Communications   *ArtixCommunications
}

// artixString is a string attribute: its wire key and rune limit (0: none).
type artixString struct {
	key   string
	limit int
}

// artixStrings are the string attributes, in the order the strs methods
// return their pointers.
var artixStrings = []artixString{
	{"name", 200}, {"lastname", 255}, {"patronymic", 255}, {"text", 200},
	{"specialdate1name", 200}, {"specialdate2name", 200}, {"specialdate3name", 200},
	{"zipcode", 200}, {"address", 200}, {"email", 200}, {"webpage", 200}, {"phonenumber", 200},
	{"inn", 200}, {"document", 200}, {"okpo", 200}, {"okpd", 200}, {"occupation", 200},
	{"extendedoptions", 0}, {"organizationcode", 255},
}

// artixDates are the date attributes, in the order of the dates methods.
var artixDates = []string{"birthday", "specialdate1", "specialdate2", "specialdate3"}

func (c *ArtixCustomer) strs() []*string {
	return []*string{&c.FirstName, &c.LastName, &c.Patronymic, &c.Text,
		&c.SpecialDate1Name, &c.SpecialDate2Name, &c.SpecialDate3Name,
		&c.ZipCode, &c.Address, &c.Email, &c.WebPage, &c.Phone,
		&c.INN, &c.Document, &c.OKPO, &c.OKPD, &c.Occupation,
		&c.ExtendedOptions, &c.OrganizationCode}
}

func (u *ArtixCustomerUpdate) strs() []**string {
	return []**string{&u.FirstName, &u.LastName, &u.Patronymic, &u.Text,
		&u.SpecialDate1Name, &u.SpecialDate2Name, &u.SpecialDate3Name,
		&u.ZipCode, &u.Address, &u.Email, &u.WebPage, &u.Phone,
		&u.INN, &u.Document, &u.OKPO, &u.OKPD, &u.Occupation,
		&u.ExtendedOptions, &u.OrganizationCode}
}

func (c *ArtixCustomer) dates() []*ArtixDate {
	return []*ArtixDate{&c.Birthday, &c.SpecialDate1, &c.SpecialDate2, &c.SpecialDate3}
}

func (u *ArtixCustomerUpdate) dates() []**ArtixDate {
	return []**ArtixDate{&u.Birthday, &u.SpecialDate1, &u.SpecialDate2, &u.SpecialDate3}
}

// asUpdate is c as an update setting every string and date attribute; its
// pointers point into c.
func (c *ArtixCustomer) asUpdate() ArtixCustomerUpdate {
	u := ArtixCustomerUpdate{ID: c.ID, Sex: c.Sex, ChildrenCount: c.ChildrenCount,
		Subscribed: c.Subscribed, Options: c.Options, Communications: c.Communications}
	for i, p := range u.strs() {
		*p = c.strs()[i]
	}
	for i, p := range u.dates() {
		*p = c.dates()[i]
	}
	return u
}

// Apply changes c as the server applies an updateClient command: every
// attribute u sets replaces c's; options and communications are merged
// flag by flag. u.ID is not applied. c shares no memory with u afterwards.
func (c *ArtixCustomer) Apply(u ArtixCustomerUpdate) {
	for i, p := range u.strs() {
		if *p != nil {
			*c.strs()[i] = **p
		}
	}
	for i, p := range u.dates() {
		if *p != nil {
			*c.dates()[i] = **p
		}
	}
	if u.Sex != nil {
		c.Sex = new(*u.Sex)
	}
	if u.ChildrenCount != nil {
		c.ChildrenCount = new(*u.ChildrenCount)
	}
	if u.Subscribed != nil {
		c.Subscribed = new(*u.Subscribed)
	}
	if u.Options != nil {
		o := ArtixOptions{}
		if c.Options != nil {
			o = *c.Options
		}
		mergeFlags(o.flags(), u.Options.flags())
		c.Options = &o
	}
	if u.Communications != nil {
		m := ArtixCommunications{}
		if c.Communications != nil {
			m = *c.Communications
		}
		mergeFlags(m.flags(), u.Communications.flags())
		c.Communications = &m
	}
}

// Clone is a deep copy of c: changing one never changes the other.
func (c ArtixCustomer) Clone() ArtixCustomer {
	out := ArtixCustomer{ID: c.ID}
	out.Apply(c.asUpdate())
	return out
}

func mergeFlags(dst, src []artixFlag) {
	for i, f := range src {
		if *f.p != nil {
			*dst[i].p = new(**f.p)
		}
	}
}

// MarshalJSON writes the client object: every string and date attribute,
// and the pointer attributes that are set.
func (c ArtixCustomer) MarshalJSON() ([]byte, error) {
	u := c.asUpdate()
	return u.appendJSON(nil), nil
}

// UnmarshalJSON reads a client object, tolerating the variants listed in
// ArtixCustomerUpdate.
func (c *ArtixCustomer) UnmarshalJSON(b []byte) error {
	var u ArtixCustomerUpdate
	if err := u.UnmarshalJSON(b); err != nil {
		return err
	}
	*c = ArtixCustomer{ID: u.ID}
	c.Apply(u)
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
	if u.Sex != nil {
		key("sex")
		buf = strconv.AppendInt(buf, int64(*u.Sex), 10)
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
	Patronymic       json.RawMessage `json:"patronymic"`
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
	Birthday         json.RawMessage `json:"birthday"`
	SpecialDate1     json.RawMessage `json:"specialdate1"`
	SpecialDate2     json.RawMessage `json:"specialdate2"`
	SpecialDate3     json.RawMessage `json:"specialdate3"`
	Sex              json.RawMessage `json:"sex"`
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
	strs := []json.RawMessage{in.Name, in.LastName, in.Patronymic, in.Text,
		or(in.SpecialDate1Name, in.SpecialDate1Name2), or(in.SpecialDate2Name, in.SpecialDate2Name2), or(in.SpecialDate3Name, in.SpecialDate3Name2),
		in.ZipCode, in.Address, in.Email, in.WebPage, or(in.Phone, in.PhoneTable),
		in.INN, in.Document, in.OKPO, in.OKPD, in.Occupation,
		in.ExtendedOptions, in.OrganizationCode}
	for i, p := range u.strs() {
		if isNull(strs[i]) {
			continue
		}
		s, err := flexString(strs[i])
		if err != nil {
			return fmt.Errorf("artix client %s: %w", artixStrings[i].key, err)
		}
		*p = &s
	}
	for i, raw := range []json.RawMessage{in.Birthday, in.SpecialDate1, in.SpecialDate2, in.SpecialDate3} {
		if isNull(raw) {
			continue
		}
		s, err := flexString(raw)
		if err != nil {
			return fmt.Errorf("artix client %s: %w", artixDates[i], err)
		}
		*u.dates()[i] = new(ArtixDate(s))
	}
	var err error
	if !isNull(in.ID) {
		if u.ID, err = flexString(in.ID); err != nil {
			return fmt.Errorf("artix client idclient: %w", err)
		}
	}
	if !isNull(in.Sex) {
		n, err := flexInt(in.Sex)
		if err != nil {
			return fmt.Errorf("artix client sex: %w", err)
		}
		u.Sex = new(ArtixSex(n))
	}
	if !isNull(in.ChildrenCount) {
		n, err := flexInt(in.ChildrenCount)
		if err != nil {
			return fmt.Errorf("artix client childrencount: %w", err)
		}
		u.ChildrenCount = &n
	}
	if sub := or(in.Subscribed, in.Subscribed2); !isNull(sub) {
		if u.Subscribed, err = flexBool(sub); err != nil {
			return fmt.Errorf("artix client subscriptionadj: %w", err)
		}
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

// MarshalJSON writes the command in the spec's wire form.
func (c ArtixCommand) MarshalJSON() ([]byte, error) { return c.appendJSON(nil) }

var errArtixIncomplete = errors.New("loyalty: incomplete artix command")

func (c ArtixCommand) appendJSON(buf []byte) ([]byte, error) {
	switch c.Name {
	case ArtixAddClient:
		if c.Client == nil {
			return nil, fmt.Errorf("%w: addClient without a client", errArtixIncomplete)
		}
		buf = append(buf, `{"command":"addClient","client":`...)
		u := c.Client.asUpdate()
		buf = u.appendJSON(buf)
	case ArtixUpdateClient:
		if c.Update == nil {
			return nil, fmt.Errorf("%w: updateClient without a client", errArtixIncomplete)
		}
		buf = append(buf, `{"command":"updateClient","client":`...)
		buf = c.Update.appendJSON(buf)
	case ArtixDeleteClient:
		buf = append(buf, `{"command":"deleteClient","idclient":`...)
		buf = appendJSONString(buf, c.ID)
	case ArtixClearClient:
		buf = append(buf, `{"command":"clearClient"`...)
	default:
		return nil, fmt.Errorf("loyalty: unknown artix command %q", c.Name)
	}
	return append(buf, '}'), nil
}

// UnmarshalJSON reads a command in the spec's wire form. Keys and the
// command name are matched without regard to case; deleteClient's idclient
// may also sit inside a client object.
func (c *ArtixCommand) UnmarshalJSON(b []byte) error {
	var in struct {
		Command  *string         `json:"command"`
		Client   *artixClientIn  `json:"client"`
		IDClient json.RawMessage `json:"idclient"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("artix command: %w", err)
	}
	*c = ArtixCommand{}
	if in.Command == nil {
		return errors.New(`artix command: no "command" key`)
	}
	hasClient := in.Client != nil
	switch name := *in.Command; strings.ToLower(name) {
	case "addclient":
		if !hasClient {
			return errors.New(`artix addClient: no "client" object`)
		}
		var u ArtixCustomerUpdate
		if err := u.from(in.Client); err != nil {
			return err
		}
		c.Name, c.Client = ArtixAddClient, &ArtixCustomer{ID: u.ID}
		c.Client.Apply(u)
		return nil
	case "updateclient":
		if !hasClient {
			return errors.New(`artix updateClient: no "client" object`)
		}
		c.Name, c.Update = ArtixUpdateClient, new(ArtixCustomerUpdate)
		return c.Update.from(in.Client)
	case "deleteclient":
		c.Name = ArtixDeleteClient
		if !isNull(in.IDClient) {
			var err error
			c.ID, err = flexString(in.IDClient)
			return err
		}
		if hasClient {
			var u ArtixCustomerUpdate
			if err := u.from(in.Client); err != nil {
				return err
			}
			c.ID = u.ID
			return nil
		}
		return errors.New(`artix deleteClient: no "idclient"`)
	case "clearclient":
		c.Name = ArtixClearClient
		return nil
	default:
		return fmt.Errorf("artix: unknown command %q", name)
	}
}

// normKey lowercases k and drops spaces and underscores, so that
// "specialdate1 name", "subscription adj" and "sendCheckToEmail" match.
func normKey(k string) string {
	k = strings.ToLower(k)
	if strings.ContainsAny(k, " _") {
		k = strings.NewReplacer(" ", "", "_", "").Replace(k)
	}
	return k
}

func trimJSON(b []byte) []byte { return bytes.TrimSpace(b) }

// flexString reads a JSON string or number as a string.
func flexString(b []byte) (string, error) {
	b = trimJSON(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		return string(b[1 : len(b)-1]), nil // a plain string, the common case
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", errors.New("want a string or a number, got " + firstLine(string(b), 40))
	}
	return n.String(), nil
}

// flexInt reads a JSON number or a numeric string as an int.
func flexInt(b []byte) (int, error) {
	s, err := flexString(b)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("want an integer, got %q", s)
	}
	return n, nil
}

// flexBool reads 0/1 (numbers or strings), booleans, and "" (nil).
func flexBool(b []byte) (*bool, error) {
	switch s := string(trimJSON(b)); s {
	case "true":
		return new(true), nil
	case "false":
		return new(false), nil
	case `""`, "null":
		return nil, nil
	}
	n, err := flexInt(b)
	if err != nil || (n != 0 && n != 1) {
		return nil, fmt.Errorf("want 0, 1 or a boolean, got %s", firstLine(string(b), 40))
	}
	return new(n == 1), nil
}

// appendJSONString appends s as a JSON string, without HTML escaping;
// invalid UTF-8 becomes U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			buf = append(buf, `\u202`...)
			buf = append(buf, hex[r&0xf])
		default:
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
