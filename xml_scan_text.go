package loyalty

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// The character level of xmlScanner: names, text, CDATA, attribute
// values, entities, and the checks encoding/xml makes on each.

// xmlByte classifies bytes for the text loops.
var xmlByte = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c == '<' || c == '&' || c == '\r' || c == '>' || c == ']':
			t[c] = xbSpecial
		case c < 0x20 && c != '\t' && c != '\n':
			t[c] = xbIllegal
		case c >= utf8.RuneSelf:
			t[c] = xbMulti
		}
		letter := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_'
		if letter {
			t[c] |= xbNameStart
		}
		if letter || '0' <= c && c <= '9' || c == '.' || c == '-' {
			t[c] |= xbPlainName
		}
		if letter || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c >= utf8.RuneSelf {
			t[c] |= xbName
		}
	}
	return t
}()

const (
	xbSpecial   = 1 << iota // ends or changes plain text
	xbIllegal               // a control character XML does not allow
	xbMulti                 // starts a multi-byte UTF-8 sequence
	xbName                  // may be in a name (multi-byte runes are checked after)
	xbNameStart             // an ASCII letter or '_': starts a name
	xbPlainName             // ASCII, may be in a name, not ':'
	xbText      = xbSpecial | xbIllegal | xbMulti
)

// skipSpace is encoding/xml's space(), and JSON's white space too: the
// index of the first byte at or after i that is not ' ', '\r', '\n' or
// '\t'.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// scanName reads the name at b[i:] into s.name and s.local and returns the
// index after it. ns: a name space name (at most one colon, split as
// encoding/xml's nsname does).
func (s *xmlScanner) scanName(b []byte, i int, ns bool, missing string) (int, error) {
	start := i
	if i < len(b) && xmlByte[b[i]]&xbNameStart != 0 {
		for i++; i < len(b) && xmlByte[b[i]]&xbPlainName != 0; i++ {
		}
		if i < len(b) && xmlByte[b[i]]&xbName == 0 { // all ASCII, no colon: the common case
			s.name, s.local = b[start:i], b[start:i]
			return i, nil
		}
	}
	colons, multi := 0, false
	for ; i < len(b) && xmlByte[b[i]]&xbName != 0; i++ {
		if b[i] == ':' {
			colons++
		}
		multi = multi || b[i] >= utf8.RuneSelf
	}
	if i == len(b) {
		return 0, s.short("unexpected EOF")
	}
	name := b[start:i]
	if len(name) == 0 || ns && colons > 1 {
		return 0, s.syntaxError(missing)
	}
	if c := name[0]; !multi && xmlByte[c]&xbNameStart == 0 && c != ':' || multi && !xmlNameValid(name) {
		return 0, s.syntaxError("invalid XML name: " + string(name))
	}
	s.name, s.local = name, name
	if k := bytes.IndexByte(name, ':'); ns && k > 0 && k < len(name)-1 {
		s.local = name[k+1:]
	}
	return i, nil
}

// xmlNameValid is encoding/xml's isName for a name with multi-byte runes
// (its Unicode tables are not exported): it asks encoding/xml itself.
// Colons become '_', which the tables treat alike.
func xmlNameValid(name []byte) bool {
	probe := make([]byte, 0, len(name)+3)
	probe = append(probe, '<')
	for _, c := range name {
		if c == ':' {
			c = '_'
		}
		probe = append(probe, c)
	}
	probe = append(probe, "/>"...)
	_, err := xml.NewDecoder(bytes.NewReader(probe)).RawToken()
	return err == nil
}

// inCharRange is encoding/xml's isInCharacterRange.
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// scanRune checks the multi-byte rune at b[i:] and returns its size.
func (s *xmlScanner) scanRune(b []byte, i int) (int, error) {
	r, size := utf8.DecodeRune(b[i:])
	if r == utf8.RuneError && size == 1 {
		if !utf8.FullRune(b[i:]) && !s.eof {
			return 0, errShort
		}
		return 0, s.syntaxError("invalid UTF-8")
	}
	if !inCharRange(r) {
		return 0, s.syntaxError(fmt.Sprintf("illegal character code %U", r))
	}
	return size, nil
}

// scanText reads character data up to the next '<' (or the end of the
// document). Text without entities or carriage returns is its own bytes.
func (s *xmlScanner) scanText(b []byte) (xmlKind, int, error) {
	i := 0
	for i < len(b) {
		c := b[i]
		t := xmlByte[c] & xbText
		if t == 0 {
			i++
			continue
		}
		switch {
		case c == '<':
			s.text = b[:i]
			return xmlText, i, nil
		case c == '&' || c == '\r':
			return s.scanTextDecode(b)
		case c == '>' && i >= 2 && b[i-1] == ']' && b[i-2] == ']':
			return xmlEOF, 0, s.syntaxError("unescaped ]]> not in CDATA section")
		case t == xbIllegal:
			return xmlEOF, 0, s.syntaxError(fmt.Sprintf("illegal character code %U", rune(c)))
		case t == xbMulti:
			if c >= 0xC2 && c <= 0xDF && i+1 < len(b) && b[i+1]&0xC0 == 0x80 {
				i += 2 // U+0080 to U+07FF: valid, in XML's range
				continue
			}
			n, err := s.scanRune(b, i)
			if err != nil {
				return xmlEOF, 0, err
			}
			i += n
			continue
		}
		i++
	}
	if !s.eof {
		return xmlEOF, 0, errShort
	}
	s.text = b
	return xmlText, len(b), nil
}

// scanTextDecode is scanText for text with entities or carriage returns:
// it writes the decoded text to s.scratch.
func (s *xmlScanner) scanTextDecode(b []byte) (xmlKind, int, error) {
	out := s.scratch[:0]
	var b0, b1 byte // the two bytes before c, as encoding/xml's text() keeps them
	i := 0
	for ; i < len(b); i++ {
		c := b[i]
		if b0 == ']' && b1 == ']' && c == '>' {
			return xmlEOF, 0, s.syntaxError("unescaped ]]> not in CDATA section")
		}
		switch t := xmlByte[c] & xbText; {
		case c == '<':
			s.scratch, s.text = out, out
			return xmlText, i, nil
		case c == '&':
			var n int
			var err error
			if out, n, err = s.entity(out, b[i:]); err != nil {
				return xmlEOF, 0, err
			}
			i += n - 1
			b0, b1 = 0, 0
			continue
		case c == '\r':
			out = append(out, '\n')
		case c == '\n' && b1 == '\r':
		case t == xbIllegal:
			return xmlEOF, 0, s.syntaxError(fmt.Sprintf("illegal character code %U", rune(c)))
		case t == xbMulti:
			n, err := s.scanRune(b, i)
			if err != nil {
				return xmlEOF, 0, err
			}
			out = append(out, b[i:i+n]...)
			i += n - 1
			b0, b1 = 0, 0 // continuation bytes: neither ']' nor '\r'
			continue
		default:
			out = append(out, c)
		}
		b0, b1 = b1, c
	}
	s.scratch = out
	if !s.eof {
		return xmlEOF, 0, errShort
	}
	s.text = out
	return xmlText, len(b), nil
}

// scanCDATA reads <![CDATA[...]]> as text (b starts with "<![CDATA[").
func (s *xmlScanner) scanCDATA(b []byte) (xmlKind, int, error) {
	const open = len("<![CDATA[")
	k := bytes.Index(b[open:], []byte("]]>"))
	if k < 0 {
		return xmlEOF, 0, s.short("unexpected EOF in CDATA section")
	}
	data := b[open : open+k]
	out, decoded := s.scratch[:0], false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch t := xmlByte[c] & xbText; {
		case c == '\r':
			if !decoded {
				out, decoded = append(out, data[:i]...), true
			}
			out = append(out, '\n')
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			continue
		case t == xbIllegal:
			return xmlEOF, 0, s.syntaxError(fmt.Sprintf("illegal character code %U", rune(c)))
		case t == xbMulti:
			n, err := s.scanRune(data, i)
			if err != nil {
				return xmlEOF, 0, s.syntaxError("invalid UTF-8")
			}
			if decoded {
				out = append(out, data[i:i+n]...)
			}
			i += n - 1
			continue
		}
		if decoded {
			out = append(out, c)
		}
	}
	s.text = data
	if decoded {
		s.scratch, s.text = out, out
	}
	return xmlText, open + k + 3, nil
}

// scanAttrValue checks a quoted attribute value starting at b[i] (after
// the quote) and returns the index after the closing quote.
func (s *xmlScanner) scanAttrValue(b []byte, i int, quote byte) (int, error) {
	for i < len(b) {
		c := b[i]
		switch t := xmlByte[c] & xbText; {
		case c == quote:
			return i + 1, nil
		case c == '<':
			return 0, s.syntaxError("unescaped < inside quoted string")
		case c == '&':
			out, n, err := s.entity(s.scratch[:0], b[i:])
			if err != nil {
				return 0, err
			}
			s.scratch = out
			i += n
			continue
		case t == xbIllegal:
			return 0, s.syntaxError(fmt.Sprintf("illegal character code %U", rune(c)))
		case t == xbMulti:
			n, err := s.scanRune(b, i)
			if err != nil {
				return 0, err
			}
			i += n
			continue
		}
		i++
	}
	return 0, s.short("unexpected EOF")
}

// entity decodes the entity or character reference at the start of b
// ('&'), appending it to out; n is its length. Strict encoding/xml knows
// the five predefined entities and &#N; / &#xN; references up to
// U+10FFFF (a surrogate reads as U+FFFD), of characters XML allows.
func (s *xmlScanner) entity(out, b []byte) (_ []byte, n int, err error) {
	i := 1
	if i < len(b) && b[i] == '#' {
		base := 10
		if i++; i < len(b) && b[i] == 'x' {
			base, i = 16, i+1
		}
		start, v := i, 0
		for ; i < len(b); i++ {
			d := int(b[i] - '0')
			if c := b[i] | 0x20; base == 16 && c >= 'a' && c <= 'f' {
				d = int(c-'a') + 10
			} else if d < 0 || d > 9 {
				break
			}
			v = min(v*base+d, unicode.MaxRune+1)
		}
		if i >= len(b) {
			return out, 0, s.short("unexpected EOF")
		}
		if b[i] == ';' && i > start {
			if v <= unicode.MaxRune {
				r := rune(v)
				if 0xD800 <= r && r <= 0xDFFF {
					r = utf8.RuneError // as string(rune(v)) in encoding/xml
				}
				if !inCharRange(r) {
					return out, 0, s.syntaxError(fmt.Sprintf("illegal character code %U", r))
				}
				return utf8.AppendRune(out, r), i + 1, nil
			}
		}
		return out, 0, s.syntaxError("invalid character entity " + string(b[:i]))
	}
	for i < len(b) && xmlByte[b[i]]&xbName != 0 {
		i++
	}
	if i >= len(b) {
		return out, 0, s.short("unexpected EOF")
	}
	if b[i] == ';' {
		var r byte
		switch string(b[1:i]) {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "apos":
			r = '\''
		case "quot":
			r = '"'
		}
		if r != 0 {
			return append(out, r), i + 1, nil
		}
	}
	return out, 0, s.syntaxError("invalid character entity " + string(b[:i]))
}
