// Command quickstart tours the three APIs of the loyalty module. With no
// flags it starts the embedded mock server and talks to it, reads and
// writes alike; flags or environment variables point each part at a real
// server instead.
//
// Against a real server a part only reads, unless -write names it. Its
// writes then use ids made for this run (quickstart-<run>, qs-<run>-N),
// recognisable as test data, and it removes what the API lets it remove:
//
//   - -write virtpos creates a customer "Quickstart Test <run>" (external
//     id quickstart-<run>) and a card for it, updates both and deletes the
//     card; VirtPOS has no customer delete, so the customer stays.
//   - -write crm creates a contact "Quickstart Test <run>" with the e-mail
//     quickstart-<run>@example.invalid and no phone; the CRM API has no
//     delete, so the contact stays. No card is bound.
//   - -write artix adds clients qs-<run>-1..3 on the register (and, with
//     -artix-dir, qs-<run>-4 through the exchange directory), updates and
//     deletes them: none is left.
//
// Examples:
//
//	go run ./examples/quickstart
//	LOYALTY_VIRTPOS_APIKEY=... go run ./examples/quickstart -only virtpos -virtpos-url https://shop.myvirtualpos.ru
//	go run ./examples/quickstart -h    # every flag and environment variable
package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
	"github.com/loyaltykit/loyalty/mock"
)

// config is what the flags and environment say.
type config struct {
	only          []string
	virtpos       exampleenv.VirtPOS
	virtposFormat string
	crm           exampleenv.CRM
	artix         exampleenv.Artix
	write         []string // the real servers the tour may change (-write)
	run           string   // this run's id, in every test record it writes
	timeout       time.Duration
}

func main() { exampleenv.Main("quickstart", run) }

// run parses args, starts the mock if some API has no real server, and
// runs each part of the tour within the -timeout deadline.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	srv, stop, err := exampleenv.StartMockIf(cfg.needsMock(), mock.Config{})
	if err != nil {
		return err
	}
	defer stop()
	p := &printer{w: stdout, progress: stderr}
	if srv != nil {
		p.title("Embedded mock server")
		p.line("VirtPOS %s · CRM %s (mTLS) · Artix %s", srv.VirtPOSURL, srv.CRMURL, srv.ArtixURL)
	}
	parts := []struct {
		name string
		run  func(context.Context, *printer, *config, *mock.Server) error
	}{
		{"virtpos", tourVirtPOS},
		{"crm", tourCRM},
		{"artix", tourArtix},
	}
	for _, part := range parts {
		if !cfg.wants(part.name) {
			continue
		}
		if err := part.run(ctx, p, cfg, srv); err != nil {
			return fmt.Errorf("%s: %w", part.name, err)
		}
	}
	p.title("Done")
	return nil
}

// parseFlags reads args; usage and flag errors go to usage.
func parseFlags(args []string, usage io.Writer) (*config, error) {
	fs := exampleenv.NewFlagSet("quickstart", usage)
	fs.Description = "quickstart tours the VirtPOS, CRM and Artix APIs: on the embedded mock by default; a real server is only read unless -write names it."
	cfg := &config{run: runID(time.Now())}
	var only, write string
	fs.String(&only, "only", "LOYALTY_ONLY", "", "comma-separated parts to run: virtpos,crm,artix (default all)")
	fs.VirtPOS(&cfg.virtpos)
	fs.String(&cfg.virtposFormat, "virtpos-format", "LOYALTY_VIRTPOS_FORMAT", "xml", "VirtPOS format: xml or json")
	fs.CRM(&cfg.crm)
	fs.Artix(&cfg.artix)
	fs.Secret(&cfg.artix.Password, "artix-password", "LOYALTY_ARTIX_PASSWORD", "Artix basic-auth password")
	fs.StringVar(&write, "write", "", "comma-separated real servers the tour may change: virtpos (creates customer quickstart-<run> and a card, deletes the card), crm (creates contact quickstart-<run>), artix (adds, updates and deletes clients qs-<run>-N); without it a real server is only read")
	fs.Timeout(&cfg.timeout, 10*time.Minute)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if only != "" {
		for _, part := range strings.Split(only, ",") {
			part = strings.TrimSpace(part)
			if !slices.Contains([]string{"virtpos", "crm", "artix"}, part) {
				return nil, fmt.Errorf("-only: unknown part %q (want virtpos, crm or artix)", part)
			}
			cfg.only = append(cfg.only, part)
		}
	}
	if write != "" {
		for _, part := range strings.Split(write, ",") {
			part = strings.TrimSpace(part)
			if !slices.Contains([]string{"virtpos", "crm", "artix"}, part) {
				return nil, fmt.Errorf("-write: unknown part %q (want virtpos, crm or artix)", part)
			}
			cfg.write = append(cfg.write, part)
		}
	}
	if err := cfg.virtpos.Check(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *config) wants(part string) bool { return len(c.only) == 0 || slices.Contains(c.only, part) }

// writes says whether the tour may change part's server: always the
// embedded mock's (srv != nil and no URL of its own), a real one only
// when -write names it.
func (c *config) writes(part string, real bool) bool { return !real || slices.Contains(c.write, part) }

// runID names this run in the test records it writes: the UTC time to the
// second and four random digits (two runs in one second differ),
// recognisable in any listing.
func runID(now time.Time) string {
	return fmt.Sprintf("%s-%04d", now.UTC().Format("20060102-150405"), rand.IntN(10000))
}

// needsMock is true when some part to run has no real server.
func (c *config) needsMock() bool {
	return (c.wants("virtpos") && c.virtpos.URL == "") ||
		(c.wants("crm") && c.crm.URL == "") ||
		(c.wants("artix") && c.artix.URL == "" && c.artix.Dir == "")
}

// printer writes the tour's readable output, and progress of long reads
// to progress (stderr).
type printer struct{ w, progress io.Writer }

func (p *printer) title(s string) { fmt.Fprintf(p.w, "\n== %s\n", s) }

func (p *printer) line(format string, args ...any) {
	fmt.Fprintf(p.w, "   "+format+"\n", args...)
}
