package mock

import (
	"slices"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
)

func (a *crmAPI) partner(id uuid.UUID) *crmPartner {
	for _, p := range a.st.partners {
		if p.ID == id {
			return p
		}
	}
	return nil
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
	out := []loyalty.SalesOutlet{}
	for _, o := range a.st.outlets {
		if o.partner == *id {
			out = append(out, o.SalesOutlet)
		}
	}
	return "sales_outlets", out
}

func (a *crmAPI) regions(*crmCall) (string, any) {
	return "regions", slices.Clone(a.st.regions)
}

func (a *crmAPI) cardTypes(c *crmCall) (string, any) {
	id := c.guid("partner_id", false)
	if !a.checkPartner(c, id) {
		return "card_types", nil
	}
	out := []loyalty.CardType{}
	for _, t := range a.st.cardTypes {
		if id == nil || (t.partner != nil && *t.partner == *id) {
			out = append(out, t.CardType)
		}
	}
	return "card_types", out
}

func (a *crmAPI) partners(*crmCall) (string, any) {
	out := []loyalty.Partner{}
	for _, p := range a.st.partners {
		out = append(out, p.Partner)
	}
	return "partners", out
}
