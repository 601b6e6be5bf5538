package loyalty

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// maxNumberText is the longest text a numeric, boolean or time field may
// have. No real value comes near it (an int64 has 19 digits); a longer one
// is refused before it is parsed, since parsing a million digits takes
// seconds.
const maxNumberText = 40

// numberText is v's trimmed text, or an error when it is longer than
// maxNumberText.
func numberText(field string, v scalar, want string) (string, error) {
	t := v.text()
	if len(t) > maxNumberText {
		return "", fmt.Errorf("field %s: %q is not %s: longer than %d characters", field, firstLine(t, 20), want, maxNumberText)
	}
	return t, nil
}

// scalar is a wire value as text: XML character data, or a JSON string,
// number, boolean (true/false as written) or null (empty).
type scalar string

// UnmarshalJSON accepts any JSON value; objects and arrays are kept raw.
func (s *scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		if bytes.IndexByte(b, '\\') < 0 {
			*s = scalar(b[1 : len(b)-1])
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = scalar(v)
	default:
		*s = scalar(b)
	}
	return nil
}

func (s scalar) text() string { return strings.TrimSpace(string(s)) }

// fieldError names the wire field a value could not be read from.
func fieldError(field string, v scalar, want string) error {
	return fmt.Errorf("field %s: %q is not %s", field, firstLine(string(v), 40), want)
}

func parseInt(field string, v scalar) (int64, error) {
	t, err := numberText(field, v, "an integer")
	if t == "" {
		return 0, err
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return n, nil
	}
	// "12.0" from a server that stores numbers as floats.
	if f, err := strconv.ParseFloat(t, 64); err == nil && f == float64(int64(f)) {
		return int64(f), nil
	}
	return 0, fieldError(field, v, "an integer")
}

func parseBool(field string, v scalar) (bool, error) {
	t, err := numberText(field, v, "a boolean")
	if err != nil {
		return false, err
	}
	switch strings.ToLower(t) {
	case "", "0", "false", "no", "n", "off":
		return false, nil
	case "1", "true", "yes", "y", "on":
		return true, nil
	}
	return false, fieldError(field, v, "a boolean")
}

func parseDecimal(field string, v scalar) (decimal.Decimal, error) {
	t, err := numberText(field, v, "a decimal")
	if t == "" {
		return decimal.Decimal{}, err
	}
	d, err := decimal.NewFromString(strings.Replace(t, ",", ".", 1))
	if err != nil {
		return decimal.Decimal{}, fieldError(field, v, "a decimal")
	}
	if e := d.Exponent(); e > maxNumberText || e < -maxNumberText {
		// 1e999999999 is short to write and gigabytes to print.
		return decimal.Decimal{}, fieldError(field, v, fmt.Sprintf("a decimal of at most %d digits", maxNumberText))
	}
	return d, nil
}

// parseTime reads a [VirtPOS] timestamp, time.DateTime ("2016-07-18
// 13:54:37") in the spec; empty and all-zero MySQL values are the zero
// time. Timestamps carry no zone: they are read as UTC with the wall clock
// unchanged, and formatTime writes a time.Time's own wall clock.
func parseTime(field string, v scalar) (time.Time, error) {
	t, err := numberText(field, v, "a timestamp")
	if t == "" || strings.HasPrefix(t, "0000-00-00") {
		return time.Time{}, err
	}
	for _, layout := range [...]string{time.DateTime, "2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if tm, err := time.ParseInLocation(layout, t, time.UTC); err == nil {
			return tm, nil
		}
	}
	return time.Time{}, fieldError(field, v, "a timestamp")
}

// formatTime writes a timestamp; the zero time is empty.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateTime)
}

// maxDigits is the longest run of digits a CRM answer may hold, and
// maxExponentDigits the longest exponent of a number in it: no real value
// (a card number, a balance) comes near them, and a decimal of millions
// of digits, or 1e999999999, takes seconds or gigabytes to parse or print.
const (
	maxDigits         = 64
	maxExponentDigits = 3
)

// checkNumbers refuses a body holding a run of more than maxDigits digits
// (in strings too: a decimal may be quoted) or a number whose exponent has
// more than maxExponentDigits digits, in one pass before it is decoded.
func checkNumbers(body []byte) error {
	if !numbersSuspect(body) {
		return nil
	}
	return checkNumbersExactly(body)
}

// numbersSuspect is checkNumbers' quick pass: it counts the same runs of
// digits, and looks at every exponent, in strings too, without following
// strings and escapes. Where it finds nothing, the exact pass finds
// nothing either; where it does, the exact pass decides.
func numbersSuspect(body []byte) bool {
	run := 0
	for i, c := range body {
		if c-'0' <= 9 {
			if run++; run > maxDigits {
				return true
			}
			continue
		}
		if c|0x20 == 'e' && run > 0 {
			j := i + 1
			if j < len(body) && (body[j] == '+' || body[j] == '-') {
				j++
			}
			k := j
			for k < len(body) && body[k]-'0' <= 9 {
				k++
			}
			if k-j > maxExponentDigits {
				return true
			}
		}
		run = 0
	}
	return false
}

// checkNumbersExactly is checkNumbers, following strings and escapes.
func checkNumbersExactly(body []byte) error {
	run, inString, escaped := 0, false, false
	for i, c := range body {
		if '0' <= c && c <= '9' {
			run++
			if run > maxDigits {
				return fmt.Errorf("a number longer than %d digits at byte %d", maxDigits, i-run+1)
			}
			continue
		}
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == 'e' || c == 'E') && run > 0:
			j := i + 1
			if j < len(body) && (body[j] == '+' || body[j] == '-') {
				j++
			}
			k := j
			for k < len(body) && '0' <= body[k] && body[k] <= '9' {
				k++
			}
			if k-j > maxExponentDigits {
				return fmt.Errorf("a number with an exponent longer than %d digits at byte %d", maxExponentDigits, i)
			}
		}
		run = 0
	}
	return nil
}
