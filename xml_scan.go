package loyalty

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// xmlScanner is the tokenizer of [VirtPOS] XML answers: a port of
// encoding/xml's Decoder.RawToken (strict mode, no entity map, the
// declared charset already applied) with its checks and none of its
// allocations. It accepts exactly what encoding/xml accepts and refuses
// the rest with an *xml.SyntaxError — entities and character references,
// CDATA, comments, processing instructions (the <?xml?> version), DOCTYPE
// and other directives, attributes (read and checked, kept as written),
// self-closing tags, \r\n folding, invalid UTF-8 and characters outside
// XML's range, "]]>" in text — and, as Decoder.Token does, refuses end
// tags that do not match and a document that ends inside an element.
// FuzzXMLScannerAgrees holds it to encoding/xml.
//
// It reads a body in memory without copying it, or a stream through a
// window that grows only to the largest token. Comments, processing
// instructions and directives are checked and passed over; what is left
// is start tags, end tags and text, whose bytes (name, local, text) stay
// valid until the next call.
type xmlScanner struct {
	r     io.Reader // nil: buf is the whole document
	buf   []byte
	pos   int
	eof   bool // nothing more to read after buf
	err   error
	lines int // newlines in the bytes already dropped from buf

	name, local []byte // of the last start or end tag
	attrs       []byte // of the last start tag: as written, from its name to > or />
	text        []byte // of the last text: buf or scratch
	scratch     []byte // decoded text that differs from its bytes
	selfClose   bool   // the last start tag was <name/>: its end is next

	open []byte // names of the open elements, back to back
	ends []int  // len(open) after each of them

	capture rawCapture // the bytes of a nested block being kept (skipRaw)
}

// xmlKind is what xmlScanner.next read.
type xmlKind uint8

const (
	xmlEOF xmlKind = iota
	xmlStart
	xmlEnd
	xmlText
	xmlOther // comment, processing instruction, directive: not returned
)

// xmlWindow is the size a streamed read starts with.
const xmlWindow = 64 << 10

// errShort asks for more input: the token does not end in the window.
var errShort = errors.New("xml: token continues past the window")

// resetBytes makes s read body, a whole document in memory.
func (s *xmlScanner) resetBytes(body []byte) {
	*s = xmlScanner{buf: body, eof: true, open: s.open[:0], ends: s.ends[:0], scratch: s.scratch[:0]}
}

// resetReader makes s read a stream.
func (s *xmlScanner) resetReader(r io.Reader) {
	*s = xmlScanner{r: r, buf: make([]byte, 0, xmlWindow), open: s.open[:0], ends: s.ends[:0], scratch: s.scratch[:0]}
}

// next reads the next start tag, end tag or text. At the end of a
// well-formed document it returns xmlEOF; every error is sticky.
func (s *xmlScanner) next() (xmlKind, error) {
	if s.err != nil {
		return xmlEOF, s.err
	}
	if s.selfClose {
		s.selfClose = false
		s.pop()
		return xmlEnd, nil
	}
	for {
		k, n, err := s.scan(s.buf[s.pos:])
		if err == errShort {
			if err = s.fill(); err == nil {
				continue
			}
		}
		if err == nil {
			err = s.tag(k)
		}
		if err != nil {
			s.err = err
			return xmlEOF, err
		}
		s.pos += n
		if k != xmlOther {
			return k, nil
		}
	}
}

// tag keeps the stack of open elements, as Decoder.Token does.
func (s *xmlScanner) tag(k xmlKind) error {
	switch k {
	case xmlStart:
		s.open = append(s.open, s.name...)
		s.ends = append(s.ends, len(s.open))
	case xmlEnd:
		if len(s.ends) == 0 {
			return fmt.Errorf("unexpected end element </%s>", s.local)
		}
		if top := s.top(); !bytes.Equal(top, s.name) {
			return fmt.Errorf("element <%s> closed by </%s>", top, s.name)
		}
		s.pop()
	case xmlEOF:
		if len(s.ends) > 0 {
			return fmt.Errorf("XML ends inside <%s>: %w", s.top(), io.ErrUnexpectedEOF)
		}
	}
	return nil
}

func (s *xmlScanner) top() []byte {
	start := 0
	if len(s.ends) > 1 {
		start = s.ends[len(s.ends)-2]
	}
	return s.open[start:]
}

func (s *xmlScanner) pop() {
	s.ends = s.ends[:len(s.ends)-1]
	end := 0
	if len(s.ends) > 0 {
		end = s.ends[len(s.ends)-1]
	}
	s.open = s.open[:end]
}

// fill reads more of the stream after what is left of the window,
// growing the window when the token being read fills it. A token longer
// than xmlLongToken is read on until the input at least doubles, so that
// rescanning it from its start after each read costs O(its length) in
// all, however small the reads are.
func (s *xmlScanner) fill() error {
	pending := len(s.buf) - s.pos
	want := pending + 1
	if pending >= xmlLongToken {
		want = 2 * pending
	}
	if s.pos > 0 {
		s.lines += bytes.Count(s.buf[:s.pos], nl)
		s.capture.keep(s.buf, s.pos)
		s.buf, s.pos = s.buf[:copy(s.buf, s.buf[s.pos:])], 0
	}
	for len(s.buf) < want {
		if len(s.buf) == cap(s.buf) {
			s.buf = append(s.buf, make([]byte, max(cap(s.buf), want-len(s.buf)))...)[:len(s.buf)]
		}
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err == io.EOF {
			s.eof = true
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// xmlLongToken is the size from which fill reads a token on until the
// input doubles.
const xmlLongToken = 4 << 10

var nl = []byte{'\n'}

// short is the answer of a token that runs past the window: more input,
// or at the end of the stream, encoding/xml's "unexpected EOF".
func (s *xmlScanner) short(msg string) error {
	if !s.eof {
		return errShort
	}
	return s.syntaxError(msg)
}

// syntaxError is an *xml.SyntaxError at the line of the current token.
func (s *xmlScanner) syntaxError(msg string) error {
	return &xml.SyntaxError{Msg: msg, Line: s.line()}
}

// line is the line (from 1) of the current token.
func (s *xmlScanner) line() int {
	return s.lines + bytes.Count(s.buf[:s.pos], nl) + 1
}

// scan reads one token from the start of b, returning its kind and its
// length in bytes.
func (s *xmlScanner) scan(b []byte) (xmlKind, int, error) {
	if len(b) == 0 {
		if !s.eof {
			return xmlEOF, 0, errShort
		}
		return xmlEOF, 0, nil
	}
	if b[0] != '<' {
		return s.scanText(b)
	}
	if len(b) < 2 {
		return xmlEOF, 0, s.short("unexpected EOF")
	}
	var n int
	var err error
	switch b[1] {
	case '/':
		return s.scanEnd(b)
	case '?':
		n, err = s.scanProcInst(b)
	case '!':
		return s.scanBang(b)
	default:
		return s.scanStart(b)
	}
	return xmlOther, n, err
}

// scanEnd reads </name >.
func (s *xmlScanner) scanEnd(b []byte) (xmlKind, int, error) {
	var i int
	if top := s.top(); len(s.ends) > 0 && len(b) > 2+len(top) && bytes.Equal(b[2:2+len(top)], top) && xmlByte[b[2+len(top)]]&xbName == 0 {
		i = 2 + len(top) // the name of the open element, checked when it opened
		s.name, s.local = b[2:i], b[2:i]
		if k := bytes.IndexByte(s.name, ':'); k > 0 && k < len(s.name)-1 {
			s.local = s.name[k+1:]
		}
	} else {
		var err error
		if i, err = s.scanName(b, 2, true, "expected element name after </"); err != nil {
			return xmlEOF, 0, err
		}
	}
	if i = skipSpace(b, i); i >= len(b) {
		return xmlEOF, 0, s.short("unexpected EOF")
	}
	if b[i] != '>' {
		return xmlEOF, 0, s.syntaxError("invalid characters between </" + string(s.local) + " and >")
	}
	return xmlEnd, i + 1, nil
}

// scanStart reads <name attr="value" ...> or <name .../>: attributes are
// checked (quoted values, entities, characters) and kept as written
// (attrs), not decoded.
func (s *xmlScanner) scanStart(b []byte) (xmlKind, int, error) {
	i, err := s.scanName(b, 1, true, "expected element name after <")
	if err != nil {
		return xmlEOF, 0, err
	}
	name, local, from := s.name, s.local, i
	for {
		if i = skipSpace(b, i); i >= len(b) {
			return xmlEOF, 0, s.short("unexpected EOF")
		}
		switch b[i] {
		case '/':
			if i+1 >= len(b) {
				return xmlEOF, 0, s.short("unexpected EOF")
			}
			if b[i+1] != '>' {
				return xmlEOF, 0, s.syntaxError("expected /> in element")
			}
			s.name, s.local, s.attrs, s.selfClose = name, local, b[from:i], true
			return xmlStart, i + 2, nil
		case '>':
			s.name, s.local, s.attrs = name, local, b[from:i]
			return xmlStart, i + 1, nil
		}
		if i, err = s.scanName(b, i, true, "expected attribute name in element"); err != nil {
			return xmlEOF, 0, err
		}
		if i = skipSpace(b, i); i >= len(b) {
			return xmlEOF, 0, s.short("unexpected EOF")
		}
		if b[i] != '=' {
			return xmlEOF, 0, s.syntaxError("attribute name without = in element")
		}
		if i = skipSpace(b, i+1); i >= len(b) {
			return xmlEOF, 0, s.short("unexpected EOF")
		}
		if q := b[i]; q != '"' && q != '\'' {
			return xmlEOF, 0, s.syntaxError("unquoted or missing attribute value in element")
		}
		if i, err = s.scanAttrValue(b, i+1, b[i]); err != nil {
			return xmlEOF, 0, err
		}
	}
}

// scanProcInst reads <?target ...?>; the <?xml?> declaration's version
// must be 1.0 (its encoding has been applied, see charset.go).
func (s *xmlScanner) scanProcInst(b []byte) (int, error) {
	i, err := s.scanName(b, 2, false, "expected target name after <?")
	if err != nil {
		return 0, err
	}
	target := s.name
	if i = skipSpace(b, i); i >= len(b) {
		return 0, s.short("unexpected EOF")
	}
	end := bytes.Index(b[i:], []byte("?>"))
	if end < 0 {
		return 0, s.short("unexpected EOF")
	}
	if string(target) == "xml" {
		if v := procInstParam("version", b[i:i+end]); len(v) > 0 && string(v) != "1.0" {
			return 0, fmt.Errorf("xml: unsupported version %q; only version 1.0 is supported", v)
		}
	}
	return i + end + 2, nil
}

// procInstParam is encoding/xml's procInst: the value of param="..." or
// param='...' in a processing instruction, nil if there is none.
func procInstParam(param string, s []byte) []byte {
	lenp := len(param) + 1
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := bytes.Index(sub, []byte(param+"="))
		if k < 0 || lenp+k >= len(sub) {
			return nil
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return nil
	}
	j := bytes.IndexByte(s[i:], sep)
	if j < 0 {
		return nil
	}
	return s[i : i+j]
}

// scanBang reads what starts with <!: a comment, CDATA (text) or a
// directive such as <!DOCTYPE ...>.
func (s *xmlScanner) scanBang(b []byte) (xmlKind, int, error) {
	if len(b) < 3 {
		return xmlEOF, 0, s.short("unexpected EOF")
	}
	switch b[2] {
	case '-':
		n, err := s.scanComment(b)
		return xmlOther, n, err
	case '[':
		for i := range len("CDATA[") {
			if 3+i >= len(b) {
				return xmlEOF, 0, s.short("unexpected EOF")
			}
			if b[3+i] != "CDATA["[i] {
				return xmlEOF, 0, s.syntaxError("invalid <![ sequence")
			}
		}
		return s.scanCDATA(b)
	}
	n, err := s.scanDirective(b)
	return xmlOther, n, err
}

// scanComment reads <!-- ... -->, where "--" may only end it.
func (s *xmlScanner) scanComment(b []byte) (int, error) {
	if len(b) < 4 {
		return 0, s.short("unexpected EOF")
	}
	if b[3] != '-' {
		return 0, s.syntaxError("invalid sequence <!- not part of <!--")
	}
	k := bytes.Index(b[4:], []byte("--"))
	if k < 0 || 4+k+2 >= len(b) {
		return 0, s.short("unexpected EOF")
	}
	if b[4+k+2] != '>' {
		return 0, s.syntaxError(`invalid sequence "--" not allowed in comments`)
	}
	return 4 + k + 3, nil
}

// scanDirective reads <!DOCTYPE ...> and the like as encoding/xml does:
// quoted text and nested <...> and <!--...--> do not end it.
func (s *xmlScanner) scanDirective(b []byte) (int, error) {
	var inquote byte
	depth := 0
	for i := 3; ; {
		if i >= len(b) {
			return 0, s.short("unexpected EOF")
		}
		c := b[i]
		i++
		if inquote == 0 && c == '>' && depth == 0 {
			return i, nil
		}
	handle:
		switch {
		case c == inquote:
			inquote = 0
		case inquote != 0:
		case c == '\'' || c == '"':
			inquote = c
		case c == '>':
			depth--
		case c == '<':
			for j := range len("!--") {
				if i >= len(b) {
					return 0, s.short("unexpected EOF")
				}
				c = b[i]
				i++
				if c != "!--"[j] {
					depth++
					goto handle
				}
			}
			k := bytes.Index(b[i:], []byte("-->"))
			if k < 0 {
				return 0, s.short("unexpected EOF")
			}
			i += k + 3
		}
	}
}

// appendText appends the character data of the element whose start tag
// was the last token to dst, through its end tag; nested elements are
// skipped.
func (s *xmlScanner) appendText(dst []byte) ([]byte, error) {
	for {
		k, err := s.next()
		if err != nil {
			return dst, err
		}
		switch k {
		case xmlText:
			dst = append(dst, s.text...)
		case xmlStart:
			if err := s.skip(); err != nil {
				return dst, err
			}
		case xmlEnd:
			return dst, nil
		}
	}
}

// skip reads through the end of the element whose start tag was the last
// token.
func (s *xmlScanner) skip() error {
	for depth := 1; depth > 0; {
		k, err := s.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlStart:
			depth++
		case xmlEnd:
			depth--
		}
	}
	return nil
}
