package loyalty

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// CustomerService reads and writes [VirtPOS] customers.
type CustomerService struct{ vp *VirtPOS }

// Gender is a customer's gender as [VirtPOS] writes it. The spec's example
// shows "F" and lists no values: [GenderMale] and [GenderFemale] are the
// usual ones, and any other value a server uses is read and sent as it
// is.
type Gender string

// Genders. An empty Gender is "not given".
const (
	GenderMale   Gender = "M"
	GenderFemale Gender = "F"
)

// Known reports whether g is [GenderMale] or [GenderFemale]. Other values are
// not refused: the spec lists none.
func (g Gender) Known() bool { return g == GenderMale || g == GenderFemale }

// Customer is a [VirtPOS] customer as the server returns it. Age is
// computed by the server and never sent; every other field can be sent
// with a [CustomerUpdate] (RegisterDate, AccumulatedSales and the
// Created/LastUpdate audit fields included, though the server keeps the
// audit fields itself and may ignore them).
type Customer struct {
	ID                int64           // id
	FirstName         string          // fname
	LastName          string          // lname
	MiddleName        string          // mname
	Age               int             // age, computed by the server from the birth date
	Email             string          // email
	Phone             string          // phone, in free form
	Gender            Gender          // gender
	CustomInformation string          // custom_information
	BirthDay          int             // birth_day, 1–31 (0: unknown)
	BirthMonth        int             // birth_month, 1–12 (0: unknown)
	BirthYear         int             // birth_year (0: unknown)
	RegisterDate      time.Time       // register_date
	AccumulatedSales  decimal.Decimal // accumulated_sales, money
	SendPush          bool            // send_push
	SendEmail         bool            // send_email
	SendSMS           bool            // send_sms
	GroupID           int64           // group_id (0: no group)
	GroupName         string          // group_name
	ExternalID        string          // external_id, the customer's code in another system
	CreatedDate       time.Time       // created_date
	CreatedBy         int64           // created_by, a VirtPOS user id
	LastUpdateDate    time.Time       // last_update_date
	LastUpdateBy      int64           // last_update_by, a VirtPOS user id
	// Cards and Bonuses are the customer's loyalty cards and bonus
	// accruals, sent by the server when the read asked for them
	// (CustomerQuery.Cards, Bonuses). Their shape is undocumented: they
	// are kept as sent (see RawBlock).
	Cards, Bonuses RawBlock
}

// CustomerQuery filters and pages a customer list. The zero value lists
// every customer in one response.
type CustomerQuery struct {
	ID         int64  `url:"id,omitempty"`          // one customer by VirtPOS id
	ExternalID string `url:"external_id,omitempty"` // one customer by the code in an external system
	Phone      string `url:"phone,omitempty"`       // phone in free form
	Email      string `url:"email,omitempty"`       // e-mail address
	WithPhone  *bool  `url:"with_phone,omitempty"`  // true: only with a phone; false: only without
	WithEmail  *bool  `url:"with_email,omitempty"`  // true: only with an e-mail; false: only without
	// Cards and Bonuses ask the server to add each customer's loyalty
	// cards and bonus accruals (cards=true, bonuses=true; read parameters
	// since 2020, default false). Their shape is undocumented: they come
	// back as Customer.Cards and Customer.Bonuses, kept as sent.
	Cards    bool `url:"cards,omitempty"`
	Bonuses  bool `url:"bonuses,omitempty"`
	Page     int  `url:"page,omitempty"`      // 1-based page number (0: no paging)
	PageSize int  `url:"page_size,omitempty"` // customers per page
}

// DefaultPageSize is the page size All uses when the query sets none (the
// spec's own example).
const DefaultPageSize = 200

// rawQuery is the URL query of a read: q's fields, the apikey and the
// format, byte for byte what go-querystring and url.Values.Encode make of
// them (keys sorted; TestCustomerQueryEncodesAsQuerystring holds it to
// that). Reads are the hot path: go-querystring's reflection cost about 14
// allocations and a tenth of a single-customer read's CPU (issue 15), so
// this fixed struct is encoded by hand; writes keep go-querystring.
func (q *CustomerQuery) rawQuery(apikey string, f Format) string {
	b := make([]byte, 0, 128)
	b = appendQueryParam(b, "apikey", apikey)
	if q.Bonuses {
		b = append(b, "&bonuses=true"...)
	}
	if q.Cards {
		b = append(b, "&cards=true"...)
	}
	if q.Email != "" {
		b = appendQueryParam(b, "email", q.Email)
	}
	if q.ExternalID != "" {
		b = appendQueryParam(b, "external_id", q.ExternalID)
	}
	b = appendQueryParam(b, "format", string(f))
	if q.ID != 0 {
		b = strconv.AppendInt(append(b, "&id="...), q.ID, 10)
	}
	if q.Page != 0 {
		b = strconv.AppendInt(append(b, "&page="...), int64(q.Page), 10)
	}
	if q.PageSize != 0 {
		b = strconv.AppendInt(append(b, "&page_size="...), int64(q.PageSize), 10)
	}
	if q.Phone != "" {
		b = appendQueryParam(b, "phone", q.Phone)
	}
	if q.WithEmail != nil {
		b = strconv.AppendBool(append(b, "&with_email="...), *q.WithEmail)
	}
	if q.WithPhone != nil {
		b = strconv.AppendBool(append(b, "&with_phone="...), *q.WithPhone)
	}
	return string(b)
}

// appendQueryParam appends key=value, query-escaped, with a leading & unless
// b is empty.
func appendQueryParam(b []byte, key, value string) []byte {
	if len(b) > 0 {
		b = append(b, '&')
	}
	b = append(b, url.QueryEscape(key)...)
	b = append(b, '=')
	return append(b, url.QueryEscape(value)...)
}

func (q *CustomerQuery) validate() error {
	switch {
	case q.ID < 0:
		return &ValidationError{Field: "CustomerQuery.ID", Reason: "negative"}
	case q.Page < 0:
		return &ValidationError{Field: "CustomerQuery.Page", Reason: "negative"}
	case q.PageSize < 0:
		return &ValidationError{Field: "CustomerQuery.PageSize", Reason: "negative"}
	}
	return nil
}

// CustomerPage is one response of Customers.List.
type CustomerPage struct {
	Customers []Customer
	// Count is the envelope's count: the number of customers the server
	// says match (the mock: across every page; 0 when the server omits it).
	Count int
	// Page and PageSize repeat the query's paging.
	Page, PageSize int
}

// CustomerUpdate is what Customers.Update and Create send. Only non-nil
// fields are sent; a pointer to "" clears a text field. Every customer
// field but age (which the server computes) can be sent, as the spec
// says: register_date and accumulated_sales (migrations need both) and
// the audit fields created_date, created_by, last_update_date and
// last_update_by.
//
// To take a customer out of its group, set GroupID to new(int64(0)) or
// GroupName to new(""): either sends group_id empty (the spec applies
// group_name only when it has a value, so an empty one is not sent).
type CustomerUpdate struct {
	FirstName  *string `url:"fname,omitempty"`
	LastName   *string `url:"lname,omitempty"`
	MiddleName *string `url:"mname,omitempty"`
	Email      *string `url:"email,omitempty"`
	Phone      *string `url:"phone,omitempty"`
	// Gender is sent as it is: GenderMale, GenderFemale or any other value
	// the server uses (the spec lists none). A pointer to "" clears it.
	Gender            *Gender `url:"gender,omitempty"`
	CustomInformation *string `url:"custom_information,omitempty"`
	// BirthDay (1–31), BirthMonth (1–12) and BirthYear (1–9999) are the
	// parts of the birth date; a pointer to 0 sends the part empty,
	// clearing it. The spec bounds none of them; the library refuses only
	// what cannot be a day, a month or a year.
	BirthDay   *int  `url:"-"`
	BirthMonth *int  `url:"-"`
	BirthYear  *int  `url:"-"`
	SendPush   *bool `url:"send_push,omitempty,int"`
	SendEmail  *bool `url:"send_email,omitempty,int"`
	SendSMS    *bool `url:"send_sms,omitempty,int"`
	// GroupID puts the customer in an existing group; it wins over
	// GroupName. A pointer to 0 takes the customer out of its group.
	GroupID *int64 `url:"group_id,omitempty"`
	// GroupName puts the customer in the group of that name, which the
	// server creates when it does not exist. A pointer to "" takes the
	// customer out of its group (sent as an empty group_id).
	GroupName  *string `url:"group_name,omitempty"`
	ExternalID *string `url:"external_id,omitempty"`
	// RegisterDate is sent as "2006-01-02 15:04:05" (wall clock, no zone);
	// a pointer to the zero time sends it empty.
	RegisterDate *time.Time `url:"-"`
	// AccumulatedSales is sent with its scale, a point as separator.
	AccumulatedSales *decimal.Decimal `url:"-"`
	// CreatedDate, CreatedBy, LastUpdateDate and LastUpdateBy are the
	// audit fields. The spec lets a write send them (every field but age);
	// the server keeps them itself and may ignore these. Dates are sent
	// as RegisterDate is; CreatedBy and LastUpdateBy are VirtPOS user ids
	// (positive).
	CreatedDate    *time.Time `url:"-"`
	CreatedBy      *int64     `url:"created_by,omitempty"`
	LastUpdateDate *time.Time `url:"-"`
	LastUpdateBy   *int64     `url:"last_update_by,omitempty"`
}

// form encodes u as the update's form body: the tagged fields, then the
// fields whose wire form go-querystring cannot make.
func (u *CustomerUpdate) form() (url.Values, error) {
	form, err := encodeValues(u)
	if err != nil {
		return nil, err
	}
	for k, t := range map[string]*time.Time{"register_date": u.RegisterDate, "created_date": u.CreatedDate, "last_update_date": u.LastUpdateDate} {
		if t != nil {
			form.Set(k, formatTime(*t))
		}
	}
	for k, n := range map[string]*int{"birth_day": u.BirthDay, "birth_month": u.BirthMonth, "birth_year": u.BirthYear} {
		switch {
		case n == nil:
		case *n == 0:
			form.Set(k, "")
		default:
			form.Set(k, strconv.Itoa(*n))
		}
	}
	if u.AccumulatedSales != nil {
		form.Set("accumulated_sales", u.AccumulatedSales.String())
	}
	if (u.GroupID != nil && *u.GroupID == 0) || (u.GroupID == nil && u.GroupName != nil && *u.GroupName == "") {
		form.Set("group_id", "")
		form.Del("group_name")
	}
	return form, nil
}

func (u *CustomerUpdate) validate() error {
	if u == nil {
		return &ValidationError{Field: "CustomerUpdate", Reason: "nil"}
	}
	for _, b := range []struct {
		name   string
		v      *int
		lo, hi int
	}{{"BirthDay", u.BirthDay, 1, 31}, {"BirthMonth", u.BirthMonth, 1, 12}, {"BirthYear", u.BirthYear, 1, 9999}} {
		if b.v != nil && *b.v != 0 && (*b.v < b.lo || *b.v > b.hi) {
			return &ValidationError{Field: "CustomerUpdate." + b.name, Reason: "out of " + strconv.Itoa(b.lo) + "–" + strconv.Itoa(b.hi) + " (0 clears it): " + strconv.Itoa(*b.v)}
		}
	}
	for _, b := range []struct {
		name string
		v    *int64
	}{{"CreatedBy", u.CreatedBy}, {"LastUpdateBy", u.LastUpdateBy}} {
		if b.v != nil && *b.v <= 0 {
			return &ValidationError{Field: "CustomerUpdate." + b.name, Reason: "not a positive user id: " + strconv.FormatInt(*b.v, 10)}
		}
	}
	if u.GroupID != nil && *u.GroupID < 0 {
		return &ValidationError{Field: "CustomerUpdate.GroupID", Reason: "negative (0 takes the customer out of its group)"}
	}
	return nil
}

// UpdateResult is the answer to a write: the record's id and whether the
// write created it, as far as the server said.
//
// A customer update always answers its id (the spec). A card write's
// answer is not documented: a server may answer a bare success=1, which
// is a success with IDSent and IsNewSent false, ID 0 and IsNew false (see
// docs/protocol.md, "VirtPOS discount cards"). Look the card up by the
// keys you sent rather than by ID then.
type UpdateResult struct {
	ID    int64 // id of the record updated or created (0 when !IDSent)
	IsNew bool  // isnew: true when the record was created (false when !IsNewSent)
	// IDSent and IsNewSent say whether the answer carried id and isnew.
	IDSent, IsNewSent bool
}

// UpdateOption changes how an update is made.
type UpdateOption func(*updateOptions)

type updateOptions struct{ create bool }

// CreateIfNotExist makes an update create the record when the lookup
// finds none (create_if_not_exist=1).
func CreateIfNotExist() UpdateOption { return func(o *updateOptions) { o.create = true } }

func collectUpdateOptions(opts []UpdateOption) updateOptions {
	var o updateOptions
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// Update writes the fields set in u to the customer with id id and
// returns its id. With [CreateIfNotExist] a customer is created when id is
// not found (with a new id, which the result carries).
//
// A plain Update is idempotent (it overwrites the given fields) and is
// retried after a 5xx or a lost connection; with CreateIfNotExist it is
// not, since a repeat after a lost answer would create a second customer.
func (s *CustomerService) Update(ctx context.Context, id int64, u *CustomerUpdate, opts ...UpdateOption) (*UpdateResult, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, &ValidationError{Field: "id", Reason: "must be positive, got " + strconv.FormatInt(id, 10)}
	}
	o := collectUpdateOptions(opts)
	q := url.Values{"id": {strconv.FormatInt(id, 10)}}
	if o.create {
		q.Set("create_if_not_exist", "1")
	} else {
		q.Set("create_if_not_exist", "0")
	}
	return s.write(ctx, q, u, !o.create)
}

// Create adds a customer with the fields set in u and returns its id.
// Setting GroupName creates the group when it does not exist. Create is
// never retried after a 5xx or a lost connection: a repeat could create
// the customer twice.
func (s *CustomerService) Create(ctx context.Context, u *CustomerUpdate) (*UpdateResult, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	return s.write(ctx, url.Values{"create_if_not_exist": {"1"}}, u, false)
}

func (s *CustomerService) write(ctx context.Context, q url.Values, u *CustomerUpdate, idempotent bool) (*UpdateResult, error) {
	if err := u.validate(); err != nil {
		return nil, err
	}
	form, err := u.form()
	if err != nil {
		return nil, err
	}
	return s.vp.write(ctx, "/api/customer/update", q, form, idempotent)
}
