package loyalty

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
)

// ParamStyle is how the CRM client puts a method's parameters on the wire.
type ParamStyle int

// Parameter styles. The spec says "all parameters go in the query string,
// in JSON notation"; servers differ on what that means for objects.
const (
	// ParamsJSON (the default) sends scalars plainly and every object
	// parameter (filter, new_contact, card_data) as one query parameter
	// whose value is compact JSON:
	// ?commercial_firm_id=firm-1&filter={"mobile_phone":"79161234567"}
	ParamsJSON ParamStyle = iota
	// ParamsDotted flattens objects into dotted keys:
	// ?commercial_firm_id=firm-1&filter.mobile_phone=79161234567
	// Null fields are left out.
	ParamsDotted
	// ParamsJSONBody sends the parameters of POST methods as one JSON
	// object in the body ({"commercial_firm_id":..., "card_data":{...}});
	// GET methods keep ParamsJSON.
	ParamsJSONBody
)

// String is the style's Go name, e.g. "ParamsJSON".
func (p ParamStyle) String() string {
	switch p {
	case ParamsJSON:
		return "ParamsJSON"
	case ParamsDotted:
		return "ParamsDotted"
	case ParamsJSONBody:
		return "ParamsJSONBody"
	}
	return fmt.Sprintf("ParamStyle(%d)", int(p))
}

// crmSettings are what the options only [NewCRM] accepts set.
type crmSettings struct {
	cert       *tls.Certificate
	roots      *x509.CertPool
	paramStyle ParamStyle
}

// WithClientCertificate authenticates the CRM client with cert (mutual
// TLS). A certificate is required; see also [WithClientCertificateFiles].
func WithClientCertificate(cert tls.Certificate) CRMOption {
	return crmOption(func(s *settings) error {
		if len(cert.Certificate) == 0 {
			return &ConfigError{Field: "WithClientCertificate", Reason: "the certificate has no certificate chain"}
		}
		if cert.PrivateKey == nil {
			return &ConfigError{Field: "WithClientCertificate", Reason: "the certificate has no private key"}
		}
		s.crm.cert = &cert
		return nil
	})
}

// WithClientCertificateFiles loads the CRM client certificate and its
// private key from PEM files (the certificate file may hold the chain).
// The files are read when the constructor runs; an unreadable or invalid
// file is a *[ConfigError] that names the file and never quotes its content.
func WithClientCertificateFiles(certFile, keyFile string) CRMOption {
	return crmOption(func(s *settings) error {
		fail := func(reason string) error {
			return &ConfigError{Field: "WithClientCertificateFiles", Reason: reason}
		}
		certPEM, err := os.ReadFile(certFile)
		if err != nil {
			return fail("certificate file: " + pathErr(err))
		}
		keyPEM, err := os.ReadFile(keyFile)
		if err != nil {
			return fail("key file: " + pathErr(err))
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		clear(keyPEM)
		if err != nil {
			// crypto/tls errors describe the problem without quoting the PEM.
			return fail(fmt.Sprintf("%s and %s are not a PEM certificate and its private key: %v", certFile, keyFile, err))
		}
		s.crm.cert = &cert
		return nil
	})
}

// pathErr is an *os.PathError's text (it names the file, never its content).
func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

// WithRootCAs verifies the CRM server's certificate against pool instead
// of the system roots. Verification is never switched off.
func WithRootCAs(pool *x509.CertPool) CRMOption {
	return crmOption(func(s *settings) error {
		if pool == nil {
			return &ConfigError{Field: "WithRootCAs", Reason: "nil pool (leave the option out to use the system roots)"}
		}
		s.crm.roots = pool
		return nil
	})
}

// WithParamStyle chooses how parameters are sent (default [ParamsJSON]).
func WithParamStyle(p ParamStyle) CRMOption {
	return crmOption(func(s *settings) error {
		if p < ParamsJSON || p > ParamsJSONBody {
			return &ConfigError{Field: "WithParamStyle", Reason: "unknown style " + p.String()}
		}
		s.crm.paramStyle = p
		return nil
	})
}

// CRM is a client of the loyalty CRM's contact API, over HTTPS with TLS
// 1.2 or newer and a client certificate. It is safe for concurrent use.
type CRM struct {
	// Contacts finds, reads and creates contacts and binds cards to them.
	Contacts *ContactService
	// Campaigns lists personal campaigns.
	Campaigns *CampaignService
	// Directory lists sales outlets, regions, card types and partners.
	Directory *DirectoryService

	core  *core
	firm  string
	style ParamStyle
}

// NewCRM returns a CRM client for baseURL (https) acting for the
// commercial firm commercialFirmID. A client certificate
// ([WithClientCertificate] or [WithClientCertificateFiles]) is required. It
// does not touch the network.
//
// TLS: the client offers TLS 1.2 and newer only and verifies the server
// against [WithRootCAs] or the system roots. With [WithHTTPClient], its
// *http.Transport is cloned and given the certificate; a Transport of any
// other type could not take it and is a *[ConfigError]. Wrappers (tracing,
// metrics, a recorder) and test doubles (httpmock, mock.Server.Transport, a
// cassette replayer) go in through [WithTransportMiddleware], outside the
// TLS-configured transport; a double that answers in memory ignores the
// transport it wraps.
func NewCRM(baseURL, commercialFirmID string, opts ...CRMOption) (*CRM, error) {
	if strings.TrimSpace(commercialFirmID) == "" {
		return nil, &ConfigError{Field: "commercialFirmID", Reason: "empty"}
	}
	s, err := applyOptions(opts, CRMOption.applyCRM)
	if err != nil {
		return nil, err
	}
	if s.crm.cert == nil {
		return nil, &ConfigError{Field: "WithClientCertificate", Reason: "the CRM requires a client certificate (WithClientCertificate or WithClientCertificateFiles)"}
	}
	if u, err := url.Parse(baseURL); err == nil && u.Scheme == "http" {
		return nil, &ConfigError{Field: "baseURL", Reason: "the CRM is served over https only"}
	}
	hc, err := crmHTTPClient(s)
	if err != nil {
		return nil, err
	}
	s.httpClient = hc
	c, err := newCore("crm", baseURL, s)
	if err != nil {
		return nil, err
	}
	crm := &CRM{core: c, firm: commercialFirmID, style: s.crm.paramStyle}
	crm.Contacts = &ContactService{crm: crm}
	crm.Campaigns = &CampaignService{crm: crm}
	crm.Directory = &DirectoryService{crm: crm}
	return crm, nil
}

// crmHTTPClient builds the mutual-TLS client.
func crmHTTPClient(s *settings) (*http.Client, error) {
	tlsCfg := func(base *tls.Config) (*tls.Config, error) {
		var c *tls.Config
		if base != nil {
			if base.InsecureSkipVerify {
				return nil, &ConfigError{Field: "WithHTTPClient", Reason: "its transport skips server certificate verification; the CRM client always verifies (use WithRootCAs for a private CA)"}
			}
			c = base.Clone()
		} else {
			c = &tls.Config{}
		}
		c.MinVersion = max(c.MinVersion, tls.VersionTLS12)
		c.Certificates = []tls.Certificate{*s.crm.cert}
		if s.crm.roots != nil {
			c.RootCAs = s.crm.roots
		}
		return c, nil
	}
	if s.httpClient == nil {
		tr := newTransport()
		cfg, err := tlsCfg(nil)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = cfg
		return &http.Client{Transport: tr}, nil
	}
	hc := *s.httpClient
	rt, what := s.httpClient.Transport, "its Transport"
	if rt == nil {
		rt, what = http.DefaultTransport, "http.DefaultTransport, which it uses,"
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		// The client certificate, TLS 1.2 and the roots cannot be given to
		// it: ignoring them would fail later, at the first handshake.
		return nil, &ConfigError{Field: "WithHTTPClient", Reason: fmt.Sprintf("%s (%T) is not an *http.Transport, "+
			"so the client certificate and WithRootCAs cannot be applied to it; "+
			"pass the RoundTripper with WithTransportMiddleware instead, which wraps the TLS-configured transport "+
			"(a test double that answers in memory, such as httpmock's, may ignore the transport it wraps)", what, rt)}
	}
	tr = tr.Clone()
	cfg, err := tlsCfg(tr.TLSClientConfig)
	if err != nil {
		return nil, err
	}
	tr.TLSClientConfig = cfg
	hc.Transport = tr
	return &hc, nil
}

// CommercialFirmID is the commercial_firm_id the client sends.
func (c *CRM) CommercialFirmID() string {
	if c == nil {
		return ""
	}
	return c.firm
}

// ParamStyle is how the client sends parameters.
func (c *CRM) ParamStyle() ParamStyle {
	if c == nil {
		return ParamsJSON
	}
	return c.style
}

// crmParams are every parameter of the spec's methods. Scalars are plain
// query parameters; objects are crmObject.
type crmParams struct {
	CommercialFirmID string     `url:"commercial_firm_id" json:"commercial_firm_id"`
	ContactID        string     `url:"contact_id,omitempty" json:"contact_id,omitempty"`
	CardID           string     `url:"card_id,omitempty" json:"card_id,omitempty"`
	PartnerID        string     `url:"partner_id,omitempty" json:"partner_id,omitempty"`
	Filter           *crmObject `url:"filter,omitempty" json:"filter,omitempty"`
	NewContact       *crmObject `url:"new_contact,omitempty" json:"new_contact,omitempty"`
	CardData         *crmObject `url:"card_data,omitempty" json:"card_data,omitempty"`
}

// values is p as a URL query, what go-querystring makes of it
// (TestCRMParamsEncodeAsQuerystring holds it to that) without its
// reflection on every call: CRM reads are the hot path (issue 15).
func (p *crmParams) values() (url.Values, error) {
	v := make(url.Values, 2)
	v["commercial_firm_id"] = []string{p.CommercialFirmID}
	for _, s := range [...]struct{ key, val string }{
		{"contact_id", p.ContactID}, {"card_id", p.CardID}, {"partner_id", p.PartnerID},
	} {
		if s.val != "" {
			v[s.key] = []string{s.val}
		}
	}
	for _, o := range [...]struct {
		key string
		obj *crmObject
	}{{"filter", p.Filter}, {"new_contact", p.NewContact}, {"card_data", p.CardData}} {
		if o.obj != nil {
			if err := o.obj.EncodeValues(o.key, &v); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// rawQuery is values().Encode(), built without the url.Values map: the
// keys written in the order Encode sorts them. A dotted object (a key per
// leaf) goes through values.
func (p *crmParams) rawQuery() (string, error) {
	for _, o := range [...]*crmObject{p.Filter, p.NewContact, p.CardData} {
		if o != nil && o.dotted {
			v, err := p.values()
			if err != nil {
				return "", err
			}
			return v.Encode(), nil
		}
	}
	var b strings.Builder
	b.Grow(96)
	for _, kv := range [...]struct {
		key, val string
		obj      *crmObject
		always   bool
	}{
		{key: "card_data", obj: p.CardData}, {key: "card_id", val: p.CardID},
		{key: "commercial_firm_id", val: p.CommercialFirmID, always: true},
		{key: "contact_id", val: p.ContactID}, {key: "filter", obj: p.Filter},
		{key: "new_contact", obj: p.NewContact}, {key: "partner_id", val: p.PartnerID},
	} {
		val := kv.val
		if kv.obj != nil {
			j, err := json.Marshal(kv.obj.v)
			if err != nil {
				return "", err
			}
			val = string(j)
		} else if val == "" && !kv.always {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv.key)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(val))
	}
	return b.String(), nil
}

// crmObject is an object parameter, encoded in the client's style.
type crmObject struct {
	v      any
	dotted bool
}

// EncodeValues implements query.Encoder: compact JSON, or dotted keys.
func (o *crmObject) EncodeValues(key string, v *url.Values) error {
	b, err := json.Marshal(o.v)
	if err != nil {
		return err
	}
	if !o.dotted {
		v.Set(key, string(b))
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return err
	}
	flatten(key, tree, *v)
	return nil
}

// MarshalJSON is the object itself, for [ParamsJSONBody].
func (o *crmObject) MarshalJSON() ([]byte, error) { return json.Marshal(o.v) }

// flatten writes tree under prefix as dotted keys; nulls are left out.
func flatten(prefix string, tree any, out url.Values) {
	switch t := tree.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flatten(prefix+"."+k, t[k], out)
		}
	case []any:
		for i, e := range t {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), e, out)
		}
	case nil:
	case string:
		out.Set(prefix, t)
	default:
		out.Set(prefix, fmt.Sprint(t))
	}
}

// object wraps v as an object parameter in the client's style.
func (c *CRM) object(v any) *crmObject {
	return &crmObject{v: v, dotted: c.style == ParamsDotted}
}

func isJSONNull(b json.RawMessage) bool { return string(bytes.TrimSpace(b)) == "null" }

// tlsHint adds what the CRM expects to a TLS failure, keeping the
// original error reachable through errors.As.
func tlsHint(err error) error {
	var re *RequestError
	if !errors.As(err, &re) || re.Err == nil || !strings.Contains(re.Err.Error(), "tls:") && !strings.Contains(re.Err.Error(), "x509:") {
		return err
	}
	re.Err = &tlsError{err: re.Err}
	return re
}

// tlsError is a failed TLS handshake with the CRM.
type tlsError struct{ err error }

func (e *tlsError) Error() string {
	return "TLS handshake with the CRM failed (it needs TLS 1.2+, a client certificate it accepts, and a server certificate trusted by WithRootCAs or the system roots): " + e.err.Error()
}

func (e *tlsError) Unwrap() error { return e.err }
