package loyalty

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// VirtPOS envelope decoding. Every VirtPOS answer is an envelope — an XML
// <root> or a JSON object — with success (1/0), info on failure, and the
// payload: customers for reads, id and isnew for writes. The JSON form is
// not documented, so the decoders are tolerant: numbers and booleans may be
// strings, customers may be an array, {"customer": [...]} or one object,
// and empty XML tags are empty values.
//
// A response is decoded once: the envelope and its payload in one pass
// over the bytes, token by token for customers, so the same code serves a
// buffered page (List) and a streamed read (All, Stream) whose heap use
// does not grow with the number of customers.

// TimeLayout is the layout of VirtPOS timestamps ("2016-07-18 13:54:37").
// They carry no zone: the library reads them as UTC with the wall clock
// unchanged and writes a time.Time's own wall clock.
const TimeLayout = "2006-01-02 15:04:05"

// scalar is a wire value as text: XML character data, or a JSON string,
// number, boolean (true/false as written) or null (empty).
type scalar string

// UnmarshalJSON accepts any JSON value; objects and arrays are kept raw.
func (s *scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		if bytes.IndexByte(b, '\\') < 0 {
			*s = scalar(b[1 : len(b)-1])
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = scalar(v)
	default:
		*s = scalar(b)
	}
	return nil
}

func (s scalar) text() string { return strings.TrimSpace(string(s)) }

// fieldError names the wire field a value could not be read from.
func fieldError(field string, v scalar, want string) error {
	return fmt.Errorf("field %s: %q is not %s", field, firstLine(string(v), 40), want)
}

func parseInt(field string, v scalar) (int64, error) {
	t := v.text()
	if t == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return n, nil
	}
	// "12.0" from a server that stores numbers as floats.
	if f, err := strconv.ParseFloat(t, 64); err == nil && f == float64(int64(f)) {
		return int64(f), nil
	}
	return 0, fieldError(field, v, "an integer")
}

func parseBool(field string, v scalar) (bool, error) {
	switch strings.ToLower(v.text()) {
	case "", "0", "false", "no", "n", "off":
		return false, nil
	case "1", "true", "yes", "y", "on":
		return true, nil
	}
	return false, fieldError(field, v, "a boolean")
}

func parseDecimal(field string, v scalar) (decimal.Decimal, error) {
	t := v.text()
	if t == "" {
		return decimal.Decimal{}, nil
	}
	d, err := decimal.NewFromString(strings.Replace(t, ",", ".", 1))
	if err != nil {
		return decimal.Decimal{}, fieldError(field, v, "a decimal")
	}
	return d, nil
}

// parseTime reads a VirtPOS timestamp; empty and all-zero MySQL values are
// the zero time.
func parseTime(field string, v scalar) (time.Time, error) {
	t := v.text()
	if t == "" || strings.HasPrefix(t, "0000-00-00") {
		return time.Time{}, nil
	}
	for _, layout := range [...]string{TimeLayout, "2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if tm, err := time.ParseInLocation(layout, t, time.UTC); err == nil {
			return tm, nil
		}
	}
	return time.Time{}, fieldError(field, v, "a timestamp")
}

// formatTime writes a timestamp; the zero time is empty.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(TimeLayout)
}

// resultEnvelope is the answer to a write.
type resultEnvelope struct {
	Success scalar `xml:"success" json:"success"`
	Info    scalar `xml:"info" json:"info"`
	ID      scalar `xml:"id" json:"id"`
	IsNew   scalar `xml:"isnew" json:"isnew"`
}

// status is the envelope's success and info.
type status struct {
	seen    bool
	success scalar
	info    scalar
}

// check turns a decoded envelope status into nil or an error without
// response context (see VirtPOS.envelopeError).
func (s status) ok() (bool, error) {
	if !s.seen && s.success == "" {
		return false, errors.New("the response has no success field")
	}
	ok, err := parseBool("success", s.success)
	if err != nil {
		return false, err
	}
	return ok, nil
}

// bom is the UTF-8 byte order mark some Windows servers put first.
var bom = []byte("\xef\xbb\xbf")

// sniffJSON reports whether b (the start of a body, after a possible BOM
// and white space) is JSON rather than XML.
func sniffJSON(b []byte) bool {
	b = bytes.TrimPrefix(b, bom)
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// decodeResult decodes the answer to a write.
func decodeResult(body []byte) (resultEnvelope, error) {
	var env resultEnvelope
	var err error
	body = bytes.TrimPrefix(body, bom)
	if sniffJSON(body) {
		err = json.Unmarshal(body, &env)
	} else {
		err = xml.Unmarshal(body, &env)
	}
	return env, err
}

// customerDecoder walks a customers response token by token, handing
// every customer to yield as soon as it is read.
type customerDecoder struct {
	st    status
	count scalar
}

// decode reads r (a whole response body) and calls yield for every
// customer. It stops early, returning errStop, when yield returns false.
func (d *customerDecoder) decode(r io.Reader, yield func(*customerWire) bool) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		if rr, isBytes := r.(*bytes.Reader); isBytes {
			var buf [64]byte
			n, _ := rr.ReadAt(buf[:], 0)
			head := buf[:n]
			if bytes.HasPrefix(head, bom) {
				rr.Seek(int64(len(bom)), io.SeekStart)
			}
			if sniffJSON(head) {
				// A body in memory: one Unmarshal beats walking tokens.
				rest := make([]byte, rr.Len())
				rr.Read(rest)
				return d.decodeJSONBytes(rest, yield)
			}
			return d.decodeXML(xml.NewDecoder(rr), yield)
		}
		br = bufio.NewReaderSize(r, 32<<10)
	}
	head, _ := br.Peek(64)
	if bytes.HasPrefix(head, bom) {
		br.Discard(len(bom))
	}
	if sniffJSON(head) {
		return d.decodeJSON(json.NewDecoder(br), yield)
	}
	return d.decodeXML(xml.NewDecoder(br), yield)
}

// errStop ends decoding when the consumer has had enough.
var errStop = errors.New("stop")

func (d *customerDecoder) decodeXML(dec *xml.Decoder, yield func(*customerWire) bool) error {
	depth := 0
	inCustomers := false
	sawRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !sawRoot {
				return errors.New("empty XML document")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			sawRoot = true
			switch {
			case depth == 2 && t.Name.Local == "customers":
				inCustomers = true
			case depth == 2:
				var dst *scalar
				switch t.Name.Local {
				case "success":
					dst, d.st.seen = &d.st.success, true
				case "info":
					dst = &d.st.info
				case "count":
					dst = &d.count
				}
				if dst == nil {
					err = dec.Skip()
				} else {
					err = dec.DecodeElement(dst, &t)
				}
				depth--
			case depth == 3 && inCustomers && t.Name.Local == "customer":
				var w customerWire
				err = decodeXMLCustomer(dec, &w)
				depth--
				if err == nil && !yield(&w) {
					return errStop
				}
			case depth >= 3:
				err = dec.Skip()
				depth--
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			if depth == 2 && t.Name.Local == "customers" {
				inCustomers = false
			}
			depth--
		}
	}
}

// decodeXMLCustomer reads the children of a <customer> whose start tag
// has been consumed, through its end tag. It walks the tokens itself
// rather than calling DecodeElement: the reflection behind DecodeElement
// cost more than the tokenizer (see BENCHMARKS.md). A field's text is the
// concatenation of its character data (CDATA included); elements nested in
// a field and unknown fields are skipped, and a repeated field keeps its
// last value, as DecodeElement did.
func decodeXMLCustomer(dec *xml.Decoder, w *customerWire) error {
	var buf []byte
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil // </customer>: Token checks that it matches
		case xml.StartElement:
			dst := w.field(t.Name.Local)
			if dst == nil {
				if err := dec.Skip(); err != nil {
					return err
				}
				continue
			}
			buf = buf[:0]
		field:
			for {
				tok, err := dec.Token()
				if err != nil {
					return err
				}
				switch t := tok.(type) {
				case xml.CharData:
					buf = append(buf, t...)
				case xml.StartElement:
					if err := dec.Skip(); err != nil {
						return err
					}
				case xml.EndElement:
					break field
				}
			}
			*dst = scalar(buf)
		}
	}
}

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
