package cassette

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cassetteOf records the requests against the echo server and returns the
// cassette's exchanges.
func cassetteOf(t *testing.T, reqs ...*http.Request) []Exchange {
	t.Helper()
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		do(t, rec, r)
	}
	exs, err := Read(&buf, "rec.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

func TestReplayerAnswersNormalisedRequests(t *testing.T) {
	srv := echoServer(t)
	exs := cassetteOf(t,
		newReq(t, http.MethodGet, srv.URL+"/api/customer?format=xml&page=1&page_size=200&apikey=key-AAAA", nil, ""),
		newReq(t, http.MethodPost, srv.URL+"/api/customer/update?format=xml&id=11", []byte("apikey=key-AAAA&fname=a&lname=b"), "application/x-www-form-urlencoded"),
		newReq(t, http.MethodGet, srv.URL+`/GetByContactId?commercial_firm_id=firm-1&filter={"email":"a@b.ru","mobile_phone":"79161234567"}`, nil, ""),
		newReq(t, http.MethodPost, srv.URL+"/CreateContact", []byte(`{"commercial_firm_id":"firm-1","new_contact":{"contact":{"email":"a@b.ru","first_name":"Пётр"}}}`), "application/json"),
	)
	rp, err := NewReplayer(exs)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		req         *http.Request
		want        int // index of the exchange that answers
		contentType string
	}{
		{"query in another order, another apikey", newReq(t, http.MethodGet, srv.URL+"/api/customer?apikey=key-BBBB&page_size=200&page=1&format=xml", nil, ""), 0, ""},
		{"form in another order, another apikey", newReq(t, http.MethodPost, srv.URL+"/api/customer/update?id=11&format=xml", []byte("lname=b&fname=a&apikey=key-CCCC"), "application/x-www-form-urlencoded"), 1, ""},
		{"JSON query value with keys reordered", newReq(t, http.MethodGet, srv.URL+`/GetByContactId?filter={"mobile_phone":"79161234567",+"email":"a@b.ru"}&commercial_firm_id=firm-1`, nil, ""), 2, ""},
		{"JSON body reformatted", newReq(t, http.MethodPost, srv.URL+"/CreateContact", []byte("{\n  \"new_contact\": {\"contact\": {\"first_name\": \"Пётр\", \"email\": \"a@b.ru\"}},\n  \"commercial_firm_id\": \"firm-1\"\n}"), "application/json; charset=utf-8"), 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, rp, tt.req)
			if want := exs[tt.want].ResponseBody; !bytes.Equal(got, want) {
				t.Errorf("answer %q, want exchange %d's %q", got, tt.want, want)
			}
		})
	}
	if u := rp.Unused(); len(u) != 0 {
		t.Errorf("%d exchanges unused", len(u))
	}
}

func TestReplayerUsesExchangesInOrderThenRepeatsTheLast(t *testing.T) {
	exs := []Exchange{
		{Method: "GET", Path: "/api/customer", Status: 503, ResponseBody: Body("busy")},
		{Method: "GET", Path: "/api/customer", Status: 200, ResponseBody: Body("first")},
		{Method: "GET", Path: "/api/customer", Status: 200, ResponseBody: Body("second")},
	}
	rp, err := NewReplayer(exs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 4 {
		resp, err := rp.RoundTrip(newReq(t, http.MethodGet, "http://vp.example/api/customer", nil, ""))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		got = append(got, resp.Status+" "+string(b))
	}
	want := []string{"503 Service Unavailable busy", "200 OK first", "200 OK second", "200 OK second"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("answers %q, want %q", got, want)
	}
}

func TestReplayerNoMatchNamesTheRequest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vp.jsonl")
	line := `{"method":"GET","path":"/api/customer","query":{"apikey":["REDACTED"],"id":["1"]},"status":200,"response_body":"<root/>"}` + "\n"
	if err := os.WriteFile(path, []byte("\n"+line), 0o600); err != nil {
		t.Fatal(err)
	}
	rp, err := OpenReplayer(path, WithSecrets("s3cret-key"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  *http.Request
		want []string
	}{
		{"other query", newReq(t, http.MethodGet, "http://vp.example/api/customer?id=7&apikey=s3cret-key", nil, ""),
			[]string{"GET /api/customer?apikey=REDACTED&id=7", "1 recorded for GET /api/customer", "the query differs from " + path + ":2"}},
		{"other path", newReq(t, http.MethodPost, "http://vp.example/api/customer/update?apikey=s3cret-key", []byte("fname=x&note=s3cret-key"), "application/x-www-form-urlencoded"),
			[]string{"POST /api/customer/update", `with body "fname=x&note=REDACTED"`, "nothing recorded for POST /api/customer/update"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&http.Client{Transport: rp}).Do(tt.req)
			var nm *NoMatchError
			if !errors.As(err, &nm) {
				t.Fatalf("err = %v, want a *NoMatchError", err)
			}
			msg := nm.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, "s3cret-key") {
				t.Errorf("the error holds the secret: %s", msg)
			}
		})
	}
}

func TestReadRefusesMalformedLinesWithTheirNumber(t *testing.T) {
	good := `{"method":"GET","path":"/x","status":200}`
	tests := []struct {
		name, line, want string
	}{
		{"not JSON", `{"method":"GET",`, "not an exchange"},
		{"unknown field", `{"method":"GET","path":"/x","status":200,"respone_body":"x"}`, `unknown field "respone_body"`},
		{"no method", `{"path":"/x","status":200}`, "is not an HTTP method"},
		{"relative path", `{"method":"GET","path":"x","status":200}`, "does not start with /"},
		{"no status", `{"method":"GET","path":"/x"}`, "status 0 is not an HTTP status"},
		{"bad base64", `{"method":"GET","path":"/x","status":200,"body":{"base64":"!!"}}`, "bad base64"},
		{"body of another type", `{"method":"GET","path":"/x","status":200,"body":12}`, `a body is a string or {"base64"`},
		{"two values", good + " " + good, "more than one JSON value"},
		{"query not a map of lists", `{"method":"GET","path":"/x","status":200,"query":{"a":"b"}}`, "not an exchange"},
		{"duplicate key", `{"method":"GET","path":"/x","status":200,"status":500}`, `duplicate key "status"`},
		{"duplicate nested key", `{"method":"GET","path":"/x","status":200,"query":{"a":["1"],"a":["2"]}}`, `duplicate key "a"`},
		{"BOM inside the file", "\ufeff" + good, "not an exchange"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good + "\n\n" + good + "\n" + tt.line + "\n" + good + "\n"
			_, err := Read(strings.NewReader(in), "t.jsonl")
			var le *LineError
			if !errors.As(err, &le) || le.Line != 4 || le.File != "t.jsonl" {
				t.Fatalf("err = %#v, want a *LineError at t.jsonl:4", err)
			}
			if !strings.HasPrefix(err.Error(), "t.jsonl:4: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want t.jsonl:4 and %q", err, tt.want)
			}
		})
	}
	if _, err := OpenReplayer(filepath.Join(t.TempDir(), "absent.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReplayer of a missing file: %v", err)
	}
}

func TestReadAcceptsAByteOrderMark(t *testing.T) {
	good := `{"method":"GET","path":"/x","status":200}`
	exs, err := Read(strings.NewReader("\ufeff"+good+"\n"+good+"\n"), "bom.jsonl")
	if err != nil {
		t.Fatalf("a cassette saved with a UTF-8 BOM: %v", err)
	}
	if len(exs) != 2 || exs[0].Path != "/x" {
		t.Errorf("want 2 exchanges of /x, got %+v", exs)
	}
}

// A secret's value cannot be on tape, so the replayer cannot check it; it
// does check that the request sends it, and whether it is empty, as the
// recorded one did.
func TestReplayerMatchesSensitiveKeysByPresence(t *testing.T) {
	recorded := []Exchange{
		{Method: "POST", Path: "/login", Header: http.Header{"Content-Type": {"application/json"}},
			Body: Body(`{"user":"u","password":"` + Redacted + `"}`), Status: 200, ResponseBody: Body("ok")},
		{Method: "GET", Path: "/q", Query: map[string][]string{"apikey": {Redacted}, "a": {"1"}}, Status: 200, ResponseBody: Body("ok")},
	}
	rp, err := NewReplayer(recorded)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, url, body string
		match                   bool
	}{
		{"password sent", "POST", "http://h/login", `{"user":"u","password":"s3cret-any"}`, true},
		{"password left out", "POST", "http://h/login", `{"user":"u"}`, false},
		{"password empty", "POST", "http://h/login", `{"user":"u","password":""}`, false},
		{"apikey sent", "GET", "http://h/q?a=1&apikey=real-key-1", "", true},
		{"apikey left out", "GET", "http://h/q?a=1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			_, err := rp.RoundTrip(req)
			if got := err == nil; got != tt.match {
				t.Errorf("matched = %v (err %v), want %v", got, err, tt.match)
			}
		})
	}
}

func TestReplayerHonoursACancelledContext(t *testing.T) {
	rp, err := NewReplayer([]Exchange{{Method: "GET", Path: "/", Status: 200}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://x.example/", nil)
	if _, err := rp.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestBodyRoundTrip(t *testing.T) {
	for _, b := range []Body{nil, Body("текст"), Body{0xff, 0x00, 0x10}} {
		var buf bytes.Buffer
		line, err := encodeLine(&Exchange{Method: "POST", Path: "/", Status: 200, Body: b, ResponseBody: b})
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(line)
		exs, err := Read(&buf, "")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(exs[0].Body, b) {
			t.Errorf("%q came back as %q / %q; want bytes.Equal(exs[0].Body, b)", b, exs[0].Body, exs[0].ResponseBody)
		} else if !bytes.Equal(exs[0].ResponseBody, b) {
			t.Errorf("%q came back as %q / %q; want bytes.Equal(exs[0].ResponseBody, b)", b, exs[0].Body, exs[0].ResponseBody)
		}
	}
}
