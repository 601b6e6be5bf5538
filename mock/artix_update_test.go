package mock

import (
	"testing"

	"github.com/loyaltykit/loyalty"
)

// An updateClient replaces the attributes it sends, merges options and
// communications flag by flag, never changes the idclient, and leaves the
// record sharing no memory with the update.
func TestArtixUpdateApplies(t *testing.T) {
	rec := loyalty.ArtixCustomer{ID: "4", FirstName: "Пётр", LastName: "Петров", Phone: "79161234567",
		Gender: new(loyalty.ArtixGenderMale), ChildrenCount: new(8),
		Options:        &loyalty.ArtixOptions{SendCheckToEmail: new(true), EmailConfirmed: new(true)},
		Communications: &loyalty.ArtixCommunications{Call: new(true), Telegram: new(false), SMS: new(true)}}
	u := loyalty.ArtixCustomerUpdate{ID: "ignored", Phone: new("8800"), ChildrenCount: new(0),
		Options: &loyalty.ArtixOptions{SendCheckToEmail: new(false)}, Communications: &loyalty.ArtixCommunications{Email: new(true)}}
	got, err := applyArtixUpdate(rec, u)
	if err != nil {
		t.Fatalf("applyArtixUpdate: %v", err)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"ID", got.ID, "4"},
		{"Phone", got.Phone, "8800"},
		{"ChildrenCount", *got.ChildrenCount, 0},
		{"FirstName (not sent)", got.FirstName, "Пётр"},
		{"Gender (not sent)", *got.Gender, loyalty.ArtixGenderMale},
		{"Options.SendCheckToEmail (sent)", *got.Options.SendCheckToEmail, false},
		{"Options.EmailConfirmed (kept)", *got.Options.EmailConfirmed, true},
		{"Communications.Call (kept)", *got.Communications.Call, true},
		{"Communications.Email (sent)", *got.Communications.Email, true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	*u.Phone, *u.Options.SendCheckToEmail = "changed", true
	if got.Phone != "8800" || *got.Options.SendCheckToEmail {
		t.Errorf("the record shares memory with the update: Phone %q, SendCheckToEmail %v after changing the update", got.Phone, *got.Options.SendCheckToEmail)
	}
	if *rec.Options.SendCheckToEmail != true || rec.Phone != "79161234567" {
		t.Errorf("the original record changed: Phone %q, SendCheckToEmail %v", rec.Phone, *rec.Options.SendCheckToEmail)
	}
}
