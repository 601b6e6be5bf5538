package loyalty

import (
	"encoding/json"
	"fmt"
)

// ArtixOptions is the client's options object. A nil flag is not sent (the
// server's default is 0). On input the spec's bitmask form is accepted too
// (1 sendchecktoemail, 2 emailconfirmed). Receipts go to the e-mail only
// when both flags are set (Artix Bonus loyalty only).
type ArtixOptions struct {
	SendCheckToEmail *bool // sendchecktoemail: send the receipt to the e-mail
	EmailConfirmed   *bool // emailconfirmed: the e-mail is confirmed
}

// Mask is the spec's bitmask form of o (unset flags count as 0).
func (o ArtixOptions) Mask() int {
	return mask(o.SendCheckToEmail, 1) | mask(o.EmailConfirmed, 2)
}

// ArtixCommunications is the client's allowed contact channels. A nil flag
// is not sent (the server's default is 0). On input the spec's bitmask form
// is accepted too (1 call, 2 telegram, 4 email, 8 sms).
type ArtixCommunications struct {
	Call     *bool // call: phone calls
	Telegram *bool // telegram: Telegram messages
	SMS      *bool // sms: text messages
	Email    *bool // email: e-mail
}

// Mask is the spec's bitmask form of c (unset flags count as 0).
func (c ArtixCommunications) Mask() int {
	return mask(c.Call, 1) | mask(c.Telegram, 2) | mask(c.Email, 4) | mask(c.SMS, 8)
}

func mask(b *bool, bit int) int {
	if b != nil && *b {
		return bit
	}
	return 0
}

func (o *ArtixOptions) flags() []artixFlag {
	return []artixFlag{{"sendchecktoemail", 1, &o.SendCheckToEmail}, {"emailconfirmed", 2, &o.EmailConfirmed}}
}

func (c *ArtixCommunications) flags() []artixFlag {
	return []artixFlag{{"call", 1, &c.Call}, {"telegram", 2, &c.Telegram}, {"sms", 8, &c.SMS}, {"email", 4, &c.Email}}
}

type artixFlag struct {
	key string
	bit int
	p   **bool
}

// MarshalJSON writes the set flags as 0/1.
func (o ArtixOptions) MarshalJSON() ([]byte, error) { return appendFlags(nil, o.flags()), nil }

// UnmarshalJSON reads an object of 0/1 or booleans, or a bitmask number.
func (o *ArtixOptions) UnmarshalJSON(b []byte) error {
	*o = ArtixOptions{}
	return decodeFlags(b, o.flags())
}

// MarshalJSON writes the set flags as 0/1.
func (c ArtixCommunications) MarshalJSON() ([]byte, error) { return appendFlags(nil, c.flags()), nil }

// UnmarshalJSON reads an object of 0/1 or booleans, or a bitmask number.
func (c *ArtixCommunications) UnmarshalJSON(b []byte) error {
	*c = ArtixCommunications{}
	return decodeFlags(b, c.flags())
}

func appendFlags(buf []byte, fs []artixFlag) []byte {
	buf = append(buf, '{')
	first := true
	for _, f := range fs {
		if *f.p == nil {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, '"')
		buf = append(buf, f.key...)
		buf = append(buf, `":`...)
		buf = append(buf, boolDigit(**f.p))
	}
	return append(buf, '}')
}

func boolDigit(b bool) byte {
	if b {
		return '1'
	}
	return '0'
}

func decodeFlags(b []byte, fs []artixFlag) error {
	b = trimJSON(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] != '{' {
		n, err := flexInt(b)
		if err != nil {
			return fmt.Errorf("want an object of 0/1 or a bitmask: %w", err)
		}
		for _, f := range fs {
			*f.p = new(n&f.bit != 0)
		}
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for k, v := range raw {
		for _, f := range fs {
			if normKey(k) == f.key {
				p, err := flexBool(v)
				if err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
				*f.p = p
			}
		}
	}
	return nil
}

func mergeFlags(dst, src []artixFlag) {
	for i, f := range src {
		if *f.p != nil {
			*dst[i].p = new(**f.p)
		}
	}
}
