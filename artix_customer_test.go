package loyalty_test

import (
	"errors"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// Artix's name is «ФИО клиента» in the spec's table and a first name in
// its addClient example: ArtixFullName gives callers the table's reading.
func TestArtixFullName(t *testing.T) {
	for _, tc := range []struct{ last, first, middle, want string }{
		{"Иванов", "Сергей", "Степанович", "Иванов Сергей Степанович"},
		{"", "Сергей", "", "Сергей"},
		{" Иванов ", "", "Степанович", "Иванов Степанович"},
		{"Мамин-Сибиряк", "Дмитрий  Наркисович", "", "Мамин-Сибиряк Дмитрий Наркисович"},
		{"", "", "", ""},
	} {
		if got := loyalty.ArtixFullName(tc.last, tc.first, tc.middle); got != tc.want {
			t.Errorf("ArtixFullName(%q, %q, %q) = %q, want %q", tc.last, tc.first, tc.middle, got, tc.want)
		}
	}
	c := loyalty.ArtixCustomer{ID: "1", FirstName: "Сергей", LastName: "Иванов", MiddleName: "Степанович"}
	if got := c.FullName(); got != "Иванов Сергей Степанович" {
		t.Errorf("FullName = %q", got)
	}
}

// childrencount is числовой(11): eleven digits at most.
func TestArtixChildrenCountBound(t *testing.T) {
	for _, tc := range []struct {
		n  int
		ok bool
	}{{0, true}, {3, true}, {99999999999, true}, {100000000000, false}, {-1, false}} {
		err := loyalty.ArtixCustomer{ID: "1", ChildrenCount: new(tc.n)}.Validate()
		var ve *loyalty.ValidationError
		if tc.ok != (err == nil) || (err != nil && !errors.As(err, &ve)) {
			t.Errorf("childrencount %d: %v; want ok %v (or a *ValidationError)", tc.n, err, tc.ok)
		}
		err = loyalty.ArtixCustomerUpdate{ID: "1", ChildrenCount: new(tc.n)}.Validate()
		if tc.ok != (err == nil) {
			t.Errorf("update childrencount %d: %v; want ok %v", tc.n, err, tc.ok)
		}
	}
}
