// Command quickstart tours the three APIs of the loyalty module. With no
// flags it starts the embedded mock server and talks to it; flags or
// environment variables point each part at a real server instead.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -only virtpos -virtpos-url https://shop.myvirtualpos.ru -virtpos-apikey $KEY
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/loyaltykit/loyalty/mock"
)

// config is what the flags and environment say.
type config struct {
	only []string

	virtposURL, virtposKey, virtposFormat string

	crmURL, crmFirm, crmCert, crmKey, crmCA string

	artixURL, artixDir, artixShop, artixUser, artixPassword string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the usage is printed
		}
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run parses args, starts the mock if some API has no real server, and
// runs each part of the tour.
func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	p := &printer{w: out}
	var srv *mock.Server
	if cfg.needsMock() {
		srv, err = mock.Start(mock.Config{})
		if err != nil {
			return err
		}
		defer srv.Close()
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
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(usage)
	cfg := &config{}
	only := fs.String("only", os.Getenv("LOYALTY_ONLY"), "comma-separated parts to run: virtpos,crm,artix (default all)")
	fs.StringVar(&cfg.virtposURL, "virtpos-url", os.Getenv("LOYALTY_VIRTPOS_URL"), "VirtPOS base URL (default: embedded mock)")
	fs.StringVar(&cfg.virtposKey, "virtpos-apikey", "", "VirtPOS apikey (prefer LOYALTY_VIRTPOS_APIKEY)")
	fs.StringVar(&cfg.virtposFormat, "virtpos-format", envOr("LOYALTY_VIRTPOS_FORMAT", "xml"), "VirtPOS format: xml or json")
	fs.StringVar(&cfg.crmURL, "crm-url", os.Getenv("LOYALTY_CRM_URL"), "CRM base URL (default: embedded mock)")
	fs.StringVar(&cfg.crmFirm, "crm-firm", os.Getenv("LOYALTY_CRM_FIRM"), "CRM commercial_firm_id")
	fs.StringVar(&cfg.crmCert, "crm-cert", os.Getenv("LOYALTY_CRM_CERT"), "CRM client certificate (PEM file)")
	fs.StringVar(&cfg.crmKey, "crm-key", os.Getenv("LOYALTY_CRM_KEY"), "CRM client key (PEM file)")
	fs.StringVar(&cfg.crmCA, "crm-ca", os.Getenv("LOYALTY_CRM_CA"), "CA bundle for the CRM server (PEM file; default: system roots)")
	fs.StringVar(&cfg.artixURL, "artix-url", os.Getenv("LOYALTY_ARTIX_URL"), "Artix cash server URL (default: embedded mock)")
	fs.StringVar(&cfg.artixDir, "artix-dir", os.Getenv("LOYALTY_ARTIX_DIR"), "Artix exchange directory (default: a temporary one served by the mock)")
	fs.StringVar(&cfg.artixShop, "artix-shopcode", os.Getenv("LOYALTY_ARTIX_SHOPCODE"), "Artix shopcode header")
	fs.StringVar(&cfg.artixUser, "artix-user", os.Getenv("LOYALTY_ARTIX_USER"), "Artix basic-auth user")
	fs.StringVar(&cfg.artixPassword, "artix-password", "", "Artix basic-auth password (prefer LOYALTY_ARTIX_PASSWORD)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	// Secrets come from the environment after parsing, so -h never prints them.
	if cfg.virtposKey == "" {
		cfg.virtposKey = os.Getenv("LOYALTY_VIRTPOS_APIKEY")
	}
	if cfg.artixPassword == "" {
		cfg.artixPassword = os.Getenv("LOYALTY_ARTIX_PASSWORD")
	}
	if *only != "" {
		for _, part := range strings.Split(*only, ",") {
			part = strings.TrimSpace(part)
			if !slices.Contains([]string{"virtpos", "crm", "artix"}, part) {
				return nil, fmt.Errorf("-only: unknown part %q (want virtpos, crm or artix)", part)
			}
			cfg.only = append(cfg.only, part)
		}
	}
	if cfg.virtposURL != "" && cfg.virtposKey == "" {
		return nil, errors.New("-virtpos-url needs -virtpos-apikey (or LOYALTY_VIRTPOS_APIKEY)")
	}
	return cfg, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func (c *config) wants(part string) bool { return len(c.only) == 0 || slices.Contains(c.only, part) }

// needsMock is true when some part to run has no real server.
func (c *config) needsMock() bool {
	return (c.wants("virtpos") && c.virtposURL == "") ||
		(c.wants("crm") && c.crmURL == "") ||
		(c.wants("artix") && c.artixURL == "")
}

// printer writes the tour's readable output.
type printer struct{ w io.Writer }

func (p *printer) title(s string) { fmt.Fprintf(p.w, "\n== %s\n", s) }

func (p *printer) line(format string, args ...any) {
	fmt.Fprintf(p.w, "   "+format+"\n", args...)
}
