package loyalty

import (
	"strings"
	"testing"
)

func TestCheckNumbers(t *testing.T) {
	for _, c := range []struct {
		body string
		ok   bool
	}{
		{`{"balance":15200.55,"card":"2000001000123","id":"a3d9c7e1-5f2b-4c8d-9e0f-1a2b3c4d0001"}`, true},
		{`{"x":1.5e10,"y":"1e99999"}`, true}, // an exponent in a string is text
		{`{"balance":` + strings.Repeat("9", maxDigits) + `}`, true},
		{`{"balance":` + strings.Repeat("9", maxDigits+1) + `}`, false},
		{`{"balance":"` + strings.Repeat("9", 2_000_000) + `"}`, false},
		{`{"balance":1e9999}`, false},
		{`{"balance":1E+1000}`, false},
		{`{"s":"\"","balance":1e-9999}`, false},
	} {
		if err := checkNumbers([]byte(c.body)); (err == nil) != c.ok {
			t.Errorf("%.60s: %v", c.body, err)
		}
		if err := checkNumbersExactly([]byte(c.body)); (err == nil) != c.ok {
			t.Errorf("checkNumbersExactly %.60s: %v", c.body, err)
		}
	}
}

// FuzzCheckNumbers: the quick pass never lets through what the exact
// pass refuses.
func FuzzCheckNumbers(f *testing.F) {
	for _, s := range []string{`{"x":1.5e10,"y":"1e99999"}`, `{"balance":1E+1000}`, `{"s":"\\"","b":1e-9999}`,
		`"\\1e2345"`, `1e`, `9e+`, strings.Repeat("9", maxDigits+1)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := checkNumbersExactly(body); err != nil && !numbersSuspect(body) {
			t.Errorf("%q: the exact pass refuses it (%v), the quick pass saw nothing", body, err)
		}
		if (checkNumbers(body) == nil) != (checkNumbersExactly(body) == nil) {
			t.Errorf("%q: checkNumbers and the exact pass disagree", body)
		}
	})
}

func TestNumberFieldsCapped(t *testing.T) {
	long := scalar(strings.Repeat("1", maxNumberText+1))
	if _, err := parseInt("id", long); err == nil {
		t.Errorf("parseInt: %v; want err != nil", err)
	} else if !strings.Contains(err.Error(), "longer than") {
		t.Errorf("parseInt: %v; want strings.Contains(err.Error(), \"longer than\")", err)
	}
	if _, err := parseDecimal("accumulated_sales", long); err == nil {
		t.Error("parseDecimal: no error")
	}
	if _, err := parseDecimal("accumulated_sales", "1e999999999"); err == nil {
		t.Error("parseDecimal 1e999999999: no error")
	}
	if _, err := parseBool("send_sms", long); err == nil {
		t.Error("parseBool: no error")
	}
	if _, err := parseTime("register_date", long); err == nil {
		t.Error("parseTime: no error")
	}
	if d, err := parseDecimal("accumulated_sales", "15200,55"); err != nil {
		t.Errorf("a real amount: %v %v; want err == nil", d, err)
	} else if d.String() != "15200.55" {
		t.Errorf("a real amount: %v %v; want d.String() == \"15200.55\"", d, err)
	}
}

// repeatedTopKey's quote search finds what a byte-by-byte look finds.
func TestRepeatedTopKeyCountsEveryQuote(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{`{"errors":[],"errors":[]}`, true},
		{`{"ERRORS":[],"Errors":[1]}`, true},
		{`{"errors":[],"x":"\"errors\""}`, false},
		{`{"errors":[{"errors":1}]}`, false},
		{`{"errors":1}`, false},
		{`"errors""errors"`, false},
		{`{"errors":0,"errors"`, false},
		{`{"a":"errors","errors":[],"errors":null}`, true},
	} {
		if got := repeatedTopKey([]byte(tc.body), "errors"); got != tc.want {
			t.Errorf("repeatedTopKey(%s) = %v, want %v", tc.body, got, tc.want)
		}
	}
}
