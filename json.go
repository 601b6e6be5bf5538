package loyalty

import (
	"fmt"
)

// VirtPOS JSON decoding. One decoder serves a body in memory (List) and a
// streamed one (All, Stream) through jsonScanner, so both read the same
// bytes the same way. The contract, for both:
//
//   - the answer is one object; anything but white space after it is an
//     error, and so is nesting deeper than maxJSONDepth;
//   - keys match in any ASCII case ("Success", "FNAME"); unknown keys are
//     skipped; a repeated field keeps its last value, but a repeated
//     "success" (in any case) is an error: the verdict must be one;
//   - "customers" is an array, {"customer": array-or-object} (the XML
//     shape; other keys beside "customer" are ignored), one customer
//     object, or null, "" or {} for none; null and {} elements are no
//     customer; an object whose members are objects or arrays (an object
//     of customers keyed by id) is an error, never customers with ID 0;
//   - a field holds a string, number, true, false or null (empty); an
//     object or array in a field is an error;
//   - customers are handed out only once success=1 has been read: those
//     that come before "success" are held until it comes (see emit).

// envelopeKey is the envelope member a key names ("" for another).
func envelopeKey(key []byte) string {
	var low [16]byte
	if len(key) > len(low) {
		return ""
	}
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch k := low[:len(key)]; string(k) {
	case "success", "info", "count", "customers", "customer":
		return string(k)
	}
	return ""
}

// wireFieldFold is wireField for a JSON key in any ASCII case.
func wireFieldFold(key []byte) int {
	var low [24]byte
	if len(key) > len(low) {
		return -1
	}
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	return wireField(string(low[:len(key)]))
}

// decodeJSON reads a customers answer and hands its customers to emit.
func (d *customerDecoder) decodeJSON(s *jsonScanner) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	first := true
	var err error
	for s.nextKey(&first, &err) {
		switch envelopeKey(s.key) {
		case "success":
			if d.st.seen {
				return fmt.Errorf("invalid JSON at byte %d: %w (%q)", s.base+int64(s.pos), errRepeatedVerdict, s.key)
			}
			d.st.seen = true
			d.st.success, err = d.jsonText(s)
		case "info":
			d.st.info, err = d.jsonText(s)
		case "count":
			d.count, err = d.jsonText(s)
		case "customers":
			err = d.jsonCustomers(s, 0)
		default:
			err = s.skipValue(1)
		}
		if err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	return d.flush()
}

// jsonText reads an envelope scalar.
func (d *customerDecoder) jsonText(s *jsonScanner) (scalar, error) {
	b, err := s.appendScalar(d.arena[0][:0])
	d.arena[0] = b
	return scalar(b), err
}

// jsonCustomers reads the value of "customers" (level 0) or of its
// wrapping {"customer": ...} (level 1): an array of customers, one customer
// object, or a scalar such as null that holds none.
func (d *customerDecoder) jsonCustomers(s *jsonScanner, level int) error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	switch c {
	case '[':
		return d.jsonCustomerArray(s)
	case '{':
		return d.jsonCustomerObject(s, level)
	}
	return s.skipValue(2*level + 1) // null, "" or another scalar: no customers
}

// jsonCustomerArray reads an array of customers at pos.
func (d *customerDecoder) jsonCustomerArray(s *jsonScanner) error {
	s.pos++
	first := true
	for {
		more, err := s.next(&first, ']')
		if err != nil || !more {
			return err
		}
		c, err := s.peek()
		if err != nil {
			return err
		}
		switch c {
		case '{':
			err = d.jsonCustomerObject(s, 1)
		case 'n':
			err = s.literal("null")
		default:
			return s.syntax(fmt.Sprintf("a customer must be an object, got %q", c))
		}
		if err != nil {
			return err
		}
	}
}

// jsonCustomerObject reads a customer object at pos. At level 0 (the
// value of "customers") it may instead wrap the customers under
// "customer".
func (d *customerDecoder) jsonCustomerObject(s *jsonScanner, level int) error {
	s.pos++
	w := &d.wire[level]
	arena := d.arena[level+1][:0]
	var spans [numWireFields][2]int32
	var set uint32
	var raw [numRawBlocks]string
	var rawSet [numRawBlocks]bool
	first, wrapped, members, nested := true, false, 0, 0
	var err error
	for s.nextKey(&first, &err) {
		members++
		key := s.key
		if level == 0 && envelopeKey(key) == "customer" {
			wrapped = true
			err = d.jsonCustomers(s, 1)
		} else if i := wireFieldFold(key); i >= 0 {
			start := len(arena)
			arena, err = s.appendScalar(arena)
			spans[i], set = [2]int32{int32(start), int32(len(arena))}, set|1<<i
		} else if r := rawBlockKey(key); r >= 0 {
			raw[r], err = s.skipRaw(level + 3)
			rawSet[r] = true
		} else {
			if c, perr := s.peek(); perr == nil && (c == '{' || c == '[') {
				nested++
			}
			err = s.skipValue(level + 3)
		}
		if err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	d.arena[level+1] = arena
	if level == 0 && !wrapped && set == 0 && rawSet == [numRawBlocks]bool{} && nested > 0 {
		// {"customers": {"11": {...}, "12": {...}}}: an object of
		// customers keyed by id, not one customer; read as one, it would
		// be a customer with ID 0 and no error.
		return s.syntax(`"customers" is an object of objects without a customer field: customers come as an array or under "customer"`)
	}
	if wrapped || members == 0 {
		return nil // {"customer": ...} or {}: no customer of its own
	}
	text := string(arena) // one allocation for the customer's text
	*w = customerWire{raw: raw, rawSet: rawSet, format: FormatJSON}
	for i := range numWireFields {
		if set&(1<<i) != 0 {
			w.v[i] = scalar(text[spans[i][0]:spans[i][1]])
		}
	}
	return d.emit(w)
}

// decodeJSONCustomer reads one customer object ([Customer.UnmarshalJSON]);
// null is the zero customer.
func decodeJSONCustomer(b []byte) (customerWire, error) {
	var got customerWire
	d := customerDecoder{st: status{seen: true, success: "1"}}
	d.yield = func(w *customerWire) bool { got = *w; return true }
	s := newJSONBytes(b)
	c, err := s.peek()
	switch {
	case err != nil:
		return got, err
	case c == 'n':
		err = s.literal("null")
	case c == '{':
		err = d.jsonCustomerObject(s, 1)
	default:
		return got, s.syntax(fmt.Sprintf("a customer must be an object, got %q", c))
	}
	if err == nil {
		err = s.end()
	}
	return got, err
}
