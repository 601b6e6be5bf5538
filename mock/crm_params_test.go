package mock

import (
	"encoding/json"
	"testing"
)

// TestCRMStringParamsAsJSONWrites holds the reflection-free paths of
// crmParams and crmCall.str to json.Marshal and json.Unmarshal.
func TestCRMStringParamsAsJSONWrites(t *testing.T) {
	for _, v := range []string{
		"", "firm-1", "5d2f8b1c-9e4a-4f6b-a7c3-0e1d2c3b0001", "a b~", `quote"`, `back\slash`, "<b>&amp;",
		"tab\there", "Иванова", "\u2028", "bad\xffutf8", "\x7f", "null",
	} {
		want, _ := json.Marshal(v)
		got := jsonString(v)
		if string(got) != string(want) {
			t.Errorf("jsonString(%q) = %s, want %s", v, got, want)
		}
		var back string
		if err := json.Unmarshal(want, &back); err != nil {
			t.Fatal(err)
		}
		c := &crmCall{params: map[string]json.RawMessage{"p": got}}
		if s := c.str("p", false); s != back {
			t.Errorf("str(%s) = %q, want %q", got, s, back)
		}
	}
}
