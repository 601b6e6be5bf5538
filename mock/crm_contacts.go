package mock

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
)

func (a *crmAPI) contact(id uuid.UUID) *crmContact {
	return find(a.st.contacts, func(c *crmContact) bool { return c.ContactID == id })
}

func (a *crmAPI) info(ct *crmContact) loyalty.ContactInfo {
	info := loyalty.ContactInfo{Contact: ct.Contact, Cards: []loyalty.BonusCard{}}
	for _, n := range ct.cards {
		info.Cards = append(info.Cards, a.st.cards[n].BonusCard)
	}
	return info
}

func (a *crmAPI) findContactInfo(c *crmCall) (string, any) {
	var f struct {
		MobilePhone string `json:"mobile_phone"`
		Email       string `json:"email"`
		CardNumber  string `json:"card_number"`
		PartnerID   string `json:"partner_id"`
	}
	c.object("filter", &f)
	partner := parseGUID("filter.partner_id", f.PartnerID)
	if f.MobilePhone == "" && f.Email == "" && f.CardNumber == "" && partner == nil {
		panic(badRequest("filter: at least one field must be set"))
	}
	var found []*crmContact
	for _, ct := range a.st.contacts {
		switch {
		case f.MobilePhone != "" && ct.MobilePhone != f.MobilePhone,
			f.Email != "" && !strings.EqualFold(ct.Email, f.Email),
			f.CardNumber != "" && !slices.Contains(ct.cards, f.CardNumber),
			partner != nil && (ct.PartnerID == nil || *ct.PartnerID != *partner):
			continue
		}
		found = append(found, ct)
	}
	return "contacts", a.infosJSON(found)
}

func (a *crmAPI) getByContactID(c *crmCall) (string, any) {
	id := c.guid("contact_id", true)
	ct := a.contact(*id)
	if ct == nil {
		a.fail(c, loyalty.CodeContactNotFound)
		return "contact", nil
	}
	return "contact", a.infoJSON(ct)
}

// msisdnRE is an MSISDN: an international number's 7 to 15 digits,
// country code first (the spec's MSISDN is not limited to Russia's +7).
var msisdnRE = regexp.MustCompile(`^[1-9]\d{6,14}$`)

// newContactWire is CreateContact's new_contact as the mock reads it:
// pointers where the spec says "not null", so absent and null are told
// from zero values. The contact is the client's own wire type.
type newContactWire struct {
	Contact      *loyalty.PersonalData `json:"contact"`
	Registration *struct {
		SalesOutletID string `json:"sales_outlet_id"`
		PartnerID     string `json:"partner_id"`
	} `json:"registration"`
	Communication *struct {
		AllowEmail          *bool                       `json:"allow_email"`
		AllowSMS            *bool                       `json:"allow_sms"`
		AllowPhone          *bool                       `json:"allow_phone"`
		CommunicationMethod loyalty.CommunicationMethod `json:"communication_method"`
	} `json:"communication"`
}

// readNewContact decodes new_contact and stops with HTTP 400 on what the
// spec does not allow: a missing or null contact, registration or
// communication, a communication block without its three allow_ flags,
// malformed values, a contact without a single field. A contact with any
// of its fields (a gender, a birth date or a middle name alone) is
// accepted: the spec asks only that it is not null.
func readNewContact(c *crmCall) (*newContactWire, loyalty.Communication) {
	var nc newContactWire
	c.object("new_contact", &nc)
	switch {
	case nc.Contact == nil:
		panic(badRequest("new_contact.contact is required"))
	case nc.Registration == nil:
		panic(badRequest("new_contact.registration is required"))
	case nc.Communication == nil:
		panic(badRequest("new_contact.communication is required"))
	}
	p, m := nc.Contact, nc.Communication
	switch {
	case *p == loyalty.PersonalData{}:
		panic(badRequest("new_contact.contact has no field: set at least one"))
	case p.MobilePhone != "" && !msisdnRE.MatchString(p.MobilePhone):
		panic(badRequest("new_contact.contact.mobile_phone is not an MSISDN: " + p.MobilePhone))
	case p.Gender != "" && !p.Gender.Known():
		panic(badRequest("new_contact.contact.gender_code: unknown value " + string(p.Gender)))
	case m.AllowEmail == nil, m.AllowSMS == nil, m.AllowPhone == nil:
		panic(badRequest("new_contact.communication: allow_email, allow_sms and allow_phone are required (true or false)"))
	case m.CommunicationMethod != "" && !m.CommunicationMethod.Known():
		panic(badRequest("new_contact.communication.communication_method: unknown value " + string(m.CommunicationMethod)))
	}
	return &nc, loyalty.Communication{AllowEmail: *m.AllowEmail, AllowSMS: *m.AllowSMS, AllowPhone: *m.AllowPhone,
		CommunicationMethod: cmp.Or(m.CommunicationMethod, loyalty.CommunicationAny)}
}

func (a *crmAPI) createContact(c *crmCall) (string, any) {
	nc, comm := readNewContact(c)
	p := nc.Contact
	outlet := parseGUID("new_contact.registration.sales_outlet_id", nc.Registration.SalesOutletID)
	if outlet == nil {
		panic(badRequest("new_contact.registration.sales_outlet_id is required"))
	}
	partner := parseGUID("new_contact.registration.partner_id", nc.Registration.PartnerID)
	if !slices.ContainsFunc(a.st.outlets, func(o crmOutlet) bool { return o.ID == *outlet }) {
		a.fail(c, loyalty.CodeRecordNotFound)
	}
	a.checkPartner(c, partner)
	if p.PartnerID != nil {
		// The contact's own partner (spec 4.4, since 1.6) wins over the
		// registration's.
		a.checkPartner(c, p.PartnerID)
		partner = p.PartnerID
	}
	for _, ct := range a.st.contacts {
		if p.MobilePhone != "" && ct.MobilePhone == p.MobilePhone {
			a.fail(c, loyalty.CodeDuplicatePhone)
		}
		if p.Email != "" && strings.EqualFold(ct.Email, p.Email) {
			a.fail(c, loyalty.CodeDuplicateEmail)
		}
	}
	if len(c.errs) > 0 {
		return "contact_id", nil
	}
	a.st.seq++
	id := uuid.NewSHA1(crmNS, fmt.Appendf(nil, "contact-%d", a.st.seq))
	gender := p.Gender
	if gender == "" {
		gender = loyalty.ContactGenderNone
	}
	a.st.contacts = append(a.st.contacts, &crmContact{Contact: loyalty.Contact{
		ContactID: id, MobilePhone: p.MobilePhone, Email: p.Email, LastName: p.LastName, FirstName: p.FirstName,
		MiddleName: p.MiddleName, Gender: gender, BirthDate: p.BirthDate, LevelName: "Базовый", PartnerID: partner,
	}, comm: comm})
	return "contact_id", id
}

func fullName(ct *crmContact) string {
	return strings.Join(slices.DeleteFunc([]string{ct.LastName, ct.FirstName, ct.MiddleName}, func(s string) bool { return s == "" }), " ")
}

func (a *crmAPI) bindVirtualCard(c *crmCall) (string, any) {
	var d struct {
		ContactID  string `json:"contact_id"`
		PartnerID  string `json:"partner_id"`
		CardTypeID string `json:"card_type_id"`
	}
	c.object("card_data", &d)
	contactID := parseGUID("card_data.contact_id", d.ContactID)
	typeID := parseGUID("card_data.card_type_id", d.CardTypeID)
	partner := parseGUID("card_data.partner_id", d.PartnerID)
	if contactID == nil || typeID == nil {
		panic(badRequest("card_data.contact_id and card_data.card_type_id are required"))
	}
	ct := a.contact(*contactID)
	if ct == nil {
		a.fail(c, loyalty.CodeContactNotFound)
		return "card", nil
	}
	if !a.checkPartner(c, partner) {
		return "card", nil
	}
	i := slices.IndexFunc(a.st.cardTypes, func(t *crmCardType) bool { return t.ID == *typeID })
	if i < 0 {
		a.fail(c, loyalty.CodeCardTypeNotFound)
		return "card", nil
	}
	t := a.st.cardTypes[i]
	switch {
	case !t.active:
		a.fail(c, loyalty.CodeCardTypeInactive)
	case !t.virtual:
		a.fail(c, loyalty.CodeCardTypeNotVirtual)
	case len(a.st.pools[t.ID]) == 0:
		a.fail(c, loyalty.CodeNoVirtualCardsAvailable)
	}
	if len(c.errs) > 0 {
		return "card", nil
	}
	number := a.st.pools[t.ID][0]
	a.st.pools[t.ID] = a.st.pools[t.ID][1:]
	a.st.seq++
	card := &crmCard{BonusCard: loyalty.BonusCard{
		ID: uuid.NewSHA1(crmNS, fmt.Appendf(nil, "card-%d", a.st.seq)), Number: number, FullName: fullName(ct),
		PartnerID: partner, BonusType: loyalty.BonusTypeBonus, CardType: t.Name,
		StatusDate: loyalty.NewCRMTime(a.now().In(crmServerZone)), Status: loyalty.BonusCardStatusActive,
		ExpiryDate: loyalty.CRMDate(2030, time.December, 31), CardTypeID: &t.ID,
	}, owner: &ct.ContactID}
	a.st.cards[number] = card
	ct.cards = append(ct.cards, number)
	return "card", card.BonusCard
}

func (a *crmAPI) bindPhysicalCard(c *crmCall) (string, any) {
	var d struct {
		ContactID  string `json:"contact_id"`
		CardNumber string `json:"card_number"`
	}
	c.object("card_data", &d)
	contactID := parseGUID("card_data.contact_id", d.ContactID)
	if contactID == nil || d.CardNumber == "" {
		panic(badRequest("card_data.contact_id and card_data.card_number are required"))
	}
	ct := a.contact(*contactID)
	if ct == nil {
		a.fail(c, loyalty.CodeContactNotFound)
		return "card", nil
	}
	card := a.st.cards[d.CardNumber]
	switch {
	case card == nil:
		a.fail(c, loyalty.CodeCardDoesNotExist)
	case card.owner != nil:
		a.fail(c, loyalty.CodeCardAlreadyOwned)
	case card.Status != loyalty.BonusCardStatusActive:
		a.fail(c, loyalty.CodeCardNotActive)
	case card.pin || a.srv.Quirks().BindPhysicalCardPIN:
		// Manzana's Contact/BindCard takes a code word the spec has no
		// field for; the gateway passes its refusal through unmapped.
		a.failPIN(c)
	}
	if len(c.errs) > 0 {
		return "card", nil
	}
	card.owner = &ct.ContactID
	card.FullName = fullName(ct)
	ct.cards = append(ct.cards, card.Number)
	return "card", card.BonusCard
}
