package loyalty

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Validate checks the card before it is sent: idcard and number present,
// ids of at most 100 characters, dates as YYYY-MM-DD with validitydateend
// not before validitydatebeg, discountpercent from 0 to 100.
func (c ArtixCard) Validate() error {
	if err := validateArtixID("card.idcard", c.ID); err != nil {
		return err
	}
	if err := validateArtixID("card.number", c.Number); err != nil {
		return err
	}
	for _, f := range [...]struct{ key, v string }{{"card.idcardgroup", c.GroupID}, {"card.idclient", c.ClientID}} {
		if f.v == "" {
			continue
		}
		if err := validateArtixID(f.key, f.v); err != nil {
			return err
		}
	}
	var from, to time.Time
	for _, f := range [...]struct {
		key string
		d   ArtixDate
		t   *time.Time
	}{{"card.validitydatebeg", c.ValidFrom, &from}, {"card.validitydateend", c.ValidTo, &to}} {
		if f.d == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, string(f.d))
		if err != nil {
			return &ValidationError{Field: f.key, Reason: fmt.Sprintf("%q is not a date as YYYY-MM-DD", firstLine(string(f.d), 40))}
		}
		*f.t = t
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return &ValidationError{Field: "card.validitydateend", Reason: fmt.Sprintf("%s is before validitydatebeg %s", c.ValidTo, c.ValidFrom)}
	}
	if p := c.DiscountPercent; p != nil && (p.IsNegative() || p.GreaterThan(decimal.NewFromInt(100))) {
		return &ValidationError{Field: "card.discountpercent", Reason: "must be from 0 to 100, got " + p.String()}
	}
	return nil
}

// Validate checks the card group before it is sent: idcardgroup present
// and at most 100 characters, name, text and pattern at most 200, cardmode
// and inputmask not negative.
func (g ArtixCardGroup) Validate() error {
	if err := validateArtixID("cardGroup.idcardgroup", g.ID); err != nil {
		return err
	}
	for _, f := range [...]struct{ key, v string }{{"cardGroup.name", g.Name}, {"cardGroup.text", g.Text}, {"cardGroup.pattern", g.Pattern}} {
		if !utf8.ValidString(f.v) {
			return &ValidationError{Field: f.key, Reason: "not valid UTF-8"}
		}
		if n := utf8.RuneCountInString(f.v); n > ArtixMaxStringLength {
			return &ValidationError{Field: f.key, Reason: fmt.Sprintf("%d characters, at most %d allowed", n, ArtixMaxStringLength)}
		}
	}
	if g.Mode != nil && *g.Mode < 0 {
		return &ValidationError{Field: "cardGroup.cardmode", Reason: fmt.Sprintf("negative: %d", *g.Mode)}
	}
	if g.InputMask != nil && *g.InputMask < 0 {
		return &ValidationError{Field: "cardGroup.inputmask", Reason: fmt.Sprintf("negative: %d", *g.InputMask)}
	}
	return nil
}

// Validate checks the binding before it is sent: cardNumber and
// accountnumber present and at most 100 characters, cardstatus one of
// the four statuses or "" (EARN_ONLY).
func (a ArtixCardAccount) Validate() error {
	if err := validateArtixID("ChangeCardAccount.cardNumber", a.CardNumber); err != nil {
		return err
	}
	if err := validateArtixID("ChangeCardAccount.accountnumber", a.AccountNumber); err != nil {
		return err
	}
	switch a.Status {
	case "", ArtixEarnOnly, ArtixEarnPay, ArtixPayOnly, ArtixNoOperation:
		return nil
	}
	return &ValidationError{Field: "ChangeCardAccount.cardstatus", Reason: fmt.Sprintf("%q is none of EARN_ONLY, EARN_PAY, PAY_ONLY, NO_OPERATION", firstLine(string(a.Status), 40))}
}
