package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
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
// Wire, as the client speaks it (see the CRM protocol notes in the
// README): GET or POST {base}/{Method}; parameters in the query (objects
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
// CA as the only root, and fast retries (1–20 ms), then opts. It panics
// only if opts are invalid (the loyalty.NewCRM error is in the message).
func (s *Server) CRM(opts ...loyalty.Option) *loyalty.CRM {
	base := []loyalty.Option{
		loyalty.WithClientCertificate(s.ClientCertificate()),
		loyalty.WithRootCAs(s.RootCAs()),
		loyalty.WithRetry(3, time.Millisecond, 20*time.Millisecond),
	}
	c, err := loyalty.NewCRM(s.CRMURL, s.CommercialFirmID, append(base, opts...)...)
	if err != nil {
		panic("mock: Server.CRM: " + err.Error())
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
		http.Error(w, err.Error(), http.StatusBadRequest)
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
	out := map[string]any{"errors": c.errs}
	if c.errs == nil {
		out["errors"] = []loyalty.CRMErrorDetail{}
	}
	if field != "" {
		if len(c.errs) > 0 {
			result = nil
		}
		out[field] = result
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(c.status)
	w.Write(b)
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

// crmParams collects the parameters from the JSON body (POST), the query
// (objects as JSON values) and dotted query keys, in that order of
// precedence.
func crmParams(r *http.Request) (map[string]json.RawMessage, error) {
	params := map[string]json.RawMessage{}
	q := r.URL.Query()
	dotted := map[string]any{}
	for k, vs := range q {
		v := vs[0]
		if root, rest, ok := strings.Cut(k, "."); ok {
			m, _ := dotted[root].(map[string]any)
			if m == nil {
				m = map[string]any{}
				dotted[root] = m
			}
			setDotted(m, rest, v)
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(v), "{") {
			if !json.Valid([]byte(v)) {
				return nil, fmt.Errorf("parameter %s is not valid JSON", k)
			}
			params[k] = json.RawMessage(v)
		} else {
			params[k], _ = json.Marshal(v)
		}
	}
	for k, v := range dotted {
		if _, ok := params[k]; !ok {
			params[k], _ = json.Marshal(v)
		}
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if ct != "application/json" {
				return nil, fmt.Errorf("a POST body must be application/json, got %q", ct)
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(body, &obj); err != nil {
				return nil, fmt.Errorf("the body is not a JSON object: %v", err)
			}
			for k, v := range obj {
				params[k] = v
			}
		}
	}
	return params, nil
}

// setDotted stores a dotted key's value; "true"/"false" become booleans.
func setDotted(m map[string]any, path, v string) {
	head, rest, more := strings.Cut(path, ".")
	if more {
		sub, _ := m[head].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			m[head] = sub
		}
		setDotted(sub, rest, v)
		return
	}
	switch v {
	case "true":
		m[head] = true
	case "false":
		m[head] = false
	default:
		m[head] = v
	}
}

// str is a scalar parameter; required ones stop with HTTP 400 when absent.
func (c *crmCall) str(name string, required bool) string {
	raw, ok := c.params[name]
	var s string
	if ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &s); err != nil {
			panic(badRequest("parameter " + name + " must be a string"))
		}
	}
	if required && s == "" {
		panic(badRequest("parameter " + name + " is required"))
	}
	return s
}

// guid is a guid parameter; "" when absent and not required.
func (c *crmCall) guid(name string, required bool) *uuid.UUID {
	s := c.str(name, required)
	if s == "" {
		return nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		panic(badRequest("parameter " + name + " is not a guid: " + s))
	}
	return &id
}

// object decodes an object parameter into v.
func (c *crmCall) object(name string, v any) {
	raw, ok := c.params[name]
	if !ok || string(raw) == "null" {
		panic(badRequest("parameter " + name + " is required"))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		panic(badRequest("parameter " + name + ": " + err.Error()))
	}
}

// parseGUID reads an optional guid field of an object.
func parseGUID(field, s string) *uuid.UUID {
	if s == "" {
		return nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		panic(badRequest(field + " is not a guid: " + s))
	}
	return &id
}

func (a *crmAPI) contact(id uuid.UUID) *crmContact {
	for _, c := range a.st.contacts {
		if c.ContactID == id {
			return c
		}
	}
	return nil
}

func (a *crmAPI) partner(id uuid.UUID) *crmPartner {
	for _, p := range a.st.partners {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// checkPartner adds 10130/10140 and reports whether the partner is usable.
func (a *crmAPI) checkPartner(c *crmCall, id *uuid.UUID) bool {
	if id == nil {
		return true
	}
	p := a.partner(*id)
	switch {
	case p == nil:
		a.fail(c, loyalty.CodePartnerNotFound)
	case !p.active:
		a.fail(c, loyalty.CodePartnerInactive)
	default:
		return true
	}
	return false
}

func (a *crmAPI) info(ct *crmContact) loyalty.ContactInfo {
	info := loyalty.ContactInfo{Contact: ct.Contact, Cards: []loyalty.BonusCard{}}
	for _, n := range ct.cards {
		info.Cards = append(info.Cards, a.st.cards[n].BonusCard)
	}
	return info
}

func (a *crmAPI) findContactInfo(c *crmCall) (string, any) {
	var f struct {
		MobilePhone string `json:"mobile_phone"`
		Email       string `json:"email"`
		CardNumber  string `json:"card_number"`
		PartnerID   string `json:"partner_id"`
	}
	c.object("filter", &f)
	partner := parseGUID("filter.partner_id", f.PartnerID)
	if f.MobilePhone == "" && f.Email == "" && f.CardNumber == "" && partner == nil {
		panic(badRequest("filter: at least one field must be set"))
	}
	out := []loyalty.ContactInfo{}
	for _, ct := range a.st.contacts {
		switch {
		case f.MobilePhone != "" && ct.MobilePhone != f.MobilePhone,
			f.Email != "" && !strings.EqualFold(ct.Email, f.Email),
			f.CardNumber != "" && !slices.Contains(ct.cards, f.CardNumber),
			partner != nil && (ct.PartnerID == nil || *ct.PartnerID != *partner):
			continue
		}
		out = append(out, a.info(ct))
	}
	return "contacts", out
}

func (a *crmAPI) getByContactID(c *crmCall) (string, any) {
	id := c.guid("contact_id", true)
	ct := a.contact(*id)
	if ct == nil {
		a.fail(c, loyalty.CodeContactNotFound)
		return "contact", nil
	}
	return "contact", a.info(ct)
}

var msisdnRE = regexp.MustCompile(`^7\d{10}$`)

func (a *crmAPI) createContact(c *crmCall) (string, any) {
	var nc struct {
		Contact struct {
			MobilePhone string                `json:"mobile_phone"`
			Email       string                `json:"email"`
			LastName    string                `json:"last_name"`
			FirstName   string                `json:"first_name"`
			MiddleName  string                `json:"middle_name"`
			GenderCode  loyalty.ContactGender `json:"gender_code"`
			BirthDate   loyalty.CRMTime       `json:"birth_date"`
		} `json:"contact"`
		Registration *struct {
			SalesOutletID string `json:"sales_outlet_id"`
			PartnerID     string `json:"partner_id"`
		} `json:"registration"`
		Communication *struct {
			CommunicationMethod loyalty.CommunicationMethod `json:"communication_method"`
		} `json:"communication"`
	}
	c.object("new_contact", &nc)
	p := nc.Contact
	switch {
	case nc.Registration == nil:
		panic(badRequest("new_contact.registration is required"))
	case nc.Communication == nil:
		panic(badRequest("new_contact.communication is required"))
	case p.MobilePhone != "" && !msisdnRE.MatchString(p.MobilePhone):
		panic(badRequest("new_contact.contact.mobile_phone is not an MSISDN: " + p.MobilePhone))
	case p.GenderCode != "" && !p.GenderCode.Known():
		panic(badRequest("new_contact.contact.gender_code: unknown value " + string(p.GenderCode)))
	case nc.Communication.CommunicationMethod != "" && !nc.Communication.CommunicationMethod.Known():
		panic(badRequest("new_contact.communication.communication_method: unknown value"))
	}
	outlet := parseGUID("new_contact.registration.sales_outlet_id", nc.Registration.SalesOutletID)
	if outlet == nil {
		panic(badRequest("new_contact.registration.sales_outlet_id is required"))
	}
	partner := parseGUID("new_contact.registration.partner_id", nc.Registration.PartnerID)
	if !slices.ContainsFunc(a.st.outlets, func(o crmOutlet) bool { return o.ID == *outlet }) {
		a.fail(c, loyalty.CodeRecordNotFound)
	}
	a.checkPartner(c, partner)
	for _, ct := range a.st.contacts {
		if p.MobilePhone != "" && ct.MobilePhone == p.MobilePhone {
			a.fail(c, loyalty.CodeDuplicatePhone)
		}
		if p.Email != "" && strings.EqualFold(ct.Email, p.Email) {
			a.fail(c, loyalty.CodeDuplicateEmail)
		}
	}
	if len(c.errs) > 0 {
		return "contact_id", nil
	}
	a.st.seq++
	id := uuid.NewSHA1(crmNS, fmt.Appendf(nil, "contact-%d", a.st.seq))
	gender := p.GenderCode
	if gender == "" {
		gender = loyalty.ContactGenderNone
	}
	a.st.contacts = append(a.st.contacts, &crmContact{Contact: loyalty.Contact{
		ContactID: id, MobilePhone: p.MobilePhone, Email: p.Email, LastName: p.LastName, FirstName: p.FirstName,
		MiddleName: p.MiddleName, GenderCode: gender, BirthDate: p.BirthDate, LevelName: "Базовый", PartnerID: partner,
	}})
	return "contact_id", id
}

func fullName(ct *crmContact) string {
	return strings.Join(slices.DeleteFunc([]string{ct.LastName, ct.FirstName, ct.MiddleName}, func(s string) bool { return s == "" }), " ")
}

func (a *crmAPI) bindVirtualCard(c *crmCall) (string, any) {
	var d struct {
		ContactID  string `json:"contact_id"`
		PartnerID  string `json:"partner_id"`
		CardTypeID string `json:"card_type_id"`
	}
	c.object("card_data", &d)
	contactID := parseGUID("card_data.contact_id", d.ContactID)
	typeID := parseGUID("card_data.card_type_id", d.CardTypeID)
	partner := parseGUID("card_data.partner_id", d.PartnerID)
	if contactID == nil || typeID == nil {
		panic(badRequest("card_data.contact_id and card_data.card_type_id are required"))
	}
	ct := a.contact(*contactID)
	if ct == nil {
		a.fail(c, loyalty.CodeContactNotFound)
		return "card", nil
	}
	if !a.checkPartner(c, partner) {
		return "card", nil
	}
	i := slices.IndexFunc(a.st.cardTypes, func(t *crmCardType) bool { return t.ID == *typeID })
	if i < 0 {
		a.fail(c, loyalty.CodeCardTypeNotFound)
		return "card", nil
	}
	t := a.st.cardTypes[i]
	switch {
	case !t.active:
		a.fail(c, loyalty.CodeCardTypeInactive)
	case !t.virtual:
		a.fail(c, loyalty.CodeCardTypeNotVirtual)
	case len(a.st.pools[t.ID]) == 0:
		a.fail(c, loyalty.CodeNoVirtualCardsAvailable)
	}
	if len(c.errs) > 0 {
		return "card", nil
	}
	number := a.st.pools[t.ID][0]
	a.st.pools[t.ID] = a.st.pools[t.ID][1:]
	a.st.seq++
	card := &crmCard{BonusCard: loyalty.BonusCard{
		ID: uuid.NewSHA1(crmNS, fmt.Appendf(nil, "card-%d", a.st.seq)), Number: number, FullName: fullName(ct),
		PartnerID: partner, BonusType: loyalty.BonusTypeBonus, CardType: t.Name,
		StatusDate: loyalty.NewCRMTime(a.now()), StatusCode: loyalty.BonusCardStatusActive,
		ExpiryDate: loyalty.CRMDate(2030, time.December, 31), CardTypeID: &t.ID,
	}, owner: &ct.ContactID}
	a.st.cards[number] = card
	ct.cards = append(ct.cards, number)
	return "card", card.BonusCard
}

// now is the mock's clock, truncated to seconds like the CRM's datetimes.
func (a *crmAPI) now() time.Time { return time.Now().UTC().Truncate(time.Second) }

func (a *crmAPI) bindPhysicalCard(c *crmCall) (string, any) {
	var d struct {
		ContactID  string `json:"contact_id"`
		CardNumber string `json:"card_number"`
	}
	c.object("card_data", &d)
	contactID := parseGUID("card_data.contact_id", d.ContactID)
	if contactID == nil || d.CardNumber == "" {
		panic(badRequest("card_data.contact_id and card_data.card_number are required"))
	}
	ct := a.contact(*contactID)
	if ct == nil {
		a.fail(c, loyalty.CodeContactNotFound)
		return "card", nil
	}
	card := a.st.cards[d.CardNumber]
	switch {
	case card == nil:
		a.fail(c, loyalty.CodeCardDoesNotExist)
	case card.owner != nil:
		a.fail(c, loyalty.CodeCardAlreadyOwned)
	case card.StatusCode != loyalty.BonusCardStatusActive:
		a.fail(c, loyalty.CodeCardNotActive)
	}
	if len(c.errs) > 0 {
		return "card", nil
	}
	card.owner = &ct.ContactID
	card.FullName = fullName(ct)
	ct.cards = append(ct.cards, card.Number)
	return "card", card.BonusCard
}

func (a *crmAPI) campaignsByCard(c *crmCall) (string, any) {
	if c.str("card_id", false) == "" {
		a.fail(c, loyalty.CodeCardIDUndefined)
		return "personal_campaigns", nil
	}
	id := c.guid("card_id", true)
	var card *crmCard
	for _, cd := range a.st.cards {
		if cd.ID == *id {
			card = cd
		}
	}
	if card == nil {
		a.fail(c, loyalty.CodeCardNotFound)
		return "personal_campaigns", nil
	}
	out := []loyalty.PersonalCampaign{}
	for _, cp := range a.st.campaigns {
		if (cp.card != nil && *cp.card == card.ID) || (cp.card == nil && card.owner != nil && *card.owner == cp.contact) {
			out = append(out, cp.PersonalCampaign)
		}
	}
	return "personal_campaigns", out
}

func (a *crmAPI) campaignsByContact(c *crmCall) (string, any) {
	id := c.guid("contact_id", true)
	if a.contact(*id) == nil {
		a.fail(c, loyalty.CodeContactNotFound)
		return "personal_campaigns", nil
	}
	out := []loyalty.PersonalCampaign{}
	for _, cp := range a.st.campaigns {
		if cp.contact == *id {
			out = append(out, cp.PersonalCampaign)
		}
	}
	return "personal_campaigns", out
}

func (a *crmAPI) salesOutlets(c *crmCall) (string, any) {
	id := c.guid("partner_id", true)
	if !a.checkPartner(c, id) {
		return "sales_outlets", nil
	}
	out := []loyalty.SalesOutlet{}
	for _, o := range a.st.outlets {
		if o.partner == *id {
			out = append(out, o.SalesOutlet)
		}
	}
	return "sales_outlets", out
}

func (a *crmAPI) regions(*crmCall) (string, any) {
	return "regions", slices.Clone(a.st.regions)
}

func (a *crmAPI) cardTypes(c *crmCall) (string, any) {
	id := c.guid("partner_id", false)
	if !a.checkPartner(c, id) {
		return "card_types", nil
	}
	out := []loyalty.CardType{}
	for _, t := range a.st.cardTypes {
		if id == nil || (t.partner != nil && *t.partner == *id) {
			out = append(out, t.CardType)
		}
	}
	return "card_types", out
}

func (a *crmAPI) partners(*crmCall) (string, any) {
	out := []loyalty.Partner{}
	for _, p := range a.st.partners {
		out = append(out, p.Partner)
	}
	return "partners", out
}
