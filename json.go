package loyalty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// VirtPOS JSON decoding: the buffered form (one Unmarshal of a body in
// memory, a fast typed shape first and the tolerant one when the body
// strays from it) and the streamed form (token by token from a
// json.Decoder, so a long export does not grow the heap).

// jsonEnvelope is a customers answer held in memory.
type jsonEnvelope struct {
	Success   *scalar       `json:"success"`
	Info      scalar        `json:"info"`
	Count     scalar        `json:"count"`
	Customers jsonCustomers `json:"customers"`
}

// jsonCustomers accepts every shape of "customers" that decodeJSONCustomers
// accepts: an array, {"customer": array-or-object}, one customer object,
// null or "".
type jsonCustomers []customerWire

// UnmarshalJSON decodes the shapes listed on jsonCustomers.
func (c *jsonCustomers) UnmarshalJSON(b []byte) error {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '[':
		return json.Unmarshal(b, (*[]customerWire)(c))
	case '{':
		if inner := bytes.TrimLeft(b[1:], " \t\r\n"); len(inner) > 0 && inner[0] == '}' {
			return nil // {}: an empty list
		}
		var one struct {
			Customer json.RawMessage `json:"customer"`
			customerWire
		}
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		if one.Customer != nil {
			return c.UnmarshalJSON(one.Customer)
		}
		*c = jsonCustomers{one.customerWire}
	}
	return nil // null, "" or another scalar: no customers
}

// fastEnvelope is the common shape of a JSON customers answer: numbers as
// numbers (or numeric strings), text as strings, customers as an array.
// Its fields need no Unmarshaler, so encoding/json decodes it without
// reflection calls per field; anything else falls back to jsonEnvelope.
type fastEnvelope struct {
	Success   *json.Number   `json:"success"`
	Info      string         `json:"info"`
	Count     json.Number    `json:"count"`
	Customers []fastCustomer `json:"customers"`
}

type fastCustomer struct {
	ID                int64       `json:"id"`
	FName             string      `json:"fname"`
	LName             string      `json:"lname"`
	MName             string      `json:"mname"`
	Age               int         `json:"age"`
	Email             string      `json:"email"`
	Phone             string      `json:"phone"`
	Gender            string      `json:"gender"`
	CustomInformation string      `json:"custom_information"`
	BirthDay          int         `json:"birth_day"`
	BirthMonth        int         `json:"birth_month"`
	BirthYear         int         `json:"birth_year"`
	RegisterDate      string      `json:"register_date"`
	AccumulatedSales  json.Number `json:"accumulated_sales"`
	SendPush          int         `json:"send_push"`
	SendEmail         int         `json:"send_email"`
	SendSMS           int         `json:"send_sms"`
	GroupID           int64       `json:"group_id"`
	GroupName         string      `json:"group_name"`
	ExternalID        string      `json:"external_id"`
	CreatedDate       string      `json:"created_date"`
	CreatedBy         int64       `json:"created_by"`
	LastUpdateDate    string      `json:"last_update_date"`
	LastUpdateBy      int64       `json:"last_update_by"`
}

// customer converts f; an error (a flag other than 0/1, a bad date or
// amount) sends the whole answer to the tolerant decoder instead.
func (f *fastCustomer) customer() (Customer, error) {
	c := Customer{
		ID: f.ID, FirstName: f.FName, LastName: f.LName, MiddleName: f.MName, Age: f.Age,
		Email: f.Email, Phone: f.Phone, Gender: Gender(strings.TrimSpace(f.Gender)),
		CustomInformation: f.CustomInformation, BirthDay: f.BirthDay, BirthMonth: f.BirthMonth,
		BirthYear: f.BirthYear, GroupID: f.GroupID, GroupName: f.GroupName, ExternalID: f.ExternalID,
		CreatedBy: f.CreatedBy, LastUpdateBy: f.LastUpdateBy,
	}
	for _, fl := range [...]struct {
		v   int
		dst *bool
	}{{f.SendPush, &c.SendPush}, {f.SendEmail, &c.SendEmail}, {f.SendSMS, &c.SendSMS}} {
		if fl.v != 0 && fl.v != 1 {
			return Customer{}, errors.New("flag out of range")
		}
		*fl.dst = fl.v == 1
	}
	var errs [4]error
	c.RegisterDate, errs[0] = parseTime("register_date", scalar(f.RegisterDate))
	c.CreatedDate, errs[1] = parseTime("created_date", scalar(f.CreatedDate))
	c.LastUpdateDate, errs[2] = parseTime("last_update_date", scalar(f.LastUpdateDate))
	c.AccumulatedSales, errs[3] = parseDecimal("accumulated_sales", scalar(f.AccumulatedSales))
	return c, errors.Join(errs[:]...)
}

// decodeJSONBytes decodes a whole JSON customers answer in one Unmarshal:
// the fast shape first, the tolerant one when the body strays from it.
func (d *customerDecoder) decodeJSONBytes(b []byte, yield func(*customerWire) bool) error {
	var fast fastEnvelope
	if json.Unmarshal(b, &fast) == nil && fast.Success != nil {
		ws := make([]customerWire, len(fast.Customers))
		ok := true
		for i := range fast.Customers {
			c, err := fast.Customers[i].customer()
			if err != nil {
				ok = false
				break
			}
			ws[i].decoded = &c
		}
		if ok {
			d.st.seen, d.st.success = true, scalar(*fast.Success)
			d.st.info, d.count = scalar(fast.Info), scalar(fast.Count)
			for i := range ws {
				if !yield(&ws[i]) {
					return errStop
				}
			}
			return nil
		}
	}
	var env jsonEnvelope
	err := json.Unmarshal(b, &env)
	if env.Success != nil {
		d.st.seen, d.st.success = true, *env.Success
	}
	d.st.info, d.count = env.Info, env.Count
	if err != nil {
		return err
	}
	for i := range env.Customers {
		if !yield(&env.Customers[i]) {
			return errStop
		}
	}
	return nil
}

func (d *customerDecoder) decodeJSON(dec *json.Decoder, yield func(*customerWire) bool) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		key, err := jsonKey(dec)
		if err != nil {
			return err
		}
		switch key {
		case "success":
			d.st.seen = true
			err = dec.Decode(&d.st.success)
		case "info":
			err = dec.Decode(&d.st.info)
		case "count":
			err = dec.Decode(&d.count)
		case "customers":
			err = decodeJSONCustomers(dec, yield)
		default:
			err = skipJSON(dec)
		}
		if err != nil {
			return err
		}
	}
	return expectDelim(dec, '}')
}

// decodeJSONCustomers reads the value of "customers": an array, an object
// {"customer": array-or-object}, a single customer object, null or "".
func decodeJSONCustomers(dec *json.Decoder, yield func(*customerWire) bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		return decodeJSONArray(dec, yield)
	case json.Delim('{'):
	default:
		return nil // null, "" or another scalar: no customers
	}
	if !dec.More() {
		return expectDelim(dec, '}')
	}
	key, err := jsonKey(dec)
	if err != nil {
		return err
	}
	if key == "customer" {
		// The XML shape carried over to JSON: {"customer": [...]} or {"customer": {...}}.
		if err := decodeJSONCustomerValue(dec, yield); err != nil {
			return err
		}
		for dec.More() {
			if _, err := jsonKey(dec); err != nil {
				return err
			}
			if err := skipJSON(dec); err != nil {
				return err
			}
		}
		return expectDelim(dec, '}')
	}
	// One customer object whose first key we have read.
	return yieldJSONCustomer(dec, key, yield)
}

// yieldJSONCustomer reads the rest of a customer object whose '{' and
// first key have been consumed, and hands it to yield.
func yieldJSONCustomer(dec *json.Decoder, key string, yield func(*customerWire) bool) error {
	var w customerWire
	if err := w.decodeJSONFields(dec, key); err != nil {
		return err
	}
	if !yield(&w) {
		return errStop
	}
	return nil
}

func decodeJSONCustomerValue(dec *json.Decoder, yield func(*customerWire) bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		return decodeJSONArray(dec, yield)
	case json.Delim('{'):
		if !dec.More() {
			return expectDelim(dec, '}') // {}: no customer, as in a buffered answer
		}
		key, err := jsonKey(dec)
		if err != nil {
			return err
		}
		return yieldJSONCustomer(dec, key, yield)
	}
	return nil
}

func decodeJSONArray(dec *json.Decoder, yield func(*customerWire) bool) error {
	for dec.More() {
		var w customerWire
		if err := dec.Decode(&w); err != nil {
			return err
		}
		if !yield(&w) {
			return errStop
		}
	}
	return expectDelim(dec, ']')
}

// decodeJSONFields reads the rest of a customer object whose '{' and first
// key have been consumed, through its closing '}'.
func (w *customerWire) decodeJSONFields(dec *json.Decoder, key string) error {
	for {
		var err error
		if p := w.field(key); p != nil {
			err = dec.Decode(p)
		} else {
			err = skipJSON(dec)
		}
		if err != nil {
			return err
		}
		if !dec.More() {
			return expectDelim(dec, '}')
		}
		if key, err = jsonKey(dec); err != nil {
			return err
		}
	}
}

func jsonKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("expected an object key, got %v", tok)
	}
	return k, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("expected %q, got %v", want, tok)
	}
	return nil
}

// skipJSON discards one value without keeping it.
func skipJSON(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}
