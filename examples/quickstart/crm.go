package main

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// tourCRM runs the CRM part of the tour: over mutual TLS to the embedded
// mock, or to cfg.crm.URL with the certificate files given. It reads the
// directory, finds a contact and its campaigns; it creates a contact only
// on the mock or with -write crm, and binds cards only on the mock.
func tourCRM(ctx context.Context, p *printer, cfg *config, srv *mock.Server) error {
	p.title("CRM")
	crm, err := cfg.crm.Client(srv)
	if err != nil {
		return err
	}
	p.line("client for %s, commercial_firm_id %q, TLS 1.2+ with a client certificate", crmTarget(cfg, srv), crm.CommercialFirmID())

	parts, err := crm.Directory.Partners(ctx)
	if err != nil {
		return err
	}
	p.line("%d partners:", len(parts))
	for _, pt := range parts {
		p.line("  %s  %s — %s", pt.ID, pt.Name, pt.Description)
	}
	if len(parts) == 0 {
		return errors.New("the CRM lists no partners")
	}
	partner := parts[0].ID

	outs, err := crm.Directory.SalesOutlets(ctx, partner)
	if err != nil {
		return err
	}
	p.line("%d sales outlets of %s:", len(outs), parts[0].Name)
	for _, o := range outs {
		where := "no coordinates"
		if o.Latitude != nil && o.Longitude != nil {
			where = o.Latitude.String() + ", " + o.Longitude.String()
		}
		p.line("  %s · %s (%s)", o.Name, o.Address, where)
	}
	types, err := crm.Directory.CardTypes(ctx, &partner)
	if err != nil {
		return err
	}
	p.line("%d card types of %s", len(types), parts[0].Name)

	phone, err := loyalty.MSISDN("+7 (916) 123-45-67")
	if err != nil {
		return err
	}
	infos, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: phone})
	if err != nil {
		return err
	}
	p.line("Find mobile_phone=%s: %d contact(s)", phone, len(infos))
	for _, in := range infos {
		c := in.Contact
		p.line("  %s %s %s, %s, %d card(s)", c.LastName, c.FirstName, c.MiddleName, c.Email, len(in.Cards))
		for _, card := range in.Cards {
			p.line("    card %s [%s] balance %s", card.Number, card.Status, card.Balance.String())
		}
	}

	if len(infos) > 0 {
		camps, err := crm.Campaigns.ByContact(ctx, infos[0].Contact.ContactID)
		if err != nil {
			return err
		}
		p.line("%d personal campaign(s) of %s %s:", len(camps), infos[0].Contact.FirstName, infos[0].Contact.LastName)
		for _, c := range camps {
			p.line("  %q −%g%% %s … %s", c.Name, c.Discount, c.ActualStart.Format("02.01.2006"), c.ActualEnd.Format("02.01.2006"))
		}
	}

	switch {
	case len(outs) == 0:
		p.line("no sales outlet to register a contact at; stopping here")
		return nil
	case srv == nil && !cfg.writes("crm", true):
		p.line("read-only against a real CRM: -write crm lets the tour create contact quickstart-%s", cfg.run)
		return nil
	case srv == nil:
		return writeCRMContact(ctx, p, crm, outs[0].ID, partner, cfg.run)
	}

	// On the mock: create a contact (or find the one an earlier call
	// created), then bind cards from the seed.
	newPhone := "8 926 555-01-02"
	var id uuid.UUID
	id, err = crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact: loyalty.PersonalData{MobilePhone: newPhone, Email: "anna.smirnova@example.ru",
			LastName: "Смирнова", FirstName: "Анна", MiddleName: "Игоревна",
			Gender: loyalty.ContactGenderFemale, BirthDate: loyalty.CRMDate(1990, time.May, 9)},
		Registration:  loyalty.Registration{SalesOutletID: outs[0].ID, PartnerID: &partner},
		Communication: loyalty.Communication{AllowEmail: true, AllowSMS: true},
	})
	switch {
	case errors.Is(err, loyalty.CodeDuplicatePhone):
		found, ferr := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: newPhone})
		if ferr != nil || len(found) == 0 {
			return errors.Join(err, ferr)
		}
		id = found[0].Contact.ContactID
		p.line("contact with %s exists already (10200): %s", newPhone, id)
	case err != nil:
		return err
	default:
		p.line("CreateContact: %s", id)
	}

	card, err := crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: id, CardTypeID: mock.CRMVirtualCardTypeID, PartnerID: &partner})
	if err != nil {
		return err
	}
	p.line("BindVirtualCard: card %s (%s) from the pool, status %s", card.Number, card.CardType, card.Status)
	card, err = crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: id, CardNumber: mock.CRMFreeCardNumber})
	if err != nil {
		return err
	}
	p.line("BindPhysicalCard: card %s, balance %s", card.Number, card.Balance.String())
	_, err = crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: id, CardNumber: mock.CRMOwnedCardNumber})
	var ce *loyalty.CRMError
	if errors.As(err, &ce) {
		p.line("binding someone else's card: %d %s (internal_error_id %s)", int(ce.Code()), ce.Errors[0].Description, ce.Errors[0].InternalErrorID)
	}
	return nil
}

// writeCRMContact creates, on a real CRM (-write crm), a contact named for
// the run with an e-mail under example.invalid and no phone, so it can
// never be a real customer's; it binds no card (that takes one from a real
// pool). The CRM API has no delete: the contact stays.
func writeCRMContact(ctx context.Context, p *printer, crm *loyalty.CRM, outlet, partner uuid.UUID, run string) error {
	email := "quickstart-" + run + "@example.invalid"
	id, err := crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact:       loyalty.PersonalData{Email: email, FirstName: "Quickstart", LastName: "Test " + run},
		Registration:  loyalty.Registration{SalesOutletID: outlet, PartnerID: &partner},
		Communication: loyalty.Communication{},
	})
	if err != nil {
		return err
	}
	p.line("CreateContact: %s (%s); it stays: the CRM API has no delete", id, email)
	return nil
}

func crmTarget(cfg *config, srv *mock.Server) string {
	if cfg.crm.URL != "" {
		return cfg.crm.URL
	}
	return srv.CRMURL + " (mock)"
}
