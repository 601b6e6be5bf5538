package main

import (
	"bytes"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// -artix-name chooses the reading of Artix's name explicitly: the first
// name (the spec's addClient example, the default) or «Фамилия Имя
// Отчество» (the spec's table); lastname and patronymic go either way.
func TestSyncArtixNameReadings(t *testing.T) {
	for _, tc := range []struct{ flag, want string }{
		{"", "Сергей"},
		{"first", "Сергей"},
		{"full", "Иванов Сергей Степанович"},
	} {
		t.Run("-artix-name="+tc.flag, func(t *testing.T) {
			srv := mock.NewServer(t)
			// Customer 1 is the VirtPOS spec's sample, Иванов Сергей
			// Степанович, without a phone: give it one to be synced.
			if _, err := srv.VirtPOS().Customers.Update(t.Context(), 1, &loyalty.CustomerUpdate{Phone: new("+7 916 000-11-22")}); err != nil {
				t.Fatal(err)
			}
			args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL, "-batch", "100"}
			if tc.flag != "" {
				args = append(args, "-artix-name", tc.flag)
			}
			if _, err := runJSON(t, args...); err != nil {
				t.Fatal(err)
			}
			c, ok := srv.ArtixCustomer("1")
			if !ok {
				t.Fatal("customer 1 is not on the tills")
			}
			if c.FirstName != tc.want || c.LastName != "Иванов" || c.MiddleName != "Степанович" {
				t.Errorf("name %q, lastname %q, patronymic %q; want %q, Иванов, Степанович", c.FirstName, c.LastName, c.MiddleName, tc.want)
			}
		})
	}
	if _, err := parseFlags([]string{"-artix-name", "last"}, &bytes.Buffer{}); err == nil {
		t.Error("-artix-name last: want an error")
	}
}
