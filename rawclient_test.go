package loyalty_test

// The hand-written clients the benchmarks compare the SDK with (see
// BENCHMARKS.md), and an in-memory transport that serves pre-encoded
// answers so that a benchmark counts the client's own CPU and allocations:
//
//   - best raw: what a competent engineer writes for speed. XML: an
//     xml.Decoder.RawToken loop parsing each field straight into the typed
//     loyalty.Customer; JSON: a json.Decoder on the body into plain typed
//     structs (streamed element by element for exports).
//   - naive raw: io.ReadAll, then reflective xml/json.Unmarshal into typed
//     structs.
//   - floor: the same request, the body copied to io.Discard.
//
// Each produces the same loyalty values as the SDK (timestamps parsed,
// money as decimal.Decimal, flags as bool).

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/testutil"
)

// rawCustomer is what a hand-written client decodes a customer into:
// encoding/xml and encoding/json do the conversions they can, the
// timestamps are parsed afterwards.
type rawCustomer struct {
	ID                int64           `xml:"id" json:"id"`
	FName             string          `xml:"fname" json:"fname"`
	LName             string          `xml:"lname" json:"lname"`
	MName             string          `xml:"mname" json:"mname"`
	Age               int             `xml:"age" json:"age"`
	Email             string          `xml:"email" json:"email"`
	Phone             string          `xml:"phone" json:"phone"`
	Gender            string          `xml:"gender" json:"gender"`
	CustomInformation string          `xml:"custom_information" json:"custom_information"`
	BirthDay          int             `xml:"birth_day" json:"birth_day"`
	BirthMonth        int             `xml:"birth_month" json:"birth_month"`
	BirthYear         int             `xml:"birth_year" json:"birth_year"`
	RegisterDate      string          `xml:"register_date" json:"register_date"`
	AccumulatedSales  decimal.Decimal `xml:"accumulated_sales" json:"accumulated_sales"`
	SendPush          int             `xml:"send_push" json:"send_push"`
	SendEmail         int             `xml:"send_email" json:"send_email"`
	SendSMS           int             `xml:"send_sms" json:"send_sms"`
	GroupID           int64           `xml:"group_id" json:"group_id"`
	GroupName         string          `xml:"group_name" json:"group_name"`
	ExternalID        string          `xml:"external_id" json:"external_id"`
	CreatedDate       string          `xml:"created_date" json:"created_date"`
	CreatedBy         int64           `xml:"created_by" json:"created_by"`
	LastUpdateDate    string          `xml:"last_update_date" json:"last_update_date"`
	LastUpdateBy      int64           `xml:"last_update_by" json:"last_update_by"`
}

// rawEnvelope is a VirtPOS customers answer.
type rawEnvelope struct {
	Success   int           `xml:"success" json:"success"`
	Info      string        `xml:"info" json:"info"`
	Count     int           `xml:"count" json:"count"`
	Customers []rawCustomer `xml:"customers>customer" json:"customers"`
}

// rawStatus is the envelope without its customers.
type rawStatus struct {
	Success int
	Info    string
	Count   int
}

func (s rawStatus) err(status int) error {
	if status != http.StatusOK || s.Success != 1 {
		return fmt.Errorf("HTTP %d: success=%d %s", status, s.Success, s.Info)
	}
	return nil
}

func rawTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateTime, s, time.UTC)
}

// customer converts r to the SDK's type, as a hand-written client would.
func (r *rawCustomer) customer() (loyalty.Customer, error) {
	c := loyalty.Customer{
		ID: r.ID, FirstName: r.FName, LastName: r.LName, MiddleName: r.MName, Age: r.Age,
		Email: r.Email, Phone: r.Phone, Gender: loyalty.Gender(r.Gender), CustomInformation: r.CustomInformation,
		BirthDay: r.BirthDay, BirthMonth: r.BirthMonth, BirthYear: r.BirthYear,
		AccumulatedSales: r.AccumulatedSales,
		SendPush:         r.SendPush == 1, SendEmail: r.SendEmail == 1, SendSMS: r.SendSMS == 1,
		GroupID: r.GroupID, GroupName: r.GroupName, ExternalID: r.ExternalID,
		CreatedBy: r.CreatedBy, LastUpdateBy: r.LastUpdateBy,
	}
	var e1, e2, e3 error
	c.RegisterDate, e1 = rawTime(r.RegisterDate)
	c.CreatedDate, e2 = rawTime(r.CreatedDate)
	c.LastUpdateDate, e3 = rawTime(r.LastUpdateDate)
	return c, errors.Join(e1, e2, e3)
}

// rawGet sends a GET through hc; the caller closes the body.
func rawGet(ctx context.Context, hc *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return hc.Do(req)
}

// rawVirtPOSURL is the customers URL for q.
func rawVirtPOSURL(base string, f loyalty.Format, q url.Values) string {
	q.Set("apikey", "k")
	q.Set("format", string(f))
	return base + "/api/customer?" + q.Encode()
}

// bestVirtPOSList is the best hand-written VirtPOS read. XML: the body
// decoded as it arrives by bestXMLCustomers into a slice of capacity
// sizeHint; JSON: one json.Decoder.Decode into plain typed structs.
func bestVirtPOSList(ctx context.Context, hc *http.Client, u string, f loyalty.Format, sizeHint int) ([]loyalty.Customer, error) {
	resp, err := rawGet(ctx, hc, u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if f == loyalty.FormatJSON {
		// One Decode into plain typed structs: for a single answer it
		// beats walking the envelope token by token. Decode stops at the
		// value's end: what follows (a newline) is drained, or the
		// connection is not reused.
		var env rawEnvelope
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			return nil, err
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return nil, err
		}
		if err := (rawStatus{Success: env.Success, Info: env.Info}).err(resp.StatusCode); err != nil {
			return nil, err
		}
		return rawConvert(env.Customers)
	}
	out := make([]loyalty.Customer, 0, sizeHint)
	st, err := bestXMLCustomers(resp.Body, func(c *loyalty.Customer) bool {
		out = append(out, *c)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, st.err(resp.StatusCode)
}

// bestCustomers decodes a customers answer in format f from r.
func bestCustomers(r io.Reader, f loyalty.Format, yield func(*loyalty.Customer) bool) (rawStatus, error) {
	if f == loyalty.FormatJSON {
		return bestJSONCustomers(r, yield)
	}
	return bestXMLCustomers(r, yield)
}

// naiveVirtPOSList is the naive hand-written VirtPOS read: io.ReadAll and
// a reflective Unmarshal of the whole envelope.
func naiveVirtPOSList(ctx context.Context, hc *http.Client, u string, f loyalty.Format) ([]loyalty.Customer, error) {
	resp, err := rawGet(ctx, hc, u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env rawEnvelope
	if f == loyalty.FormatJSON {
		err = json.Unmarshal(body, &env)
	} else {
		err = xml.Unmarshal(body, &env)
	}
	if err != nil {
		return nil, err
	}
	if err := (rawStatus{Success: env.Success, Info: env.Info}).err(resp.StatusCode); err != nil {
		return nil, err
	}
	return rawConvert(env.Customers)
}

// rawConvert converts decoded customers to the SDK's type.
func rawConvert(rcs []rawCustomer) ([]loyalty.Customer, error) {
	out := make([]loyalty.Customer, len(rcs))
	for i := range rcs {
		var err error
		if out[i], err = rcs[i].customer(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// floorGet is the floor: the same request, its body copied to io.Discard.
// It returns the bytes read.
func floorGet(ctx context.Context, hc *http.Client, u string) (int64, error) {
	resp, err := rawGet(ctx, hc, u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return n, err
}

// bestXMLCustomers walks a VirtPOS XML customers envelope with
// xml.Decoder.RawToken (no name space or nesting checks, which a VirtPOS
// answer does not need) and parses every field of a <customer> straight
// into a loyalty.Customer, handing each to yield (the pointer is reused).
func bestXMLCustomers(r io.Reader, yield func(*loyalty.Customer) bool) (rawStatus, error) {
	d := xml.NewDecoder(r)
	var st rawStatus
	var c loyalty.Customer
	var text []byte
	depth, inCustomer := 0, false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if depth != 0 {
				return st, io.ErrUnexpectedEOF
			}
			return st, nil
		}
		if err != nil {
			return st, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			text = text[:0]
			if depth == 3 && t.Name.Local == "customer" {
				inCustomer, c = true, loyalty.Customer{}
			}
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			switch {
			case depth == 2:
				switch t.Name.Local {
				case "success":
					st.Success, err = rawAtoi[int](text)
				case "info":
					st.Info = string(text)
				case "count":
					st.Count, err = rawAtoi[int](text)
				}
			case depth == 3 && inCustomer:
				inCustomer = false
				if !yield(&c) {
					return st, nil
				}
			case depth == 4 && inCustomer:
				err = setRawXMLField(&c, t.Name.Local, text)
			}
			if err != nil {
				return st, err
			}
			depth--
			text = text[:0]
		}
	}
}

// setRawXMLField parses the text of the customer field name into c.
func setRawXMLField(c *loyalty.Customer, name string, text []byte) error {
	var err error
	switch name {
	case "id":
		c.ID, err = rawAtoi[int64](text)
	case "fname":
		c.FirstName = string(text)
	case "lname":
		c.LastName = string(text)
	case "mname":
		c.MiddleName = string(text)
	case "age":
		c.Age, err = rawAtoi[int](text)
	case "email":
		c.Email = string(text)
	case "phone":
		c.Phone = string(text)
	case "gender":
		c.Gender = loyalty.Gender(text)
	case "custom_information":
		c.CustomInformation = string(text)
	case "birth_day":
		c.BirthDay, err = rawAtoi[int](text)
	case "birth_month":
		c.BirthMonth, err = rawAtoi[int](text)
	case "birth_year":
		c.BirthYear, err = rawAtoi[int](text)
	case "register_date":
		c.RegisterDate, err = rawTime(string(text))
	case "accumulated_sales":
		if len(text) > 0 {
			c.AccumulatedSales, err = decimal.NewFromString(string(text))
		}
	case "send_push":
		c.SendPush = string(text) == "1"
	case "send_email":
		c.SendEmail = string(text) == "1"
	case "send_sms":
		c.SendSMS = string(text) == "1"
	case "group_id":
		c.GroupID, err = rawAtoi[int64](text)
	case "group_name":
		c.GroupName = string(text)
	case "external_id":
		c.ExternalID = string(text)
	case "created_date":
		c.CreatedDate, err = rawTime(string(text))
	case "created_by":
		c.CreatedBy, err = rawAtoi[int64](text)
	case "last_update_date":
		c.LastUpdateDate, err = rawTime(string(text))
	case "last_update_by":
		c.LastUpdateBy, err = rawAtoi[int64](text)
	}
	return err
}

// rawAtoi parses a decimal integer without allocating; empty is 0.
func rawAtoi[T int | int64](b []byte) (T, error) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var n T
	for _, ch := range b {
		if ch < '0' || ch > '9' || n > (1<<62)/10 {
			return 0, fmt.Errorf("bad integer %q", b)
		}
		n = n*10 + T(ch-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// bestJSONCustomers reads a VirtPOS JSON customers envelope with a
// json.Decoder: the envelope token by token, each customer decoded into a
// plain typed struct as it arrives (so an export of any size streams).
func bestJSONCustomers(r io.Reader, yield func(*loyalty.Customer) bool) (rawStatus, error) {
	d := json.NewDecoder(r)
	var st rawStatus
	if err := rawDelim(d, '{'); err != nil {
		return st, err
	}
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return st, err
		}
		switch key {
		case "success":
			err = d.Decode(&st.Success)
		case "info":
			err = d.Decode(&st.Info)
		case "count":
			err = d.Decode(&st.Count)
		case "customers":
			if err = rawDelim(d, '['); err != nil {
				return st, err
			}
			for d.More() {
				var rc rawCustomer
				if err := d.Decode(&rc); err != nil {
					return st, err
				}
				c, err := rc.customer()
				if err != nil {
					return st, err
				}
				if !yield(&c) {
					return st, nil
				}
			}
			err = rawDelim(d, ']')
		default:
			var skip json.RawMessage
			err = d.Decode(&skip)
		}
		if err != nil {
			return st, err
		}
	}
	return st, rawDelim(d, '}')
}

func rawDelim(d *json.Decoder, want json.Delim) error {
	tok, err := d.Token()
	if err == nil && tok != want {
		err = fmt.Errorf("want %v, got %v", want, tok)
	}
	return err
}

// newMemTransport is testutil.MemTransport: an in-memory transport that
// handles the request's context as http.Transport does, so a benchmark
// through it measures the client alone.
func newMemTransport(contentType string, answer func(*http.Request) []byte) *testutil.MemTransport {
	return testutil.NewMemTransport(contentType, answer)
}
