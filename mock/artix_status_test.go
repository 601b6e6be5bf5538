package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// callbackRecorder is a status receiver that records what arrives.
type callbackRecorder struct {
	mu    sync.Mutex
	calls []string
	auth  []string
	done  chan struct{}
	want  int
}

func (c *callbackRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct{ Status string }
	b, _ := io.ReadAll(r.Body)
	json.Unmarshal(b, &body)
	c.mu.Lock()
	c.calls = append(c.calls, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/CSrest/rest/dicts/")+" "+body.Status)
	if a := r.Header.Get("Authorization"); a != "" {
		c.auth = append(c.auth, a)
	}
	if len(c.calls) == c.want {
		close(c.done)
	}
	c.mu.Unlock()
	if r.Method == http.MethodPost {
		io.WriteString(w, `"state-7"`)
	}
}

// TestArtixCallbacksOrder: after a load naming an addressstatusserver the
// mock calls back in the field order, for each cash register, with the
// state id the receiver handed out, faults shaping the statuses; through
// the admin API too. The credentials never go with the callbacks.
func TestArtixCallbacksOrder(t *testing.T) {
	srv := NewServer(t)
	srv.RequireArtixAuth("admin", "pw")
	rec := &callbackRecorder{done: make(chan struct{}), want: 2 + 2*2}
	recv := httptest.NewServer(rec)
	defer recv.Close()
	fault := `{"api":"artix","callbacks":{"cashes":2,"status":{"2":"STATUS_ERROR"},"delay":"1ms"}}`
	resp, err := http.Post(srv.ArtixURL+"/_mock/faults", "application/json", strings.NewReader(fault))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("admin fault: %d", resp.StatusCode)
	}
	addr := strings.TrimPrefix(recv.URL, "http://")
	status, r := postArtix(t, srv, "/aifexchange/loaddicts?shopcode=5&dictionaryid=d1&addressstatusserver="+addr,
		`[{"command":"clearClient"}]`, map[string]string{"Authorization": "Basic YWRtaW46cHc="})
	if status != 200 {
		t.Fatalf("load: %d %+v; want status == 200", status, r)
	} else if !r.Success {
		t.Fatalf("load: %d %+v; want r.Success", status, r)
	}
	select {
	case <-rec.done:
	case <-time.After(30 * time.Second):
		t.Fatal("callbacks did not come")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	want := []string{
		"POST backOfficeState/5 STATUS_DURING",
		"PUT backOfficeState/5/state-7 STATUS_READY",
		"PUT cashLoad/5/1/state-7 STATUS_DURING",
		"PUT cashLoad/5/1/state-7 STATUS_READY",
		"PUT cashLoad/5/2/state-7 STATUS_DURING",
		"PUT cashLoad/5/2/state-7 STATUS_ERROR",
	}
	if !slices.Equal(rec.calls, want) {
		t.Errorf("callbacks\n%s\nwant\n%s", strings.Join(rec.calls, "\n"), strings.Join(want, "\n"))
	}
	if len(rec.auth) != 0 {
		t.Errorf("callbacks carried credentials: %v", rec.auth)
	}
}

// TestArtixCallbacksStopAtClose: Close ends the status callbacks of the
// loads it applied: a callback in flight is cancelled, and none is sent
// once Close has returned (they used to go on for minutes after it, into
// the next test's receiver).
func TestArtixCallbacksStopAtClose(t *testing.T) {
	for _, name := range []string{"Start", "NewInMemory"} {
		t.Run(name, func(t *testing.T) {
			var srv *Server
			var err error
			if name == "Start" {
				srv, err = Start(Config{})
			} else {
				srv, err = NewInMemory(Config{})
			}
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			arrived, cancelled, release := make(chan struct{}, 100), make(chan struct{}, 100), make(chan struct{})
			var mu sync.Mutex
			after := 0 // callbacks that arrived once Close had returned
			closed := false
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.ReadAll(r.Body) // net/http notices a gone client once the body is read
				mu.Lock()
				if closed {
					after++
				}
				mu.Unlock()
				arrived <- struct{}{}
				select { // hold the first callback until the mock gives up on it
				case <-r.Context().Done():
					cancelled <- struct{}{}
				case <-release:
				}
			}))
			defer recv.Close()
			defer close(release)
			srv.SetArtixCashes(3)
			addr := strings.TrimPrefix(recv.URL, "http://")
			h := srv.Handler(ArtixAPI)
			req := httptest.NewRequest(http.MethodPost, "/aifexchange/loaddicts?shopcode=5&dictionaryid=d1&addressstatusserver="+addr,
				strings.NewReader(`[{"command":"clearClient"}]`))
			rw := httptest.NewRecorder()
			h.ServeHTTP(rw, req)
			if rw.Code != 200 {
				t.Fatalf("load: %d %s", rw.Code, rw.Body)
			}
			select {
			case <-arrived:
			case <-time.After(30 * time.Second):
				t.Fatal("no callback came")
			}
			srv.Close()
			mu.Lock()
			closed = true
			mu.Unlock()
			select {
			case <-cancelled:
			case <-time.After(10 * time.Second):
				t.Fatal("Close returned with the callback still in flight")
			}
			mu.Lock()
			defer mu.Unlock()
			if after != 0 {
				t.Fatalf("%d callbacks after Close", after)
			}
		})
	}
}
