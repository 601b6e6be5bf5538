package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// crmMethod describes one method of the CRM spec: its name, which is also
// its path, whether it writes (POST, not retried after a lost answer; see
// [ContactService]) or reads (GET, retried), the field of the answer that
// holds its result, and the answer type that decodes it.
type crmMethod[T any] struct {
	path   string // "/" and the method's name
	write  bool
	result string
	answer func() crmAnswer[T]
}

// op is the method's name.
func (m crmMethod[T]) op() string { return m.path[1:] }

// The spec's methods.
var (
	crmFindContactInfo = crmMethod[[]ContactInfo]{path: "/FindContactInfo", result: "contacts",
		answer: func() crmAnswer[[]ContactInfo] { return new(contactsAnswer) }}
	crmGetByContactID = crmMethod[ContactInfo]{path: "/GetByContactId", result: "contact",
		answer: func() crmAnswer[ContactInfo] { return new(contactAnswer) }}
	crmCreateContact = crmMethod[uuid.UUID]{path: "/CreateContact", write: true, result: "contact_id",
		answer: func() crmAnswer[uuid.UUID] { return new(contactIDAnswer) }}
	crmBindVirtualCard = crmMethod[BonusCard]{path: "/BindVirtualCard", write: true, result: "card",
		answer: func() crmAnswer[BonusCard] { return new(cardAnswer) }}
	crmBindPhysicalCard = crmMethod[BonusCard]{path: "/BindPhysicalCard", write: true, result: "card",
		answer: func() crmAnswer[BonusCard] { return new(cardAnswer) }}
	crmGetPersonalCampaignByCard = crmMethod[[]PersonalCampaign]{path: "/GetPersonalCampaignByCard", result: "personal_campaigns",
		answer: func() crmAnswer[[]PersonalCampaign] { return new(campaignsAnswer) }}
	crmGetPersonalCampaignByContact = crmMethod[[]PersonalCampaign]{path: "/GetPersonalCampaignByContact", result: "personal_campaigns",
		answer: func() crmAnswer[[]PersonalCampaign] { return new(campaignsAnswer) }}
	crmGetSalesOutlet = crmMethod[[]SalesOutlet]{path: "/GetSalesOutlet", result: "sales_outlets",
		answer: func() crmAnswer[[]SalesOutlet] { return new(outletsAnswer) }}
	crmGetRegions = crmMethod[[]Region]{path: "/GetRegions", result: "regions",
		answer: func() crmAnswer[[]Region] { return new(regionsAnswer) }}
	crmGetCardTypesByPartner = crmMethod[[]CardType]{path: "/GetCardTypesByPartner", result: "card_types",
		answer: func() crmAnswer[[]CardType] { return new(cardTypesAnswer) }}
	crmGetPartners = crmMethod[[]Partner]{path: "/GetPartners", result: "partners",
		answer: func() crmAnswer[[]Partner] { return new(partnersAnswer) }}
)

// crmAnswer is an answer decoded in one pass: the errors array and the
// method's result field.
type crmAnswer[T any] interface {
	details() []CRMErrorDetail
	// value is the result; nil when the field is missing or null, except
	// for a list, where that is an empty list (never nil).
	value() *T
}

// crmErrors is the errors array every answer carries.
type crmErrors struct {
	Errors []CRMErrorDetail `json:"errors"`
}

func (e *crmErrors) details() []CRMErrorDetail { return e.Errors }

// The answers, one per result field the spec names.
type (
	contactsAnswer struct {
		crmErrors
		Contacts *[]ContactInfo `json:"contacts"`
	}
	contactAnswer struct {
		crmErrors
		Contact *ContactInfo `json:"contact"`
	}
	contactIDAnswer struct {
		crmErrors
		ContactID *uuid.UUID `json:"contact_id"`
	}
	cardAnswer struct {
		crmErrors
		Card *BonusCard `json:"card"`
	}
	campaignsAnswer struct {
		crmErrors
		Campaigns *[]PersonalCampaign `json:"personal_campaigns"`
	}
	outletsAnswer struct {
		crmErrors
		Outlets *[]SalesOutlet `json:"sales_outlets"`
	}
	regionsAnswer struct {
		crmErrors
		Regions *[]Region `json:"regions"`
	}
	cardTypesAnswer struct {
		crmErrors
		CardTypes *[]CardType `json:"card_types"`
	}
	partnersAnswer struct {
		crmErrors
		Partners *[]Partner `json:"partners"`
	}
)

func (a *contactsAnswer) value() *[]ContactInfo       { return list(a.Contacts) }
func (a *contactAnswer) value() *ContactInfo          { return a.Contact }
func (a *contactIDAnswer) value() *uuid.UUID          { return a.ContactID }
func (a *cardAnswer) value() *BonusCard               { return a.Card }
func (a *campaignsAnswer) value() *[]PersonalCampaign { return list(a.Campaigns) }
func (a *outletsAnswer) value() *[]SalesOutlet        { return list(a.Outlets) }
func (a *regionsAnswer) value() *[]Region             { return list(a.Regions) }
func (a *cardTypesAnswer) value() *[]CardType         { return list(a.CardTypes) }
func (a *partnersAnswer) value() *[]Partner           { return list(a.Partners) }

// list is a decoded list, empty (not nil) when it was missing or null.
func list[E any](p *[]E) *[]E {
	if p == nil || *p == nil {
		return &[]E{}
	}
	return p
}

// call sends m with the parameters p (the commercial firm added) in the
// client's style and returns the answer's result.
func (m crmMethod[T]) call(ctx context.Context, c *CRM, p *crmParams) (T, error) {
	var zero T
	r, err := c.request(m.path, m.write, p)
	if err != nil {
		return zero, err
	}
	resp, err := c.core.do(ctx, &r)
	if err != nil {
		return zero, tlsHint(err)
	}
	a := m.answer()
	if err := m.check(resp, a); err != nil {
		return zero, err
	}
	return *a.value(), nil
}

// request is the HTTP request of the method at path: a GET with the
// parameters in the query, or a POST with them in the query (an empty
// body) or, in [ParamsJSONBody] style, as a JSON body.
func (c *CRM) request(path string, write bool, p *crmParams) (request, error) {
	p.CommercialFirmID = c.firm
	op := path[1:]
	r := request{method: http.MethodGet, path: path, accept: "application/json"}
	if write {
		r.method = http.MethodPost
	}
	if write && c.style == ParamsJSONBody {
		body, err := json.Marshal(p)
		if err != nil {
			return request{}, &ValidationError{Field: op, Reason: err.Error()}
		}
		r.body, r.contentType = body, "application/json; charset=utf-8"
		return r, nil
	}
	q, err := p.rawQuery()
	if err != nil {
		return request{}, &ValidationError{Field: op, Reason: err.Error()}
	}
	r.rawQuery = q
	if write {
		r.body = []byte{}
	}
	return r, nil
}

// check decodes resp into a and classifies the answer: nil when it holds
// the result; a *CRMError when its errors array is not empty, whatever the
// HTTP status; an *APIError for anything else (an error status without
// CRM errors, a body that is not the method's JSON object).
func (m crmMethod[T]) check(resp *response, a crmAnswer[T]) error {
	if err := checkNumbers(resp.body); err != nil && resp.ok() {
		return resp.apiError("", fmt.Errorf("crm %s: %w", m.op(), err))
	}
	if repeatedTopKey(resp.body, "errors") {
		// {"errors":[…],"errors":[]}: decoded, the last would win.
		return resp.apiError("", fmt.Errorf("crm %s: %w (\"errors\")", m.op(), errRepeatedVerdict))
	}
	var derr error
	if f, ok := a.(oneShapeAnswer); !ok || !f.decodeOnePass(resp.body) {
		derr = json.Unmarshal(resp.body, a)
	}
	// A type error in a field leaves the other fields decoded (the
	// errors array among them); any other error leaves nothing usable.
	var typeErr *json.UnmarshalTypeError
	inField := errors.As(derr, &typeErr) && typeErr.Field != ""
	field := ""
	if inField {
		// Go 1.26 names the errors array "crmErrors.errors" (the embedded
		// struct's), Go 1.27 "errors".
		field = strings.TrimPrefix(typeErr.Field, "crmErrors.")
	}
	switch {
	case derr != nil && !inField && resp.ok():
		return resp.apiError("", fmt.Errorf("crm %s: response is not a JSON object: %w", m.op(), derr))
	case derr != nil && !inField:
		return resp.apiError("", nil)
	case len(a.details()) > 0:
		return &CRMError{
			Method: resp.method, URL: resp.url(), Operation: m.op(),
			StatusCode: resp.statusCode, Errors: a.details(), Attempts: resp.attempts,
		}
	case field == "errors" || strings.HasPrefix(field, "errors."):
		return resp.apiError("", fmt.Errorf("crm %s: undecodable errors array: %w", m.op(), derr))
	case !resp.ok():
		return resp.apiError("", nil)
	case derr != nil:
		return resp.apiError("", fmt.Errorf("crm %s: decoding %q: %w", m.op(), m.result, derr))
	case a.value() == nil:
		return resp.apiError("", fmt.Errorf("crm %s: the response has no %q", m.op(), m.result))
	}
	return nil
}
