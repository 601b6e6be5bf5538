package loyalty

import (
	"net/http"
	"strings"
)

// Format is the wire format a VirtPOS server answers in.
type Format string

// VirtPOS wire formats.
const (
	FormatXML  Format = "xml" // the server's default
	FormatJSON Format = "json"
)

// virtposSettings are the options only NewVirtPOS accepts.
type virtposSettings struct {
	format    Format
	cardPaths [3]string // insert, update, delete
}

// WithFormat chooses the VirtPOS response format (default FormatXML).
func WithFormat(f Format) Option {
	return func(s *settings) error {
		s.markOnly("WithFormat", "virtpos")
		if f != FormatXML && f != FormatJSON {
			return &ConfigError{Field: "WithFormat", Reason: "unknown format " + string(f) + " (want xml or json)"}
		}
		s.vp.format = f
		return nil
	}
}

// WithCardPaths overrides the card endpoints, relative to the base URL
// (defaults /api/customer/insertCard, /api/customer/updateCard and
// /api/customer/deleteCard: the spec names the methods but not their paths).
func WithCardPaths(insert, update, delete string) Option {
	return func(s *settings) error {
		s.markOnly("WithCardPaths", "virtpos")
		for _, p := range []string{insert, update, delete} {
			if !strings.HasPrefix(p, "/") {
				return &ConfigError{Field: "WithCardPaths", Reason: "path " + p + " must start with /"}
			}
		}
		s.vp.cardPaths = [3]string{insert, update, delete}
		return nil
	}
}

// VirtPOSCompanyURL is the base URL of a company's VirtPOS account:
// "https://<company>.myvirtualpos.ru". Older accounts live at
// "http://<company>.virtpos.ru"; pass that to NewVirtPOS directly.
func VirtPOSCompanyURL(company string) string {
	return "https://" + company + ".myvirtualpos.ru"
}

// VirtPOS is a client of the VirtPOS customer API. It is safe for
// concurrent use.
type VirtPOS struct {
	// Customers lists, reads, creates and updates customers.
	Customers *CustomerService
	// Cards inserts, updates and deletes discount cards.
	Cards *CardService

	core   *core
	apiKey string
	format Format
	paths  [3]string
}

// NewVirtPOS returns a VirtPOS client for baseURL (see VirtPOSCompanyURL)
// authenticated with apiKey. It does not touch the network.
func NewVirtPOS(baseURL, apiKey string, opts ...Option) (*VirtPOS, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, &ConfigError{Field: "apiKey", Reason: "empty"}
	}
	s, err := applyOptions("virtpos", opts)
	if err != nil {
		return nil, err
	}
	c, err := newCore("virtpos", baseURL, s)
	if err != nil {
		return nil, err
	}
	c.addSecret(apiKey)
	vp := &VirtPOS{core: c, apiKey: apiKey, format: s.vp.format, paths: s.vp.cardPaths}
	if vp.format == "" {
		vp.format = FormatXML
	}
	if vp.paths[0] == "" {
		vp.paths = [3]string{"/api/customer/insertCard", "/api/customer/updateCard", "/api/customer/deleteCard"}
	}
	vp.Customers = &CustomerService{vp: vp}
	vp.Cards = &CardService{vp: vp}
	return vp, nil
}

// Format is the response format the client asks for.
func (vp *VirtPOS) Format() Format { return vp.format }

var _ = http.MethodGet
