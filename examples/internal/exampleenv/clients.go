package exampleenv

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// VirtPOS is where a VirtPOS server is: -virtpos-url and its apikey.
type VirtPOS struct {
	URL, APIKey string
}

// VirtPOS defines -virtpos-url ($LOYALTY_VIRTPOS_URL) and -virtpos-apikey
// ($LOYALTY_VIRTPOS_APIKEY, a secret).
func (fs *FlagSet) VirtPOS(v *VirtPOS) {
	fs.String(&v.URL, "virtpos-url", "LOYALTY_VIRTPOS_URL", "", "VirtPOS base URL (default: the embedded mock)")
	fs.Secret(&v.APIKey, "virtpos-apikey", "LOYALTY_VIRTPOS_APIKEY", "VirtPOS apikey")
}

// Check refuses a server URL without an apikey.
func (v VirtPOS) Check() error {
	if v.URL != "" && v.APIKey == "" {
		return errors.New("-virtpos-url needs -virtpos-apikey (or LOYALTY_VIRTPOS_APIKEY)")
	}
	return nil
}

// Client is a client for the server v names, or for srv's VirtPOS side
// when v has no URL.
func (v VirtPOS) Client(srv *mock.Server, opts ...loyalty.VirtPOSOption) (*loyalty.VirtPOS, error) {
	if v.URL == "" {
		return loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey, opts...)
	}
	return loyalty.NewVirtPOS(v.URL, v.APIKey, opts...)
}

// CRM is where a CRM is and the files of its mutual TLS.
type CRM struct {
	URL, Firm, Cert, Key, CA string
}

// CRM defines -crm-url, -crm-firm, -crm-cert, -crm-key and -crm-ca, each
// falling back on its LOYALTY_CRM_* variable.
func (fs *FlagSet) CRM(c *CRM) {
	fs.String(&c.URL, "crm-url", "LOYALTY_CRM_URL", "", "CRM base URL (default: the embedded mock)")
	fs.String(&c.Firm, "crm-firm", "LOYALTY_CRM_FIRM", "", "CRM commercial_firm_id")
	fs.String(&c.Cert, "crm-cert", "LOYALTY_CRM_CERT", "", "CRM client certificate (PEM file)")
	fs.String(&c.Key, "crm-key", "LOYALTY_CRM_KEY", "", "CRM client key (PEM file)")
	fs.String(&c.CA, "crm-ca", "LOYALTY_CRM_CA", "", "CA bundle for the CRM server (PEM file; default: system roots)")
}

// Client is a client for the CRM c names, with its certificate files and
// CA bundle (system roots without one), or for srv's CRM side over mutual
// TLS when c has no URL.
func (c CRM) Client(srv *mock.Server) (*loyalty.CRM, error) {
	if c.URL == "" {
		return loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
			loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(srv.RootCAs()))
	}
	opts := []loyalty.CRMOption{loyalty.WithClientCertificateFiles(c.Cert, c.Key)}
	if c.CA != "" {
		pem, err := os.ReadFile(c.CA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-crm-ca %s: no PEM certificates", c.CA)
		}
		opts = append(opts, loyalty.WithRootCAs(pool))
	}
	return loyalty.NewCRM(c.URL, c.Firm, opts...)
}

// Artix is where an Artix cash server is: its URL or its exchange
// directory, the shop code (the shopcode query parameter) and basic auth.
type Artix struct {
	URL, Dir, ShopCode, User, Password string
}

// Artix defines -artix-url, -artix-dir, -artix-shopcode and -artix-user,
// each falling back on its LOYALTY_ARTIX_* variable. The password is the
// caller's to define (as a Secret), flag or not.
func (fs *FlagSet) Artix(a *Artix) {
	fs.String(&a.URL, "artix-url", "LOYALTY_ARTIX_URL", "", "Artix cash register's exchanger, where loads go, e.g. http://kassa-1:28080 (not the Cash Server; default: the embedded mock)")
	fs.String(&a.Dir, "artix-dir", "LOYALTY_ARTIX_DIR", "", "Artix exchange directory to write batches into (instead of -artix-url)")
	fs.String(&a.ShopCode, "artix-shopcode", "LOYALTY_ARTIX_SHOPCODE", "", "Artix shop code (the shopcode query parameter of each load)")
	fs.String(&a.User, "artix-user", "LOYALTY_ARTIX_USER", "", "Artix basic-auth user (password: $LOYALTY_ARTIX_PASSWORD)")
}

// Options are the options of an HTTP client (loyalty.NewArtix) that a
// names: the shop code and basic auth when set.
func (a Artix) Options() []loyalty.ArtixOption {
	var opts []loyalty.ArtixOption
	if a.ShopCode != "" {
		opts = append(opts, loyalty.WithArtixShopCode(a.ShopCode))
	}
	if a.User != "" {
		opts = append(opts, loyalty.WithBasicAuth(a.User, a.Password))
	}
	return opts
}

// StartMockIf starts the embedded mock when need is true: all three APIs
// over loopback, the CRM's with a fresh CA for its mutual TLS. stop closes
// it, and does nothing when no mock was started; srv is nil then.
func StartMockIf(need bool, cfg mock.Config) (srv *mock.Server, stop func(), err error) {
	if !need {
		return nil, func() {}, nil
	}
	srv, err = mock.Start(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the embedded mock: %w", err)
	}
	return srv, srv.Close, nil
}

// ServeExchangeDir has srv play the Artix cash server on a new temporary
// exchange directory. stop ends the loader and removes the directory.
func ServeExchangeDir(ctx context.Context, srv *mock.Server) (dir string, stop func(), err error) {
	dir, err = os.MkdirTemp("", "artix-exchange-")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { srv.ServeArtixExchangeDir(ctx, dir); close(done) }()
	return dir, func() { cancel(); <-done; os.RemoveAll(dir) }, nil
}
