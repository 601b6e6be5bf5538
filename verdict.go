package loyalty

import (
	"bytes"
	"encoding/json"
	"errors"
)

// errRepeatedVerdict is the cause of an answer that holds its verdict key
// (Artix success, [VirtPOS] success in JSON or XML, CRM errors) more than
// once, in any case or spelling: which one is meant cannot be known, and a decoder
// keeping either would guess, so the answer is malformed.
var errRepeatedVerdict = errors.New("the answer holds its verdict key more than once")

// countTopKey counts the keys of the JSON object obj, at its top level,
// that are key once lower-cased without spaces and underscores (normKey):
// "Success", "SUCCESS" and "suc_cess" are all "success". obj must be an
// object; a malformed one is an error.
func countTopKey(obj []byte, key string) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, errors.New("not a JSON object")
	}
	n := 0
	var skip json.RawMessage
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return 0, err
		}
		k, _ := t.(string)
		if k == key || normKey(k) == key {
			n++
		}
		if err := dec.Decode(&skip); err != nil {
			return 0, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return 0, err
	}
	return n, nil
}

// repeatedTopKey reports a JSON object body holding key (lower-case
// ASCII) more than once at its top level, in any ASCII case, as
// encoding/json would match it to one struct field and keep the last. A
// body where "key" appears at most once, anywhere, is passed without
// decoding (the usual case, no allocation).
func repeatedTopKey(body []byte, key string) bool {
	n := 0
	for i := 0; i+len(key)+1 < len(body); i++ {
		q := bytes.IndexByte(body[i:len(body)-len(key)-1], '"')
		if q < 0 {
			break
		}
		i += q
		if body[i+1+len(key)] == '"' && asciiEqualFold(body[i+1:i+1+len(key)], key) {
			n++
		}
	}
	if n < 2 {
		return false
	}
	c, err := countTopKey(bytes.TrimSpace(bytes.TrimPrefix(body, bom)), key)
	return err == nil && c > 1
}

// repeatedRootChild reports an XML body whose root holds more than one
// child element named name (lower-case ASCII) in any ASCII case and any
// namespace: the [VirtPOS] verdict <success> twice, which encoding/xml
// would decide by the last. A body where name appears at most once,
// anywhere, is passed without scanning (the usual case, no allocation); a
// malformed one is left to the decoder, which refuses it.
func repeatedRootChild(body []byte, name string) bool {
	n := 0
	for i := 0; i+len(name) <= len(body) && n < 2; i++ {
		if asciiEqualFold(body[i:i+len(name)], name) {
			n++
		}
	}
	if n < 2 {
		return false
	}
	var s xmlScanner
	s.resetBytes(body)
	depth, seen := 0, false
	for {
		k, err := s.next()
		if err != nil || k == xmlEOF {
			return false
		}
		switch k {
		case xmlStart:
			depth++
			if depth == 2 && isFold(s.local, name) {
				if seen {
					return true
				}
				seen = true
			}
		case xmlEnd:
			depth--
		}
	}
}

// isFold reports b equal to the lower-case ASCII s in any case.
func isFold(b []byte, s string) bool {
	return len(b) == len(s) && asciiEqualFold(b, s)
}

// asciiEqualFold reports b equal to the lower-case ASCII s in any case.
func asciiEqualFold(b []byte, s string) bool {
	for i := range len(s) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
