package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/internal/testutil"
)

func TestAdminInstallsFaultsServesJournalAndResets(t *testing.T) {
	srv := NewServer(t)
	c := &http.Client{}
	post := func(path, body string) *http.Response {
		t.Helper()
		resp, err := c.Post(srv.ArtixURL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post("/_mock/faults", `{"api":"virtpos","status":502,"delay":"1ms","times":1}`); r.StatusCode != http.StatusCreated {
		t.Fatalf("install fault: %d", r.StatusCode)
	}
	if r := post("/_mock/faults", `{"nope":1}`); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown field: %d, want 400", r.StatusCode)
	}
	resp, _, err := get(t, c, srv.VirtPOSURL+"/api/customer")
	if err != nil {
		t.Fatalf("fault via admin not applied: %v %v; want err == nil", resp, err)
	} else if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("fault via admin not applied: %v %v; want resp.StatusCode == http.StatusBadGateway", resp, err)
	}
	resp, body, err := get(t, c, srv.VirtPOSURL+"/_mock/requests?api=virtpos")
	if err != nil {
		t.Fatal(err)
	}
	var reqs []Request
	if err := json.Unmarshal([]byte(body), &reqs); err != nil {
		t.Fatalf("journal: %v %s; want err == nil", err, body)
	} else if resp.StatusCode != 200 {
		t.Fatalf("journal: %v %s; want resp.StatusCode == 200", err, body)
	}
	if len(reqs) != 1 || reqs[0].StatusCode != http.StatusBadGateway || !reqs[0].Faulted {
		t.Fatalf("journal %+v: want the one faulted virtpos request (admin calls are not journaled)", reqs)
	}
	if r := post("/_mock/reset", ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("reset: %d", r.StatusCode)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("journal after reset: %d", n)
	}
	if resp, _, _ := get(t, c, srv.ArtixURL+"/_mock/nothing"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown admin path: %d", resp.StatusCode)
	}
}

// adminDo sends an admin request to the Artix listener and returns the
// status and body.
func adminDo(t *testing.T, srv *Server, method, path, body string) (int, string) {
	t.Helper()
	return testutil.Do(t, nil, method, srv.ArtixURL+path, body)
}

// TestAdminRefusesFaultsItCannotHonour: every fault the mock would
// misbehave on (or run out of memory for) is a 400 naming the field, and
// nothing is installed.
func TestAdminRefusesFaultsItCannotHonour(t *testing.T) {
	srv := NewServer(t)
	for _, tc := range []struct{ body, field string }{
		{`{"api":"shop"}`, "api"},
		{`{"status":99}`, "status"},
		{`{"status":600}`, "status"},
		{`{"status":-1}`, "status"},
		{`{"delay":"-1s"}`, "delay"},
		{`{"delay":-5}`, "delay"},
		{`{"delay":"1000h"}`, "delay"},
		{`{"delay":1e30}`, "delay"},
		{`{"body_size":-1}`, "body_size"},
		{`{"body_size":1099511627776}`, "body_size"},
		{`{"path":"api/customer"}`, "path"},
		{`{"method":"GE T"}`, "method"},
		{`{"retry_after":"1\r\nX-Evil: 1"}`, "retry_after"},
		{`{"content_type":"text/plain\nX: 1"}`, "content_type"},
	} {
		st, body := adminDo(t, srv, http.MethodPost, "/_mock/faults", tc.body)
		if st != http.StatusBadRequest || !strings.Contains(body, tc.field) {
			t.Errorf("POST %.60s: HTTP %d %s, want 400 naming %s", tc.body, st, body, tc.field)
		}
	}
	resp, _, err := get(t, http.DefaultClient, srv.VirtPOSURL+"/api/customer?apikey="+srv.APIKey)
	if err != nil {
		t.Fatalf("a refused fault was installed: %v %v; want err == nil", resp, err)
	} else if resp.StatusCode != http.StatusOK {
		t.Fatalf("a refused fault was installed: %v %v; want resp.StatusCode == http.StatusOK", resp, err)
	}
}

// TestFaultBodySizeIsStreamed: Go's Fail accepts what the admin endpoint
// refuses; an oversized answer is written in chunks, not built in memory.
func TestFaultBodySizeIsStreamed(t *testing.T) {
	srv := NewServer(t)
	srv.Fail(Fault{API: VirtPOSAPI, BodySize: 8 << 20})
	resp, err := http.Get(srv.VirtPOSURL + "/api/customer")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != 8<<20 {
		t.Fatalf("read %d bytes (%v), want %d", n, err, 8<<20)
	}
}

// TestAdminListsFaultsInThePOSTForm: GET /_mock/faults answers the
// installed faults with the fields as POST takes them ("delay":"250ms").
func TestAdminListsFaultsInThePOSTForm(t *testing.T) {
	srv := NewServer(t)
	if st, body := adminDo(t, srv, http.MethodPost, "/_mock/faults", `{"api":"virtpos","delay":"250ms","status":503,"times":-1}`); st != http.StatusCreated {
		t.Fatalf("POST: HTTP %d %s; want st == http.StatusCreated", st, body)
	} else if !strings.Contains(body, `"delay": "250ms"`) {
		t.Fatalf("POST: HTTP %d %s; want strings.Contains(body, `\"delay\": \"250ms\"`)", st, body)
	}
	st, body := adminDo(t, srv, http.MethodGet, "/_mock/faults", "")
	var faults []map[string]any
	if err := json.Unmarshal([]byte(body), &faults); err != nil {
		t.Fatalf("GET: HTTP %d %s %v; want err == nil", st, body, err)
	} else if st != http.StatusOK {
		t.Fatalf("GET: HTTP %d %s %v; want st == http.StatusOK", st, body, err)
	}
	if len(faults) != 1 {
		t.Fatalf("faults %v; want len(faults) == 1", faults)
	} else if faults[0]["delay"] != "250ms" {
		t.Fatalf("faults %v; want faults[0][\"delay\"] == \"250ms\"", faults)
	} else if faults[0]["api"] != "virtpos" {
		t.Fatalf("faults %v; want faults[0][\"api\"] == \"virtpos\"", faults)
	} else if faults[0]["times"] != float64(-1) {
		t.Fatalf("faults %v; want faults[0][\"times\"] == float64(-1)", faults)
	}
	var back Fault
	if err := json.Unmarshal([]byte(body[strings.Index(body, "{"):strings.LastIndex(body, "}")+1]), &back); err != nil {
		t.Fatalf("a listed fault does not read back: %+v %v; want err == nil", back, err)
	} else if back.Delay != 250*time.Millisecond {
		t.Fatalf("a listed fault does not read back: %+v %v; want back.Delay == 250 * time.Millisecond", back, err)
	}
}
