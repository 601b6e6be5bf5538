package loyalty

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// errArtixHTMLReply is the cause of a 2xx answer that is an HTML page.
var errArtixHTMLReply = errors.New("the answer is an HTML page, not the cash server's reply")

// errArtixNotQueued is the cause of a 2xx reply whose success is false.
var errArtixNotQueued = errors.New("the cash server did not queue the batch (success false)")

// errArtixNoVerdict is the cause of a 2xx reply that does not say the
// batch was queued: empty, no success in it, not an object, plain text
// other than OK. Field clients read only success, so it is not queued.
var errArtixNoVerdict = errors.New(`the reply does not say the batch was queued (no "success": true)`)

// errArtixReplyMalformed is the cause of a 2xx reply that starts as JSON
// and is not (cut off, garbled), whose success is not a boolean, or that
// holds success more than once (in any case or spelling).
var errArtixReplyMalformed = errors.New("the reply is malformed JSON, so it does not say the batch was queued")

// artixReplyError reads a loaddicts reply, in which success means "queued"
// (field clients read nothing else): nil for a queued batch, else an
// *APIError carrying the server's message. A 2xx reply is queued only
// when it is a JSON object holding success once (any case, spaces or
// underscores) as true, 1, "true" or "1", or when it is the plain text OK
// (any case). Everything else is an *APIError: success false, 0, null or
// repeated; an object without success ({}, {"status":"error"},
// {"code":13,"text":"…"}, {"errorCode":…,"message":…}); a bare false, 0,
// null or array; an empty body; other plain text (ERROR); an HTML page;
// malformed JSON. Its Info is the server's message (message, error,
// text, … with the code). The body is read as UTF-8 by its declared
// charset, else UTF-8 if valid, else windows-1251, the way field clients
// read it.
func artixReplyError(resp *response) error {
	body, err := toUTF8(resp.body, resp.header.Get("Content-Type"), guess1251)
	if err != nil {
		return resp.apiError("", err)
	}
	resp.body = body // the error's Body snippet readable too
	if !resp.ok() {
		return resp.apiError(artixReplyInfo(body), nil)
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	switch {
	case len(trimmed) == 0:
		return resp.apiError("", errArtixNoVerdict)
	case looksLikeHTML(trimmed):
		// A proxy's or captive portal's page: the exchanger never saw
		// the batch.
		return resp.apiError("", errArtixHTMLReply)
	}
	if artixQueuedAtSight(body) {
		return nil // the usual reply, read without a map
	}
	if info, cause := artixReplyVerdict(trimmed, body); cause != nil {
		return resp.apiError(info, cause)
	}
	return nil
}

// artixReplyVerdict reads a 2xx reply (trimmed: body without BOM and
// white space, not empty): a nil cause for a queued batch, else why not
// and the server's message.
func artixReplyVerdict(trimmed, body []byte) (info string, cause error) {
	if !json.Valid(trimmed) {
		switch trimmed[0] {
		case '{', '[', '"':
			return "", errArtixReplyMalformed
		}
		if bytes.EqualFold(trimmed, []byte("OK")) {
			return "", nil // the documented plain-text OK
		}
		return firstLine(string(trimmed), 200), errArtixNoVerdict
	}
	if trimmed[0] != '{' {
		var s string
		if json.Unmarshal(trimmed, &s) == nil {
			info = firstLine(s, 200)
		}
		return info, errArtixNoVerdict
	}
	n, err := countTopKey(trimmed, "success")
	if err != nil {
		return "", errArtixReplyMalformed
	}
	info = artixReplyInfo(body)
	switch n {
	case 0:
		return info, errArtixNoVerdict
	case 1:
	default:
		return info, errArtixReplyMalformed // which success is meant?
	}
	var reply map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &reply); err != nil {
		return "", errArtixReplyMalformed
	}
	raw, _ := lookupKey(reply, "success")
	queued, ok := artixSuccess(raw)
	if !ok {
		return info, errArtixReplyMalformed
	}
	if !queued {
		return info, errArtixNotQueued
	}
	return "", nil
}

// artixQueuedAtSight reports, without allocating, a 2xx reply that is
// plainly a queued batch: a JSON object with ASCII keys in which success
// (once, any case, spaces or underscores) is true, 1, "true" or "1".
// false is no verdict: artixReplyError then reads the reply the full way, which
// agrees with every true (FuzzArtixReplyAtSight).
func artixQueuedAtSight(body []byte) bool {
	s := jsonScanner{buf: body, rerr: io.EOF}
	if s.expect('{') != nil {
		return false
	}
	success := 0
	var raw []byte
	for first := true; ; {
		more, err := s.next(&first, '}')
		if err != nil {
			return false
		}
		if !more {
			break
		}
		key, ok := plainKeyAt(&s)
		if !ok || s.expect(':') != nil {
			return false
		}
		var nb [16]byte
		n, ok := normASCIIKey(nb[:], key)
		if !ok {
			return false // a non-ASCII key may fold to a known one
		}
		start := s.pos
		if s.skipValue(1) != nil {
			return false
		}
		switch k := string(nb[:n]); {
		case k == "success":
			success++
			raw = bytes.TrimSpace(body[start:s.pos])
		}
	}
	for _, c := range body[s.pos:] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false // more after the object
		}
	}
	if success == 1 {
		return artixTrueAtSight(raw)
	}
	// No success (not queued) or a repeated one (malformed): the full
	// reading says why.
	return false
}

// plainKeyAt reads the object key at s.pos when it has no escape and no
// control character (ok false otherwise, or for no key), as a slice of
// s.buf.
func plainKeyAt(s *jsonScanner) (key []byte, ok bool) {
	c, err := s.peek()
	if err != nil || c != '"' {
		return nil, false
	}
	for i := s.pos + 1; i < len(s.buf); i++ {
		switch c := s.buf[i]; {
		case c == '"':
			key, s.pos = s.buf[s.pos+1:i], i+1
			return key, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// normASCIIKey writes key lower-cased without spaces and underscores to
// dst (as normKey does) and returns its length; ok is false for a key
// with a non-ASCII byte. A key that fills dst is cut there: it is longer
// than every known key, and so is what normKey makes of it.
func normASCIIKey(dst, key []byte) (n int, ok bool) {
	for _, c := range key {
		switch {
		case n == len(dst):
			return n, true
		case c >= 0x80:
			return 0, false
		case c == ' ' || c == '_':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst[n] = c
		n++
	}
	return n, true
}

// artixTrueAtSight reports a success value artixSuccess reads as queued:
// true, 1, or "true" / "1" in any case and spacing without escapes.
func artixTrueAtSight(raw []byte) bool {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		raw = bytes.TrimSpace(raw[1 : len(raw)-1])
		return bytes.EqualFold(raw, []byte("true")) || string(raw) == "1"
	}
	return string(raw) == "true" || string(raw) == "1"
}

// artixSuccess reads success: true/false, 1/0, or those as strings in any
// case; ok is false for anything else.
func artixSuccess(raw json.RawMessage) (queued, ok bool) {
	s, err := flexString(raw)
	if err != nil {
		s = string(bytes.TrimSpace(raw)) // true or false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// lookupKey finds key in reply whatever its case, spaces or underscores.
func lookupKey(reply map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if v, ok := reply[key]; ok {
		return v, true
	}
	for k, v := range reply {
		if normKey(k) == key {
			return v, true
		}
	}
	return nil, false
}

// artixMessageKeys are the keys a server's message may come under, best
// first (matched without regard to case, spaces or underscores).
var artixMessageKeys = []string{"message", "error", "errormessage", "errortext", "description",
	"info", "messageru", "messageen", "msg", "detail", "reason", "text", "status"}

// artixCodeKeys are the keys an error code may come under, best first.
var artixCodeKeys = []string{"errorcode", "code"}

// artixReplyInfo is the server's message in a reply: the first non-empty
// message under any of artixMessageKeys (with the error code and the
// failing command's index when the reply gives them), or "".
func artixReplyInfo(body []byte) string {
	var reply map[string]json.RawMessage
	if json.Unmarshal(body, &reply) != nil {
		return ""
	}
	var msg string
	for _, k := range artixMessageKeys {
		if v, ok := lookupKey(reply, k); ok {
			if s, err := flexString(v); err == nil && strings.TrimSpace(s) != "" {
				msg = s
				break
			}
		}
	}
	if msg == "" {
		return ""
	}
	for _, k := range artixCodeKeys {
		if v, ok := lookupKey(reply, k); ok {
			if s, err := flexString(v); err == nil && s != "" {
				msg += " (code " + s + ")"
				break
			}
		}
	}
	if v, ok := lookupKey(reply, "command"); ok {
		if s, err := flexString(v); err == nil {
			msg += " (command " + s + ")"
		}
	}
	return msg
}

// artixDictionaryIDs hands out dictionaryids as field clients make them,
// epoch seconds with a fraction, never one used before by this process.
var artixDictionaryIDs struct {
	sync.Mutex
	last int64 // microseconds
}

// artixIDRandomDigits is how many random digits follow the microseconds
// of a made dictionaryid or state id (about 40 bits).
const artixIDRandomDigits = 12

// newArtixDictionaryID is a new dictionaryid (or status receiver state
// id): "<seconds>.<microseconds><12 random digits>", the look of the
// field's epoch seconds with a fraction, unguessable by whoever sees the
// clock: a status callback naming it is taken as the batch's.
func newArtixDictionaryID() string {
	artixDictionaryIDs.Lock()
	us := time.Now().UnixMicro()
	if us <= artixDictionaryIDs.last {
		us = artixDictionaryIDs.last + 1
	}
	artixDictionaryIDs.last = us
	artixDictionaryIDs.Unlock()
	var rb [8]byte
	rand.Read(rb[:])
	const mod = 1_000_000_000_000 // 10^artixIDRandomDigits
	rnd := binary.LittleEndian.Uint64(rb[:]) % mod
	id := strconv.AppendInt(make([]byte, 0, 40), us/1e6, 10)
	id = strconv.AppendInt(id, 1e6+us%1e6, 10) // a 1, then the six digits of the fraction
	id[len(id)-7] = '.'                        // the 1 becomes the point
	id = strconv.AppendUint(id, mod+rnd, 10)   // a 1, then the random digits
	return string(append(id[:len(id)-artixIDRandomDigits-1], id[len(id)-artixIDRandomDigits:]...))
}

// ArtixMaxBatchIDLength is the longest [ArtixBatch].ID accepted, in bytes.
const ArtixMaxBatchIDLength = 100

// validateBatchID checks a caller's dictionaryid: at most 100 printable
// characters without spaces ("" is fine: the client makes one).
func validateBatchID(id string) error {
	if id == "" {
		return nil
	}
	if len(id) > ArtixMaxBatchIDLength {
		return &ValidationError{Field: "ArtixBatch.ID", Reason: "over " + strconv.Itoa(ArtixMaxBatchIDLength) + " bytes"}
	}
	if !utf8.ValidString(id) {
		return &ValidationError{Field: "ArtixBatch.ID", Reason: "not valid UTF-8"}
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '/' {
			return &ValidationError{Field: "ArtixBatch.ID", Reason: "contains a space, a control character or a slash"}
		}
	}
	return nil
}

// looksLikeHTML reports a body that starts (after a BOM and white space)
// with '<': no cash server reply does.
func looksLikeHTML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}
