package mock

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Every admin surface has a bound that a request cannot push past.

func TestFaultListIsBounded(t *testing.T) {
	srv := NewServer(t)
	for i := range MaxFaults {
		if err := srv.Fail(Fault{Path: fmt.Sprintf("/f%d", i)}); err != nil {
			t.Fatalf("fault %d of %d refused: %v", i+1, MaxFaults, err)
		}
	}
	err := srv.Fail(Fault{})
	var full *FaultLimitError
	if !errors.As(err, &full) {
		t.Fatalf("fault %d: want *FaultLimitError, got %v", MaxFaults+1, err)
	}
	if status, body := adminDo(t, srv, http.MethodPost, "/_mock/faults", `{"status":502}`); status != http.StatusConflict || !strings.Contains(body, "faults") {
		t.Errorf("admin POST past the limit: %d %s, want 409 naming the fault list", status, body)
	}
	srv.ClearFaults()
	if err := srv.Fail(Fault{}); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}

func TestFaultBodiesAreBoundedAltogether(t *testing.T) {
	srv := NewServer(t)
	big := strings.Repeat("x", maxAdminFault-100)
	n := 0
	var err error
	for ; n < MaxFaults; n++ {
		if err = srv.Fail(Fault{Body: big}); err != nil {
			break
		}
	}
	var full *FaultLimitError
	if !errors.As(err, &full) {
		t.Fatalf("installed %d faults of %d KiB each without a refusal", n, len(big)>>10)
	}
	if held := int64(n) * int64(len(big)); held > MaxFaultBytes {
		t.Errorf("faults hold %d bytes, over MaxFaultBytes %d", held, MaxFaultBytes)
	}
}

func TestJournalBudgetCountsHeadersAndQuery(t *testing.T) {
	const budget = 1 << 20
	srv := NewServer(t, Config{JournalBytes: budget})
	long := strings.Repeat("q", 60<<10)
	c := &http.Client{}
	for i := range 60 {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/customer?apikey=%s&note=%s&i=%d", srv.VirtPOSURL, srv.APIKey, long, i), nil)
		req.Header.Set("X-Long", long)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	reqs := srv.Requests()
	var held int
	for _, r := range reqs {
		held += journalWeight(&r)
	}
	if held > budget {
		t.Errorf("the journal holds %d bytes of %d requests, over its %d-byte budget", held, len(reqs), budget)
	}
	if len(reqs) == 0 {
		t.Errorf("the newest request must stay in the journal; want len(reqs) != 0")
	} else if reqs[len(reqs)-1].Query.Get("i") != "59" {
		t.Errorf("the newest request must stay in the journal; want reqs[len(reqs)-1].Query.Get(\"i\") == \"59\"")
	}
}

func TestAdminStateRestoreIsBoundedInRecords(t *testing.T) {
	srv := NewServer(t)
	var b strings.Builder
	b.WriteString(`{"virtpos":{"customers":[`)
	for i := range maxAdminStateObjects + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("{}")
	}
	b.WriteString(`]}}`)
	status, body := adminDo(t, srv, http.MethodPut, "/_mock/state", b.String())
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "objects") {
		t.Errorf("PUT /_mock/state of %d objects (%d bytes): %d %s, want 413 naming the object limit", maxAdminStateObjects+1, b.Len(), status, body)
	}
}

func TestAdminTokenGuardsTheAdminAPI(t *testing.T) {
	const token = "admin-token-Xy12"
	srv := NewServer(t, Config{AdminToken: token})
	tn, err := srv.NewTenant("shop")
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{}
	for _, path := range []string{"/_mock/tenants", "/_mock/state", "/_mock/requests", "/_mock/faults"} {
		for _, auth := range []string{"", "Bearer wrong", "Basic " + token} {
			req, _ := http.NewRequest(http.MethodGet, srv.VirtPOSURL+path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s with Authorization %q: %d, want 401", path, auth, resp.StatusCode)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, srv.VirtPOSURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s with the token: %d, want 200", path, resp.StatusCode)
		}
	}
	// The APIs themselves take their own credentials, not the token.
	if _, err := tn.VirtPOS().Customers.Get(t.Context(), 1); err != nil {
		t.Errorf("a tenant's VirtPOS call: %v", err)
	}
}
