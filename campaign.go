package loyalty

import (
	"context"

	"github.com/google/uuid"
)

// PersonalCampaign is a personal campaign (spec 4.7).
type PersonalCampaign struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"` // the message shown to the customer
	Description string    `json:"description"`
	ActualStart CRMTime   `json:"actual_start"`
	ActualEnd   CRMTime   `json:"actual_end"`
	ImageURI    string    `json:"image_uri"`
	Discount    float64   `json:"discount"` // percent; a double in the spec
}

// CampaignService lists personal campaigns. Both calls are GET and retried.
type CampaignService struct{ crm *CRM }

// ByCard lists the personal campaigns of a card (GetPersonalCampaignByCard).
func (s *CampaignService) ByCard(ctx context.Context, cardID uuid.UUID) ([]PersonalCampaign, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if cardID == uuid.Nil {
		return nil, &ValidationError{Field: "card_id", Reason: "nil UUID"}
	}
	return crmGetPersonalCampaignByCard.call(ctx, s.crm, &crmParams{CardID: cardID.String()})
}

// ByContact lists the personal campaigns of a contact
// (GetPersonalCampaignByContact).
func (s *CampaignService) ByContact(ctx context.Context, contactID uuid.UUID) ([]PersonalCampaign, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if contactID == uuid.Nil {
		return nil, &ValidationError{Field: "contact_id", Reason: "nil UUID"}
	}
	return crmGetPersonalCampaignByContact.call(ctx, s.crm, &crmParams{ContactID: contactID.String()})
}
