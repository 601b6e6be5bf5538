package main

import (
	"context"
	"errors"
	"strings"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
	"github.com/loyaltykit/loyalty/mock"
)

// tourVirtPOS runs the VirtPOS part of the tour: a page, then every
// customer (pages of 200, with progress), then, where it may write (the
// mock, or a real server with -write virtpos), a test customer created and
// updated and a card inserted, updated and deleted.
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

	// Every customer, streamed page by page: pages of 200 (the library's
	// default) keep a real account's 100 000 customers to 500 requests.
	prog := exampleenv.NewProgress(p.progress, "customers read", int64(first.Count))
	n, withEmail := 0, 0
	for c, err := range vp.Customers.All(ctx, &loyalty.CustomerQuery{PageSize: allPageSize}) {
		if err != nil {
			prog.Finish(err)
			return err
		}
		n++
		prog.Add(1)
		if c.Email != "" {
			withEmail++
		}
	}
	prog.Finish(nil)
	p.line("All: %d customers in pages of %d, %d with an e-mail", n, allPageSize, withEmail)

	if _, err := vp.Customers.Get(ctx, 999999999); errors.Is(err, loyalty.ErrNotFound) {
		p.line("Get(999999999): not found, as expected")
	}
	if !cfg.writes("virtpos", cfg.virtpos.URL != "") {
		p.line("read-only against a real server: -write virtpos lets the tour create customer quickstart-%s and a card", cfg.run)
		return nil
	}
	return writeVirtPOS(ctx, p, vp, cfg.run)
}

// allPageSize is the page size of the tour's full read.
const allPageSize = 200

// writeVirtPOS creates a test customer named for the run, updates it, and
// inserts, updates and deletes a card for it. VirtPOS has no customer
// delete: the customer stays, named as a test.
func writeVirtPOS(ctx context.Context, p *printer, vp *loyalty.VirtPOS, run string) error {
	extID := "quickstart-" + run
	created, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{
		FirstName: new("Quickstart"), LastName: new("Test " + run), Phone: new("+7 (916) 555-01-02"),
		Gender: new(loyalty.GenderMale), GroupName: new("Quickstart"), ExternalID: new(extID),
	})
	if err != nil {
		return err
	}
	p.line("Create: customer #%d (new: %v), external id %s, in group %q", created.ID, created.IsNew, extID, "Quickstart")

	if _, err := vp.Customers.Update(ctx, created.ID, &loyalty.CustomerUpdate{Email: new("quickstart-" + run + "@example.invalid"), SendSMS: new(false)}); err != nil {
		return err
	}
	c, err := vp.Customers.GetByExternalID(ctx, extID)
	if err != nil {
		return err
	}
	p.line("Update: #%d %s %s, e-mail %s, sms %v, group #%d %s", c.ID, c.FirstName, c.LastName, c.Email, c.SendSMS, c.GroupID, c.GroupName)

	uid := cardUID(run)
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
	p.line("customer #%d (external id %s) stays: VirtPOS has no customer delete", created.ID, extID)
	return nil
}

// cardUID is the test card's uid: the last 12 digits of the run's id
// (day, time and the random digits; 12 is the most an EAN-13 takes).
func cardUID(run string) string {
	digits := strings.ReplaceAll(run, "-", "") // yyyyMMddHHmmssNNNN
	return digits[len(digits)-12:]
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
