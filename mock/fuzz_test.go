package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// FuzzArtixCommands feeds any body to the mock's Artix decoders (the HTTP
// array and the exchange file): no panic, and a batch that decodes
// re-encodes (through the client's encoder) to commands that decode the
// same. Run longer with
//
//	go test -run '^$' -fuzz '^FuzzArtixCommands$' -fuzztime 10m ./mock
func FuzzArtixCommands(f *testing.F) {
	files, _ := filepath.Glob("../testdata/artix/*.json")
	if len(files) == 0 {
		f.Fatal("no seed files in ../testdata/artix")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`[{"command":"addClient","client":{"idclient":4,"name":"Пётр","sex":1,"options":3,"communications":{"sms":1},"subscriptionadj":true}}]`,
		`[{"command":"updateClient","client":{"idclient":"4","phonenumbr":"8800","specialdate1 name":"x"}}]`,
		`{"command":"clearClient"}` + "\n---\n" + `{"command":"deleteClient","client":{"idclient":"12"}}` + "\n---\n",
		`[]`, `[{}]`, `[null]`, `{"command":"addClient"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = parseArtixFile(body)
		cmds, err := decodeArtixArray(bytes.NewReader(body))
		if err != nil {
			return
		}
		enc, err := json.Marshal(append([]loyalty.ArtixCommand{}, cmds...))
		if err != nil {
			t.Fatalf("a decoded batch does not encode: %v", err)
		}
		again, err := decodeArtixArray(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("our encoding %s does not decode: %v", enc, err)
		}
		if !reflect.DeepEqual(normalise(cmds), normalise(again)) {
			t.Fatalf("the round trip changed the batch:\n%+v\n%+v\nvia %s", cmds, again, enc)
		}
	})
}

// normalise re-encodes commands so that equal batches compare equal
// whatever their representation in memory.
func normalise(cmds []loyalty.ArtixCommand) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		b, _ := json.Marshal(c)
		out[i] = string(b)
	}
	return out
}

// FuzzAdmin sends any method, admin path, query and body to the admin
// endpoints: never a panic or a 5xx, and every 4xx says what is wrong in
// {"error": ...}. Run longer with
//
//	go test -run '^$' -fuzz '^FuzzAdmin$' -fuzztime 10m ./mock
func FuzzAdmin(f *testing.F) {
	for _, tc := range malformedCases {
		if path, query, _ := strings.Cut(tc.path, "?"); strings.HasPrefix(path, AdminPrefix) {
			f.Add(tc.method, strings.TrimPrefix(path, AdminPrefix), query, []byte(tc.body))
		}
	}
	f.Add("POST", "faults", "", []byte(`{"api":"virtpos","delay":"1ms","status":503}`))
	f.Add("GET", "requests", "api=crm", []byte(nil))
	srv, err := NewInMemory(Config{Customers: 2})
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler(ArtixAPI)
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte) {
		req := &http.Request{
			Method: method, URL: &url.URL{Path: AdminPrefix + path, RawQuery: query},
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(body)),
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: HTTP %d %s", method, path, query, rec.Code, rec.Body)
		}
		var answer struct{ Error string }
		if rec.Code >= 400 && (json.Unmarshal(rec.Body.Bytes(), &answer) != nil || answer.Error == "") {
			t.Fatalf("%s %s?%s: HTTP %d without an error text: %s", method, path, query, rec.Code, rec.Body)
		}
	})
}
