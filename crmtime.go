package loyalty

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CRMTime is a CRM datetime. It decodes every form the CRM is known to
// send:
//
//	"2017-07-05T10:30:00"                 (no offset: see below)
//	"2017-07-05T10:30:00.1234567"         (with a fraction, any number of digits)
//	"2017-07-05T10:30:00+03:00", "...+0300", "...Z" (with an offset)
//	"2017-07-05"                          (a date)
//	"/Date(1499239800000)/", "/Date(1499239800000+0300)/" (WCF)
//
// A value without an offset is the CRM server's local wall clock, not UTC:
// the CRM fronts Manzana Loyalty, which writes its datetimes that way, in
// Moscow time in practice (see docs/virtpos-crm-field-notes.md). It
// decodes as that wall clock in UTC (10:30 UTC above), since the zone is
// not on the wire: compare such values by their clock, or turn them into
// instants with At and the server's zone (time.FixedZone("MSK", 3*3600)
// for Moscow, which has no daylight saving time since 2014).
//
// A CRMTime encodes back in the form it was decoded from, byte for byte, so
// a payload survives a round trip unchanged: "+00:00" stays "+00:00" (not
// "Z"), /Date(ms-0000)/ keeps its sign, and a decoded zero instant (.NET's
// DateTime.MinValue "0001-01-01T00:00:00") or "" re-encodes as it came. A
// CRMTime made in Go ([NewCRMTime], CRMDate) encodes as "2006-01-02T15:04:05"
// (CRMDate: "2006-01-02T00:00:00"). The zero CRMTime encodes as null, and
// null decodes as the zero CRMTime.
//
// The text form (MarshalText, used by log/slog, encoding/xml and JSON map
// keys), the binary form and gob are the JSON string's content (String),
// not time.Time's RFC 3339.
type CRMTime struct {
	time.Time
	layout  string // the Go layout it was decoded from; "" for the default
	wcf     bool   // the /Date(ms)/ form
	wcfOff  bool   // the /Date(ms+hhmm)/ form
	negZero bool   // a zero offset written with a minus: "-00:00", "-0000"
	zeroSet bool   // decoded from a value naming the zero instant
	empty   bool   // decoded from the JSON string ""
}

// HasOffset reports whether t names an instant: it was decoded from a
// value with an offset or from the WCF form (milliseconds since the
// epoch). A value without one is the server's local wall clock.
func (t CRMTime) HasOffset() bool {
	return t.wcf || strings.Contains(t.layout, "07")
}

// At is the instant t stands for when the server's zone is loc: for a
// value without an offset (see HasOffset), its wall clock in loc; for one
// with an offset, that instant, shown in loc. For the CRM, loc is the
// server's zone, Moscow in practice.
func (t CRMTime) At(loc *time.Location) time.Time {
	if t.HasOffset() {
		return t.Time.In(loc)
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), loc)
}

// DefaultCRMTimeLayout is how a CRMTime made in Go is encoded.
const DefaultCRMTimeLayout = "2006-01-02T15:04:05"

// NewCRMTime wraps t. It is sent as t's wall clock without an offset, the
// way the CRM's own datetimes are written.
func NewCRMTime(t time.Time) CRMTime { return CRMTime{Time: t} }

// CRMDate is midnight of a calendar day, e.g. a birth date.
func CRMDate(year int, month time.Month, day int) CRMTime {
	return CRMTime{Time: time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// ParseCRMTime parses one of the forms CRMTime accepts.
func ParseCRMTime(s string) (CRMTime, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "/Date("); ok {
		return parseWCFDate(s, rest)
	}
	layout, negZero, err := crmLayout(s)
	if err != nil {
		return CRMTime{}, err
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return CRMTime{}, fmt.Errorf("loyalty: bad CRM datetime %q: %w", s, err)
	}
	if layout == DefaultCRMTimeLayout {
		layout = ""
	}
	_, off := t.Zone()
	return CRMTime{Time: t, layout: layout, negZero: negZero && off == 0, zeroSet: t.IsZero()}, nil
}

// crmLayout builds the exact layout of s, so that it re-encodes the same,
// and reports a zero offset written with a minus (which a layout prints
// with a plus).
func crmLayout(s string) (layout string, negZero bool, err error) {
	bad := func() error { // made only when s is refused
		return fmt.Errorf("loyalty: bad CRM datetime %q (want 2006-01-02[T15:04:05[.fraction][offset]] or /Date(ms)/)", s)
	}
	if len(s) == len("2006-01-02") {
		return "2006-01-02", false, nil
	}
	if len(s) < len("2006-01-02T15:04:05") || (s[10] != 'T' && s[10] != ' ') {
		return "", false, bad()
	}
	sep := 0
	if s[10] == ' ' {
		sep = 1
	}
	rest := s[len("2006-01-02T15:04:05"):]
	n := 0
	if frac, ok := strings.CutPrefix(rest, "."); ok {
		for n < len(frac) && frac[n] >= '0' && frac[n] <= '9' {
			n++
		}
		if n == 0 || n > 9 {
			return "", false, bad()
		}
		rest = frac[n:]
	}
	// Z07:00 prints "Z" for a zero offset, -07:00 prints "+00:00": use
	// the one the input was written in.
	var zone int
	switch {
	case rest == "":
	case rest == "Z":
		zone = 1
	case len(rest) == 6 && rest[3] == ':':
		zone = 2
		negZero = rest == "-00:00"
	case len(rest) == 5:
		zone = 3
		negZero = rest == "-0000"
	default:
		return "", false, bad()
	}
	return crmLayouts[sep][n][zone], negZero, nil
}

// crmLayouts are the layouts crmLayout picks from, made once: by the
// separator (T, space), the digits of the fraction (0–9) and the offset
// (none, Z07:00, -07:00, -0700).
var crmLayouts = func() (l [2][10][4]string) {
	for sep, sc := range []string{"T", " "} {
		for n := range 10 {
			base := "2006-01-02" + sc + "15:04:05"
			if n > 0 {
				base += "." + strings.Repeat("0", n)
			}
			for zone, z := range []string{"", "Z07:00", "-07:00", "-0700"} {
				l[sep][n][zone] = base + z
			}
		}
	}
	return l
}()

// plainJSONString is the JSON string b when it is quoted printable ASCII
// without escapes (a datetime, as servers write them), without
// encoding/json's round; ok is false for anything else.
func plainJSONString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(b[1 : len(b)-1]), true
}

// parseWCFDate reads /Date(ms)/ and /Date(ms+hhmm)/.
func parseWCFDate(s, rest string) (CRMTime, error) {
	bad := func() error { return fmt.Errorf("loyalty: bad CRM datetime %q", s) } // made only when s is refused
	body, ok := strings.CutSuffix(rest, ")/")
	if !ok || body == "" {
		return CRMTime{}, bad()
	}
	msPart, offPart := body, ""
	if i := strings.LastIndexAny(body, "+-"); i > 0 {
		msPart, offPart = body[:i], body[i:]
	}
	ms, err := strconv.ParseInt(msPart, 10, 64)
	if err != nil {
		return CRMTime{}, bad()
	}
	t := time.UnixMilli(ms).UTC()
	ct := CRMTime{wcf: true}
	if offPart != "" {
		if len(offPart) != 5 {
			return CRMTime{}, bad()
		}
		hh, err1 := strconv.Atoi(offPart[1:3])
		mm, err2 := strconv.Atoi(offPart[3:5])
		if err1 != nil || err2 != nil || mm > 59 {
			return CRMTime{}, bad()
		}
		off := hh*3600 + mm*60
		if offPart[0] == '-' {
			off = -off
		}
		t = t.In(time.FixedZone("", off))
		ct.wcfOff = true
		ct.negZero = offPart == "-0000"
	}
	ct.Time = t
	ct.zeroSet = t.IsZero()
	return ct, nil
}

// String is the datetime in the form it is encoded; "" for the zero
// CRMTime.
func (t CRMTime) String() string {
	if t.IsZero() && !t.zeroSet {
		return ""
	}
	_, off := t.Zone()
	if t.wcf {
		s := "/Date(" + strconv.FormatInt(t.UnixMilli(), 10)
		if t.wcfOff {
			sign := byte('+')
			if off < 0 || (off == 0 && t.negZero) {
				sign, off = '-', -off
			}
			s += fmt.Sprintf("%c%02d%02d", sign, off/3600, off/60%60)
		}
		return s + ")/"
	}
	layout := t.layout
	if layout == "" {
		layout = DefaultCRMTimeLayout
	}
	s := t.Format(layout)
	if t.negZero && off == 0 {
		// "+00:00" or "+0000" at the end, written "-..." in the input.
		if i := strings.LastIndexByte(s, '+'); i >= 0 {
			s = s[:i] + "-" + s[i+1:]
		}
	}
	return s
}

// MarshalJSON encodes t as a JSON string, or null when t is zero (a
// decoded "" re-encodes as "").
func (t CRMTime) MarshalJSON() ([]byte, error) {
	s := t.String()
	if s == "" && !t.empty {
		return []byte("null"), nil
	}
	return json.Marshal(s)
}

// MarshalText is String: the form MarshalJSON puts in its string.
func (t CRMTime) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// AppendText appends String to b.
func (t CRMTime) AppendText(b []byte) ([]byte, error) { return append(b, t.String()...), nil }

// UnmarshalText parses one of the forms CRMTime accepts ([ParseCRMTime]);
// empty text is the zero CRMTime.
func (t *CRMTime) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = CRMTime{}
		return nil
	}
	v, err := ParseCRMTime(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalBinary is MarshalText, so that the binary form keeps the
// datetime's form like the others.
func (t CRMTime) MarshalBinary() ([]byte, error) { return t.MarshalText() }

// AppendBinary is AppendText.
func (t CRMTime) AppendBinary(b []byte) ([]byte, error) { return t.AppendText(b) }

// UnmarshalBinary is UnmarshalText.
func (t *CRMTime) UnmarshalBinary(b []byte) error { return t.UnmarshalText(b) }

// GobEncode is MarshalText.
func (t CRMTime) GobEncode() ([]byte, error) { return t.MarshalText() }

// GobDecode is UnmarshalText.
func (t *CRMTime) GobDecode(b []byte) error { return t.UnmarshalText(b) }

// UnmarshalJSON decodes every form described on CRMTime; null and "" are
// the zero CRMTime.
func (t *CRMTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*t = CRMTime{}
		return nil
	}
	s, ok := plainJSONString(b)
	if !ok {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("loyalty: CRM datetime is not a string: %s", snippet(b))
		}
	}
	if s == "" {
		*t = CRMTime{empty: true}
		return nil
	}
	v, err := ParseCRMTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}
