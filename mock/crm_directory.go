package mock

import (
	"slices"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
)

// find is the first element of s that match accepts, or nil.
func find[E any](s []*E, match func(*E) bool) *E {
	if i := slices.IndexFunc(s, match); i >= 0 {
		return s[i]
	}
	return nil
}

// collect is what pick makes of the elements of s it accepts, in order,
// never nil: the CRM answers an empty list as [], not null.
func collect[E, T any](s []E, pick func(E) (T, bool)) []T {
	out := []T{}
	for _, e := range s {
		if v, ok := pick(e); ok {
			out = append(out, v)
		}
	}
	return out
}

func (a *crmAPI) partner(id uuid.UUID) *crmPartner {
	return find(a.st.partners, func(p *crmPartner) bool { return p.ID == id })
}

// checkPartner adds 10130/10140 and reports whether the partner is usable.
func (a *crmAPI) checkPartner(c *crmCall, id *uuid.UUID) bool {
	if id == nil {
		return true
	}
	p := a.partner(*id)
	switch {
	case p == nil:
		a.fail(c, loyalty.CodePartnerNotFound)
	case !p.active:
		a.fail(c, loyalty.CodePartnerInactive)
	default:
		return true
	}
	return false
}

func (a *crmAPI) salesOutlets(c *crmCall) (string, any) {
	id := c.guid("partner_id", true)
	if !a.checkPartner(c, id) {
		return "sales_outlets", nil
	}
	return "sales_outlets", collect(a.st.outlets, func(o crmOutlet) (loyalty.SalesOutlet, bool) {
		return o.SalesOutlet, o.partner == *id
	})
}

func (a *crmAPI) regions(*crmCall) (string, any) {
	return "regions", slices.Clone(a.st.regions)
}

// cardTypes answers GetCardTypesByPartner: a partner's card types, or
// with no partner_id (or null) every card type, as the spec says. A real
// gateway may answer that with only the partner-less types (Manzana keeps
// them apart; see docs/virtpos-crm-field-notes.md): the mock keeps the
// spec's reading.
func (a *crmAPI) cardTypes(c *crmCall) (string, any) {
	id := c.guid("partner_id", false)
	if !a.checkPartner(c, id) {
		return "card_types", nil
	}
	return "card_types", collect(a.st.cardTypes, func(t *crmCardType) (loyalty.CardType, bool) {
		return t.CardType, id == nil || (t.partner != nil && *t.partner == *id)
	})
}

func (a *crmAPI) partners(*crmCall) (string, any) {
	return "partners", collect(a.st.partners, func(p *crmPartner) (loyalty.Partner, bool) { return p.Partner, true })
}
