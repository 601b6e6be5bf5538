package loyalty

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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

// ok reports whether a decoded envelope says success, or why its success
// field cannot say (missing, not a boolean): an error without response
// context, which [VirtPOS].envelopeError adds.
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

// decodeResult decodes the answer to a write, in the charset it declares
// (contentType or its XML declaration).
func decodeResult(body []byte, contentType string) (resultEnvelope, error) {
	var env resultEnvelope
	body, err := toUTF8(body, contentType, refuseNonUTF8)
	if err != nil {
		return env, err
	}
	body = bytes.TrimPrefix(body, bom)
	if sniffJSON(body) {
		if repeatedTopKey(body, "success") {
			return env, fmt.Errorf("%w (\"success\")", errRepeatedVerdict)
		}
		err = json.Unmarshal(body, &env)
	} else {
		if repeatedRootChild(body, "success") {
			return env, fmt.Errorf("%w (<success>)", errRepeatedVerdict)
		}
		err = newXMLDecoder(bytes.NewReader(body)).Decode(&env)
	}
	return env, err
}

// newXMLDecoder reads XML that is UTF-8 already (see charset.go): the
// encoding its declaration names ("windows-1251", "utf8") has been
// applied.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	dec := xml.NewDecoder(r)
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return dec
}

// customerDecoder decodes a customers answer (XML or JSON, in memory or
// streamed), handing every customer to yield as soon as it is read and
// the envelope's success allows it.
type customerDecoder struct {
	st      status
	verdict bool // an XML <success> of any case has been read (see xmlEnvelopeField)
	count   scalar
	yield   func(*customerWire) bool
	done    <-chan struct{} // the call's context: checked between customers

	wire    [2]customerWire // reused for every customer (0: a "customers" object, 1: an element)
	arena   [3][]byte       // scratch text: envelope scalars, then per wire
	pending []customerWire  // customers read before "success"
	xs      xmlScanner      // the XML tokenizer
}

// maxPending is how many customers an answer may put before its success
// field; they are held until success says whether to hand them out.
const maxPending = 1 << 16

// errStop ends decoding when the consumer has had enough.
var errStop = errors.New("stop")

// emit hands w to yield once the envelope's success is known to be 1;
// before success has been read it holds a copy; after success=0 it drops
// it (the call fails with the server's info).
func (d *customerDecoder) emit(w *customerWire) error {
	select {
	case <-d.done:
		return errDeadline
	default:
	}
	if !d.st.seen {
		if len(d.pending) >= maxPending {
			return fmt.Errorf("more than %d customers before the success field", maxPending)
		}
		d.pending = append(d.pending, *w)
		return nil
	}
	ok, err := d.st.ok()
	if err != nil || !ok {
		return err
	}
	if !d.yield(w) {
		return errStop
	}
	return nil
}

// errDeadline is returned by emit when the call's context is done; the
// caller reports the context's own error.
var errDeadline = errors.New("context done while decoding")

// flush hands out the customers held for success, once the whole answer
// has been read.
func (d *customerDecoder) flush() error {
	if len(d.pending) == 0 {
		return nil
	}
	if ok, err := d.st.ok(); err != nil || !ok {
		return nil // envelopeError reports it
	}
	for i := range d.pending {
		if !d.yield(&d.pending[i]) {
			return errStop
		}
	}
	return nil
}

// decodeBytes decodes a whole body in memory.
func (d *customerDecoder) decodeBytes(body []byte, contentType string) error {
	body, err := toUTF8(body, contentType, refuseNonUTF8)
	if err != nil {
		return err
	}
	body = bytes.TrimPrefix(body, bom)
	if sniffJSON(body) {
		return d.decodeJSON(newJSONBytes(body))
	}
	d.xs.resetBytes(body)
	return d.decodeXML(&d.xs)
}

// decodeStream decodes a body as it arrives.
func (d *customerDecoder) decodeStream(r io.Reader, contentType string) error {
	u, err := utf8Reader(r, contentType, refuseNonUTF8)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(u, 32<<10)
	head, _ := br.Peek(64)
	if bytes.HasPrefix(head, bom) {
		br.Discard(len(bom))
		head = head[len(bom):]
	}
	if sniffJSON(head) {
		return d.decodeJSON(newJSONReader(br))
	}
	d.xs.resetReader(br)
	return d.decodeXML(&d.xs)
}

// decodeXML walks the tokens of an XML answer: <root> (any name) holding
// success, info, count and customers/customer. Nothing but comments,
// processing instructions and white space may follow the root.
func (d *customerDecoder) decodeXML(s *xmlScanner) error {
	depth, inCustomers, rootDone := 0, false, false
	d.verdict = false
	for {
		k, err := s.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlEOF:
			if !rootDone {
				return errors.New("empty XML document")
			}
			return d.flush()
		case xmlStart:
			if rootDone {
				return fmt.Errorf("element <%s> after the root element", s.local)
			}
			depth++
			switch {
			case depth == 2 && string(s.local) == "customers":
				inCustomers = true
			case depth == 2:
				err = d.xmlEnvelopeField(s)
				depth--
			case depth == 3 && inCustomers && string(s.local) == "customer":
				err = d.xmlCustomer(s)
				depth--
			case depth >= 3:
				err = s.skip()
				depth--
			}
			if err != nil {
				return err
			}
		case xmlEnd:
			if depth == 2 && string(s.local) == "customers" {
				inCustomers = false
			}
			depth--
			rootDone = depth == 0
		case xmlText:
			if rootDone && len(bytes.TrimLeft(s.text, " \t\r\n")) > 0 {
				return errors.New("text after the root element")
			}
		}
	}
}

// xmlEnvelopeField reads a child of the root other than <customers>, whose
// start tag was the last token.
func (d *customerDecoder) xmlEnvelopeField(s *xmlScanner) error {
	if isFold(s.local, "success") {
		if d.verdict {
			return fmt.Errorf("XML line %d: %w (<%s>)", s.line(), errRepeatedVerdict, s.local)
		}
		d.verdict = true
	}
	var dst *scalar
	switch string(s.local) {
	case "success":
		dst, d.st.seen = &d.st.success, true
	case "info":
		dst = &d.st.info
	case "count":
		dst = &d.count
	}
	if dst == nil {
		return s.skip()
	}
	text, err := s.appendText(d.arena[0][:0])
	d.arena[0] = text
	*dst = scalar(text)
	return err
}

// xmlCustomer reads the children of a <customer> whose start tag has been
// consumed, through its end tag, and emits it. A field's text is the
// concatenation of its character data (CDATA included); elements nested
// in a field and unknown fields are skipped, and a repeated field keeps
// its last value. All the texts of a customer share one string.
func (d *customerDecoder) xmlCustomer(s *xmlScanner) error {
	w := &d.wire[1]
	arena := d.arena[2][:0]
	var spans [numWireFields][2]int32
	var set uint32
	var raw, attrs [numRawBlocks]string
	var rawSet [numRawBlocks]bool
	for {
		k, err := s.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlEnd: // </customer>: next checks that it matches
			d.arena[2] = arena
			text := string(arena)
			*w = customerWire{raw: raw, attrs: attrs, rawSet: rawSet, format: FormatXML}
			for i := range numWireFields {
				if set&(1<<i) != 0 {
					w.v[i] = scalar(text[spans[i][0]:spans[i][1]])
				}
			}
			return d.emit(w)
		case xmlStart:
			i := wireField(string(s.local))
			if r := rawBlockKey(s.local); i < 0 && r >= 0 {
				if attrs[r], raw[r], err = s.skipRaw(); err != nil {
					return err
				}
				rawSet[r] = true
				continue
			}
			if i < 0 {
				if err := s.skip(); err != nil {
					return err
				}
				continue
			}
			start := len(arena)
			if arena, err = s.appendText(arena); err != nil {
				return err
			}
			spans[i], set = [2]int32{int32(start), int32(len(arena))}, set|1<<i
		}
	}
}
