package loyalty

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
)

// RawBlock is a block of a customer that the spec does not describe,
// kept as the server sent it: the customer's cards (read with
// [CustomerQuery].Cards) or bonus accruals (CustomerQuery.Bonuses). The
// [VirtPOS] docs added both read parameters in 2020 without an example of
// the answer (see docs/protocol.md, "Cards and bonuses on a read"), so
// the library does not guess a type: Decode reads the block into one of
// yours, and Data is there for anything else. A block of any shape
// decodes without error.
type RawBlock struct {
	// Format is the answer's format; empty when the customer had no such
	// block.
	Format Format
	// Data is the block as sent: for XML the element's content between
	// its tags (child elements and text, entities as written), for JSON
	// the value (an array, an object, a string, null…).
	Data string
	// Attrs are the XML element's own attributes as written in its start
	// tag, from the end of its name to its > or /> (` n="2" kind='plastic'`:
	// order, quotes, entities, namespace declarations and white space
	// kept), so that
	// "<cards" + Attrs + ">" + Data + "</cards>" is the element the
	// server sent; empty for JSON and for an element without attributes.
	Attrs string
}

// Sent reports whether the customer had the block.
func (b RawBlock) Sent() bool { return b.Format != "" }

// Decode unmarshals the block into v: JSON with encoding/json, XML with
// encoding/xml as an element holding Attrs and Data, named "block" (v's
// XMLName, if any, must accept it): `xml:"name,attr"` fields read the
// element's attributes, and the namespaces it declares apply to them and
// to its children. A block that was not sent leaves v as it is.
func (b RawBlock) Decode(v any) error {
	switch b.Format {
	case "":
		return nil
	case FormatJSON:
		return json.Unmarshal([]byte(b.Data), v)
	default:
		d := xml.NewDecoder(strings.NewReader("<block" + b.Attrs + ">" + b.Data + "</block>"))
		return d.Decode(v)
	}
}

// MarshalJSON writes the block's JSON value as it is, or an XML block as
// a JSON string; an unsent block is null.
func (b RawBlock) MarshalJSON() ([]byte, error) {
	switch {
	case b.Format == "":
		return []byte("null"), nil
	case b.Format == FormatJSON && json.Valid([]byte(b.Data)):
		return []byte(b.Data), nil
	}
	return json.Marshal(b.Data)
}

// Raw blocks of a customer: the read parameters that add them.
const (
	rawCards = iota
	rawBonuses
	numRawBlocks
)

// rawBlockKey is the raw block a customer field names, in any ASCII
// case; -1 for another.
func rawBlockKey(name []byte) int {
	switch {
	case bytes.EqualFold(name, []byte("cards")):
		return rawCards
	case bytes.EqualFold(name, []byte("bonuses")):
		return rawBonuses
	}
	return -1
}

// rawCapture keeps the bytes a scanner consumes from start to stop,
// across the refills of its window.
type rawCapture struct {
	on   bool
	from int    // where in the window the kept bytes continue
	kept []byte // bytes kept from earlier windows
}

func (c *rawCapture) start(pos int) { c.on, c.from, c.kept = true, pos, c.kept[:0] }

// keep is called before the window drops buf[:pos].
func (c *rawCapture) keep(buf []byte, pos int) {
	if c.on {
		c.kept = append(c.kept, buf[c.from:pos]...)
		c.from = 0
	}
}

// offset is how many bytes have been captured up to window position pos.
func (c *rawCapture) offset(pos int) int { return len(c.kept) + pos - c.from }

// stop ends the capture at window position pos and returns what it kept.
func (c *rawCapture) stop(buf []byte, pos int) string {
	c.on = false
	if len(c.kept) == 0 {
		return string(buf[c.from:pos])
	}
	c.kept = append(c.kept, buf[c.from:pos]...)
	return string(c.kept)
}

// errRawTooLarge bounds one raw block: the size limit of a response (or,
// streamed, of a customer) applies first in practice.
var errRawTooLarge = errors.New("a customer's cards or bonuses block is over 16 MiB")

const maxRawBlock = 16 << 20

// skipRaw reads through the end of the element whose start tag was the
// last token, returning that tag's attributes as written (see
// [RawBlock].Attrs) and its content as written, through the last start
// tag, end tag or text before its end tag (comments and processing
// instructions there are left out).
func (s *xmlScanner) skipRaw() (attrs, content string, err error) {
	attrs = string(s.attrs)
	if s.selfClose { // <cards/>
		_, err := s.next()
		return attrs, "", err
	}
	s.capture.start(s.pos)
	last := 0
	for depth := 1; ; {
		k, err := s.next()
		if err != nil {
			s.capture.on = false
			return "", "", err
		}
		switch k {
		case xmlStart:
			depth++
		case xmlEnd:
			depth--
		}
		if depth == 0 {
			return attrs, s.capture.stop(s.buf, s.pos)[:last], nil
		}
		if last = s.capture.offset(s.pos); last > maxRawBlock {
			s.capture.on = false
			return "", "", errRawTooLarge
		}
	}
}

// skipRaw reads one value at nesting depth depth, returning it as
// written.
func (s *jsonScanner) skipRaw(depth int) (string, error) {
	if _, err := s.peek(); err != nil {
		return "", err
	}
	s.capture.start(s.pos)
	err := s.skipValue(depth)
	raw := s.capture.stop(s.buf, s.pos)
	if err == nil && len(raw) > maxRawBlock {
		err = errRawTooLarge
	}
	return raw, err
}
