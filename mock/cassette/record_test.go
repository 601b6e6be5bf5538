package cassette

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/loyaltykit/loyalty/internal/testutil"
)

// Canary secrets, one per position a secret can take.
const (
	canaryQueryKey  = "qkey-CANARY-1"
	canaryFormKey   = "form&CANARY=2"
	canaryBasicPass = "basic-CANARY-3"
	canaryBearer    = "bearer-CANARY-4"
	canaryCookie    = "cookie-CANARY-6"
	canaryHeaderKey = "hdr-CANARY-7"
	canaryJSONPass  = "json-CANARY-8"
	// canaryRegistered is given to WithSecrets; it has characters every
	// escaping changes.
	canaryRegistered = `reg CANARY/9 <&>"ü+%`
)

var allCanaries = []string{canaryQueryKey, canaryFormKey, canaryBasicPass, canaryBearer,
	canaryCookie, canaryHeaderKey, canaryJSONPass, canaryRegistered}

// echoServer answers with every secret it was sent, in its body and its
// headers, the way a careless real server echoes an apikey in an error.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo-Key", r.URL.Query().Get("apikey"))
		w.Header().Set("Set-Cookie", "sid="+canaryCookie)
		w.Header().Add("X-Echo-Registered", canaryRegistered)
		if r.URL.Path == "/binary" {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(append([]byte{0xff, 0xfe, 0x00}, body...))
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		var x strings.Builder
		x.WriteString("<root><success>0</success><info>Неверный ключ ")
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ParseForm()
		_, pass, _ := r.BasicAuth()
		for _, s := range []string{r.URL.Query().Get("apikey"), r.PostForm.Get("apikey"), pass, canaryRegistered} {
			x.WriteString(s + " ")
			x.WriteString(xmlEscape(s) + " ")
		}
		x.WriteString(r.Header.Get("Authorization") + " " + string(body))
		x.WriteString("</info></root>")
		w.Write([]byte(x.String()))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")
	return r.Replace(s)
}

// do sends one request through rt and reads the whole answer.
func do(t *testing.T, rt http.RoundTripper, req *http.Request) []byte {
	t.Helper()
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newReq(t *testing.T, method, u string, body []byte, contentType string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func TestRecorderRedactsEverySecretEverywhere(t *testing.T) {
	srv := echoServer(t)
	path := filepath.Join(t.TempDir(), "c.jsonl")
	rec, err := Create(path, WithSecrets(canaryRegistered))
	if err != nil {
		t.Fatal(err)
	}
	regQ := url.QueryEscape(canaryRegistered)

	// 1. VirtPOS read: apikey in the query, the registered secret in a
	// plain parameter, a header and the path.
	req := newReq(t, http.MethodGet, srv.URL+"/api/"+url.PathEscape(canaryRegistered)+"?format=xml&apikey="+url.QueryEscape(canaryQueryKey)+"&note="+regQ, nil, "")
	req.Header.Set("X-Trace", "trace "+canaryRegistered)
	req.Header.Set("X-Api-Key", canaryHeaderKey)
	req.Header.Set("Cookie", "sid="+canaryCookie)
	answer := do(t, rec, req)
	if !bytes.Contains(answer, []byte(canaryQueryKey)) {
		t.Fatal("the caller must get the real answer, secrets included")
	}

	// 2. VirtPOS write: apikey in the form body, basic auth.
	form := "fname=%D0%9F%D1%91%D1%82%D1%80&apikey=" + url.QueryEscape(canaryFormKey) + "&comment=" + regQ
	req = newReq(t, http.MethodPost, srv.URL+"/api/customer/update?format=xml", []byte(form), "application/x-www-form-urlencoded")
	req.SetBasicAuth("admin", canaryBasicPass)
	do(t, rec, req)

	// 3. JSON body with a password and the registered secret; bearer token.
	js, _ := json.Marshal(map[string]any{"password": canaryJSONPass, "nested": map[string]string{"text": canaryRegistered}})
	req = newReq(t, http.MethodPost, srv.URL+"/json", js, "application/json")
	req.Header.Set("Authorization", "Bearer "+canaryBearer)
	do(t, rec, req)

	// 4. A binary body (not UTF-8, so base64 in the file) carrying secrets.
	bin := append([]byte{0xff, 0x00, 0xc3}, []byte(canaryRegistered+" "+canaryJSONPass)...)
	req = newReq(t, http.MethodPost, srv.URL+"/binary?apikey="+canaryQueryKey, bin, "application/octet-stream")
	do(t, rec, req)

	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range allCanaries {
		for _, v := range append(wireForms(c), base64.StdEncoding.EncodeToString([]byte("admin:"+c))) {
			if bytes.Contains(raw, []byte(v)) {
				t.Errorf("the cassette holds secret %q as %q", c, v)
			}
		}
	}
	exs, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 4 {
		t.Fatalf("%d exchanges recorded, want 4", len(exs))
	}
	for _, ex := range exs {
		// Decoded bodies (base64 ones included) hold no secret either.
		for _, b := range [][]byte{ex.Body, ex.ResponseBody} {
			for _, c := range allCanaries {
				if bytes.Contains(b, []byte(c)) {
					t.Errorf("%s: a body holds secret %q", ex.String(), c)
				}
			}
		}
	}
	if got := exs[0].Query.Get("apikey"); got != Redacted {
		t.Errorf("query apikey recorded as %q", got)
	}
	if !bytes.Contains(exs[1].Body, []byte("apikey="+Redacted)) {
		t.Errorf("form body: apikey not redacted in place or other fields changed: %s; want bytes.Contains(exs[1].Body, []byte(\"apikey=\"+Redacted))", exs[1].Body)
	} else if !bytes.Contains(exs[1].Body, []byte("fname=%D0%9F")) {
		t.Errorf("form body: apikey not redacted in place or other fields changed: %s; want bytes.Contains(exs[1].Body, []byte(\"fname=%%D0%%9F\"))", exs[1].Body)
	}
	if got := exs[1].Header.Get("Authorization"); got != "Basic "+Redacted {
		t.Errorf("Authorization recorded as %q", got)
	}
	if !bytes.HasPrefix(exs[3].Body, []byte{0xff, 0x00, 0xc3}) {
		t.Errorf("the binary body is not kept as base64: %q; want bytes.HasPrefix(exs[3].Body, []byte{0xff, 0x00, 0xc3})", exs[3].Body)
	} else if !bytes.Contains(raw, []byte(`"body":{"base64":`)) {
		t.Errorf("the binary body is not kept as base64: %q; want bytes.Contains(raw, []byte(`\"body\":{\"base64\":`))", exs[3].Body)
	}
	if !strings.Contains(string(exs[0].ResponseBody), "Неверный ключ") {
		t.Errorf("UTF-8 answer not kept as text: %q", exs[0].ResponseBody)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm() != 0o600 {
		t.Errorf("cassette mode %v, want 0600", st.Mode().Perm())
	}
}

func TestRecorderShortApikeyIsRedactedWhereItStands(t *testing.T) {
	srv := echoServer(t)
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf)
	if err != nil {
		t.Fatal(err)
	}
	do(t, rec, newReq(t, http.MethodPost, srv.URL+"/x?apikey=k1", []byte("apikey=k2&a=1"), "application/x-www-form-urlencoded"))
	exs, err := Read(&buf, "buf")
	if err != nil {
		t.Fatal(err)
	}
	if q, b := exs[0].Query.Get("apikey"), string(exs[0].Body); q != Redacted {
		t.Errorf("query apikey %q, body %q; want q == Redacted", q, b)
	} else if b != "apikey="+Redacted+"&a=1" {
		t.Errorf("query apikey %q, body %q; want b == \"apikey=\" + Redacted + \"&a=1\"", q, b)
	}
}

func TestWithSecretsRefusesShortSecret(t *testing.T) {
	if _, err := NewRecorder(io.Discard, WithSecrets("abc")); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("err = %v, want a too-short error", err)
	}
}

// failingWriter fails every write.
type failingWriter struct{ calls int }

func (w *failingWriter) Write([]byte) (int, error) {
	w.calls++
	return 0, errors.New("disk full")
}

// countingHandler counts log records.
type countingHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	h.msgs = append(h.msgs, b.String())
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func TestRecorderWriteFailureNeverFailsTheRequest(t *testing.T) {
	srv := echoServer(t)
	w := &failingWriter{}
	logs := &countingHandler{}
	rec, err := NewRecorder(w, WithLogger(slog.New(logs)))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if b := do(t, rec, newReq(t, http.MethodGet, srv.URL+"/api/customer?apikey="+canaryQueryKey, nil, "")); len(b) == 0 {
			t.Fatal("empty answer")
		}
	}
	if err := rec.Err(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Err() = %v, want the write error", err)
	}
	if w.calls != 1 || len(logs.msgs) != 1 {
		t.Errorf("%d writes and %d log records after the first failure, want 1 and 1: %q", w.calls, len(logs.msgs), logs.msgs)
	}
	for _, m := range logs.msgs {
		if strings.Contains(m, canaryQueryKey) {
			t.Errorf("the log record holds the apikey: %s", m)
		}
	}
}

func TestRecorderClosedFileIsReportedNotFatal(t *testing.T) {
	srv := echoServer(t)
	rec, err := Create(filepath.Join(t.TempDir(), "c.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	do(t, rec, newReq(t, http.MethodGet, srv.URL+"/", nil, ""))
	if err := rec.Err(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Err() = %v, want a closed-recorder error", err)
	}
}

func TestCreateUnwritablePath(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "missing-dir", "c.jsonl"))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want a not-exist error", err)
	}
}

func TestRecorderConcurrentExchangesAreWholeLines(t *testing.T) {
	srv := echoServer(t)
	var buf testutil.SyncBuffer
	rec, err := NewRecorder(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			req := newReq(t, http.MethodPost, srv.URL+"/api/customer/update?id="+string(rune('a'+i%26)), bytes.Repeat([]byte("x"), 10000+i), "text/plain")
			do(t, rec, req)
		})
	}
	wg.Wait()
	exs, err := Read(strings.NewReader(buf.String()), "buf")
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 32 {
		t.Fatalf("%d exchanges, want 32", len(exs))
	}
	for _, ex := range exs {
		if len(ex.Body) < 10000 {
			t.Errorf("%s: body %d bytes, truncated %v/%v; want len(ex.Body) >= 10000", ex.String(), len(ex.Body), ex.BodyTruncated, ex.ResponseTruncated)
		} else if ex.BodyTruncated {
			t.Errorf("%s: body %d bytes, truncated %v/%v; want !ex.BodyTruncated", ex.String(), len(ex.Body), ex.BodyTruncated, ex.ResponseTruncated)
		} else if ex.ResponseTruncated {
			t.Errorf("%s: body %d bytes, truncated %v/%v; want !ex.ResponseTruncated", ex.String(), len(ex.Body), ex.BodyTruncated, ex.ResponseTruncated)
		}
	}
}

func TestRecorderMaxBodyCutsAndMarks(t *testing.T) {
	srv := echoServer(t)
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf, WithMaxBody(100))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("ж", 200) // 400 bytes; a cut must not split a rune
	got := do(t, rec, newReq(t, http.MethodPost, srv.URL+"/big", []byte(body), "text/plain"))
	if !strings.Contains(string(got), body) {
		t.Fatal("the request or the answer was cut on the wire")
	}
	exs, err := Read(&buf, "buf")
	if err != nil {
		t.Fatal(err)
	}
	ex := exs[0]
	if !ex.BodyTruncated {
		t.Errorf("truncated %v/%v, sizes %d/%d; want ex.BodyTruncated", ex.BodyTruncated, ex.ResponseTruncated, len(ex.Body), len(ex.ResponseBody))
	} else if !ex.ResponseTruncated {
		t.Errorf("truncated %v/%v, sizes %d/%d; want ex.ResponseTruncated", ex.BodyTruncated, ex.ResponseTruncated, len(ex.Body), len(ex.ResponseBody))
	} else if len(ex.Body) > 100 {
		t.Errorf("truncated %v/%v, sizes %d/%d; want len(ex.Body) <= 100", ex.BodyTruncated, ex.ResponseTruncated, len(ex.Body), len(ex.ResponseBody))
	} else if len(ex.ResponseBody) > 100 {
		t.Errorf("truncated %v/%v, sizes %d/%d; want len(ex.ResponseBody) <= 100", ex.BodyTruncated, ex.ResponseTruncated, len(ex.Body), len(ex.ResponseBody))
	}
	if !strings.HasPrefix(body, string(ex.Body)) {
		t.Errorf("the cut body is not a text prefix: %q; want strings.HasPrefix(body, string(ex.Body))", ex.Body)
	} else if bytes.Contains(buf.Bytes(), []byte("base64")) {
		t.Errorf("the cut body is not a text prefix: %q; want !bytes.Contains(buf.Bytes(), []byte(\"base64\"))", ex.Body)
	}
}

// wireForms are the forms a secret takes on the wire and in a file: as it
// is, query- and path-escaped, JSON-escaped (with and without HTML
// escaping) and XML-escaped.
func wireForms(s string) []string {
	out := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	for _, html := range []bool{true, false} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(html)
		if enc.Encode(s) == nil {
			q := strings.TrimSpace(buf.String())
			out = append(out, q[1:len(q)-1])
		}
	}
	var x strings.Builder
	if xml.EscapeText(&x, []byte(s)) == nil {
		out = append(out, x.String())
	}
	return out
}
