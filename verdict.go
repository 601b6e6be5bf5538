package loyalty

import (
	"bytes"
	"encoding/json"
	"errors"
)

// errRepeatedVerdict is the cause of an answer that holds its verdict key
// (Artix success, [VirtPOS] success, CRM errors) more than once, in any
// case or spelling: which one is meant cannot be known, and a decoder
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
