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
// LOYALTY_CRM_CERT, LOYALTY_CRM_KEY and LOYALTY_CRM_CA. A phone with no
// contact exits with status 1.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the usage is printed
		}
		fmt.Fprintln(os.Stderr, "crm-lookup:", err)
		os.Exit(1)
	}
}

type options struct {
	url, firm, cert, key, ca string
	phone                    string
	jsonOut                  bool
}

// defaultMockPhone is the embedded mock's seed contact (mock.CRMContactID).
const defaultMockPhone = "+7 (916) 123-45-67"

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("crm-lookup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.url, "crm-url", os.Getenv("LOYALTY_CRM_URL"), "CRM base URL (default: the embedded mock)")
	fs.StringVar(&o.firm, "crm-firm", os.Getenv("LOYALTY_CRM_FIRM"), "CRM commercial_firm_id")
	fs.StringVar(&o.cert, "crm-cert", os.Getenv("LOYALTY_CRM_CERT"), "client certificate (PEM file)")
	fs.StringVar(&o.key, "crm-key", os.Getenv("LOYALTY_CRM_KEY"), "client key (PEM file)")
	fs.StringVar(&o.ca, "crm-ca", os.Getenv("LOYALTY_CRM_CA"), "CA bundle for the CRM server (PEM; default: system roots)")
	fs.StringVar(&o.phone, "phone", "", "mobile phone to look up, in any Russian form (default with the mock: "+defaultMockPhone+")")
	fs.BoolVar(&o.jsonOut, "json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.url != "" && (o.firm == "" || o.cert == "" || o.key == ""):
		return nil, errors.New("-crm-url needs -crm-firm, -crm-cert and -crm-key")
	case o.url != "" && o.phone == "":
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
	crm, cleanup, err := newCRM(o)
	if err != nil {
		return err
	}
	defer cleanup()

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
			line := fmt.Sprintf("    %s  %s  %s  balance %s, active %s", k.Number, k.CardType, k.StatusCode, k.Balance, k.ActiveBalance)
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

// newCRM is a client for the CRM the flags name, or for the embedded mock.
func newCRM(o *options) (*loyalty.CRM, func(), error) {
	if o.url == "" {
		srv, err := mock.Start(mock.Config{})
		if err != nil {
			return nil, nil, err
		}
		return srv.CRM(), srv.Close, nil
	}
	opts := []loyalty.Option{loyalty.WithClientCertificateFiles(o.cert, o.key)}
	if o.ca != "" {
		pem, err := os.ReadFile(o.ca)
		if err != nil {
			return nil, nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("-crm-ca %s: no PEM certificates", o.ca)
		}
		opts = append(opts, loyalty.WithRootCAs(pool))
	}
	crm, err := loyalty.NewCRM(o.url, o.firm, opts...)
	return crm, func() {}, err
}
