package loyalty

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/transform"
)

// Response charsets. Russian servers still answer in windows-1251, not
// always saying so. A body is read as UTF-8 by these rules, in order:
//
//  1. a UTF-8 byte order mark: UTF-8;
//  2. the declared charset: Content-Type's charset parameter, else an XML
//     declaration's encoding (labels as browsers know them — "utf8",
//     "UTF-8", "windows-1251", "cp1251", "koi8-r" … — through
//     golang.org/x/text); an unknown label is a *CharsetError;
//  3. nothing declared: UTF-8 when the bytes are valid UTF-8, else
//     windows-1251 (guess1251) or a *CharsetError (refuseNonUTF8).
//
// Text read as UTF-8 (declared or not) that holds an invalid sequence is a
// *CharsetError: never U+FFFD or mojibake handed to the caller.

// CharsetError reports a response body whose text the library cannot read:
// a declared charset it does not know, or bytes that are not valid in the
// charset the body is read in.
type CharsetError struct {
	Charset string // the charset label the body was read by ("" when none was declared)
	Offset  int64  // byte offset of the first invalid byte (-1: not about a byte)
	Reason  string // what is wrong
}

// Error describes the problem and where it is.
func (e *CharsetError) Error() string {
	label := e.Charset
	if label == "" {
		label = "undeclared charset"
	} else {
		label = "charset " + label
	}
	if e.Offset >= 0 {
		return fmt.Sprintf("%s: %s at byte %d", label, e.Reason, e.Offset)
	}
	return label + ": " + e.Reason
}

// undeclared says what a body that declares no charset and is not valid
// UTF-8 is.
type undeclared uint8

const (
	guess1251     undeclared = iota // windows-1251, the usual charset of Russian servers
	refuseNonUTF8                   // a *CharsetError (VirtPOS JSON, which is UTF-8 by definition)
)

// charsetHead is how much of a body's start is examined for an XML
// declaration and, for a stream with no declared charset, for invalid UTF-8.
const charsetHead = 4 << 10

// contentTypeCharset is the charset parameter of a Content-Type value, "" when none.
func contentTypeCharset(contentType string) string {
	if !containsFold(contentType, "charset") {
		return "" // no parameter to find, and no parsing allocated for it
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// A malformed header: take charset= if it is there at all.
		i := strings.Index(strings.ToLower(contentType), "charset=")
		if i < 0 {
			return ""
		}
		v := contentType[i+len("charset="):]
		if j := strings.IndexAny(v, "; \t"); j >= 0 {
			v = v[:j]
		}
		return strings.Trim(v, `"'`)
	}
	return params["charset"]
}

// xmlDeclEncoding is the encoding of an XML declaration at the start of
// head ("" when there is none).
func xmlDeclEncoding(head []byte) string {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, bom), " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := head[len("<?xml"):end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	v := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(v) == 0 || v[0] != '=' {
		return ""
	}
	v = bytes.TrimLeft(v[1:], " \t\r\n")
	if len(v) == 0 || (v[0] != '"' && v[0] != '\'') {
		return ""
	}
	q := v[0]
	v = v[1:]
	j := bytes.IndexByte(v, q)
	if j < 0 {
		return ""
	}
	return string(v[:j])
}

// declaredCharset is the charset a body declares: a UTF-8 byte order mark,
// then Content-Type, then the XML declaration in head.
func declaredCharset(contentType string, head []byte) string {
	if bytes.HasPrefix(head, bom) {
		return "utf-8"
	}
	if cs := contentTypeCharset(contentType); cs != "" {
		return cs
	}
	return xmlDeclEncoding(head)
}

// lookupCharset resolves a label: a nil Encoding for UTF-8 (read as is,
// validated), a *[CharsetError] for a label neither the WHATWG nor the IANA
// index knows.
func lookupCharset(label string) (encoding.Encoding, error) {
	l := strings.ToLower(strings.TrimSpace(label))
	if l == "utf-8" || l == "utf8" {
		return nil, nil
	}
	enc, err := htmlindex.Get(l)
	if err != nil {
		enc, err = ianaindex.IANA.Encoding(l)
	}
	if err != nil || enc == nil {
		return nil, &CharsetError{Charset: label, Offset: -1, Reason: "unknown charset"}
	}
	if enc == encoding.Nop || isUTF8(enc) {
		return nil, nil
	}
	return enc, nil
}

func isUTF8(enc encoding.Encoding) bool {
	name, err := htmlindex.Name(enc)
	return err == nil && name == "utf-8"
}

// invalidUTF8 is the error for the first invalid UTF-8 byte at offset.
func invalidUTF8(label string, offset int64) error {
	return &CharsetError{Charset: label, Offset: offset, Reason: "invalid UTF-8"}
}

// firstInvalidUTF8 is the offset of the first byte of b that does not
// start a valid UTF-8 sequence, -1 when b is valid. A sequence cut by the
// end of b counts as valid when partial is true.
func firstInvalidUTF8(b []byte, partial bool) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			if partial && !utf8.FullRune(b[i:]) {
				return -1
			}
			return i
		}
		i += n
	}
	return -1
}

// toUTF8 returns body as UTF-8 by the rules above: body itself when it is
// UTF-8 already, else a converted copy.
func toUTF8(body []byte, contentType string, u undeclared) ([]byte, error) {
	label := declaredCharset(contentType, body[:min(len(body), charsetHead)])
	if label == "" {
		if utf8.Valid(body) {
			return body, nil
		}
		if u == refuseNonUTF8 {
			return nil, invalidUTF8("", int64(firstInvalidUTF8(body, false)))
		}
		return charmap.Windows1251.NewDecoder().Bytes(body)
	}
	enc, err := lookupCharset(label)
	if err != nil {
		return nil, err
	}
	if enc != nil && mislabelledUTF8(enc, body, false) {
		return body, nil
	}
	if enc == nil {
		if i := firstInvalidUTF8(body, false); i >= 0 {
			return nil, invalidUTF8(label, int64(i))
		}
		return body, nil
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, &CharsetError{Charset: label, Offset: -1, Reason: err.Error()}
	}
	return out, nil
}

// utf8Reader returns r's text as UTF-8 by the rules above, converting as
// it streams. With no charset declared, the decision between UTF-8 and
// the undeclared rule is made on the first charsetHead bytes; UTF-8 that
// turns invalid further on is a *[CharsetError] from Read.
func utf8Reader(r io.Reader, contentType string, u undeclared) (io.Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < charsetHead {
		br = bufio.NewReaderSize(r, 32<<10)
	}
	head, err := br.Peek(charsetHead)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull && len(head) == 0 {
		return nil, err
	}
	label := declaredCharset(contentType, head)
	var enc encoding.Encoding
	if label != "" {
		if enc, err = lookupCharset(label); err != nil {
			return nil, err
		}
		if enc != nil && mislabelledUTF8(enc, head, len(head) == charsetHead) {
			enc = nil
		}
	} else if i := firstInvalidUTF8(head, len(head) == charsetHead); i >= 0 {
		if u == refuseNonUTF8 {
			return nil, invalidUTF8("", int64(i))
		}
		enc = charmap.Windows1251
	}
	if enc != nil {
		return transform.NewReader(br, enc.NewDecoder()), nil
	}
	return &utf8Checker{r: br, label: label}, nil
}

// utf8Checker passes UTF-8 through unchanged, failing at the first
// invalid sequence.
type utf8Checker struct {
	r       io.Reader
	label   string
	off     int64   // bytes handed out
	pending [4]byte // the start of a sequence cut by the last Read
	npend   int
	err     error
}

// Read reads from the underlying reader and checks what it read.
func (c *utf8Checker) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if cerr := c.check(p[:n], err == io.EOF); cerr != nil {
		c.err = cerr
		return 0, cerr
	}
	c.off += int64(n)
	return n, err
}

// check validates b, the bytes after those handed out so far; atEOF says
// no more follow.
func (c *utf8Checker) check(b []byte, atEOF bool) error {
	base := c.off // offset of b[0]
	if c.npend > 0 {
		// Complete the cut sequence with b's first bytes.
		var seq [utf8.UTFMax]byte
		k := copy(seq[:], c.pending[:c.npend])
		k += copy(seq[k:], b)
		if !utf8.FullRune(seq[:k]) {
			if atEOF {
				return invalidUTF8(c.label, c.off-int64(c.npend))
			}
			copy(c.pending[:], seq[:k])
			c.npend = k
			return nil
		}
		r, size := utf8.DecodeRune(seq[:k])
		if r == utf8.RuneError && size <= 1 {
			return invalidUTF8(c.label, c.off-int64(c.npend))
		}
		b = b[size-c.npend:]
		base += int64(size - c.npend)
		c.npend = 0
	}
	i := firstInvalidUTF8(b, !atEOF)
	if i >= 0 {
		return invalidUTF8(c.label, base+int64(i))
	}
	// Keep a trailing cut sequence for the next Read.
	for j := len(b) - 1; j >= 0 && j >= len(b)-utf8.UTFMax+1; j-- {
		if utf8.RuneStart(b[j]) {
			if !utf8.FullRune(b[j:]) {
				c.npend = copy(c.pending[:], b[j:])
			}
			break
		}
	}
	return nil
}

// mislabelledUTF8 reports a body labelled with a single-byte charset that
// is valid UTF-8 holding non-ASCII text: UTF-8 with a wrong label (real
// windows-1251 Cyrillic is practically never valid UTF-8). b may end
// inside a sequence when partial is set.
func mislabelledUTF8(enc encoding.Encoding, b []byte, partial bool) bool {
	if _, single := enc.(*charmap.Charmap); !single {
		return false
	}
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	return !ascii && firstInvalidUTF8(b, partial) < 0
}

// containsFold reports whether s holds word (lower-case ASCII) in any
// ASCII case.
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		j := 0
		for j < len(word) && s[i+j]|0x20 == word[j] {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}
