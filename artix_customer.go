package loyalty

import (
	"strings"
	"time"
)

// ArtixGender is a customer's gender, the wire's sex attribute: 0 male,
// 1 female.
type ArtixGender int

// The two values of [ArtixGender].
const (
	ArtixGenderMale   ArtixGender = 0
	ArtixGenderFemale ArtixGender = 1
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

// ArtixCustomer is a client record of the Artix directory: every attribute
// of the spec's table. addClient sends every string attribute (empty ones
// as ""), and the pointer attributes only when set.
type ArtixCustomer struct {
	ID string // idclient, up to 100 characters, required; sent as a string
	// FirstName is name. The spec contradicts itself: its table calls name
	// «ФИО клиента» (the full name), its addClient example puts the first
	// name there beside lastname and patronymic, and its updateClient
	// example a full name; field code does both. FirstName takes either
	// reading: the first name (the addClient example's), or the full name
	// from ArtixFullName (the table's). lastname and patronymic are sent
	// as set, either way.
	FirstName        string
	LastName         string       // lastname, up to 255 characters
	MiddleName       string       // patronymic, up to 255 characters
	Text             string       // text: a free comment
	Gender           *ArtixGender // sex: ArtixGenderMale or ArtixGenderFemale; nil: not sent
	BirthDate        ArtixDate    // birthday, the year after 1900
	SpecialDate1     ArtixDate    // specialdate1
	SpecialDate2     ArtixDate    // specialdate2
	SpecialDate3     ArtixDate    // specialdate3
	SpecialDate1Name string       // specialdate1name
	SpecialDate2Name string       // specialdate2name
	SpecialDate3Name string       // specialdate3name
	ZipCode          string       // zipcode
	Address          string       // address
	Email            string       // email
	WebPage          string       // webpage
	Phone            string       // phonenumber (the table's "phonenumbr" is accepted on input)
	INN              string       // inn: taxpayer number
	Document         string       // document: passport or licence details
	OKPO             string       // okpo
	OKPD             string       // okpd
	Occupation       string       // occupation
	ChildrenCount    *int         // childrencount, 0 to 99999999999 (числовой(11)); nil: not sent
	ExtendedOptions  string       // extendedoptions, no length limit
	OrganizationCode string       // organizationcode, up to 255 characters
	// Subscribed is subscriptionadj, the consent to mailings, sent as "1"
	// or "0" like the spec's example; nil (NULL) means no consent.
	Subscribed     *bool
	Options        *ArtixOptions        // options; nil: not sent
	Communications *ArtixCommunications // communications; nil: not sent
}

// ArtixFullName is «Фамилия Имя Отчество»: lastName, firstName and
// patronymic, each trimmed, the empty ones left out, joined by single
// spaces. It is the reading of Artix's name as the spec's table gives it
// (ФИО клиента); set [ArtixCustomer].FirstName to it to send that reading
// (see FirstName for the contradiction).
func ArtixFullName(lastName, firstName, patronymic string) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{lastName, firstName, patronymic} {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// FullName is [ArtixFullName] of c's LastName, FirstName and MiddleName:
// meaningful while FirstName holds the first name only.
func (c ArtixCustomer) FullName() string {
	return ArtixFullName(c.LastName, c.FirstName, c.MiddleName)
}

// ArtixCustomerUpdate is an updateClient change: the ID and only the
// attributes to change (nil fields are not sent). Set a string to "" to
// clear it.
//
// Decoding ([ArtixCustomer] too) is tolerant of the spec's variants: keys in
// any case, with spaces ("specialdate1 name") or the table's "phonenumbr";
// idclient and numbers as numbers or strings; options and communications as
// objects of 0/1 or booleans, or bitmask numbers; subscriptionadj as a
// number, a string or a boolean.
type ArtixCustomerUpdate struct {
	ID               string // idclient of the record to change, required
	FirstName        *string
	LastName         *string
	MiddleName       *string
	Text             *string
	Gender           *ArtixGender
	BirthDate        *ArtixDate
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
	return []*string{&c.FirstName, &c.LastName, &c.MiddleName, &c.Text,
		&c.SpecialDate1Name, &c.SpecialDate2Name, &c.SpecialDate3Name,
		&c.ZipCode, &c.Address, &c.Email, &c.WebPage, &c.Phone,
		&c.INN, &c.Document, &c.OKPO, &c.OKPD, &c.Occupation,
		&c.ExtendedOptions, &c.OrganizationCode}
}

// artixStringCount is len(artixStrings).
const artixStringCount = 19

// strValues are c's string attributes, in artixStrings order. An array of
// values, not pointers into c: validating a record copies nothing to the
// heap (issue 15).
func (c *ArtixCustomer) strValues() [artixStringCount]string {
	return [...]string{c.FirstName, c.LastName, c.MiddleName, c.Text,
		c.SpecialDate1Name, c.SpecialDate2Name, c.SpecialDate3Name,
		c.ZipCode, c.Address, c.Email, c.WebPage, c.Phone,
		c.INN, c.Document, c.OKPO, c.OKPD, c.Occupation,
		c.ExtendedOptions, c.OrganizationCode}
}

// strValues are u's string attributes, in artixStrings order (nil: not set).
func (u *ArtixCustomerUpdate) strValues() [artixStringCount]*string {
	return [...]*string{u.FirstName, u.LastName, u.MiddleName, u.Text,
		u.SpecialDate1Name, u.SpecialDate2Name, u.SpecialDate3Name,
		u.ZipCode, u.Address, u.Email, u.WebPage, u.Phone,
		u.INN, u.Document, u.OKPO, u.OKPD, u.Occupation,
		u.ExtendedOptions, u.OrganizationCode}
}

func (u *ArtixCustomerUpdate) strs() []**string {
	return []**string{&u.FirstName, &u.LastName, &u.MiddleName, &u.Text,
		&u.SpecialDate1Name, &u.SpecialDate2Name, &u.SpecialDate3Name,
		&u.ZipCode, &u.Address, &u.Email, &u.WebPage, &u.Phone,
		&u.INN, &u.Document, &u.OKPO, &u.OKPD, &u.Occupation,
		&u.ExtendedOptions, &u.OrganizationCode}
}

func (c *ArtixCustomer) dates() []*ArtixDate {
	return []*ArtixDate{&c.BirthDate, &c.SpecialDate1, &c.SpecialDate2, &c.SpecialDate3}
}

func (u *ArtixCustomerUpdate) dates() []**ArtixDate {
	return []**ArtixDate{&u.BirthDate, &u.SpecialDate1, &u.SpecialDate2, &u.SpecialDate3}
}

// asUpdate is c as an update setting every string and date attribute; its
// pointers point into c.
func (c *ArtixCustomer) asUpdate() ArtixCustomerUpdate {
	u := ArtixCustomerUpdate{ID: c.ID, Gender: c.Gender, ChildrenCount: c.ChildrenCount,
		Subscribed: c.Subscribed, Options: c.Options, Communications: c.Communications}
	cs, cd := c.strs(), c.dates()
	for i, p := range u.strs() {
		*p = cs[i]
	}
	for i, p := range u.dates() {
		*p = cd[i]
	}
	return u
}

// apply changes c as the server applies an updateClient command: every
// attribute u sets replaces c's; options and communications are merged
// flag by flag. u.ID is not applied. c shares no memory with u afterwards.
func (c *ArtixCustomer) apply(u ArtixCustomerUpdate) {
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
	if u.Gender != nil {
		c.Gender = new(*u.Gender)
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

// Clone is a deep copy of c: changing one never changes the other. A plain
// assignment shares the pointer attributes (Gender, Options, …), so use Clone
// before changing a copy, e.g. a template record reused for many clients.
func (c ArtixCustomer) Clone() ArtixCustomer {
	out := ArtixCustomer{ID: c.ID}
	out.apply(c.asUpdate())
	return out
}
