package mock

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
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
	if err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("fault via admin not applied: %v %v", resp, err)
	}
	resp, body, err := get(t, c, srv.VirtPOSURL+"/_mock/requests?api=virtpos")
	if err != nil {
		t.Fatal(err)
	}
	var reqs []Request
	if err := json.Unmarshal([]byte(body), &reqs); err != nil || resp.StatusCode != 200 {
		t.Fatalf("journal: %v %s", err, body)
	}
	if len(reqs) != 1 || reqs[0].Status != http.StatusBadGateway || !reqs[0].Faulted {
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
