package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests in this file drive the mock the way field code does, as
// docs/artix-field-notes.md describes it (§1, §2, §4), with plain net/http and
// no SDK; no field code is copied in.

// fieldStatusServer is a field back office's status server: it mimics the
// CSrest callback paths, answers the back-office POST with the epoch time
// as a JSON string, and ends its wait at the first cashLoad READY or
// ERROR (READY_WITH_ERROR and backOfficeState do not end it); an
// unparsable body gets 500 and ends it.
type fieldStatusServer struct {
	mu       sync.Mutex
	final    string
	start    map[string]json.RawMessage // the back-office POST's body
	arrivals []time.Time
	done     chan struct{}
}

func (f *fieldStatusServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]json.RawMessage
	f.mu.Lock()
	defer f.mu.Unlock()
	f.arrivals = append(f.arrivals, time.Now())
	if err := json.Unmarshal(b, &body); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		f.end("unparsable")
		return
	}
	var status string
	json.Unmarshal(body["status"], &status)
	switch {
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/CSrest/rest/dicts/backOfficeState/"):
		f.start = body
		fmt.Fprintf(w, "%q", strconv.FormatFloat(float64(time.Now().UnixMicro())/1e6, 'f', 6, 64))
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/CSrest/rest/dicts/cashLoad/"):
		if status == "STATUS_READY" || status == "STATUS_ERROR" {
			f.end(status)
		}
	}
}

func (f *fieldStatusServer) end(s string) {
	if f.final == "" {
		f.final = s
		close(f.done)
	}
}

// TestFieldLoaderSendThenListen: the field loader sends its batch and
// only then starts its status server, which must still see the cash load
// READY, in 10 runs of 10, with a pause like Python's start-up between
// the reply and the listener. (The mock used to call back 0.1–4 ms after
// its reply, without retrying: 7 of 10.)
func TestFieldLoaderSendThenListen(t *testing.T) {
	srv := NewServer(t)
	srv.RequireArtixAuth("admin", "admin")
	for run := range 10 {
		addr := freeAddr(t)
		shop := "15"
		id := strconv.FormatFloat(float64(time.Now().UnixMicro())/1e6, 'f', -1, 64)
		// Non-ASCII escaped as \uXXXX, as Python's json.dumps writes it.
		body := `[{"command": "addUnit", "unit": {"idunit": 1, "name": "\u0448\u0442"}}]`
		req, _ := http.NewRequest(http.MethodPost, srv.ArtixURL+"/aifexchange/loaddicts?shopcode="+shop+"&dictionaryid="+id+"&addressstatusserver="+addr, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.SetBasicAuth("admin", "admin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var reply struct{ Success bool }
		err = json.NewDecoder(resp.Body).Decode(&reply)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("run %d: HTTP %d, success %v, %v; want err == nil", run, resp.StatusCode, reply.Success, err)
		} else if resp.StatusCode != 200 {
			t.Fatalf("run %d: HTTP %d, success %v, %v; want resp.StatusCode == 200", run, resp.StatusCode, reply.Success, err)
		} else if !reply.Success {
			t.Fatalf("run %d: HTTP %d, success %v, %v; want reply.Success", run, resp.StatusCode, reply.Success, err)
		}
		replied := time.Now()
		time.Sleep(time.Duration(run*10) * time.Millisecond) // "Загружено в очередь", then the receiver starts
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fs := &fieldStatusServer{done: make(chan struct{})}
		hs := &http.Server{Handler: fs}
		go hs.Serve(ln)
		select {
		case <-fs.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("run %d: no cash load READY within 30 s", run)
		}
		hs.Close()
		fs.mu.Lock()
		if fs.final != "STATUS_READY" {
			t.Errorf("run %d: the wait ended with %q, want STATUS_READY", run, fs.final)
		}
		if v, ok := fs.start["fileName"]; !ok || string(v) != "null" {
			t.Errorf(`run %d: the back-office POST has fileName %s (present %v), want "fileName": null`, run, v, ok)
		}
		if string(fs.start["format"]) != `"ARTIXINTERCHANGE"` {
			t.Errorf("run %d: the back-office POST has format %s, want \"ARTIXINTERCHANGE\"", run, fs.start["format"])
		}
		if len(fs.arrivals) > 0 && fs.arrivals[0].Before(replied) {
			t.Errorf("run %d: a callback arrived before the load's reply was read", run)
		}
		fs.mu.Unlock()
	}
}

// TestFieldCashLoadAfterGap: the cash registers report the load after
// the default gap, not with the back-office callbacks; a gap of 0 is
// allowed.
func TestFieldCashLoadAfterGap(t *testing.T) {
	srv := NewServer(t)
	for _, tc := range []struct {
		gap      time.Duration
		set      bool
		min, max time.Duration
	}{
		{DefaultArtixCashLoadGap, false, DefaultArtixCashLoadGap, 10 * time.Second},
		{0, true, 0, DefaultArtixCashLoadGap},
	} {
		if tc.set {
			srv.SetArtixCashLoadGap(tc.gap)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fs := &fieldStatusServer{done: make(chan struct{})}
		hs := &http.Server{Handler: fs}
		go hs.Serve(ln)
		load(t, srv, ln.Addr().String())
		select {
		case <-fs.done:
		case <-time.After(30 * time.Second):
			t.Fatal("no cash load READY")
		}
		hs.Close()
		fs.mu.Lock()
		// POST and PUT backOfficeState, then the cash's DURING.
		if len(fs.arrivals) < 3 {
			t.Fatalf("gap %v: %d callbacks, want at least 3", tc.gap, len(fs.arrivals))
		}
		if got := fs.arrivals[2].Sub(fs.arrivals[1]); got < tc.min || got > tc.max {
			t.Errorf("gap %v: the first cash load report came %v after the back office's, want %v to %v", tc.gap, got, tc.min, tc.max)
		}
		fs.mu.Unlock()
	}
}

// TestFieldCSrestClient: a public Cash Server REST client creates a
// client (POST, nulls left out, no credentials), reads it by id, deletes
// it, and reads the empty body it takes for "absent".
func TestFieldCSrestClient(t *testing.T) {
	srv := NewServer(t)
	srv.RequireArtixAuth("admin", "admin") // the exchanger's login: not CSrest's
	base := srv.ArtixURL + "/CSrest/rest"
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The client model: idclient, name (ФИО), sex, phonenumber, subscriptionadj 0/1.
	status, body := do("POST", "/dictionaries/clients", `{"idclient": "79161234567", "name": "Иванов Иван", "sex": 0, "phonenumber": "79161234567", "subscriptionadj": 1}`)
	if status/100 != 2 {
		t.Fatalf("create: HTTP %d %s", status, body)
	}
	status, body = do("GET", "/dictionaries/clients/id/79161234567", "")
	var got map[string]any
	if status != 200 || json.Unmarshal([]byte(body), &got) != nil || got["name"] != "Иванов Иван" || got["phonenumber"] != "79161234567" {
		t.Fatalf("read: HTTP %d %s, want the created client", status, body)
	}
	if status, body = do("GET", "/dictionaries/clients", ""); status != 200 {
		t.Errorf("list: HTTP %d %s; want status == 200", status, body)
	} else if !strings.Contains(body, `"idclient":"79161234567"`) {
		t.Errorf("list: HTTP %d %s; want strings.Contains(body, `\"idclient\":\"79161234567\"`)", status, body)
	}
	if status, body = do("DELETE", "/dictionaries/clients/id/79161234567", ""); status/100 != 2 {
		t.Fatalf("delete: HTTP %d %s", status, body)
	}
	if status, body = do("GET", "/dictionaries/clients/id/79161234567", ""); status != 200 || body != "" {
		t.Errorf("read after delete: HTTP %d %q, want 200 with an empty body (absent)", status, body)
	}
	// The ERP's REST path for a card: a client, then its card.
	if status, body = do("POST", "/dictionaries/clients", `{"idclient":"2000000000015","name":"Пётр","lastname":"Петров","patronymic":"Петрович","sex":0,"options":0}`); status/100 != 2 {
		t.Fatalf("ERP client: HTTP %d %s", status, body)
	}
	if status, body = do("POST", "/dictionaries/cards", `{"idcard":"2000000000015","idcardgroup":"1","idclient":"2000000000015","number":"2000000000015"}`); status/100 != 2 {
		t.Fatalf("ERP card: HTTP %d %s", status, body)
	}
	if cards := srv.ArtixCustomerCards("2000000000015"); len(cards) != 1 {
		t.Errorf("cards of the ERP's client: %+v, want 1", cards)
	}
}
