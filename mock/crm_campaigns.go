package mock

import (
	"github.com/loyaltykit/loyalty"
)

func (a *crmAPI) campaignsByCard(c *crmCall) (string, any) {
	if c.str("card_id", false) == "" {
		a.fail(c, loyalty.CodeCardIDUndefined)
		return "personal_campaigns", nil
	}
	id := c.guid("card_id", true)
	var card *crmCard
	for _, cd := range a.st.cards {
		if cd.ID == *id {
			card = cd
		}
	}
	if card == nil {
		a.fail(c, loyalty.CodeCardNotFound)
		return "personal_campaigns", nil
	}
	return "personal_campaigns", collect(a.st.campaigns, func(cp crmCampaign) (loyalty.PersonalCampaign, bool) {
		return cp.PersonalCampaign, (cp.card != nil && *cp.card == card.ID) || (cp.card == nil && card.owner != nil && *card.owner == cp.contact)
	})
}

func (a *crmAPI) campaignsByContact(c *crmCall) (string, any) {
	id := c.guid("contact_id", true)
	if a.contact(*id) == nil {
		a.fail(c, loyalty.CodeContactNotFound)
		return "personal_campaigns", nil
	}
	return "personal_campaigns", collect(a.st.campaigns, func(cp crmCampaign) (loyalty.PersonalCampaign, bool) {
		return cp.PersonalCampaign, cp.contact == *id
	})
}
