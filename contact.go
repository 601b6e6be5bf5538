package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// ContactInfo is a contact with its bonus cards (spec 4.3).
type ContactInfo struct {
	Contact Contact     `json:"contact"`
	Cards   []BonusCard `json:"cards"`
}

// UnmarshalJSON reads spec 4.3's {"contact": {...}, "cards": [...]} and
// also spec 4.4's bare profile (a server that puts the contact's fields
// where the [ContactInfo] belongs), as that contact without cards. A contact
// without contact_id is an error: never a silent zero contact.
func (ci *ContactInfo) UnmarshalJSON(b []byte) error {
	type plain ContactInfo
	hasContact, hasContactID, ok := contactShape(b)
	if !ok {
		var probe struct {
			Contact   json.RawMessage `json:"contact"`
			ContactID json.RawMessage `json:"contact_id"`
		}
		if err := json.Unmarshal(b, &probe); err != nil {
			return err
		}
		hasContact, hasContactID = probe.Contact != nil, probe.ContactID != nil
	}
	var out ContactInfo
	if !hasContact && hasContactID {
		if err := json.Unmarshal(b, &out.Contact); err != nil {
			return err
		}
	} else if err := json.Unmarshal(b, (*plain)(&out)); err != nil {
		return err
	}
	if out.Contact.ContactID == uuid.Nil {
		return errContactWithoutID
	}
	*ci = out
	return nil
}

// errContactWithoutID is a contact in an answer that has no contact_id.
var errContactWithoutID = errors.New("a contact without contact_id")

// Contact is a contact's personal data (spec 4.4).
type Contact struct {
	ContactID   uuid.UUID     `json:"contact_id"`
	MobilePhone string        `json:"mobile_phone"` // MSISDN, e.g. 79161234567
	Email       string        `json:"email"`
	LastName    string        `json:"last_name"`
	FirstName   string        `json:"first_name"`
	MiddleName  string        `json:"middle_name"`
	Gender      ContactGender `json:"gender_code"`
	BirthDate   CRMTime       `json:"birth_date"`
	LevelID     *uuid.UUID    `json:"level_id"` // nullable
	LevelName   string        `json:"level_name"`
	PartnerID   *uuid.UUID    `json:"partner_id"` // nullable
}

// PersonalData is the personal data Create sends as new_contact.contact.
// The spec types that field as section 4.4 (a contact's personal data),
// which since version 1.6 carries partner_id; these are 4.4's fields a
// client sets: the editable ones of 4.5 and PartnerID (contact_id, the
// level and its name are the server's). Only the fields that are set are
// sent.
type PersonalData struct {
	MobilePhone string        `json:"mobile_phone,omitempty"` // normalised with MSISDN before sending
	Email       string        `json:"email,omitempty"`
	LastName    string        `json:"last_name,omitempty"`
	FirstName   string        `json:"first_name,omitempty"`
	MiddleName  string        `json:"middle_name,omitempty"`
	Gender      ContactGender `json:"gender_code,omitempty"`
	BirthDate   CRMTime       `json:"birth_date,omitzero"` // e.g. CRMDate(1985, time.March, 14)
	// PartnerID is the contact's partner (spec 4.4, since version 1.6);
	// nil sends none. Registration.PartnerID is where the contact
	// registered, a separate field of new_contact.
	PartnerID *uuid.UUID `json:"partner_id,omitempty"`
}

// BonusCard is a bonus card (spec 4.6). Money is decimal.Decimal, exact
// to the server's 28–29 significant digits; nullable fields are pointers.
type BonusCard struct {
	ID                  uuid.UUID        `json:"id"`
	Number              string           `json:"number"`
	FullName            string           `json:"full_name"`
	PartnerID           *uuid.UUID       `json:"partner_id"`
	BonusType           BonusType        `json:"bonus_type"`
	CardType            string           `json:"card_type"`
	StatusDate          CRMTime          `json:"status_date"`
	Status              BonusCardStatus  `json:"status_code"`
	ExpiryDate          CRMTime          `json:"expiry_date"`
	Balance             decimal.Decimal  `json:"balance"`
	ActiveBalance       decimal.Decimal  `json:"active_balance"`
	Summ                decimal.Decimal  `json:"summ"`            // purchases before discounts
	SummDiscounted      decimal.Decimal  `json:"summ_discounted"` // purchases after discounts
	DiscountSumm        decimal.Decimal  `json:"discount_summ"`   // discounts given
	Discount            decimal.Decimal  `json:"discount"`
	Quantity            int              `json:"quantity"` // number of purchases
	MoneyBalance        decimal.Decimal  `json:"money_balance"`
	MoneyCredit         decimal.Decimal  `json:"money_credit"`
	MoneyDebet          decimal.Decimal  `json:"money_debet"`
	MasterMoneyBalance  *decimal.Decimal `json:"master_money_balance"`  // nullable
	MasterActiveBalance *decimal.Decimal `json:"master_active_balance"` // nullable
	CardTypeID          *uuid.UUID       `json:"card_type_id"`          // nullable
}

// MarshalJSON writes money as JSON numbers with every digit (the decimal
// package would quote them), so a card survives a round trip unchanged.
func (c BonusCard) MarshalJSON() ([]byte, error) {
	// The money fields of the outer struct shadow the card's own (the
	// shallower field wins in encoding/json); every other field is the
	// card's, listed once, in BonusCard.
	type card BonusCard
	return json.Marshal(struct {
		card
		Balance             jsonNumber  `json:"balance"`
		ActiveBalance       jsonNumber  `json:"active_balance"`
		Summ                jsonNumber  `json:"summ"`
		SummDiscounted      jsonNumber  `json:"summ_discounted"`
		DiscountSumm        jsonNumber  `json:"discount_summ"`
		Discount            jsonNumber  `json:"discount"`
		MoneyBalance        jsonNumber  `json:"money_balance"`
		MoneyCredit         jsonNumber  `json:"money_credit"`
		MoneyDebet          jsonNumber  `json:"money_debet"`
		MasterMoneyBalance  *jsonNumber `json:"master_money_balance"`
		MasterActiveBalance *jsonNumber `json:"master_active_balance"`
	}{
		card(c), jsonNumber(c.Balance), jsonNumber(c.ActiveBalance), jsonNumber(c.Summ), jsonNumber(c.SummDiscounted),
		jsonNumber(c.DiscountSumm), jsonNumber(c.Discount), jsonNumber(c.MoneyBalance), jsonNumber(c.MoneyCredit),
		jsonNumber(c.MoneyDebet), (*jsonNumber)(c.MasterMoneyBalance), (*jsonNumber)(c.MasterActiveBalance),
	})
}

// jsonNumber is a decimal written as an unquoted JSON number that keeps
// its scale ("100.50" stays 100.50).
type jsonNumber decimal.Decimal

func (n jsonNumber) MarshalJSON() ([]byte, error) {
	return []byte(exactDecimal(decimal.Decimal(n))), nil
}

// exactDecimal is d with its scale kept.
func exactDecimal(d decimal.Decimal) string {
	if e := d.Exponent(); e < 0 {
		return d.StringFixed(-e)
	}
	return d.String()
}

// ContactFilter selects contacts for Find. At least one field must be set;
// the fields combine with AND.
type ContactFilter struct {
	MobilePhone string     `json:"mobile_phone,omitempty"` // normalised with MSISDN before sending
	Email       string     `json:"email,omitempty"`
	CardNumber  string     `json:"card_number,omitempty"`
	PartnerID   *uuid.UUID `json:"partner_id,omitempty"`
}

// NewContact is the profile of a contact to create (CreateContact).
type NewContact struct {
	Contact       PersonalData  `json:"contact"`
	Registration  Registration  `json:"registration"`
	Communication Communication `json:"communication"`
}

// Registration says where a contact was registered.
type Registration struct {
	SalesOutletID uuid.UUID  `json:"sales_outlet_id"` // required
	PartnerID     *uuid.UUID `json:"partner_id"`      // nullable
}

// Communication is how the contact agrees to be reached.
type Communication struct {
	AllowEmail bool `json:"allow_email"`
	AllowSMS   bool `json:"allow_sms"`
	AllowPhone bool `json:"allow_phone"`
	// CommunicationMethod is the preferred channel; empty sends
	// CommunicationAny, the spec's default.
	CommunicationMethod CommunicationMethod `json:"communication_method"`
}

// VirtualCardRequest asks for a virtual card of a card type from the
// CRM's pool (BindVirtualCard).
type VirtualCardRequest struct {
	ContactID  uuid.UUID  `json:"contact_id"`
	PartnerID  *uuid.UUID `json:"partner_id"` // nil: the card belongs to no partner
	CardTypeID uuid.UUID  `json:"card_type_id"`
}

// PhysicalCardRequest binds an issued plastic card by its number
// (BindPhysicalCard).
type PhysicalCardRequest struct {
	ContactID  uuid.UUID `json:"contact_id"`
	CardNumber string    `json:"card_number"`
}

// ContactService finds, reads and creates contacts and binds cards.
//
// Find and Get are GET requests and retried. Create, BindVirtualCard and
// BindPhysicalCard are POST requests that change state and are NOT
// idempotent: repeating a CreateContact whose answer was lost could create
// a second contact (or fail with 10200), and repeating a bind could bind a
// second virtual card, so they are not retried after a 5xx or an ambiguous
// transport error. 429 and a failed dial are still retried: nothing was
// processed.
type ContactService struct{ crm *CRM }

// Find returns the contacts matching every field of f (FindContactInfo).
// An empty filter is a *[ValidationError], as is a phone that MSISDN
// rejects. No match is an empty slice, not an error.
func (s *ContactService) Find(ctx context.Context, f ContactFilter) ([]ContactInfo, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	f.Email, f.CardNumber = strings.TrimSpace(f.Email), strings.TrimSpace(f.CardNumber)
	if f.MobilePhone == "" && f.Email == "" && f.CardNumber == "" && f.PartnerID == nil {
		return nil, &ValidationError{Field: "filter", Reason: "at least one of mobile_phone, email, card_number, partner_id must be set"}
	}
	if f.MobilePhone != "" {
		m, err := MSISDN(f.MobilePhone)
		if err != nil {
			return nil, &ValidationError{Field: "filter.mobile_phone", Reason: err.(*ValidationError).Reason}
		}
		f.MobilePhone = m
	}
	return crmFindContactInfo.call(ctx, s.crm, &crmParams{Filter: s.crm.object(f)})
}

// Get returns a contact and its cards (GetByContactId). An unknown id is a
// *CRMError with [CodeContactNotFound] (errors.Is(err, [ErrNotFound]) holds).
func (s *ContactService) Get(ctx context.Context, contactID uuid.UUID) (*ContactInfo, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if contactID == uuid.Nil {
		return nil, &ValidationError{Field: "contact_id", Reason: "nil UUID"}
	}
	out, err := crmGetByContactID.call(ctx, s.crm, &crmParams{ContactID: contactID.String()})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Create registers a contact and returns its id (CreateContact). The
// phone is normalised with MSISDN; an empty communication method becomes
// [CommunicationAny]. Not retried on 5xx (see [ContactService]).
func (s *ContactService) Create(ctx context.Context, nc NewContact) (uuid.UUID, error) {
	if err := s.ready(); err != nil {
		return uuid.Nil, err
	}
	if nc.Contact == (PersonalData{}) {
		return uuid.Nil, &ValidationError{Field: "new_contact.contact", Reason: "empty personal data"}
	}
	if nc.Contact.MobilePhone != "" {
		m, err := MSISDN(nc.Contact.MobilePhone)
		if err != nil {
			return uuid.Nil, &ValidationError{Field: "new_contact.contact.mobile_phone", Reason: err.(*ValidationError).Reason}
		}
		nc.Contact.MobilePhone = m
	}
	if g := nc.Contact.Gender; g != "" && !g.Known() {
		return uuid.Nil, &ValidationError{Field: "new_contact.contact.gender_code", Reason: "unknown gender " + string(g)}
	}
	if nc.Registration.SalesOutletID == uuid.Nil {
		return uuid.Nil, &ValidationError{Field: "new_contact.registration.sales_outlet_id", Reason: "required"}
	}
	if nc.Communication.CommunicationMethod == "" {
		nc.Communication.CommunicationMethod = CommunicationAny
	}
	if m := nc.Communication.CommunicationMethod; !m.Known() {
		return uuid.Nil, &ValidationError{Field: "new_contact.communication.communication_method", Reason: "unknown method " + string(m)}
	}
	return crmCreateContact.call(ctx, s.crm, &crmParams{NewContact: s.crm.object(nc)})
}

// BindVirtualCard takes a virtual card of r.CardTypeID from the CRM's pool
// and binds it to the contact (BindVirtualCard). Not retried on 5xx.
func (s *ContactService) BindVirtualCard(ctx context.Context, r VirtualCardRequest) (*BonusCard, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	switch {
	case r.ContactID == uuid.Nil:
		return nil, &ValidationError{Field: "card_data.contact_id", Reason: "nil UUID"}
	case r.CardTypeID == uuid.Nil:
		return nil, &ValidationError{Field: "card_data.card_type_id", Reason: "nil UUID"}
	}
	out, err := crmBindVirtualCard.call(ctx, s.crm, &crmParams{CardData: s.crm.object(r)})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// BindPhysicalCard binds an issued card by its number (BindPhysicalCard).
// The spec's errors: [CodeCardDoesNotExist], [CodeCardNotActive],
// [CodeAccessDenied], [CodeCardAlreadyOwned]. Not retried on 5xx.
func (s *ContactService) BindPhysicalCard(ctx context.Context, r PhysicalCardRequest) (*BonusCard, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	r.CardNumber = strings.TrimSpace(r.CardNumber)
	switch {
	case r.ContactID == uuid.Nil:
		return nil, &ValidationError{Field: "card_data.contact_id", Reason: "nil UUID"}
	case r.CardNumber == "":
		return nil, &ValidationError{Field: "card_data.card_number", Reason: "empty"}
	}
	out, err := crmBindPhysicalCard.call(ctx, s.crm, &crmParams{CardData: s.crm.object(r)})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
