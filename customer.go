package loyalty

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// CustomerService reads and writes VirtPOS customers.
type CustomerService struct{ vp *VirtPOS }

// Gender is a customer's gender as VirtPOS writes it.
type Gender string

// Genders. An empty Gender is "not given".
const (
	GenderMale   Gender = "M"
	GenderFemale Gender = "F"
)

// Known reports whether g is one of the values the spec lists.
func (g Gender) Known() bool { return g == GenderMale || g == GenderFemale }

// Valid reports whether g is one of the values the spec lists.
//
// Deprecated: use Known, the name every enum of the package uses.
func (g Gender) Valid() bool { return g.Known() }

// Customer is a VirtPOS customer as the server returns it. Age,
// RegisterDate, AccumulatedSales and the Created/LastUpdate fields are
// computed by the server: they are read, never sent.
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
}

// customerWire is a customer as text, exactly as the wire carries it.
type customerWire struct {
	ID                scalar `xml:"id" json:"id"`
	FName             scalar `xml:"fname" json:"fname"`
	LName             scalar `xml:"lname" json:"lname"`
	MName             scalar `xml:"mname" json:"mname"`
	Age               scalar `xml:"age" json:"age"`
	Email             scalar `xml:"email" json:"email"`
	Phone             scalar `xml:"phone" json:"phone"`
	Gender            scalar `xml:"gender" json:"gender"`
	CustomInformation scalar `xml:"custom_information" json:"custom_information"`
	BirthDay          scalar `xml:"birth_day" json:"birth_day"`
	BirthMonth        scalar `xml:"birth_month" json:"birth_month"`
	BirthYear         scalar `xml:"birth_year" json:"birth_year"`
	RegisterDate      scalar `xml:"register_date" json:"register_date"`
	AccumulatedSales  scalar `xml:"accumulated_sales" json:"accumulated_sales"`
	SendPush          scalar `xml:"send_push" json:"send_push"`
	SendEmail         scalar `xml:"send_email" json:"send_email"`
	SendSMS           scalar `xml:"send_sms" json:"send_sms"`
	GroupID           scalar `xml:"group_id" json:"group_id"`
	GroupName         scalar `xml:"group_name" json:"group_name"`
	ExternalID        scalar `xml:"external_id" json:"external_id"`
	CreatedDate       scalar `xml:"created_date" json:"created_date"`
	CreatedBy         scalar `xml:"created_by" json:"created_by"`
	LastUpdateDate    scalar `xml:"last_update_date" json:"last_update_date"`
	LastUpdateBy      scalar `xml:"last_update_by" json:"last_update_by"`

	// decoded is the customer already converted by a fast path, if any.
	decoded *Customer
}

// field is the wire field called name, for decoding JSON key by key.
func (w *customerWire) field(name string) *scalar {
	switch name {
	case "id":
		return &w.ID
	case "fname":
		return &w.FName
	case "lname":
		return &w.LName
	case "mname":
		return &w.MName
	case "age":
		return &w.Age
	case "email":
		return &w.Email
	case "phone":
		return &w.Phone
	case "gender":
		return &w.Gender
	case "custom_information":
		return &w.CustomInformation
	case "birth_day":
		return &w.BirthDay
	case "birth_month":
		return &w.BirthMonth
	case "birth_year":
		return &w.BirthYear
	case "register_date":
		return &w.RegisterDate
	case "accumulated_sales":
		return &w.AccumulatedSales
	case "send_push":
		return &w.SendPush
	case "send_email":
		return &w.SendEmail
	case "send_sms":
		return &w.SendSMS
	case "group_id":
		return &w.GroupID
	case "group_name":
		return &w.GroupName
	case "external_id":
		return &w.ExternalID
	case "created_date":
		return &w.CreatedDate
	case "created_by":
		return &w.CreatedBy
	case "last_update_date":
		return &w.LastUpdateDate
	case "last_update_by":
		return &w.LastUpdateBy
	}
	return nil
}

// customer converts the wire text to typed values.
func (w *customerWire) customer() (Customer, error) {
	if w.decoded != nil {
		return *w.decoded, nil
	}
	c := Customer{
		FirstName:         string(w.FName),
		LastName:          string(w.LName),
		MiddleName:        string(w.MName),
		Email:             string(w.Email),
		Phone:             string(w.Phone),
		Gender:            Gender(w.Gender.text()),
		CustomInformation: string(w.CustomInformation),
		GroupName:         string(w.GroupName),
		ExternalID:        string(w.ExternalID),
	}
	var errs [24]error
	var n int64
	c.ID, errs[0] = parseInt("id", w.ID)
	n, errs[1] = parseInt("age", w.Age)
	c.Age = int(n)
	n, errs[2] = parseInt("birth_day", w.BirthDay)
	c.BirthDay = int(n)
	n, errs[3] = parseInt("birth_month", w.BirthMonth)
	c.BirthMonth = int(n)
	n, errs[4] = parseInt("birth_year", w.BirthYear)
	c.BirthYear = int(n)
	c.RegisterDate, errs[5] = parseTime("register_date", w.RegisterDate)
	c.AccumulatedSales, errs[6] = parseDecimal("accumulated_sales", w.AccumulatedSales)
	c.SendPush, errs[7] = parseBool("send_push", w.SendPush)
	c.SendEmail, errs[8] = parseBool("send_email", w.SendEmail)
	c.SendSMS, errs[9] = parseBool("send_sms", w.SendSMS)
	c.GroupID, errs[10] = parseInt("group_id", w.GroupID)
	c.CreatedDate, errs[11] = parseTime("created_date", w.CreatedDate)
	c.CreatedBy, errs[12] = parseInt("created_by", w.CreatedBy)
	c.LastUpdateDate, errs[13] = parseTime("last_update_date", w.LastUpdateDate)
	c.LastUpdateBy, errs[14] = parseInt("last_update_by", w.LastUpdateBy)
	for _, err := range errs {
		if err != nil {
			return Customer{}, err
		}
	}
	return c, nil
}

// customerJSON is the wire JSON a Customer marshals to.
type customerJSON struct {
	ID                int64       `json:"id"`
	FName             string      `json:"fname"`
	LName             string      `json:"lname"`
	MName             string      `json:"mname"`
	Age               int         `json:"age"`
	Email             string      `json:"email"`
	Phone             string      `json:"phone"`
	Gender            Gender      `json:"gender"`
	CustomInformation string      `json:"custom_information"`
	BirthDay          *int        `json:"birth_day"`
	BirthMonth        *int        `json:"birth_month"`
	BirthYear         *int        `json:"birth_year"`
	RegisterDate      string      `json:"register_date"`
	AccumulatedSales  json.Number `json:"accumulated_sales"`
	SendPush          int         `json:"send_push"`
	SendEmail         int         `json:"send_email"`
	SendSMS           int         `json:"send_sms"`
	GroupID           *int64      `json:"group_id"`
	GroupName         string      `json:"group_name"`
	ExternalID        string      `json:"external_id,omitempty"`
	CreatedDate       string      `json:"created_date"`
	CreatedBy         int64       `json:"created_by"`
	LastUpdateDate    string      `json:"last_update_date"`
	LastUpdateBy      int64       `json:"last_update_by"`
}

func nonZero[T int | int64](v T) *T {
	if v == 0 {
		return nil
	}
	return &v
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MarshalJSON writes c in the VirtPOS wire form: the wire's field names,
// timestamps as "2006-01-02 15:04:05", flags as 0/1, money as a JSON
// number, and null for an unknown birth date part or no group.
func (c Customer) MarshalJSON() ([]byte, error) {
	return json.Marshal(customerJSON{
		ID: c.ID, FName: c.FirstName, LName: c.LastName, MName: c.MiddleName, Age: c.Age,
		Email: c.Email, Phone: c.Phone, Gender: c.Gender, CustomInformation: c.CustomInformation,
		BirthDay: nonZero(c.BirthDay), BirthMonth: nonZero(c.BirthMonth), BirthYear: nonZero(c.BirthYear),
		RegisterDate: formatTime(c.RegisterDate), AccumulatedSales: json.Number(c.AccumulatedSales.String()),
		SendPush: bit(c.SendPush), SendEmail: bit(c.SendEmail), SendSMS: bit(c.SendSMS),
		GroupID: nonZero(c.GroupID), GroupName: c.GroupName, ExternalID: c.ExternalID,
		CreatedDate: formatTime(c.CreatedDate), CreatedBy: c.CreatedBy,
		LastUpdateDate: formatTime(c.LastUpdateDate), LastUpdateBy: c.LastUpdateBy,
	})
}

// UnmarshalJSON reads the wire form as tolerantly as responses are read:
// numbers and flags may be strings, empty values are zero.
func (c *Customer) UnmarshalJSON(b []byte) error {
	var w customerWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	v, err := w.customer()
	if err != nil {
		return err
	}
	*c = v
	return nil
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
	Page       int    `url:"page,omitempty"`        // 1-based page number (0: no paging)
	PageSize   int    `url:"page_size,omitempty"`   // customers per page
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
// fields are sent; a pointer to "" clears a text field. Server-computed
// fields (age, register_date, accumulated_sales, created_*,
// last_update_*) cannot be sent.
type CustomerUpdate struct {
	FirstName         *string `url:"fname,omitempty"`
	LastName          *string `url:"lname,omitempty"`
	MiddleName        *string `url:"mname,omitempty"`
	Email             *string `url:"email,omitempty"`
	Phone             *string `url:"phone,omitempty"`
	Gender            *Gender `url:"gender,omitempty"`
	CustomInformation *string `url:"custom_information,omitempty"`
	BirthDay          *int    `url:"birth_day,omitempty"`
	BirthMonth        *int    `url:"birth_month,omitempty"`
	BirthYear         *int    `url:"birth_year,omitempty"`
	SendPush          *bool   `url:"send_push,omitempty,int"`
	SendEmail         *bool   `url:"send_email,omitempty,int"`
	SendSMS           *bool   `url:"send_sms,omitempty,int"`
	// GroupID puts the customer in an existing group; it wins over GroupName.
	GroupID *int64 `url:"group_id,omitempty"`
	// GroupName puts the customer in the group of that name, which the
	// server creates when it does not exist.
	GroupName  *string `url:"group_name,omitempty"`
	ExternalID *string `url:"external_id,omitempty"`
}

func (u *CustomerUpdate) validate() error {
	if u == nil {
		return &ValidationError{Field: "CustomerUpdate", Reason: "nil"}
	}
	if u.Gender != nil && *u.Gender != "" && !u.Gender.Known() {
		return &ValidationError{Field: "CustomerUpdate.Gender", Reason: "unknown gender " + strconv.Quote(string(*u.Gender)) + " (want M or F)"}
	}
	if u.BirthDay != nil && (*u.BirthDay < 1 || *u.BirthDay > 31) {
		return &ValidationError{Field: "CustomerUpdate.BirthDay", Reason: "out of 1–31: " + strconv.Itoa(*u.BirthDay)}
	}
	if u.BirthMonth != nil && (*u.BirthMonth < 1 || *u.BirthMonth > 12) {
		return &ValidationError{Field: "CustomerUpdate.BirthMonth", Reason: "out of 1–12: " + strconv.Itoa(*u.BirthMonth)}
	}
	if u.BirthYear != nil && (*u.BirthYear < 1900 || *u.BirthYear > 9999) {
		return &ValidationError{Field: "CustomerUpdate.BirthYear", Reason: "out of 1900–9999: " + strconv.Itoa(*u.BirthYear)}
	}
	if u.GroupID != nil && *u.GroupID <= 0 {
		return &ValidationError{Field: "CustomerUpdate.GroupID", Reason: "not positive"}
	}
	return nil
}

// UpdateResult is the answer to a write: the record's id and whether the
// write created it.
type UpdateResult struct {
	ID    int64 // id of the record updated or created
	IsNew bool  // isnew: true when the record was created
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

// List returns one response's customers: every customer matching q, or
// one page of them when q.Page is set. A nil q lists every customer.
func (s *CustomerService) List(ctx context.Context, q *CustomerQuery) (*CustomerPage, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if q == nil {
		q = &CustomerQuery{}
	}
	page := &CustomerPage{Page: q.Page, PageSize: q.PageSize}
	count, err := s.read(ctx, q, false, func(c Customer) bool {
		page.Customers = append(page.Customers, c)
		return true
	})
	if err != nil {
		return nil, err
	}
	page.Count = count
	return page, nil
}

// All iterates over every customer matching q, page by page (q.PageSize,
// default DefaultPageSize, starting at q.Page or 1). Each page is decoded
// while it streams in, so memory does not grow with the number of
// customers. q is copied; the caller may reuse it. Iteration ends after
// the first error, which is yielded with a zero Customer.
func (s *CustomerService) All(ctx context.Context, q *CustomerQuery) iter.Seq2[Customer, error] {
	if err := s.ready(); err != nil {
		return func(yield func(Customer, error) bool) { yield(Customer{}, err) }
	}
	var base CustomerQuery
	if q != nil {
		base = *q
	}
	return func(yield func(Customer, error) bool) {
		if err := base.validate(); err != nil {
			yield(Customer{}, err)
			return
		}
		size := base.PageSize
		if size == 0 {
			size = DefaultPageSize
		}
		page := max(base.Page, 1)
		var prevFirst int64 = -1
		for {
			pq := base
			pq.Page, pq.PageSize = page, size
			n, first, stopped := 0, int64(-1), false
			_, err := s.read(ctx, &pq, true, func(c Customer) bool {
				if n == 0 {
					first = c.ID
					if first == prevFirst {
						// The server ignores paging: this page repeats the last.
						return false
					}
				}
				n++
				if !yield(c, nil) {
					stopped = true
					return false
				}
				return true
			})
			switch {
			case stopped:
				return
			case err != nil:
				yield(Customer{}, err)
				return
			case n < size, n > size, first == prevFirst:
				return // the last page, or a server that ignores paging
			}
			prevFirst = first
			page++
		}
	}
}

// Stream iterates over the customers of one response as it arrives: all
// customers matching q in one unpaged request unless q sets Page. Memory
// does not grow with the number of customers.
func (s *CustomerService) Stream(ctx context.Context, q *CustomerQuery) iter.Seq2[Customer, error] {
	if err := s.ready(); err != nil {
		return func(yield func(Customer, error) bool) { yield(Customer{}, err) }
	}
	var base CustomerQuery
	if q != nil {
		base = *q
	}
	return func(yield func(Customer, error) bool) {
		stopped := false
		_, err := s.read(ctx, &base, true, func(c Customer) bool {
			if !yield(c, nil) {
				stopped = true
			}
			return !stopped
		})
		if err != nil && !stopped {
			yield(Customer{}, err)
		}
	}
}

// Get returns the customer with VirtPOS id id; errors.Is(err, ErrNotFound)
// when there is none.
func (s *CustomerService) Get(ctx context.Context, id int64) (*Customer, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, &ValidationError{Field: "id", Reason: "must be positive, got " + strconv.FormatInt(id, 10)}
	}
	return s.one(ctx, &CustomerQuery{ID: id}, "id "+strconv.FormatInt(id, 10))
}

// GetByExternalID returns the customer whose external_id is externalID;
// errors.Is(err, ErrNotFound) when there is none.
func (s *CustomerService) GetByExternalID(ctx context.Context, externalID string) (*Customer, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if externalID == "" {
		return nil, &ValidationError{Field: "externalID", Reason: "empty"}
	}
	return s.one(ctx, &CustomerQuery{ExternalID: externalID}, "external_id "+strconv.Quote(externalID))
}

func (s *CustomerService) one(ctx context.Context, q *CustomerQuery, what string) (*Customer, error) {
	// Only the customer asked for counts: a server that ignores id or
	// external_id answers every customer (the spec: "if not given, all"),
	// and the first of those is somebody else.
	matches := func(c *Customer) bool {
		return (q.ID == 0 || c.ID == q.ID) && (q.ExternalID == "" || c.ExternalID == q.ExternalID)
	}
	var found *Customer
	resp, _, err := s.readResp(ctx, q, false, func(c Customer) bool {
		if !matches(&c) {
			return true
		}
		found = &c
		return false
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, resp.apiError("", fmt.Errorf("customer with %s: %w", what, ErrNotFound))
	}
	return found, nil
}

// read runs one GET and hands every customer to yield; it returns the
// envelope's count.
func (s *CustomerService) read(ctx context.Context, q *CustomerQuery, stream bool, yield func(Customer) bool) (int, error) {
	_, count, err := s.readResp(ctx, q, stream, yield)
	return count, err
}

func (s *CustomerService) readResp(ctx context.Context, q *CustomerQuery, stream bool, yield func(Customer) bool) (*response, int, error) {
	if err := q.validate(); err != nil {
		return nil, 0, err
	}
	r := &request{method: http.MethodGet, path: "/api/customer", rawQuery: q.rawQuery(s.vp.key.v, s.vp.format), accept: s.vp.accept(), stream: stream}
	resp, err := s.vp.core.do(ctx, r)
	if err != nil {
		return nil, 0, err
	}
	count, err := s.vp.decodeCustomers(ctx, resp, yield)
	return resp, count, err
}

// Update writes the fields set in u to the customer with id id and
// returns its id. With CreateIfNotExist a customer is created when id is
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
	form, err := encodeValues(u)
	if err != nil {
		return nil, err
	}
	return s.vp.write(ctx, "/api/customer/update", q, form, idempotent)
}
