package mock

import (
	"encoding/base64"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// adminDoc is the doc comment of AdminPrefix in admin.go.
func adminDoc(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "admin.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Doc != nil && len(g.Specs) == 1 {
			if v, ok := g.Specs[0].(*ast.ValueSpec); ok && v.Names[0].Name == "AdminPrefix" {
				return g.Doc.Text()
			}
		}
	}
	t.Fatal("no doc comment on AdminPrefix in admin.go")
	return ""
}

// adminDocRow is one endpoint of the admin docs' table:
// "METHOD /_mock/path[?query]  STATUS what it answers".
var adminDocRow = regexp.MustCompile(`(?m)^\s*(GET|POST|PUT|DELETE)\s+(/_mock/[^\s\[?]*)\S*\s+([1-5]\d\d)\b`)

// TestAdminDocsMatchTheAnswers: every endpoint the admin docs list
// answers the documented status to a well-formed request; every JSON key
// of those answers (a journal entry with a text and a binary body, a
// fault, an error) is named in the docs; and no other method answers on a
// documented path.
func TestAdminDocsMatchTheAnswers(t *testing.T) {
	doc := adminDoc(t)
	srv := NewServer(t)
	if _, err := srv.VirtPOS().Customers.Get(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	adminDo(t, srv, http.MethodPost, "/nowhere", "\xff\x00\xc3 binary")
	state, err := srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{
		"POST /_mock/faults":  `{"api":"crm","path":"/nowhere","delay":"1ms","times":-1}`,
		"PUT /_mock/state":    string(state),
		"POST /_mock/tenants": `{"name":"docs"}`,
		"PUT /_mock/quirks":   `{"card_write_ids":true,"bind_physical_card_pin":true,"virtual_card_pool":2}`,
	}
	// The order matters only for reset, which empties the journal: last.
	rows := adminDocRow.FindAllStringSubmatch(doc, -1)
	slices.SortStableFunc(rows, func(a, b []string) int {
		return strings.Compare(strings.Join(a[1:3], " "), strings.Join(b[1:3], " "))
	})
	if len(rows) < 8 {
		t.Fatalf("the admin docs list %d endpoints: %q", len(rows), doc)
	}
	var keys []string
	documented := map[string]bool{}
	for _, row := range rows {
		method, path, want := row[1], row[2], row[3]
		documented[method+" "+path] = true
		target := path
		if strings.Contains(path, "{id}") {
			tn, err := srv.NewTenant("")
			if err != nil {
				t.Fatal(err)
			}
			target = strings.ReplaceAll(path, "{id}", tn.ID)
		}
		st, body := adminDo(t, srv, method, target, bodies[method+" "+path])
		if strconv.Itoa(st) != want {
			t.Errorf("%s %s: HTTP %d %s, the docs say %s", method, path, st, body, want)
		}
		keys = append(keys, jsonKeys(body)...)
	}
	_, body := adminDo(t, srv, http.MethodGet, "/_mock/requests?api=shop", "")
	keys = append(keys, jsonKeys(body)...)
	for _, k := range []string{"body", "body_base64", "error", "delay"} {
		if !slices.Contains(keys, k) {
			t.Errorf("no answer had the key %q; keys: %v", k, keys)
		}
	}
	for _, k := range keys {
		if !strings.Contains(doc, `"`+k+`"`) {
			t.Errorf("the answers have the key %q; the admin docs do not name it", k)
		}
	}
	for _, row := range rows {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
			if documented[m+" "+row[2]] {
				continue
			}
			if st, body := adminDo(t, srv, m, strings.ReplaceAll(row[2], "{id}", "t1"), ""); st < 400 {
				t.Errorf("%s %s answers HTTP %d %s; the docs do not list it", m, row[2], st, body)
			}
		}
	}
}

// jsonKeys are the object keys anywhere in a JSON text (none if it is
// not JSON).
func jsonKeys(body string) []string {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return nil
	}
	var keys []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				keys = append(keys, k)
				if k != "query" && k != "header" && k != "virtpos" && k != "crm" && k != "artix" {
					walk(e)
				}
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return keys
}

// TestJournalShowsTextBodiesAsText: GET /_mock/requests answers a UTF-8
// body as text under "body" (also when it was cut at MaxJournalBody in
// the middle of a character), a binary one as base64 under
// "body_base64"; a Request read back from that JSON has the bytes.
func TestJournalShowsTextBodiesAsText(t *testing.T) {
	srv := NewServer(t)
	text := `{"name":"Сергей <&>"}`
	binary := "\xff\x00\xc3"
	long := "x" + strings.Repeat("я", MaxJournalBody) // cut inside a "я"
	for _, b := range []string{text, binary, long} {
		adminDo(t, srv, http.MethodPost, "/nowhere", b)
	}
	st, body := adminDo(t, srv, http.MethodGet, "/_mock/requests", "")
	var raw []map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("HTTP %d %v: %.300s; want err == nil", st, err, body)
	} else if st != http.StatusOK {
		t.Fatalf("HTTP %d %v: %.300s; want st == http.StatusOK", st, err, body)
	} else if len(raw) != 3 {
		t.Fatalf("HTTP %d %v: %.300s; want len(raw) == 3", st, err, body)
	}
	if raw[0]["body"] != text || raw[0]["body_base64"] != nil {
		t.Errorf("text body: %v / %v, want the text under body", raw[0]["body"], raw[0]["body_base64"])
	}
	if raw[1]["body_base64"] != base64.StdEncoding.EncodeToString([]byte(binary)) || raw[1]["body"] != nil {
		t.Errorf("binary body: %v / %v, want base64 under body_base64", raw[1]["body"], raw[1]["body_base64"])
	}
	if s, ok := raw[2]["body"].(string); !ok || !strings.HasPrefix(long, s) || len(s) < MaxJournalBody-3 || raw[2]["body_truncated"] != true {
		t.Errorf("cut text body: %.40v (truncated %v), want a text prefix", raw[2]["body"], raw[2]["body_truncated"])
	}
	var reqs []Request
	if err := json.Unmarshal([]byte(body), &reqs); err != nil {
		t.Fatal(err)
	}
	if string(reqs[0].Body) != text {
		t.Errorf("read back: %q %q; want string(reqs[0].Body) == text", reqs[0].Body, reqs[1].Body)
	} else if string(reqs[1].Body) != binary {
		t.Errorf("read back: %q %q; want string(reqs[1].Body) == binary", reqs[0].Body, reqs[1].Body)
	} else if !strings.HasPrefix(long, string(reqs[2].Body)) {
		t.Errorf("read back: %q %q; want strings.HasPrefix(long, string(reqs[2].Body))", reqs[0].Body, reqs[1].Body)
	}
	if !strings.Contains(body, "<&>") {
		t.Errorf("text is HTML-escaped: %.200s", body)
	}
}
