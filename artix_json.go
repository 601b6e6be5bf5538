package loyalty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// "specialdate1 name", "subscription adj" and "sendCheckToEmail" match.
func normKey(k string) string {
	k = strings.ToLower(k)
	if strings.ContainsAny(k, " _") {
		k = strings.NewReplacer(" ", "", "_", "").Replace(k)
	}
	return k
}

func trimJSON(b []byte) []byte { return bytes.TrimSpace(b) }

// flexString reads a JSON string or number as a string.
func flexString(b []byte) (string, error) {
	b = trimJSON(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		return string(b[1 : len(b)-1]), nil // a plain string, the common case
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", errors.New("want a string or a number, got " + firstLine(string(b), 40))
	}
	return n.String(), nil
}

// flexInt reads a JSON number or a numeric string as an int.
func flexInt(b []byte) (int, error) {
	s, err := flexString(b)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("want an integer, got %q", s)
	}
	return n, nil
}

// flexBool reads 0/1 (numbers or strings), booleans, and "" (nil).
func flexBool(b []byte) (*bool, error) {
	switch s := string(trimJSON(b)); s {
	case "true":
		return new(true), nil
	case "false":
		return new(false), nil
	case `""`, "null":
		return nil, nil
	}
	n, err := flexInt(b)
	if err != nil || (n != 0 && n != 1) {
		return nil, fmt.Errorf("want 0, 1 or a boolean, got %s", firstLine(string(b), 40))
	}
	return new(n == 1), nil
}

// flexFields reads the fields of one Artix object as tolerantly as
// flexString, flexInt, flexBool and flexDecimal do, null being absent. It
// keeps the first error, named after the object and the key ("artix card
// cardSum: …"); after it every read is skipped.
type flexFields struct {
	object string
	err    error
}

// flexRead reads the field key with parse and reports whether it held a
// value; null, absent or after an earlier error, it is T's zero value.
func flexRead[T any](f *flexFields, key string, raw json.RawMessage, parse func([]byte) (T, error)) (T, bool) {
	var zero T
	if f.err != nil || isNull(raw) {
		return zero, false
	}
	v, err := parse(raw)
	if err != nil {
		f.err = fmt.Errorf("artix %s %s: %w", f.object, key, err)
		return zero, false
	}
	return v, true
}

// str reads a string or number; null is "".
func (f *flexFields) str(key string, raw json.RawMessage) string {
	s, _ := flexRead(f, key, raw, flexString)
	return s
}

// text reads a string or number; null is nil.
func (f *flexFields) text(key string, raw json.RawMessage) *string {
	if s, ok := flexRead(f, key, raw, flexString); ok {
		return new(s) // not &s: s would live on the heap for a null too
	}
	return nil
}

// integer reads an integer; null is nil.
func (f *flexFields) integer(key string, raw json.RawMessage) *int {
	if n, ok := flexRead(f, key, raw, flexInt); ok {
		return new(n)
	}
	return nil
}

// boolean reads a boolean or 0/1; null and "" are nil.
func (f *flexFields) boolean(key string, raw json.RawMessage) *bool {
	b, _ := flexRead(f, key, raw, flexBool)
	return b
}

// decimal reads a number or numeric string; null is nil.
func (f *flexFields) decimal(key string, raw json.RawMessage) *decimal.Decimal {
	d, _ := flexRead(f, key, raw, flexDecimal)
	return d
}

// appendJSONString appends s as a JSON string, without HTML escaping;
// invalid UTF-8 becomes U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			buf = append(buf, `\u202`...)
			buf = append(buf, hex[r&0xf])
		default:
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
