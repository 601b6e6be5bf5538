package loyalty

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// SalesOutlet is a shop (spec 4.8).
type SalesOutlet struct {
	ID         uuid.UUID        `json:"id"`
	Name       string           `json:"name"`
	FullName   string           `json:"full_name"`
	RegionID   *uuid.UUID       `json:"region_id"` // nil when the region is inactive
	RegionName string           `json:"region_name"`
	Address    string           `json:"address"`
	Phone      string           `json:"phone"`
	Latitude   *decimal.Decimal `json:"latitude,omitempty"`  // may be absent
	Longitude  *decimal.Decimal `json:"longitude,omitempty"` // may be absent
}

// UnmarshalJSON also takes "" for region_id (the spec says it "may be
// empty") as no region.
func (o *SalesOutlet) UnmarshalJSON(b []byte) error {
	type plain SalesOutlet
	var w struct {
		plain
		RegionID json.RawMessage `json:"region_id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*o = SalesOutlet(w.plain)
	o.RegionID = nil
	if len(w.RegionID) > 0 && !isJSONNull(w.RegionID) && string(w.RegionID) != `""` {
		var id uuid.UUID
		if err := json.Unmarshal(w.RegionID, &id); err != nil {
			return err
		}
		o.RegionID = &id
	}
	return nil
}

// MarshalJSON writes coordinates as JSON numbers with every digit.
func (o SalesOutlet) MarshalJSON() ([]byte, error) {
	type plain SalesOutlet
	return json.Marshal(struct {
		plain
		Latitude  *jsonNumber `json:"latitude,omitempty"`
		Longitude *jsonNumber `json:"longitude,omitempty"`
	}{plain(o), (*jsonNumber)(o.Latitude), (*jsonNumber)(o.Longitude)})
}

// Partner is a partner of the commercial firm (spec 4.9).
type Partner struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
}

// Region is a region (spec 4.10).
type Region struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
}

// CardType is a bonus card type (spec 4.11).
type CardType struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
}

// DirectoryService lists the CRM's reference data. Every call is GET and
// retried.
type DirectoryService struct{ crm *CRM }

// SalesOutlets lists the active shops of a partner (GetSalesOutlet).
func (s *DirectoryService) SalesOutlets(ctx context.Context, partnerID uuid.UUID) ([]SalesOutlet, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if partnerID == uuid.Nil {
		return nil, &ValidationError{Field: "partner_id", Reason: "nil UUID"}
	}
	return crmGetSalesOutlet.call(ctx, s.crm, &crmParams{PartnerID: partnerID.String()})
}

// Regions lists the regions (GetRegions).
func (s *DirectoryService) Regions(ctx context.Context) ([]Region, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	return crmGetRegions.call(ctx, s.crm, &crmParams{})
}

// CardTypes lists the card types of a partner, or every card type in the
// system when partnerID is nil (GetCardTypesByPartner; partner_id is then
// left out of the query). That is what the spec says, and the mock does.
// A real gateway may answer a nil partner with only the card types that
// belong to no partner: Manzana Loyalty, which the CRM fronts, keeps
// partner and partner-less types apart (see
// docs/virtpos-crm-field-notes.md). To list every type there, ask per
// partner (Directory.Partners) as well.
func (s *DirectoryService) CardTypes(ctx context.Context, partnerID *uuid.UUID) ([]CardType, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	p := &crmParams{}
	if partnerID != nil {
		p.PartnerID = partnerID.String()
	}
	return crmGetCardTypesByPartner.call(ctx, s.crm, p)
}

// Partners lists the partners (GetPartners).
func (s *DirectoryService) Partners(ctx context.Context) ([]Partner, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	return crmGetPartners.call(ctx, s.crm, &crmParams{})
}
