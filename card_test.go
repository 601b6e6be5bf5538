package loyalty_test

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// Discount cards: Cards.Get/Insert/Update/Delete against the mock, and
// WithCardPaths.

func TestCards(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON))
	ctx := ctxT(t)
	act := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	res, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "1000123", ExternalID: "1C-C1", Medium: loyalty.MediumMagnet,
		Status: loyalty.CardActive, ActivateDate: &act, TypeName: new("Платиновая"), CustomerID: new(int64(11))})
	if err != nil || !res.IsNew || res.ID == 0 {
		t.Fatalf("insert: %+v, %v", res, err)
	}
	r := srv.Requests()[0]
	if r.Path != "/api/customer/insertCard" || r.Query.Get("uid") != "1000123" || r.Query.Get("external_id") != "1C-C1" || r.Query.Has("apikey") {
		t.Errorf("insert wire %s %v", r.Path, r.Query)
	}
	form, _ := url.ParseQuery(string(r.Body))
	if form.Get("activate_date") != "2024-03-01 10:00:00" || form.Get("medium") != "MAGNET" || form.Has("block_date") || form.Has("uid") {
		t.Errorf("insert form %v", form)
	}
	c, ok := srv.VirtPOSCard("1000123")
	ean, _ := loyalty.EAN13("1000123")
	if !ok || c.UIDEAN13 != ean || c.Barcode != ean || c.Medium != loyalty.MediumMagnet || c.Status != loyalty.CardActive ||
		!c.ActivateDate.Equal(act) || c.TypeName != "Платиновая" || c.TypeID == 0 || c.CustomerID != 11 || c.ExternalID != "1C-C1" {
		t.Fatalf("card %+v", c)
	}
	// Duplicate uid: the server's error.
	if _, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "1000123"}); err == nil {
		t.Error("duplicate uid accepted")
	}
	// Update by each key.
	block := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, ref := range []loyalty.CardRef{{CardID: res.ID}, {UID: "1000123"}, {ExternalID: "1C-C1"}, {Barcode: ean}} {
		up, err := vp.Cards.Update(ctx, ref, &loyalty.CardUpdate{Status: loyalty.CardBlocked, BlockDate: &block, TypeID: new(int64(1)), CustomerExternalID: new("1C-00004")})
		if err != nil || up.ID != res.ID || up.IsNew {
			t.Fatalf("update by %+v: %+v, %v", ref, up, err)
		}
	}
	c, _ = srv.VirtPOSCard("1000123")
	if c.Status != loyalty.CardBlocked || !c.BlockDate.Equal(block) || c.TypeID != 1 || c.TypeName != "Золотая" || c.CustomerID != 4 {
		t.Errorf("after update %+v", c)
	}
	// Lookup order: card_id first, even when the uid names another card.
	other := srv.VirtPOSCards()[0]
	if _, err := vp.Cards.Update(ctx, loyalty.CardRef{CardID: other.ID, UID: "1000123"}, &loyalty.CardUpdate{Barcode: new("4600000000003")}); err != nil {
		t.Fatal(err)
	}
	if c, _ := srv.VirtPOSCard(other.UID); c.Barcode != "4600000000003" {
		t.Errorf("lookup order: card_id did not win: %+v", c)
	}
	// Missing card; CreateIfNotExist creates it with the ref's keys.
	_, err = vp.Cards.Update(ctx, loyalty.CardRef{UID: "777"}, &loyalty.CardUpdate{Status: loyalty.CardNew})
	if !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("update missing: %v", err)
	}
	up, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: "777"}, &loyalty.CardUpdate{Medium: loyalty.MediumApp}, loyalty.CreateIfNotExist())
	if err != nil || !up.IsNew {
		t.Fatalf("create: %+v, %v", up, err)
	}
	r = srv.Requests()[len(srv.Requests())-1]
	if r.Query.Get("create_if_not_exist") != "1" || r.Query.Get("uid") != "777" {
		t.Errorf("create wire %v", r.Query)
	}
	if c, ok := srv.VirtPOSCard("777"); !ok || c.Medium != loyalty.MediumApp || c.UIDEAN13 != "0000000007771" {
		t.Errorf("created %+v", c)
	}
	// Delete, then delete again: not found.
	if err := vp.Cards.Delete(ctx, loyalty.CardRef{Barcode: ean}); err != nil {
		t.Fatal(err)
	}
	r = srv.Requests()[len(srv.Requests())-1]
	if r.Path != "/api/customer/deleteCard" || r.Query.Get("card_barcode") != ean {
		t.Errorf("delete wire %s %v", r.Path, r.Query)
	}
	if _, ok := srv.VirtPOSCard("1000123"); ok {
		t.Error("card not deleted")
	}
	if err := vp.Cards.Delete(ctx, loyalty.CardRef{Barcode: ean}); !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestCardPathsOption(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithCardPaths("/x/insert", "/x/update", "/x/delete"))
	_, err := vp.Cards.Insert(ctxT(t), &loyalty.CardUpdate{UID: "5"})
	// The mock has no such path: HTTP 404, which is not ErrNotFound.
	var ae *loyalty.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 404 || errors.Is(err, loyalty.ErrNotFound) {
		t.Fatalf("got %v", err)
	}
	if p := srv.Requests()[0].Path; p != "/x/insert" {
		t.Fatalf("path %s", p)
	}
}
