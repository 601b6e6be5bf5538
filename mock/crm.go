package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
)

// crmAPI is the CRM side of the mock: contacts, cards (issued physical
// cards and a pool of virtual cards per card type), personal campaigns,
// sales outlets, regions, partners and card types.
//
// Wire, as the client speaks it (see the CRM section of
// docs/protocol.md): GET or POST {base}/{Method}; parameters in the query (objects
// as JSON or as dotted keys) or, for POST, as one JSON object in the body.
// Spec errors are answered with HTTP 200 and the errors array, except a
// wrong commercial_firm_id: 10210 (access denied) with HTTP 403. A request
// the spec does not allow (missing or malformed parameter, empty filter)
// is HTTP 400 with a plain-text reason; a wrong HTTP method is 405.
type crmAPI struct {
	srv *Server

	mu sync.Mutex
	st *crmState
}

func newCRMAPI(s *Server) *crmAPI { return &crmAPI{srv: s, st: seedCRM()} }

func (a *crmAPI) reset() {
	a.mu.Lock()
	a.st = seedCRM()
	a.mu.Unlock()
}

// CRM returns a CRM client for this server: its client certificate, its
// CA as the only root, and fast retries (1–20 ms), then opts. On a Server
// made by NewInMemory the client answers in memory (WithTransport with
// s.Transport()); on one that listens, add WithTransport(s.Transport()) to
// skip the socket. It panics only if opts are invalid (the loyalty.NewCRM
// error is in the message): loyalty.WithHTTPClient with a transport that
// is not an *http.Transport is, for the CRM; use WithTransport.
func (s *Server) CRM(opts ...loyalty.CRMOption) *loyalty.CRM {
	base := []loyalty.CRMOption{
		loyalty.WithClientCertificate(s.ClientCertificate()),
		loyalty.WithRootCAs(s.RootCAs()),
		loyalty.WithRetry(3, time.Millisecond, 20*time.Millisecond),
		s.inMemory(CRMAPI),
	}
	c, err := loyalty.NewCRM(s.CRMURL, s.CommercialFirmID, append(base, opts...)...)
	if err != nil {
		msg := "mock: Server.CRM: " + err.Error()
		if strings.Contains(msg, "not an *http.Transport") {
			msg += "; to serve the CRM from srv.Transport() or an httpmock transport, pass mock.WithTransport(rt)"
		}
		panic(msg)
	}
	return c
}

// crmHandlers are the spec's methods with their HTTP method.
var crmHandlers = map[string]struct {
	method string
	fn     func(*crmAPI, *crmCall) (string, any)
}{
	"FindContactInfo":              {http.MethodGet, (*crmAPI).findContactInfo},
	"GetByContactId":               {http.MethodGet, (*crmAPI).getByContactID},
	"CreateContact":                {http.MethodPost, (*crmAPI).createContact},
	"BindVirtualCard":              {http.MethodPost, (*crmAPI).bindVirtualCard},
	"BindPhysicalCard":             {http.MethodPost, (*crmAPI).bindPhysicalCard},
	"GetPersonalCampaignByCard":    {http.MethodGet, (*crmAPI).campaignsByCard},
	"GetPersonalCampaignByContact": {http.MethodGet, (*crmAPI).campaignsByContact},
	"GetSalesOutlet":               {http.MethodGet, (*crmAPI).salesOutlets},
	"GetRegions":                   {http.MethodGet, (*crmAPI).regions},
	"GetCardTypesByPartner":        {http.MethodGet, (*crmAPI).cardTypes},
	"GetPartners":                  {http.MethodGet, (*crmAPI).partners},
}

// crmCall is one request being answered.
type crmCall struct {
	params map[string]json.RawMessage
	errs   []loyalty.CRMErrorDetail
	status int
}

// badRequest stops a handler with HTTP 400.
type badRequest string

func (a *crmAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	h, ok := crmHandlers[op]
	if !ok {
		http.Error(w, "unknown CRM method "+op, http.StatusNotFound)
		return
	}
	if r.Method != h.method {
		w.Header().Set("Allow", h.method)
		http.Error(w, op+" is "+h.method, http.StatusMethodNotAllowed)
		return
	}
	params, err := crmParams(r)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errCRMBodyTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, err.Error(), status)
		return
	}
	c := &crmCall{params: params, status: http.StatusOK}
	field, result := func() (field string, result any) {
		defer func() {
			if v := recover(); v != nil {
				br, ok := v.(badRequest)
				if !ok {
					panic(v)
				}
				field, result = "", br
			}
		}()
		a.mu.Lock()
		defer a.mu.Unlock()
		if firm := c.str("commercial_firm_id", true); firm != a.srv.CommercialFirmID {
			a.fail(c, loyalty.CodeAccessDenied)
			c.status = http.StatusForbidden
			return "", nil
		}
		return h.fn(a, c)
	}()
	if br, ok := result.(badRequest); ok {
		http.Error(w, string(br), http.StatusBadRequest)
		return
	}
	if field != "" && len(c.errs) > 0 {
		result = nil
	}
	writeCRMAnswer(w, c.status, field, result, c.errs)
}

// fail adds a spec error with a deterministic internal_error_id.
func (a *crmAPI) fail(c *crmCall, code loyalty.ErrorCode) {
	a.st.seq++
	c.errs = append(c.errs, loyalty.CRMErrorDetail{
		Code:            code,
		Description:     code.Description(),
		InternalErrorID: uuid.NewSHA1(crmNS, fmt.Appendf(nil, "error-%d", a.st.seq)).String(),
	})
}

// crmServerZone is the CRM server's zone. Its datetimes carry no offset:
// they are the server's local wall clock, Moscow time in practice (the
// gateway fronts Manzana Loyalty, which writes them so), not UTC. The
// mock writes the datetimes it makes (a bound card's status_date) on this
// clock; the seed's fixed datetimes are wall clocks as well.
var crmServerZone = time.FixedZone("MSK", 3*60*60)

// now is the mock's clock, truncated to seconds like the CRM's datetimes.
func (a *crmAPI) now() time.Time { return a.srv.now() }

// CRMCommunication is the communication settings stored with a contact
// (what CreateContact sent), and whether the contact exists.
func (s *Server) CRMCommunication(contactID uuid.UUID) (loyalty.Communication, bool) {
	s.crm.mu.Lock()
	defer s.crm.mu.Unlock()
	if ct := s.crm.contact(contactID); ct != nil {
		return ct.comm, true
	}
	return loyalty.Communication{}, false
}
