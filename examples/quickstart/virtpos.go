package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// tourVirtPOS runs the VirtPOS part of the tour: list, page, create,
// update, and a card inserted, updated and deleted. Against a real server
// (-virtpos-url) it creates a customer and a card, then deletes the card.
func tourVirtPOS(ctx context.Context, p *printer, cfg *config, srv *mock.Server) error {
	p.title("VirtPOS")
	vp, err := cfg.virtpos.Client(srv, loyalty.WithFormat(loyalty.Format(cfg.virtposFormat)))
	if err != nil {
		return err
	}
	base := cfg.virtpos.URL
	if base == "" {
		base = srv.VirtPOSURL
	}
	p.line("client for %s, format %s", base, vp.Format())

	first, err := vp.Customers.List(ctx, &loyalty.CustomerQuery{Page: 1, PageSize: 5})
	if err != nil {
		return err
	}
	p.line("page 1 (5 per page, %d in all):", first.Count)
	for _, c := range first.Customers {
		p.line("  #%-3d %-10s %-12s phone %-12s sales %s", c.ID, c.FirstName, c.LastName, orDash(c.Phone), c.AccumulatedSales.StringFixed(2))
	}

	n, withEmail := 0, 0
	for c, err := range vp.Customers.All(ctx, &loyalty.CustomerQuery{PageSize: 20}) {
		if err != nil {
			return err
		}
		n++
		if c.Email != "" {
			withEmail++
		}
	}
	p.line("All: %d customers in pages of 20, %d with an e-mail", n, withEmail)

	created, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{
		FirstName: new("Пётр"), LastName: new("Петров"), Phone: new("+7 (916) 555-01-02"),
		Gender: new(loyalty.GenderMale), GroupName: new("Quickstart"), ExternalID: new("QS-1"),
	})
	if err != nil {
		return err
	}
	p.line("Create: customer #%d (new: %v) in group %q", created.ID, created.IsNew, "Quickstart")

	if _, err := vp.Customers.Update(ctx, created.ID, &loyalty.CustomerUpdate{Email: new("petrov@example.ru"), SendSMS: new(false)}); err != nil {
		return err
	}
	c, err := vp.Customers.GetByExternalID(ctx, "QS-1")
	if err != nil {
		return err
	}
	p.line("Update: #%d %s %s, e-mail %s, sms %v, group #%d %s", c.ID, c.FirstName, c.LastName, c.Email, c.SendSMS, c.GroupID, c.GroupName)

	if _, err := vp.Customers.Get(ctx, 999999); errors.Is(err, loyalty.ErrNotFound) {
		p.line("Get(999999): not found, as expected")
	}

	uid := fmt.Sprintf("77%05d", created.ID)
	ins, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: uid, Medium: loyalty.MediumPlastic, Status: loyalty.CardNew, CustomerID: new(created.ID)})
	if err != nil {
		return err
	}
	ean, _ := loyalty.EAN13(uid)
	if ins.IDSent {
		p.line("Cards.Insert: card #%d, uid %s (EAN-13 %s)", ins.ID, uid, ean)
	} else { // the spec documents no answer: a bare success=1
		p.line("Cards.Insert: uid %s (EAN-13 %s)", uid, ean)
	}
	if _, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: uid}, &loyalty.CardUpdate{Status: loyalty.CardActive}); err != nil {
		return err
	}
	p.line("Cards.Update: uid %s is ACTIVE", uid)
	if err := vp.Cards.Delete(ctx, loyalty.CardRef{Barcode: ean}); err != nil {
		return err
	}
	p.line("Cards.Delete: by barcode %s", ean)
	if err := vp.Cards.Delete(ctx, loyalty.CardRef{Barcode: ean}); errors.Is(err, loyalty.ErrNotFound) {
		p.line("Cards.Delete again: not found (%s)", infoOf(err))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func infoOf(err error) string {
	var ae *loyalty.APIError
	if errors.As(err, &ae) {
		return ae.Info
	}
	return err.Error()
}
