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
