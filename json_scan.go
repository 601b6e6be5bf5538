package loyalty

import (
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner reads JSON from a body in memory or from a stream through a
// buffer that refills as it goes: the one tokenizer behind both the
// buffered (List) and the streamed (All, Stream) [VirtPOS] reads, so the two
// cannot disagree. It checks the grammar fully (RFC 8259), keeps only what
// the decoder asks for, and limits nesting to maxJSONDepth.
type jsonScanner struct {
	r    io.Reader // nil: buf is the whole body
	buf  []byte
	pos  int   // next byte to read in buf
	base int64 // body offset of buf[0]
	rerr error // what ended r: io.EOF at the end of the body
	key  []byte

	capture rawCapture // the bytes of a nested block being kept (skipRaw)
}

// maxJSONDepth is the deepest nesting accepted. A [VirtPOS] answer is 4
// levels deep; anything much deeper is hostile.
const maxJSONDepth = 64

func newJSONBytes(b []byte) *jsonScanner { return &jsonScanner{buf: b, rerr: io.EOF} }

func newJSONReader(r io.Reader) *jsonScanner {
	return &jsonScanner{r: r, buf: make([]byte, 0, 32<<10)}
}

// fill reads more of the body, keeping buf[pos:]. It reports whether
// anything was added.
func (s *jsonScanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	if s.pos > 0 {
		s.capture.keep(s.buf, s.pos)
		n := copy(s.buf[:cap(s.buf)], s.buf[s.pos:])
		s.base += int64(s.pos)
		s.buf, s.pos = s.buf[:n], 0
	}
	if len(s.buf) == cap(s.buf) {
		s.buf = append(s.buf, make([]byte, cap(s.buf))...)[:len(s.buf)]
	}
	for range 100 {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.rerr = io.ErrNoProgress
	return false
}

// ensure makes n bytes from pos available when the body has them.
func (s *jsonScanner) ensure(n int) bool {
	for len(s.buf)-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

// endErr is the error for a body that ends (or fails) where more JSON
// must follow: the reader's own error, or io.ErrUnexpectedEOF.
func (s *jsonScanner) endErr() error {
	if s.rerr != nil && s.rerr != io.EOF {
		return s.rerr
	}
	return fmt.Errorf("JSON ends at byte %d: %w", s.base+int64(len(s.buf)), io.ErrUnexpectedEOF)
}

func (s *jsonScanner) syntax(what string) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", s.base+int64(s.pos), what)
}

// tooDeep is the error for a container opened past maxJSONDepth.
func (s *jsonScanner) tooDeep() error {
	return fmt.Errorf("JSON at byte %d: %w (more than %d levels)", s.base+int64(s.pos), ErrResponseTooDeep, maxJSONDepth)
}

// skipSpace skips white space and returns the next byte without
// consuming it; false at the end of the input (or a read error, in rerr).
func (s *jsonScanner) skipSpace() (byte, bool) {
	for {
		for s.pos < len(s.buf) {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c, true
			}
		}
		if !s.fill() {
			return 0, false
		}
	}
}

// peek skips white space and returns the next byte without consuming it.
func (s *jsonScanner) peek() (byte, error) {
	c, ok := s.skipSpace()
	if !ok {
		return 0, s.endErr()
	}
	return c, nil
}

// expect consumes c, the next byte after white space.
func (s *jsonScanner) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return s.syntax(fmt.Sprintf("want %q, got %q", c, got))
	}
	s.pos++
	return nil
}

// end checks that nothing but white space follows the document (without
// peek's error for the end, built with fmt for every document otherwise).
func (s *jsonScanner) end() error {
	if c, ok := s.skipSpace(); ok {
		return s.syntax(fmt.Sprintf("%q after the end of the document", c))
	}
	if s.rerr == nil || s.rerr == io.EOF {
		return nil
	}
	return s.rerr
}

// next moves to the next member of an object or element of an array
// whose opening byte is consumed: it consumes the ',' (not before the
// first) or the closing byte, reporting false at the close.
func (s *jsonScanner) next(first *bool, closing byte) (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	if c == closing {
		s.pos++
		return false, nil
	}
	if *first {
		*first = false
		return true, nil
	}
	if c != ',' {
		return false, s.syntax(fmt.Sprintf("want ',' or %q, got %q", closing, c))
	}
	s.pos++
	return true, nil
}

// nextKey moves to the next member of an object and reads its key into
// s.key (valid until the next call), for the loop
// `for s.nextKey(&first, &err) { … }`: false at the closing '}', and
// false with *err set when the JSON is malformed.
func (s *jsonScanner) nextKey(first *bool, err *error) bool {
	more, e := s.readKey(first)
	*err = e
	return more && e == nil
}

// readKey is nextKey's reading: whether there is a member, and an error.
func (s *jsonScanner) readKey(first *bool) (bool, error) {
	more, err := s.next(first, '}')
	if !more || err != nil {
		return false, err
	}
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	if c != '"' {
		return false, s.syntax(fmt.Sprintf("want an object key, got %q", c))
	}
	if s.key, err = s.appendString(s.key[:0], true); err != nil {
		return false, err
	}
	return true, s.expect(':')
}

// appendString reads the string at pos (its opening quote) and, when keep
// is set, appends its unescaped text to dst.
func (s *jsonScanner) appendString(dst []byte, keep bool) ([]byte, error) {
	s.pos++
	for {
		i := s.pos
		for i < len(s.buf) {
			if c := s.buf[i]; c == '"' || c == '\\' || c < 0x20 {
				break
			}
			i++
		}
		if keep {
			dst = append(dst, s.buf[s.pos:i]...)
		}
		s.pos = i
		if i == len(s.buf) {
			if !s.fill() {
				return dst, s.endErr()
			}
			continue
		}
		switch c := s.buf[i]; {
		case c == '"':
			s.pos++
			return dst, nil
		case c < 0x20:
			return dst, s.syntax("control character in a string")
		}
		var r rune
		var err error
		if r, err = s.escape(); err != nil {
			return dst, err
		}
		if keep {
			dst = utf8.AppendRune(dst, r)
		}
	}
}

// escape reads the escape sequence at pos. A lone surrogate is U+FFFD, as
// encoding/json reads it.
func (s *jsonScanner) escape() (rune, error) {
	if !s.ensure(2) {
		return 0, s.endErr()
	}
	c := s.buf[s.pos+1]
	s.pos += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
	default:
		s.pos--
		return 0, s.syntax(fmt.Sprintf("invalid escape \\%c", c))
	}
	r, err := s.hex4()
	if err != nil || !utf16.IsSurrogate(r) {
		return r, err
	}
	// A pair only when a low surrogate follows; otherwise the first is
	// lone and what follows is read on its own.
	if s.ensure(6) && s.buf[s.pos] == '\\' && s.buf[s.pos+1] == 'u' {
		save := s.pos
		s.pos += 2
		if r2, err := s.hex4(); err == nil {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, nil
			}
		}
		s.pos = save
	}
	return utf8.RuneError, nil
}

// hex4 reads the four hex digits of a \u escape.
func (s *jsonScanner) hex4() (rune, error) {
	if !s.ensure(4) {
		return 0, s.endErr()
	}
	var r rune
	for _, c := range s.buf[s.pos : s.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, s.syntax("invalid \\u escape")
		}
		r = r<<4 | rune(c)
	}
	s.pos += 4
	return r, nil
}

// literal consumes the word (true, false or null) at pos.
func (s *jsonScanner) literal(word string) error {
	if !s.ensure(len(word)) {
		return s.endErr()
	}
	if string(s.buf[s.pos:s.pos+len(word)]) != word {
		return s.syntax(fmt.Sprintf("invalid literal (want %s)", word))
	}
	s.pos += len(word)
	return nil
}

// appendScalar reads a string, number, true, false or null and appends
// its text (nothing for null) to dst. An object or array is an error: a
// field holds one value.
func (s *jsonScanner) appendScalar(dst []byte) ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return dst, err
	}
	switch c {
	case '"':
		return s.appendString(dst, true)
	case 't':
		return append(dst, "true"...), s.literal("true")
	case 'f':
		return append(dst, "false"...), s.literal("false")
	case 'n':
		return dst, s.literal("null")
	case '{', '[':
		return dst, s.syntax("an object or array where a single value belongs")
	}
	return s.appendNumber(dst, true)
}

// skipValue reads one value of any kind, at nesting depth depth, keeping
// nothing.
func (s *jsonScanner) skipValue(depth int) error {
	var stack [maxJSONDepth]byte // the closing bytes of the open containers
	n := 0
	for {
		c, err := s.peek()
		if err != nil {
			return err
		}
		switch c {
		case '{', '[':
			if depth+n >= maxJSONDepth {
				return s.tooDeep()
			}
			s.pos++
			stack[n] = c + 2 // '}' and ']' follow '{' and '[' by two
			n++
			if done, err := s.open(c); err != nil {
				return err
			} else if !done {
				continue // a first value follows
			}
			n--
		case '"':
			_, err = s.appendString(nil, false)
		case 't':
			err = s.literal("true")
		case 'f':
			err = s.literal("false")
		case 'n':
			err = s.literal("null")
		default:
			_, err = s.appendNumber(nil, false)
		}
		if err != nil {
			return err
		}
		// After a value: close what ends here, or move to the next value.
		for ; n > 0; n-- {
			first := false
			more, err := s.next(&first, stack[n-1])
			if err != nil {
				return err
			}
			if more {
				if stack[n-1] == '}' {
					if err := s.memberKey(); err != nil {
						return err
					}
				}
				break
			}
		}
		if n == 0 {
			return nil
		}
	}
}

// open is called after a container's opening byte c: it consumes an
// immediate close (done) or, in an object, the first key and its colon.
func (s *jsonScanner) open(c byte) (done bool, err error) {
	first := true
	more, err := s.next(&first, c+2)
	if err != nil || !more {
		return !more, err
	}
	if c == '{' {
		return false, s.memberKey()
	}
	return false, nil
}

// memberKey reads (and drops) an object key and its colon.
func (s *jsonScanner) memberKey() error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != '"' {
		return s.syntax(fmt.Sprintf("want an object key, got %q", c))
	}
	if _, err := s.appendString(nil, false); err != nil {
		return err
	}
	return s.expect(':')
}
