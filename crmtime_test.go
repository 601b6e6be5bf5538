package loyalty_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
)

// crmTimeForms is every form CRMTime accepts, as a JSON value.
var crmTimeForms = []string{
	`"2017-07-05T10:30:00"`,
	`"2017-07-05 10:30:00"`,
	`"2017-07-05T10:30:00.1"`,
	`"2017-07-05T10:30:00.1234567"`,
	`"2017-07-05T10:30:00.000"`,
	`"2017-07-05T10:30:00Z"`,
	`"2017-07-05T10:30:00.5Z"`,
	`"2017-07-05T10:30:00+03:00"`,
	`"2017-07-05T10:30:00-05:30"`,
	`"2017-07-05T10:30:00+00:00"`,
	`"2017-07-05T10:30:00-00:00"`,
	`"2017-07-05T10:30:00+0300"`,
	`"2017-07-05T10:30:00+0000"`,
	`"2017-07-05T10:30:00-0000"`,
	`"2017-07-05 10:30:00.25+0000"`,
	`"2017-07-05"`,
	`"0001-01-01T00:00:00"`,
	`"0001-01-01"`,
	`"0001-01-01T00:00:00Z"`,
	`"/Date(1499239800000)/"`,
	`"/Date(1499239800000+0300)/"`,
	`"/Date(1499239800000-0000)/"`,
	`"/Date(1499239800000+0000)/"`,
	`"/Date(1499239800000-0530)/"`,
	`"/Date(-62135596800000)/"`,
	`"/Date(-62135596800000+0000)/"`,
	`"/Date(-1)/"`,
	`""`,
	`null`,
}

// TestCRMTimeRoundTripEveryForm: decode → encode gives the same bytes for
// every accepted form (the doc's promise).
func TestCRMTimeRoundTripEveryForm(t *testing.T) {
	for _, in := range crmTimeForms {
		var ct loyalty.CRMTime
		if err := json.Unmarshal([]byte(in), &ct); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		out, err := json.Marshal(ct)
		if err != nil {
			t.Errorf("%s re-encodes as %s (%v); want err == nil", in, out, err)
		} else if string(out) != in {
			t.Errorf("%s re-encodes as %s (%v); want string(out) == in", in, out, err)
		}
		// And inside a struct, through a pointer.
		var doc struct {
			T *loyalty.CRMTime `json:"t"`
		}
		if err := json.Unmarshal([]byte(`{"t":`+in+`}`), &doc); err != nil {
			t.Errorf("%s in a struct: %v", in, err)
			continue
		}
		if out, _ := json.Marshal(doc); in != "null" && string(out) != `{"t":`+in+`}` {
			t.Errorf("%s in a struct re-encodes as %s", in, out)
		}
	}
}

// TestCRMTimeTextForm: the text form (slog, XML, map keys) is the JSON
// string's content, not time.Time's RFC 3339, and parses back the same.
func TestCRMTimeTextForm(t *testing.T) {
	for _, in := range crmTimeForms {
		if in == "null" {
			continue
		}
		var ct loyalty.CRMTime
		if err := json.Unmarshal([]byte(in), &ct); err != nil {
			t.Fatal(err)
		}
		want := strings.Trim(in, `"`)
		txt, err := ct.MarshalText()
		if err != nil {
			t.Errorf("%s: MarshalText %q (%v), String %q; want err == nil", in, txt, err, ct.String())
		} else if string(txt) != ct.String() {
			t.Errorf("%s: MarshalText %q (%v), String %q; want string(txt) == ct.String()", in, txt, err, ct.String())
		}
		if string(txt) != want {
			t.Errorf("%s: text %q, want %q", in, txt, want)
		}
		var back loyalty.CRMTime
		if err := back.UnmarshalText(txt); err != nil {
			t.Errorf("%s: UnmarshalText(%q) = %q, %v; want err == nil", in, txt, back.String(), err)
		} else if back.String() != string(txt) {
			t.Errorf("%s: UnmarshalText(%q) = %q, %v; want back.String() == string(txt)", in, txt, back.String(), err)
		} else if !back.Equal(ct.Time) {
			t.Errorf("%s: UnmarshalText(%q) = %q, %v; want back.Equal(ct.Time)", in, txt, back.String(), err)
		}
	}
	ct := loyalty.NewCRMTime(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))

	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "at", ct)
	if !strings.Contains(buf.String(), "at=2020-01-02T03:04:05\n") {
		t.Errorf("slog: %s", buf.String())
	}
	x, err := xml.Marshal(struct {
		XMLName xml.Name        `xml:"r"`
		At      loyalty.CRMTime `xml:"at"`
	}{At: ct})
	if err != nil {
		t.Errorf("xml: %s %v; want err == nil", x, err)
	} else if string(x) != "<r><at>2020-01-02T03:04:05</at></r>" {
		t.Errorf("xml: %s %v; want string(x) == \"<r><at>2020-01-02T03:04:05</at></r>\"", x, err)
	}
	m, err := json.Marshal(map[loyalty.CRMTime]int{ct: 1})
	if err != nil {
		t.Errorf("map key: %s %v; want err == nil", m, err)
	} else if string(m) != `{"2020-01-02T03:04:05":1}` {
		t.Errorf("map key: %s %v; want string(m) == `{\"2020-01-02T03:04:05\":1}`", m, err)
	}
	var back map[loyalty.CRMTime]int
	if err := json.Unmarshal([]byte(`{"/Date(1499239800000+0300)/":1}`), &back); err != nil {
		t.Fatalf("map key decode: %v %v; want err == nil", back, err)
	} else if len(back) != 1 {
		t.Fatalf("map key decode: %v %v; want len(back) == 1", back, err)
	}
	for k := range back {
		if k.String() != "/Date(1499239800000+0300)/" {
			t.Errorf("map key decodes as %s", k)
		}
	}
	var gb bytes.Buffer
	src, _ := loyalty.ParseCRMTime("/Date(1499239800000-0000)/")
	if err := gob.NewEncoder(&gb).Encode(src); err != nil {
		t.Fatal(err)
	}
	var dst loyalty.CRMTime
	if err := gob.NewDecoder(&gb).Decode(&dst); err != nil {
		t.Errorf("gob: %s %v; want err == nil", dst, err)
	} else if dst.String() != "/Date(1499239800000-0000)/" {
		t.Errorf("gob: %s %v; want dst.String() == \"/Date(1499239800000-0000)/\"", dst, err)
	}
	var bad loyalty.CRMTime
	if err := bad.UnmarshalText([]byte("yesterday")); err == nil {
		t.Error("UnmarshalText(yesterday): want an error")
	}
}

// TestCRMTimeNoOffsetIsUTC: a value without an offset decodes as that wall
// clock in UTC, as the doc says.
func TestCRMTimeNoOffsetIsUTC(t *testing.T) {
	ct, err := loyalty.ParseCRMTime("2017-07-05T10:30:00")
	if err != nil {
		t.Fatal(err)
	}
	if ct.Location() != time.UTC {
		t.Errorf("%v in %v; want ct.Location() == time.UTC", ct.Time, ct.Location())
	} else if ct.Hour() != 10 {
		t.Errorf("%v in %v; want ct.Hour() == 10", ct.Time, ct.Location())
	}
}

func TestCRMTimeParsesEveryServerForm(t *testing.T) {
	for _, tc := range []struct{ in, utc string }{
		{"2017-07-05T10:30:00", "2017-07-05T10:30:00Z"},
		{"2017-07-05T10:30:00.1234567", "2017-07-05T10:30:00.1234567Z"},
		{"2017-07-05T10:30:00.5+03:00", "2017-07-05T07:30:00.5Z"},
		{"2017-07-05T10:30:00Z", "2017-07-05T10:30:00Z"},
		{"2017-07-05T10:30:00+0300", "2017-07-05T07:30:00Z"},
		{"2017-07-05 10:30:00", "2017-07-05T10:30:00Z"},
		{"2017-07-05", "2017-07-05T00:00:00Z"},
		{"/Date(1499239800000)/", "2017-07-05T07:30:00Z"},
		{"/Date(1499239800000+0300)/", "2017-07-05T07:30:00Z"},
		{"/Date(-86400000)/", "1969-12-31T00:00:00Z"},
	} {
		var ct loyalty.CRMTime
		if err := json.Unmarshal([]byte(`"`+tc.in+`"`), &ct); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := ct.UTC().Format(time.RFC3339Nano); got != tc.utc {
			t.Errorf("%s: %s, want %s", tc.in, got, tc.utc)
		}
		if out, _ := json.Marshal(ct); string(out) != `"`+tc.in+`"` {
			t.Errorf("%s re-encodes as %s", tc.in, out)
		}
	}
	for _, bad := range []string{`"yesterday"`, `"2017-07-05T10"`, `"/Date(abc)/"`, `"2017-07-05T10:30:00+3"`, `17`} {
		var ct loyalty.CRMTime
		if err := json.Unmarshal([]byte(bad), &ct); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
	var zero loyalty.CRMTime
	if err := json.Unmarshal([]byte(`null`), &zero); err != nil {
		t.Fatal("null", "; want err == nil")
	} else if !zero.IsZero() {
		t.Fatal("null", "; want zero.IsZero()")
	}
	if out, _ := json.Marshal(zero); string(out) != "null" {
		t.Fatalf("zero marshals as %s", out)
	}
	if out, _ := json.Marshal(loyalty.NewCRMTime(time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC))); string(out) != `"2020-01-02T03:04:05"` {
		t.Fatalf("NewCRMTime marshals as %s", out)
	}
	if s := loyalty.CRMDate(1985, time.March, 14).String(); s != "1985-03-14T00:00:00" {
		t.Fatalf("CRMDate = %s", s)
	}
}
