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
//	"2017-07-05T10:30:00"                 (no offset: the server's local time)
//	"2017-07-05T10:30:00.1234567"         (with a fraction, any number of digits)
//	"2017-07-05T10:30:00+03:00", "...Z"   (with an offset)
//	"2017-07-05"                          (a date)
//	"/Date(1499239800000)/", "/Date(1499239800000+0300)/" (WCF)
//
// and encodes back in the form it was decoded from, so a payload survives
// a round trip unchanged. A CRMTime made in Go (NewCRMTime, CRMDate)
// encodes as "2006-01-02T15:04:05" (CRMDate: "2006-01-02T00:00:00"). The
// zero CRMTime encodes as null, and null decodes as the zero CRMTime.
type CRMTime struct {
	time.Time
	layout string // the Go layout it was decoded from; "" for the default
	wcf    bool   // the /Date(ms)/ form
	wcfOff bool   // the /Date(ms+hhmm)/ form
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
	layout, err := crmLayout(s)
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
	return CRMTime{Time: t, layout: layout}, nil
}

// crmLayout builds the exact layout of s, so that it re-encodes the same.
func crmLayout(s string) (string, error) {
	bad := fmt.Errorf("loyalty: bad CRM datetime %q (want 2006-01-02[T15:04:05[.fraction][offset]] or /Date(ms)/)", s)
	if len(s) == len("2006-01-02") {
		return "2006-01-02", nil
	}
	if len(s) < len("2006-01-02T15:04:05") || (s[10] != 'T' && s[10] != ' ') {
		return "", bad
	}
	layout := "2006-01-02" + string(s[10]) + "15:04:05"
	rest := s[len(layout):]
	if frac, ok := strings.CutPrefix(rest, "."); ok {
		n := 0
		for n < len(frac) && frac[n] >= '0' && frac[n] <= '9' {
			n++
		}
		if n == 0 || n > 9 {
			return "", bad
		}
		layout += "." + strings.Repeat("0", n)
		rest = frac[n:]
	}
	switch {
	case rest == "":
	case rest == "Z" || (len(rest) == 6 && rest[3] == ':'):
		layout += "Z07:00"
	case len(rest) == 5:
		layout += "Z0700"
	default:
		return "", bad
	}
	return layout, nil
}

// parseWCFDate reads /Date(ms)/ and /Date(ms+hhmm)/.
func parseWCFDate(s, rest string) (CRMTime, error) {
	bad := fmt.Errorf("loyalty: bad CRM datetime %q", s)
	body, ok := strings.CutSuffix(rest, ")/")
	if !ok || body == "" {
		return CRMTime{}, bad
	}
	msPart, offPart := body, ""
	if i := strings.LastIndexAny(body, "+-"); i > 0 {
		msPart, offPart = body[:i], body[i:]
	}
	ms, err := strconv.ParseInt(msPart, 10, 64)
	if err != nil {
		return CRMTime{}, bad
	}
	t := time.UnixMilli(ms).UTC()
	ct := CRMTime{wcf: true}
	if offPart != "" {
		if len(offPart) != 5 {
			return CRMTime{}, bad
		}
		hh, err1 := strconv.Atoi(offPart[1:3])
		mm, err2 := strconv.Atoi(offPart[3:5])
		if err1 != nil || err2 != nil || mm > 59 {
			return CRMTime{}, bad
		}
		off := hh*3600 + mm*60
		if offPart[0] == '-' {
			off = -off
		}
		t = t.In(time.FixedZone("", off))
		ct.wcfOff = true
	}
	ct.Time = t
	return ct, nil
}

// String is the datetime in the form it is encoded.
func (t CRMTime) String() string {
	if t.IsZero() {
		return ""
	}
	if t.wcf {
		s := "/Date(" + strconv.FormatInt(t.UnixMilli(), 10)
		if t.wcfOff {
			_, off := t.Zone()
			sign := byte('+')
			if off < 0 {
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
	return t.Format(layout)
}

// MarshalJSON encodes t as a JSON string, or null when t is zero.
func (t CRMTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.String())
}

// UnmarshalJSON decodes every form described on CRMTime; null and "" are
// the zero CRMTime.
func (t *CRMTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*t = CRMTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("loyalty: CRM datetime is not a string: %s", snippet(b))
	}
	if s == "" {
		*t = CRMTime{}
		return nil
	}
	v, err := ParseCRMTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}
