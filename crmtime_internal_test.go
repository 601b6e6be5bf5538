package loyalty

import (
	"encoding/json"
	"testing"
)

// plainJSONString takes only what encoding/json reads as the same
// string, and leaves escapes, control and non-ASCII bytes to it.
func TestPlainJSONStringAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`"2017-06-01T12:30:00+03:00"`, true},
		{`""`, true},
		{`"/Date(1357048800000)/"`, true},
		{`"2017-06-01\u0054"`, false},
		{`"a\"b"`, false},
		{"\"a\tb\"", false},
		{`"дата"`, false},
		{`"x`, false},
		{`null`, false},
		{`1`, false},
	} {
		got, ok := plainJSONString([]byte(tc.in))
		if ok != tc.ok {
			t.Errorf("plainJSONString(%s): ok %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		var want string
		if ok && (json.Unmarshal([]byte(tc.in), &want) != nil || got != want) {
			t.Errorf("plainJSONString(%s) = %q; encoding/json reads %q", tc.in, got, want)
		}
	}
}
