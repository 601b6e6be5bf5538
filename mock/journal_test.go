package mock

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestJournalCutsBodiesAndFlagsThem: a body over MaxJournalBody is kept
// cut, with BodyTruncated set and BodySize the whole size.
func TestJournalCutsBodiesAndFlagsThem(t *testing.T) {
	srv := NewServer(t)
	big := strings.Repeat("x", 3*MaxJournalBody)
	resp, err := http.Post(srv.ArtixURL+"/nowhere", "text/plain", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d journal entries", len(reqs))
	}
	r := reqs[0]
	if len(r.Body) != MaxJournalBody {
		t.Fatalf("body kept %d bytes, truncated %v, size %d; want len(r.Body) == MaxJournalBody", len(r.Body), r.BodyTruncated, r.BodySize)
	} else if !r.BodyTruncated {
		t.Fatalf("body kept %d bytes, truncated %v, size %d; want r.BodyTruncated", len(r.Body), r.BodyTruncated, r.BodySize)
	} else if r.BodySize != int64(len(big)) {
		t.Fatalf("body kept %d bytes, truncated %v, size %d; want r.BodySize == int64(len(big))", len(r.Body), r.BodyTruncated, r.BodySize)
	}
}

// TestJournalKeepsToItsByteBudget: the bodies the journal holds never sum
// past Config.JournalBytes; the oldest lose their bodies first.
func TestJournalKeepsToItsByteBudget(t *testing.T) {
	const budget = 4 * MaxJournalBody
	srv := NewServer(t, Config{JournalBytes: budget})
	for i := range 20 {
		body := strings.Repeat(string(rune('a'+i)), MaxJournalBody)
		resp, err := http.Post(srv.ArtixURL+"/nowhere", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	reqs := srv.Requests()
	if len(reqs) != 20 {
		t.Fatalf("%d entries, want 20 (only bodies are dropped)", len(reqs))
	}
	total := 0
	for _, r := range reqs {
		total += len(r.Body)
		if len(r.Body) < MaxJournalBody && !r.BodyTruncated {
			t.Errorf("an entry lost its body without BodyTruncated")
		}
	}
	if total > budget {
		t.Fatalf("journal holds %d body bytes, budget %d", total, budget)
	}
	if last := reqs[len(reqs)-1]; len(last.Body) != MaxJournalBody {
		t.Fatal("the newest body was dropped", "; want len(last.Body) == MaxJournalBody")
	} else if last.Body[0] != 'a'+19 {
		t.Fatal("the newest body was dropped", "; want last.Body[0] == 'a' + 19")
	}
}

// TestJournalRedactsTheAPIKey: the VirtPOS apikey, in the query or in a
// form body, never reaches the journal or its admin endpoint.
func TestJournalRedactsTheAPIKey(t *testing.T) {
	srv := NewServer(t)
	resp, err := http.Get(srv.VirtPOSURL + "/api/customer?format=json&apikey=" + url.QueryEscape(srv.APIKey))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.PostForm(srv.VirtPOSURL+"/api/customer/update?id=1", url.Values{"apikey": {srv.APIKey}, "fname": {"Ключ"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, r := range srv.Requests() {
		if got := r.Query.Get("apikey"); got != "" && got != Redacted {
			t.Errorf("%s query apikey %q", r.Path, got)
		}
		if bytes.Contains(r.Body, []byte(srv.APIKey)) {
			t.Errorf("%s body %q holds the apikey", r.Path, r.Body)
		}
	}
	last := srv.Requests()[1]
	if f, _ := url.ParseQuery(string(last.Body)); f.Get("fname") != "Ключ" || f.Get("apikey") != Redacted {
		t.Errorf("form body %q: want fname kept and apikey %s", last.Body, Redacted)
	}
	_, body, err := get(t, http.DefaultClient, srv.ArtixURL+"/_mock/requests")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, srv.APIKey) {
		t.Fatal("GET /_mock/requests serves the apikey")
	}
}

// TestAdminRequestsIsStreamed: the journal is written entry by entry
// (chunked, no Content-Length), and is still one JSON array.
func TestAdminRequestsIsStreamed(t *testing.T) {
	srv := NewServer(t)
	for range 50 {
		resp, err := http.Post(srv.ArtixURL+"/nowhere", "text/plain", strings.NewReader(strings.Repeat("y", 10000)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, body, err := get(t, http.DefaultClient, srv.ArtixURL+"/_mock/requests")
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != -1 {
		t.Errorf("Content-Length %d: the answer was built whole", resp.ContentLength)
	}
	var reqs []Request
	if err := json.Unmarshal([]byte(body), &reqs); err != nil {
		t.Fatalf("%d entries, %v; want err == nil", len(reqs), err)
	} else if len(reqs) != 50 {
		t.Fatalf("%d entries, %v; want len(reqs) == 50", len(reqs), err)
	}
}
