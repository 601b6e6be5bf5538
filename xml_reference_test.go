package loyalty

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The reference XML decoder: the customers walk over encoding/xml's
// RawToken that List, Get, Stream and All used before xmlScanner.
// FuzzXMLScannerAgrees holds the scanner-based decoder to it, and
// FuzzXMLTokensAgree holds its token walk (xmlTokens) to Decoder.Token.

// refDecodeBytes is decodeBytes with the reference XML decoder.
func (d *customerDecoder) refDecodeBytes(body []byte, contentType string) error {
	body, err := toUTF8(body, contentType, refuseNonUTF8)
	if err != nil {
		return err
	}
	body = bytes.TrimPrefix(body, bom)
	if sniffJSON(body) {
		return d.decodeJSON(newJSONBytes(body))
	}
	return d.refDecodeXML(newXMLDecoder(bytes.NewReader(body)), body)
}

// refDecodeXML walks the tokens of an XML answer: <root> (any name) holding
// success, info, count and customers/customer. Nothing but comments,
// processing instructions and white space may follow the root.
func (d *customerDecoder) refDecodeXML(xd *xml.Decoder, body []byte) error {
	dec := &xmlTokens{dec: xd, body: body}
	depth, inCustomers, rootDone := 0, false, false
	d.verdict = false
	for {
		tok, err := dec.token()
		if err == io.EOF {
			if !rootDone {
				return errors.New("empty XML document")
			}
			return d.flush()
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return fmt.Errorf("element <%s> after the root element", t.Name.Local)
			}
			depth++
			switch {
			case depth == 2 && t.Name.Local == "customers":
				inCustomers = true
			case depth == 2:
				err = d.refXMLEnvelopeField(dec, &t)
				depth--
			case depth == 3 && inCustomers && t.Name.Local == "customer":
				err = d.refXMLCustomer(dec)
				depth--
			case depth >= 3:
				err = dec.skip()
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
			rootDone = depth == 0
		case xml.CharData:
			if rootDone && len(bytes.TrimLeft(t, " \t\r\n")) > 0 {
				return errors.New("text after the root element")
			}
		}
	}
}

// refXMLEnvelopeField reads a child of the root other than <customers>.
func (d *customerDecoder) refXMLEnvelopeField(dec *xmlTokens, t *xml.StartElement) error {
	if strings.EqualFold(t.Name.Local, "success") {
		if d.verdict {
			return fmt.Errorf("%w (<%s>)", errRepeatedVerdict, t.Name.Local)
		}
		d.verdict = true
	}
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
		return dec.skip()
	}
	text, err := refXMLText(dec, d.arena[0][:0])
	d.arena[0] = text
	*dst = scalar(text)
	return err
}

// refXMLCustomer reads the children of a <customer> whose start tag has been
// consumed, through its end tag, and emits it. It walks the tokens itself
// rather than calling DecodeElement, whose reflection cost more than the
// tokenizer. A field's text is the concatenation of its character data
// (CDATA included); elements nested in a field and unknown fields are
// skipped, and a repeated field keeps its last value.
func (d *customerDecoder) refXMLCustomer(dec *xmlTokens) error {
	w := &d.wire[1]
	arena := d.arena[2][:0]
	var spans [numWireFields][2]int32
	var set uint32
	var raw, attrs [numRawBlocks]string
	var rawSet [numRawBlocks]bool
	for {
		tok, err := dec.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement: // </customer>: Token checks that it matches
			d.arena[2] = arena
			text := string(arena)
			*w = customerWire{raw: raw, attrs: attrs, rawSet: rawSet, format: FormatXML}
			for i := range numWireFields {
				if set&(1<<i) != 0 {
					w.v[i] = scalar(text[spans[i][0]:spans[i][1]])
				}
			}
			return d.emit(w)
		case xml.StartElement:
			i := wireField(t.Name.Local)
			if r := rawBlockKey([]byte(t.Name.Local)); i < 0 && r >= 0 {
				attrs[r] = dec.startAttrs(t.Name)
				if raw[r], err = dec.rawContent(); err != nil {
					return err
				}
				rawSet[r] = true
				continue
			}
			if i < 0 {
				if err := dec.skip(); err != nil {
					return err
				}
				continue
			}
			start := len(arena)
			if arena, err = refXMLText(dec, arena); err != nil {
				return err
			}
			spans[i], set = [2]int32{int32(start), int32(len(arena))}, set|1<<i
		}
	}
}

// refXMLText appends the character data of the element whose start tag has
// been consumed to dst, through its end tag; nested elements are skipped.
func refXMLText(dec *xmlTokens, dst []byte) ([]byte, error) {
	for {
		tok, err := dec.token()
		if err != nil {
			return dst, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			dst = append(dst, t...)
		case xml.StartElement:
			if err := dec.skip(); err != nil {
				return dst, err
			}
		case xml.EndElement:
			return dst, nil
		}
	}
}

// xmlTokens reads tokens with xml.Decoder.RawToken, which skips the name
// space translation Token does (the decoder reads local names only), and
// checks what Token would: every end tag matches its start tag, and the
// document does not end inside an element.
type xmlTokens struct {
	dec   *xml.Decoder
	stack []xml.Name
	body  []byte // what dec reads, for the raw blocks (nil: none kept)
	from  int64  // the input offset of the last token
}

// startAttrs is the attributes of the start tag that was the last token,
// as written: from the end of its name (raw, with its prefix) to its >
// or />.
func (x *xmlTokens) startAttrs(name xml.Name) string {
	if x.body == nil {
		return ""
	}
	tag := x.body[x.from:x.dec.InputOffset()]
	tag = bytes.TrimSuffix(bytes.TrimSuffix(tag, []byte(">")), []byte("/"))
	return string(tag[1+len(xmlName(name)):])
}

// rawContent reads through the end of the element whose start tag was the
// last token and returns its content as written, through the last start
// tag, end tag or character data before its end tag.
func (x *xmlTokens) rawContent() (string, error) {
	start := x.dec.InputOffset()
	last := start
	for depth := 1; ; {
		tok, err := x.token()
		if err != nil {
			return "", err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
		default:
			continue
		}
		if depth == 0 {
			if x.body == nil {
				return "", nil
			}
			return string(x.body[start:last]), nil
		}
		last = x.dec.InputOffset()
	}
}

func (x *xmlTokens) token() (xml.Token, error) {
	x.from = x.dec.InputOffset()
	tok, err := x.dec.RawToken()
	if err == io.EOF && len(x.stack) > 0 {
		return nil, fmt.Errorf("XML ends inside <%s>: %w", x.stack[len(x.stack)-1].Local, io.ErrUnexpectedEOF)
	}
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		x.stack = append(x.stack, t.Name)
	case xml.EndElement:
		if len(x.stack) == 0 {
			return nil, fmt.Errorf("unexpected end element </%s>", t.Name.Local)
		}
		if open := x.stack[len(x.stack)-1]; open != t.Name {
			return nil, fmt.Errorf("element <%s> closed by </%s>", xmlName(open), xmlName(t.Name))
		}
		x.stack = x.stack[:len(x.stack)-1]
	}
	return tok, nil
}

func xmlName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// skip reads through the end of the element whose start tag was the last
// token.
func (x *xmlTokens) skip() error {
	for depth := 1; depth > 0; {
		tok, err := x.token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}
