package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chainsync"
)

// MapCustomer turns a VirtPOS customer into the Artix client the tills
// should know. The rules:
//
//   - idclient is the VirtPOS id as a decimal string (stable, unique).
//   - Names: VirtPOS's fname/lname/mname go to name/lastname/patronymic.
//     (With -artix-name full, name gets «Фамилия Имя Отчество» instead:
//     the Artix spec's table reads name as the full name, its addClient
//     example as the first name; see MapCustomerName.)
//     When only fname is filled and holds several words (a full name typed
//     into one field), it is split in the Russian order «Фамилия Имя
//     Отчество»: two words are last and first name, three or more are last,
//     first and patronymic (the rest joined). Spaces are collapsed.
//   - phonenumber is the phone normalised to 11 digits starting with 7
//     (loyalty.MSISDN); a customer without a usable phone is an error, as
//     the tills look clients up by phone.
//   - birthday is set only when day, month and year are all known and form
//     a real date after 1900.
//   - sex: M → male, F → female, anything else left out.
//   - Consent: communications.sms and .email follow send_sms/send_email;
//     subscriptionadj (consent to mailings) is true when any of send_sms,
//     send_email, send_push is.
//   - e-mail and the free comment (custom_information → text) are copied.
func MapCustomer(c loyalty.Customer) (loyalty.ArtixCustomer, error) {
	return MapCustomerName(c, NameFirst)
}

// ArtixName is what Artix's name attribute gets (-artix-name).
type ArtixName string

// The two readings of Artix's name.
const (
	// NameFirst puts the first name in name, as the Artix spec's addClient
	// example does (lastname and patronymic beside it).
	NameFirst ArtixName = "first"
	// NameFull puts «Фамилия Имя Отчество» (loyalty.ArtixFullName) in
	// name, as the spec's table reads it (ФИО клиента).
	NameFull ArtixName = "full"
)

// MapCustomerName is MapCustomer with name filled as name says;
// lastname and patronymic are the same either way.
func MapCustomerName(c loyalty.Customer, name ArtixName) (loyalty.ArtixCustomer, error) {
	a, err := chainsync.MapCustomer(c) // the rules above; loyalty-chain maps the same way
	if err != nil || name != NameFull {
		return a, err
	}
	a.FirstName = a.FullName()
	if err := a.Validate(); err != nil { // the full name may be over name's limit
		return loyalty.ArtixCustomer{}, fmt.Errorf("customer %d: %w", c.ID, err)
	}
	return a, nil
}

// fingerprint identifies what was sent for a client, for the state file.
func fingerprint(a loyalty.ArtixCustomer) string {
	b, _ := json.Marshal(a) // ArtixCustomer always marshals
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
