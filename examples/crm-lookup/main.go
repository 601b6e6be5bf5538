// Command crm-lookup finds loyalty CRM contacts by phone and shows each
// one's bonus cards with their balances and the contact's personal
// campaigns.
//
//	go run ./examples/crm-lookup                            # the embedded mock's Иванова
//	go run ./examples/crm-lookup -phone "+7 903 555-00-11"
//	go run ./examples/crm-lookup -json -phone 89161234567
//	go run ./examples/crm-lookup -crm-url https://crm.example.ru/api -crm-firm firm-1 \
//	    -crm-cert client.crt -crm-key client.key -crm-ca crm-ca.pem -phone 89161234567
//
// The flags also come from LOYALTY_CRM_URL, LOYALTY_CRM_FIRM,
// LOYALTY_CRM_CERT, LOYALTY_CRM_KEY and LOYALTY_CRM_CA (-h lists them).
// -timeout (default 1m) bounds the whole lookup. A phone with no contact
// exits with status 1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
	"github.com/loyaltykit/loyalty/mock"
)

func main() { exampleenv.Main("crm-lookup", run) }

type options struct {
	crm     exampleenv.CRM
	phone   string
	jsonOut bool
	timeout time.Duration
}

// defaultMockPhone is the embedded mock's seed contact (mock.CRMContactID).
const defaultMockPhone = "+7 (916) 123-45-67"

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := exampleenv.NewFlagSet("crm-lookup", stderr)
	fs.Description = "crm-lookup finds loyalty CRM contacts by phone and shows their cards, balances and personal campaigns (it only reads)."
	o := &options{}
	fs.CRM(&o.crm)
	fs.StringVar(&o.phone, "phone", "", "mobile phone to look up, in any Russian form (default with the mock: "+defaultMockPhone+")")
	fs.BoolVar(&o.jsonOut, "json", false, "print the result as JSON")
	fs.Timeout(&o.timeout, time.Minute)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case o.crm.URL != "" && (o.crm.Firm == "" || o.crm.Cert == "" || o.crm.Key == ""):
		return nil, errors.New("-crm-url needs -crm-firm, -crm-cert and -crm-key")
	case o.crm.URL != "" && o.phone == "":
		return nil, errors.New("-phone is required with -crm-url")
	}
	if o.phone == "" {
		o.phone = defaultMockPhone
	}
	if _, err := loyalty.MSISDN(o.phone); err != nil {
		return nil, fmt.Errorf("-phone: %w", err)
	}
	return o, nil
}

// Result is one contact as the tool shows it.
type Result struct {
	Contact   loyalty.Contact            `json:"contact"`
	Cards     []loyalty.BonusCard        `json:"cards"`
	Campaigns []loyalty.PersonalCampaign `json:"campaigns"`
}

// ErrNoContact is returned when no contact has the phone.
var ErrNoContact = errors.New("no contact with this phone")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	srv, stop, err := exampleenv.StartMockIf(o.crm.URL == "", mock.Config{})
	if err != nil {
		return err
	}
	defer stop()
	crm, err := o.crm.Client(srv)
	if err != nil {
		return err
	}

	results, err := lookup(ctx, crm, o.phone)
	if err != nil {
		return err
	}
	if o.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for i, r := range results {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			printResult(stdout, r)
		}
	}
	if len(results) == 0 {
		return fmt.Errorf("%w: %s", ErrNoContact, o.phone)
	}
	return nil
}

// lookup finds the contacts with phone and their campaigns. The cards come
// with FindContactInfo.
func lookup(ctx context.Context, crm *loyalty.CRM, phone string) ([]Result, error) {
	infos, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: phone})
	if err != nil {
		return nil, err
	}
	results := make([]Result, 0, len(infos))
	for _, info := range infos {
		camps, err := crm.Campaigns.ByContact(ctx, info.Contact.ContactID)
		if err != nil {
			return nil, fmt.Errorf("campaigns of %s: %w", info.Contact.ContactID, err)
		}
		results = append(results, Result{Contact: info.Contact, Cards: orEmpty(info.Cards), Campaigns: orEmpty(camps)})
	}
	return results, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func printResult(w io.Writer, r Result) {
	c := r.Contact
	name := strings.Join(strings.Fields(c.LastName+" "+c.FirstName+" "+c.MiddleName), " ")
	if name == "" {
		name = "(no name)"
	}
	fmt.Fprintf(w, "%s  contact %s\n", name, c.ContactID)
	var facts []string
	facts = append(facts, "phone "+c.MobilePhone)
	if c.Email != "" {
		facts = append(facts, "e-mail "+c.Email)
	}
	if !c.BirthDate.IsZero() {
		facts = append(facts, "born "+c.BirthDate.Format("2006-01-02"))
	}
	if c.LevelName != "" {
		facts = append(facts, "level "+c.LevelName)
	}
	fmt.Fprintf(w, "  %s\n", strings.Join(facts, " · "))
	if len(r.Cards) == 0 {
		fmt.Fprintln(w, "  no cards")
	} else {
		fmt.Fprintln(w, "  cards:")
		for _, k := range r.Cards {
			line := fmt.Sprintf("    %s  %s  %s  balance %s, active %s", k.Number, k.CardType, k.Status, k.Balance, k.ActiveBalance)
			if !k.ExpiryDate.IsZero() {
				line += "  until " + k.ExpiryDate.Format("2006-01-02")
			}
			fmt.Fprintln(w, line)
		}
	}
	if len(r.Campaigns) == 0 {
		fmt.Fprintln(w, "  no personal campaigns")
		return
	}
	fmt.Fprintln(w, "  personal campaigns:")
	for _, p := range r.Campaigns {
		fmt.Fprintf(w, "    %s  (%g%%, %s – %s)\n", p.Name, p.Discount, p.ActualStart.Format("2006-01-02"), p.ActualEnd.Format("2006-01-02"))
	}
}
