package chainsync

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
)

// MapCustomer turns a VirtPOS customer into the Artix client the tills
// should know (examples/sync-to-artix maps with it too): idclient is the
// VirtPOS id; fname/lname/mname go to name/lastname/patronymic (a full
// name typed into fname alone is split in the order «Фамилия Имя
// Отчество»); the phone is normalised to 11 digits (a customer without a
// usable phone is an error: the tills look clients up by phone); the
// birthday only when complete and real; sex M/F; consent to SMS and
// e-mail; e-mail and the free comment copied.
func MapCustomer(c loyalty.Customer) (loyalty.ArtixCustomer, error) {
	if c.ID <= 0 {
		return loyalty.ArtixCustomer{}, fmt.Errorf("customer id %d: not a VirtPOS id", c.ID)
	}
	phone, err := loyalty.MSISDN(c.Phone)
	if err != nil {
		return loyalty.ArtixCustomer{}, fmt.Errorf("customer %d: phone: %w", c.ID, err)
	}
	first, last, middle := splitName(c.FirstName, c.LastName, c.MiddleName)
	a := loyalty.ArtixCustomer{
		ID:         strconv.FormatInt(c.ID, 10),
		FirstName:  first,
		LastName:   last,
		MiddleName: middle,
		Phone:      phone,
		Email:      strings.TrimSpace(c.Email),
		BirthDate:  birthday(c.BirthDay, c.BirthMonth, c.BirthYear),
		Text:       strings.TrimSpace(c.CustomInformation),
		Subscribed: new(c.SendSMS || c.SendEmail || c.SendPush),
		Communications: &loyalty.ArtixCommunications{
			SMS:   new(c.SendSMS),
			Email: new(c.SendEmail),
		},
	}
	switch c.Gender {
	case loyalty.GenderMale:
		a.Gender = new(loyalty.ArtixGenderMale)
	case loyalty.GenderFemale:
		a.Gender = new(loyalty.ArtixGenderFemale)
	}
	if err := a.Validate(); err != nil {
		return loyalty.ArtixCustomer{}, fmt.Errorf("customer %d: %w", c.ID, err)
	}
	return a, nil
}

func splitName(first, last, middle string) (string, string, string) {
	first, last, middle = collapse(first), collapse(last), collapse(middle)
	if last != "" || middle != "" {
		return first, last, middle
	}
	words := strings.Fields(first)
	switch len(words) {
	case 0, 1:
		return first, "", ""
	case 2:
		return words[1], words[0], ""
	default:
		return words[1], words[0], strings.Join(words[2:], " ")
	}
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func birthday(day, month, year int) loyalty.ArtixDate {
	if day == 0 || month == 0 || year <= 1900 {
		return ""
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day || int(t.Month()) != month || t.Year() != year {
		return ""
	}
	return loyalty.NewArtixDate(t)
}
