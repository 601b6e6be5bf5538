package loyalty_test

import (
	"testing"

	"github.com/loyaltykit/loyalty"
)

func TestCRMEnumsKnowTheSpecValues(t *testing.T) {
	known := []interface{ Known() bool }{
		loyalty.BonusCardStatusNew, loyalty.BonusCardStatusActive, loyalty.BonusCardStatusBlocked, loyalty.BonusCardStatusClosed, loyalty.BonusCardStatusCompleted,
		loyalty.BonusTypeBonus, loyalty.BonusTypeDiscount, loyalty.BonusTypeBonusAndDiscount, loyalty.BonusTypeGift,
		loyalty.ContactGenderNone, loyalty.ContactGenderMale, loyalty.ContactGenderFemale,
		loyalty.MaritalNone, loyalty.MaritalSingle, loyalty.MaritalMarried, loyalty.MaritalDivorcee, loyalty.MaritalWidower,
		loyalty.ChildrenNone, loyalty.ChildrenHave, loyalty.ChildrenNotHave,
		loyalty.CommunicationAny, loyalty.CommunicationEmail, loyalty.CommunicationPhone, loyalty.CommunicationFax,
		loyalty.CommunicationPost, loyalty.CommunicationEmailAndPhone,
	}
	for _, k := range known {
		if !k.Known() {
			t.Errorf("%v is not Known", k)
		}
	}
	unknown := []interface{ Known() bool }{
		loyalty.BonusCardStatus("frozen"), loyalty.BonusType(""), loyalty.ContactGender("other"), loyalty.MaritalStatus("x"),
		loyalty.Children("many"), loyalty.CommunicationMethod("telegram"),
	}
	for _, u := range unknown {
		if u.Known() {
			t.Errorf("%v is Known", u)
		}
	}
}

// Every VirtPOS enum answers Known for the spec's values only.
func TestVirtPOSEnumsKnowTheSpecValues(t *testing.T) {
	type enum interface {
		Known() bool
	}
	for _, tc := range []struct {
		v    enum
		want bool
	}{
		{loyalty.GenderMale, true}, {loyalty.GenderFemale, true}, {loyalty.Gender("X"), false}, {loyalty.Gender(""), false},
		{loyalty.MediumPlastic, true}, {loyalty.MediumMagnet, true}, {loyalty.MediumApp, true}, {loyalty.CardMedium("paper"), false},
		{loyalty.CardNew, true}, {loyalty.CardActive, true}, {loyalty.CardBlocked, true}, {loyalty.CardStatus("LOST"), false},
	} {
		if got := tc.v.Known(); got != tc.want {
			t.Errorf("%v.Known() = %v, want %v", tc.v, got, tc.want)
		}
	}
}
