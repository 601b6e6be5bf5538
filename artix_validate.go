package loyalty

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the Artix spec, in characters (runes), not bytes.
const (
	ArtixMaxIDLength = 100 // idclient
	// Most string attributes take 200 characters; lastname, patronymic and
	// organizationcode take 255; extendedoptions is unlimited.
	ArtixMaxStringLength = 200
	ArtixMaxLongLength   = 255
)

// ArtixRecordError is a command of a batch refused before anything was
// sent. It names the command's position and idclient; errors.As finds the
// *[ValidationError] (naming the field) inside.
type ArtixRecordError struct {
	Index   int              // position of the command in the batch, from 0
	Command ArtixCommandName // the command
	ID      string           // its idclient, when it has one
	Err     *ValidationError // what is wrong
}

// Error names the command (index, name, idclient) and the field at fault.
func (e *ArtixRecordError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loyalty: artix command %d (%s", e.Index, e.Command)
	if e.ID != "" {
		fmt.Fprintf(&b, ", idclient %q", firstLine(e.ID, 100))
	}
	b.WriteString("): invalid ")
	b.WriteString(e.Err.Field)
	b.WriteString(": ")
	b.WriteString(e.Err.Reason)
	return b.String()
}

// Unwrap returns the *[ValidationError].
func (e *ArtixRecordError) Unwrap() error { return e.Err }

// Validate checks c against the spec before it is sent: a known command,
// a non-empty idclient of at most 100 characters, string limits counted in
// characters, dates as YYYY-MM-DD (birthday after 1900), sex 0 or 1, and
// a childrencount of 0 to 11 digits (the spec's числовой(11)).
//
// Card commands are checked as [ArtixCard], [ArtixCardGroup] and
// [ArtixCardAccount] say; a raw command ([ArtixRawCommand]) by its shape only.
func (c ArtixCommand) Validate() error {
	if c.IsRaw() {
		return c.validateRaw()
	}
	switch c.Name {
	case ArtixAddClient:
		if c.Client == nil {
			return &ValidationError{Field: "client", Reason: "addClient needs a client"}
		}
		return c.Client.Validate()
	case ArtixUpdateClient:
		if c.Update == nil {
			return &ValidationError{Field: "client", Reason: "updateClient needs a client"}
		}
		return c.Update.Validate()
	case ArtixDeleteClient:
		return validateArtixID("idclient", c.ID)
	case ArtixClearClient:
		return nil
	case ArtixAddCard:
		if c.Card == nil {
			return &ValidationError{Field: "card", Reason: "addCard needs a card"}
		}
		return c.Card.Validate()
	case ArtixAddCardGroup:
		if c.CardGroup == nil {
			return &ValidationError{Field: "cardGroup", Reason: "addCardGroup needs a cardGroup"}
		}
		return c.CardGroup.Validate()
	case ArtixAddChangeCardAccount:
		if c.CardAccount == nil {
			return &ValidationError{Field: "ChangeCardAccount", Reason: "addChangeCardAccount needs a ChangeCardAccount"}
		}
		return c.CardAccount.Validate()
	case "":
		return &ValidationError{Field: "command", Reason: "empty; build commands with AddClient, UpdateClient, DeleteClient, ClearClient, AddCard, AddCardGroup, AddChangeCardAccount or ArtixRawCommand"}
	}
	return &ValidationError{Field: "command", Reason: fmt.Sprintf("unknown command %q", c.Name)}
}

// Validate checks the record as Customers.Add would before sending it.
func (c ArtixCustomer) Validate() error {
	if err := validateArtixID("client.idclient", c.ID); err != nil {
		return err
	}
	for i, v := range c.strValues() {
		if err := validateArtixString(i, v); err != nil {
			return err
		}
	}
	for i, d := range [...]ArtixDate{c.BirthDate, c.SpecialDate1, c.SpecialDate2, c.SpecialDate3} {
		if err := validateArtixDate(i, d); err != nil {
			return err
		}
	}
	return validateArtixNumbers(c.Gender, c.ChildrenCount)
}

// Validate checks the change as Customers.Update would before sending it.
func (u ArtixCustomerUpdate) Validate() error {
	if err := validateArtixID("client.idclient", u.ID); err != nil {
		return err
	}
	for i, v := range u.strValues() {
		if v == nil {
			continue
		}
		if err := validateArtixString(i, *v); err != nil {
			return err
		}
	}
	for i, d := range [...]*ArtixDate{u.BirthDate, u.SpecialDate1, u.SpecialDate2, u.SpecialDate3} {
		if d == nil {
			continue
		}
		if err := validateArtixDate(i, *d); err != nil {
			return err
		}
	}
	return validateArtixNumbers(u.Gender, u.ChildrenCount)
}

// validateArtixString checks the value v of the i-th string attribute.
func validateArtixString(i int, v string) error {
	s := artixStrings[i]
	if !utf8.ValidString(v) {
		return &ValidationError{Field: "client." + s.key, Reason: "not valid UTF-8"}
	}
	if s.limit <= 0 || len(v) <= s.limit { // no more characters than bytes
		return nil
	}
	if n := utf8.RuneCountInString(v); n > s.limit {
		return &ValidationError{Field: "client." + s.key, Reason: fmt.Sprintf("%d characters, at most %d allowed", n, s.limit)}
	}
	return nil
}

// validateArtixDate checks the value d of the i-th date attribute (""
// is unset).
func validateArtixDate(i int, d ArtixDate) error {
	if d == "" {
		return nil
	}
	if y, ok := plainDate(string(d)); ok && (i != 0 || y > 1900) {
		return nil
	}
	t, err := time.Parse(time.DateOnly, string(d))
	field := func() string { return "client." + artixDates[i] } // only for an error
	if err != nil {
		return &ValidationError{Field: field(), Reason: fmt.Sprintf("%q is not a date as YYYY-MM-DD", firstLine(string(d), 40))}
	}
	if i == 0 && t.Year() <= 1900 {
		return &ValidationError{Field: field(), Reason: "the year must be after 1900, got " + strconv.Itoa(t.Year())}
	}
	return nil
}

// validateArtixNumbers checks sex and childrencount.
func validateArtixNumbers(sex *ArtixGender, children *int) error {
	if sex != nil && *sex != ArtixGenderMale && *sex != ArtixGenderFemale {
		return &ValidationError{Field: "client.sex", Reason: "must be 0 (male) or 1 (female), got " + strconv.Itoa(int(*sex))}
	}
	if children != nil && *children < 0 {
		return &ValidationError{Field: "client.childrencount", Reason: "negative: " + strconv.Itoa(*children)}
	}
	if children != nil && int64(*children) > maxArtixChildrenCount {
		return &ValidationError{Field: "client.childrencount", Reason: "over 11 digits (the spec's числовой(11)): " + strconv.Itoa(*children)}
	}
	return nil
}

// maxArtixChildrenCount is the largest childrencount: the spec types it
// числовой(11), eleven digits.
const maxArtixChildrenCount = 99999999999

func validateArtixID(field, id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return &ValidationError{Field: field, Reason: "empty"}
	case !utf8.ValidString(id):
		return &ValidationError{Field: field, Reason: "not valid UTF-8"}
	case len(id) <= ArtixMaxIDLength: // no more characters than bytes
		return nil
	}
	if n := utf8.RuneCountInString(id); n > ArtixMaxIDLength {
		return &ValidationError{Field: field, Reason: fmt.Sprintf("%d characters, at most %d allowed", n, ArtixMaxIDLength)}
	}
	return nil
}

// plainDate reports s as time.Parse(time.DateOnly, s) accepts it when it
// is written with ten plain digits and two dashes (a year 0000–9999, a month
// and a day that exists in it), and its year; anything else (ok false) is
// for time.Parse to judge. It spares the common date a parse.
func plainDate(s string) (year int, ok bool) {
	if len(s) != len(time.DateOnly) || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	// The last day of month m: day 0 of the next month.
	if d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return 0, false
	}
	return y, true
}

// validateArtixCommand wraps c.Validate's error with the command's place.
func validateArtixCommand(i int, c ArtixCommand) error {
	err := c.Validate()
	if err == nil {
		return nil
	}
	return &ArtixRecordError{Index: i, Command: c.Name, ID: c.ClientID(), Err: err.(*ValidationError)}
}
