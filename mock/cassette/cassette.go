// Package cassette records HTTP exchanges with real VirtPOS, CRM and Artix
// servers to a file, and answers from such a file later.
//
// A cassette is a text file with one JSON object per line, one line per
// exchange: the request (method, path, query, headers, body) and the
// answer (status, headers, body). Bodies that are UTF-8 are kept as text,
// binary ones as {"base64": "..."}. Secrets never reach the file: the
// Recorder redacts the VirtPOS apikey (query and form), Authorization and
// cookie headers, and every string given to WithSecrets, wherever it
// appears, before a line is written.
//
// Record once against a real server:
//
//	rec, err := cassette.Create("virtpos.jsonl", cassette.WithSecrets(apiKey))
//	vp, err := loyalty.NewVirtPOS(url, apiKey, loyalty.WithHTTPClient(&http.Client{Transport: rec}))
//	... // use vp
//	err = rec.Close()
//
// Replay offline:
//
//	rp, err := cassette.OpenReplayer("virtpos.jsonl")
//	vp, err := loyalty.NewVirtPOS(url, apiKey, loyalty.WithHTTPClient(&http.Client{Transport: rp}))
//
// The CRM client takes a recorder or a replayer as a middleware
// (loyalty.WithTransportMiddleware(rec.Wrap), or rp.Wrap), never through
// WithHTTPClient, which it refuses for a transport it cannot give its
// client certificate to.
//
// And check the mock against what the real server said with
// mock.Verify or `loyalty-mock verify virtpos.jsonl`.
//
// The package lives beside package mock rather than inside it: recording
// and replaying need none of the fake's state, certificates or httpmock,
// and a team that only records real traffic imports this small package
// alone. mock.Verify reads cassettes through it.
package cassette

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"
)

// Exchange is one request and its answer, one line of a cassette.
type Exchange struct {
	// API names the API the exchange belongs to ("virtpos", "crm",
	// "artix") when the recorder was told (WithAPI); "" otherwise, and
	// mock.Verify infers it from the path.
	API string `json:"api,omitempty"`
	// Note is free text for the reader of the file (never used in matching).
	Note string `json:"note,omitempty"`

	Method string      `json:"method"`
	Path   string      `json:"path"`
	Query  url.Values  `json:"query,omitempty"`
	Header http.Header `json:"header,omitempty"`
	Body   Body        `json:"body,omitempty"`
	// BodyTruncated says Body holds only the first bytes (WithMaxBody).
	BodyTruncated bool `json:"body_truncated,omitempty"`

	Status         int         `json:"status"`
	ResponseHeader http.Header `json:"response_header,omitempty"`
	ResponseBody   Body        `json:"response_body,omitempty"`
	// ResponseTruncated says ResponseBody holds only the first bytes:
	// the limit was reached, or the caller closed the body early.
	ResponseTruncated bool `json:"response_body_truncated,omitempty"`

	// File and Line locate the exchange when it was read by Load or Read.
	File string `json:"-"`
	Line int    `json:"-"`
}

// Where is "file:line" of an exchange read from a cassette, or "".
func (e *Exchange) Where() string {
	if e.Line == 0 {
		return e.File
	}
	return fmt.Sprintf("%s:%d", e.File, e.Line)
}

// String is the request in one line: "GET /api/customer?format=xml".
func (e *Exchange) String() string {
	s := e.Method + " " + e.Path
	if len(e.Query) > 0 {
		s += "?" + e.Query.Encode()
	}
	return s
}

// Body is a message body. In a cassette it is a JSON string when it is
// valid UTF-8 and {"base64": "..."} otherwise.
type Body []byte

// MarshalJSON writes b as text or as base64. Text keeps <, > and &
// as they are, so XML bodies stay readable in the file.
func (b Body) MarshalJSON() ([]byte, error) {
	var v any = string(b)
	if !utf8.Valid(b) {
		v = struct {
			Base64 string `json:"base64"`
		}{base64.StdEncoding.EncodeToString(b)}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// UnmarshalJSON reads a body written by MarshalJSON.
func (b *Body) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*b = Body(s)
		return nil
	}
	var enc struct {
		Base64 *string `json:"base64"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&enc); err != nil || enc.Base64 == nil {
		return errors.New(`a body is a string or {"base64": "..."}`)
	}
	raw, err := base64.StdEncoding.DecodeString(*enc.Base64)
	if err != nil {
		return fmt.Errorf("body: bad base64: %w", err)
	}
	*b = raw
	return nil
}

// LineError is a cassette line that cannot be read.
type LineError struct {
	File string // the file name ("" for a reader without one)
	Line int    // from 1
	Err  error
}

func (e *LineError) Error() string {
	name := e.File
	if name == "" {
		name = "cassette"
	}
	return fmt.Sprintf("%s:%d: %v", name, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// Load reads the cassette file at path.
func Load(path string) ([]Exchange, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cassette: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads a cassette from r; name is used in errors and Exchange.File.
// Blank lines are skipped, and a UTF-8 byte order mark that starts the
// file. A line that is not one exchange (not JSON, a key twice in one
// object, an unknown field, a missing method, a path not starting with "/", a status
// outside 100–599) is a *LineError with its line number.
func Read(r io.Reader, name string) ([]Exchange, error) {
	br := bufio.NewReader(r)
	var out []Exchange
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff")) // saved by an editor that marks UTF-8
		}
		if len(bytes.TrimSpace(line)) > 0 {
			ex, perr := parseLine(line)
			if perr != nil {
				return nil, &LineError{File: name, Line: n, Err: perr}
			}
			ex.File, ex.Line = name, n
			out = append(out, ex)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, &LineError{File: name, Line: n, Err: err}
		}
	}
}

// parseLine decodes and checks one exchange.
func parseLine(line []byte) (Exchange, error) {
	var ex Exchange
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ex); err != nil {
		return ex, fmt.Errorf("not an exchange: %w", err)
	}
	if dec.More() {
		return ex, errors.New("more than one JSON value on the line")
	}
	if err := checkDuplicateKeys(line); err != nil {
		return ex, err
	}
	switch {
	case ex.Method == "" || strings.ContainsAny(ex.Method, " \t/"):
		return ex, fmt.Errorf("method %q is not an HTTP method", ex.Method)
	case !strings.HasPrefix(ex.Path, "/"):
		return ex, fmt.Errorf("path %q does not start with /", ex.Path)
	case ex.Status < 100 || ex.Status > 599:
		return ex, fmt.Errorf("status %d is not an HTTP status", ex.Status)
	}
	return ex, nil
}

// encodeLine is ex as one cassette line, newline included.
func encodeLine(ex *Exchange) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ex); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkDuplicateKeys refuses a JSON value with a key twice in one object:
// encoding/json keeps the last, so the line would mean something else to
// another reader.
func checkDuplicateKeys(line []byte) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	type frame struct {
		keys   map[string]bool
		object bool
		atKey  bool // the next string token is a key
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF; syntax errors were reported by Decode
		}
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				if top >= 0 && stack[top].object {
					stack[top].atKey = true
				}
				stack = append(stack, frame{keys: map[string]bool{}, object: true, atKey: true})
				continue
			case '[':
				if top >= 0 && stack[top].object {
					stack[top].atKey = true
				}
				stack = append(stack, frame{})
				continue
			default:
				stack = stack[:top]
				continue
			}
		case string:
			if top >= 0 && stack[top].object && stack[top].atKey {
				if stack[top].keys[t] {
					return fmt.Errorf("duplicate key %q", t)
				}
				stack[top].keys[t] = true
				stack[top].atKey = false
				continue
			}
		}
		if top >= 0 && stack[top].object {
			stack[top].atKey = true
		}
	}
}
