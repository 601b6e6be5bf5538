package mock

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// MaxTenants is how many tenants one Server holds at a time.
const MaxTenants = 256

// TenantShopCodePrefix starts every tenant's Artix shop code (and basic-auth
// user). An Artix request naming such a code that no tenant has (a
// deleted tenant's, a typo) is refused with HTTP 403 instead of reaching
// the default tenant, which accepts any shop code unless
// RequireArtixShopCode.
const TenantShopCodePrefix = "tenant-"

// Errors of NewTenant.
var (
	// ErrTenantExists is a name another tenant has.
	ErrTenantExists = errors.New("mock: a tenant with that name exists")
	// ErrTooManyTenants is NewTenant with MaxTenants tenants in place.
	ErrTooManyTenants = fmt.Errorf("mock: %d tenants already: delete one first", MaxTenants)
)

// Tenant is a mock within the mock, for suites that share one Server (a
// docker-compose service, parallel CI jobs): its own seeded VirtPOS, CRM
// and Artix data, its own faults and journal, reached through the
// Server's listeners with its own credentials. Requests are routed to it
// by the VirtPOS apikey, the CRM commercial_firm_id and the Artix shopcode
// query parameter (or basic-auth user, for the Cash Server read-back);
// requests with other credentials reach the Server's default tenant, which
// refuses them as before. Whatever the tenant's data, nothing of it
// is visible to the default tenant or to other tenants.
//
// A Tenant has its own method set (tenant_api.go), only what works on a
// tenant: VirtPOS(), CRM(), Artix() and ArtixCashServer() make clients
// that carry its credentials; Reset, Fail, Faults, ClearFaults, Requests,
// Snapshot, Restore, ServeArtixExchangeDir and the state accessors act on
// this tenant only. What belongs to the Server (Close, Shutdown, Handler,
// RegisterResponders, the Require… credential setters, quirks and the
// tenants themselves) is the Server's alone.
type Tenant struct {
	srv *Server // the tenant's state, faults and journal
	// ID names the tenant in the admin API (?tenant=ID).
	ID string
	// Name is what NewTenant was given ("" for none).
	Name string
	// APIKey is the VirtPOS apikey that reaches the tenant.
	APIKey string
	// CommercialFirmID is the CRM commercial_firm_id that reaches the
	// tenant.
	CommercialFirmID string
	// ArtixShopCode is the shopcode query parameter the tenant's Artix
	// side demands; it is also its basic-auth user.
	ArtixShopCode string
	// ArtixPassword is the basic-auth password the tenant's Artix side
	// demands.
	ArtixPassword string
	// VirtPOSURL, CRMURL and ArtixURL are the Server's: a tenant shares
	// its listeners.
	VirtPOSURL, CRMURL, ArtixURL string

	seq int
}

// TenantCredentials is what a suite needs to reach a tenant: the answer of
// POST /_mock/tenants and the tenants of loyalty-mock's ready line.
type TenantCredentials struct {
	ID               string `json:"id"`
	Name             string `json:"name,omitempty"`
	APIKey           string `json:"apikey"`
	CommercialFirmID string `json:"commercial_firm_id"`
	ArtixShopCode    string `json:"artix_shopcode"`
	ArtixUser        string `json:"artix_user"`
	ArtixPassword    string `json:"artix_password"`
	VirtPOSURL       string `json:"virtpos_url"`
	CRMURL           string `json:"crm_url"`
	ArtixURL         string `json:"artix_url"`
}

// Credentials are the tenant's credentials and the Server's URLs.
func (t *Tenant) Credentials() TenantCredentials {
	return TenantCredentials{
		ID: t.ID, Name: t.Name, APIKey: t.APIKey, CommercialFirmID: t.CommercialFirmID,
		ArtixShopCode: t.ArtixShopCode, ArtixUser: t.ArtixShopCode, ArtixPassword: t.ArtixPassword,
		VirtPOSURL: t.VirtPOSURL, CRMURL: t.CRMURL, ArtixURL: t.ArtixURL,
	}
}

// tenantSet is a Server's tenants and the indexes requests are routed by.
type tenantSet struct {
	made atomic.Bool // a tenant was made: until then requests skip routing

	mu     sync.RWMutex
	seq    int
	byID   map[string]*Tenant
	byKey  map[string]*Tenant // VirtPOS apikey
	byFirm map[string]*Tenant // CRM commercial_firm_id
	byShop map[string]*Tenant // Artix shopcode and basic-auth user
}

func newTenantSet() *tenantSet {
	return &tenantSet{byID: map[string]*Tenant{}, byKey: map[string]*Tenant{}, byFirm: map[string]*Tenant{}, byShop: map[string]*Tenant{}}
}

// NewTenant makes a tenant with fresh credentials and its own seed data
// (as Config says: the same customers count and clock). name is free text
// for the reader ("" for none); two tenants cannot share a non-empty name
// (ErrTenantExists). A Server holds at most MaxTenants (ErrTooManyTenants).
func (s *Server) NewTenant(name string) (*Tenant, error) {
	ts := s.tenants
	if ts == nil {
		return nil, errors.New("mock: NewTenant on a tenant: make tenants on the Server")
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) || len(name) > 200 {
		return nil, fmt.Errorf("mock: tenant name %q: want at most 200 characters, no control characters", name)
	}
	secret := strings.ToLower(rand.Text())
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.byID) >= MaxTenants {
		return nil, ErrTooManyTenants
	}
	if name != "" && slices.ContainsFunc(slices.Collect(maps.Values(ts.byID)), func(t *Tenant) bool { return t.Name == name }) {
		return nil, fmt.Errorf("%w: %q", ErrTenantExists, name)
	}
	ts.seq++
	id := "t" + strconv.Itoa(ts.seq)
	child := &Server{root: s, cfg: s.cfg, pki: s.pki, now: s.now, VirtPOSURL: s.VirtPOSURL, CRMURL: s.CRMURL, ArtixURL: s.ArtixURL}
	child.cfg.APIKey = "mock-apikey-" + id + "-" + secret[:12]
	child.cfg.CommercialFirmID = "firm-" + id + "-" + secret[:12]
	child.APIKey, child.CommercialFirmID = child.cfg.APIKey, child.cfg.CommercialFirmID
	if l := s.cfg.Logger; l != nil {
		child.cfg.Logger = l.With("tenant", id)
	}
	child.seedSides()
	t := &Tenant{srv: child, ID: id, Name: name, APIKey: child.APIKey, CommercialFirmID: child.CommercialFirmID,
		ArtixShopCode: TenantShopCodePrefix + id + "-" + secret[:8], ArtixPassword: secret[12:],
		VirtPOSURL: child.VirtPOSURL, CRMURL: child.CRMURL, ArtixURL: child.ArtixURL, seq: ts.seq}
	child.RequireArtixShopCode(t.ArtixShopCode)
	child.RequireArtixAuth(t.ArtixShopCode, t.ArtixPassword)
	// The tenant's read-back is reached by its credentials too.
	child.RequireArtixCashServerAuth(t.ArtixShopCode, t.ArtixPassword)
	ts.byID[id] = t
	ts.byKey[child.APIKey], ts.byFirm[child.CommercialFirmID], ts.byShop[t.ArtixShopCode] = t, t, t
	ts.made.Store(true)
	return t, nil
}

// Tenant returns the tenant with id id.
func (s *Server) Tenant(id string) (*Tenant, bool) {
	if s.tenants == nil {
		return nil, false
	}
	s.tenants.mu.RLock()
	defer s.tenants.mu.RUnlock()
	t, ok := s.tenants.byID[id]
	return t, ok
}

// Tenants returns the tenants, oldest first.
func (s *Server) Tenants() []*Tenant {
	if s.tenants == nil {
		return nil
	}
	s.tenants.mu.RLock()
	out := slices.Collect(maps.Values(s.tenants.byID))
	s.tenants.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Tenant) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// DeleteTenant removes the tenant with id id and reports whether there was
// one. Its credentials are refused from then on, like any unknown ones.
func (s *Server) DeleteTenant(id string) bool {
	ts := s.tenants
	if ts == nil {
		return false
	}
	ts.mu.Lock()
	t, ok := ts.byID[id]
	if ok {
		delete(ts.byID, id)
		delete(ts.byKey, t.APIKey)
		delete(ts.byFirm, t.CommercialFirmID)
		delete(ts.byShop, t.ArtixShopCode)
	}
	ts.mu.Unlock()
	if ok {
		t.srv.ax.cb.stop() // its status callbacks end with it
	}
	return ok
}

// rootServer is the Server whose listeners and handlers serve s: s
// itself, or for a tenant's Server the one that made the tenant.
func (s *Server) rootServer() *Server {
	if s.root != nil {
		return s.root
	}
	return s
}

// routeTenant finds the tenant a request of api is for, by its
// credentials. With no tenant it returns nil, and refusal is the answer
// for an Artix shop code that looks like a tenant's but is no tenant's.
func (s *Server) routeTenant(api API, r *http.Request) (t *Tenant, refusal http.Handler) {
	ts := s.tenants
	if ts == nil || !ts.made.Load() {
		return nil, nil
	}
	var index map[string]*Tenant
	var cred string
	switch api {
	case VirtPOSAPI:
		index, cred = ts.byKey, virtposKey(r)
	case CRMAPI:
		index, cred = ts.byFirm, crmFirm(r)
	case ArtixAPI:
		q, _ := url.ParseQuery(r.URL.RawQuery)
		cred = q.Get(artixwire.ParamShopCode)
		if cred == "" {
			cred, _, _ = r.BasicAuth()
		}
		index = ts.byShop
	}
	ts.mu.RLock()
	t = index[cred]
	ts.mu.RUnlock()
	if t == nil && api == ArtixAPI && strings.HasPrefix(cred, TenantShopCodePrefix) {
		return nil, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeArtix(w, http.StatusForbidden, artixReply{Error: fmt.Sprintf("unknown shopcode %q: no tenant has it (deleted?)", cred)})
		})
	}
	return t, nil
}

// virtposKey is the apikey of a VirtPOS request as the handler reads it:
// a form body's first, then the query's.
func virtposKey(r *http.Request) string {
	if r.Method == http.MethodPost && isForm(r.Header) {
		if form, _ := url.ParseQuery(string(peekBody(r, maxVirtPOSForm))); form.Has("apikey") {
			return form.Get("apikey")
		}
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	return q.Get("apikey")
}

// crmFirm is the commercial_firm_id of a CRM request as crmParams reads
// it: the JSON body's first, then the query's.
func crmFirm(r *http.Request) string {
	if r.Method == http.MethodPost {
		var body struct {
			Firm *string `json:"commercial_firm_id"`
		}
		if json.Unmarshal(peekBody(r, maxCRMBody), &body) == nil && body.Firm != nil {
			return *body.Firm
		}
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	return q.Get("commercial_firm_id")
}

// peekBody reads up to limit bytes of r's body and puts them back in
// front of the rest, for the handler to read as if untouched.
func peekBody(r *http.Request, limit int64) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, limit))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
	return b
}
