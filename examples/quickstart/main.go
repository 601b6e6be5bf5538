// Command quickstart tours the three APIs of the loyalty module. With no
// flags it starts the embedded mock server and talks to it; flags or
// environment variables point each part at a real server instead.
//
//	go run ./examples/quickstart
//	LOYALTY_VIRTPOS_APIKEY=... go run ./examples/quickstart -only virtpos -virtpos-url https://shop.myvirtualpos.ru
//	go run ./examples/quickstart -h    # every flag and environment variable
package main

import (
	"context"
	"fmt"
	"io"
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
	p := &printer{w: stdout}
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
	cfg := &config{}
	var only string
	fs.String(&only, "only", "LOYALTY_ONLY", "", "comma-separated parts to run: virtpos,crm,artix (default all)")
	fs.VirtPOS(&cfg.virtpos)
	fs.String(&cfg.virtposFormat, "virtpos-format", "LOYALTY_VIRTPOS_FORMAT", "xml", "VirtPOS format: xml or json")
	fs.CRM(&cfg.crm)
	fs.Artix(&cfg.artix)
	fs.Secret(&cfg.artix.Password, "artix-password", "LOYALTY_ARTIX_PASSWORD", "Artix basic-auth password")
	fs.Timeout(&cfg.timeout, 2*time.Minute)
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
	if err := cfg.virtpos.Check(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *config) wants(part string) bool { return len(c.only) == 0 || slices.Contains(c.only, part) }

// needsMock is true when some part to run has no real server.
func (c *config) needsMock() bool {
	return (c.wants("virtpos") && c.virtpos.URL == "") ||
		(c.wants("crm") && c.crm.URL == "") ||
		(c.wants("artix") && c.artix.URL == "")
}

// printer writes the tour's readable output.
type printer struct{ w io.Writer }

func (p *printer) title(s string) { fmt.Fprintf(p.w, "\n== %s\n", s) }

func (p *printer) line(format string, args ...any) {
	fmt.Fprintf(p.w, "   "+format+"\n", args...)
}
