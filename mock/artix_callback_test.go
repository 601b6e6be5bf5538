package mock

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// logBuffer collects a logger's text records.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// infoLogger logs at Info and above, as loyalty-mock -log does.
func infoLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, nil)), b
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestArtixCallbackFailuresLogged: a callback the receiver answers with an
// error, and one whose receiver is gone (after its retries), are logged
// at warning level, which -log shows.
func TestArtixCallbackFailuresLogged(t *testing.T) {
	logger, logs := infoLogger()
	srv := NewServer(t, Config{Logger: logger, ArtixCallbackRetry: 50 * time.Millisecond, ArtixCashLoadGap: -1})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "cashLoad") {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		w.Write([]byte(`"s1"`))
	}))
	defer recv.Close()
	load(t, srv, strings.TrimPrefix(recv.URL, "http://"))
	waitFor(t, "a warning for the cashLoad answered 500", func() bool {
		return strings.Contains(logs.String(), "level=WARN msg=\"mock artix status callback failed\" method=PUT path=/CSrest/rest/dicts/cashLoad/")
	})
	if !strings.Contains(logs.String(), "error=\"HTTP 500\"") {
		t.Errorf("the warning does not say HTTP 500:\n%s", logs)
	}

	gone := freeAddr(t)
	load(t, srv, gone)
	waitFor(t, "a warning for the receiver that never listened", func() bool {
		return strings.Contains(logs.String(), "path=/CSrest/rest/dicts/backOfficeState/0 attempts=")
	})
}

// load posts a one-command load naming addr as its status receiver.
func load(t *testing.T, srv *Server, addr string) {
	t.Helper()
	status, r := postArtix(t, srv, "/aifexchange/loaddicts?dictionaryid=1&addressstatusserver="+addr, `[{"command":"clearClient"}]`, nil)
	if status != 200 {
		t.Fatalf("load: HTTP %d %+v; want status == 200", status, r)
	} else if !r.Success {
		t.Fatalf("load: HTTP %d %+v; want r.Success", status, r)
	}
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestArtixCallbacksLoopbackOnly: the mock calls back only to loopback
// unless Config.ArtixCallbackNets widens it; a load naming another
// address is answered, gets no callbacks, and a warning says why.
func TestArtixCallbacksLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		addr string
		nets []netip.Prefix
		err  string // "" allowed
	}{
		{"127.0.0.1:15080", nil, ""},
		{"[::1]:15080", nil, ""},
		{"localhost:15080", nil, ""},
		{"10.1.2.3:15080", nil, "not on loopback"},
		{"169.254.169.254:80", nil, "not on loopback"},
		{"cash-server.example:8080", nil, "not on loopback"},
		{"10.1.2.3:15080", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, ""},
		{"192.168.1.1:15080", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "not on loopback"},
		{"127.0.0.1", nil, "host:port"},
		{"127.0.0.1:0", nil, "port"},
		{"http://127.0.0.1:1", nil, "host:port"},
	} {
		s := &Server{cfg: Config{ArtixCallbackNets: tc.nets}}
		err := s.checkCallbackAddress(tc.addr)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s (nets %v): refused: %v", tc.addr, tc.nets, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s (nets %v): got %v, want an error with %q", tc.addr, tc.nets, err, tc.err)
		}
	}
	logger, logs := infoLogger()
	srv := NewServer(t, Config{Logger: logger})
	load(t, srv, "10.1.2.3:15080")
	// The callbacks (and so the warning) come after the reply is flushed.
	waitFor(t, "a warning for a callback address off loopback", func() bool {
		return strings.Contains(logs.String(), "level=WARN msg=\"mock artix status callbacks not sent\" addressstatusserver=10.1.2.3:15080")
	})
	// A name is checked as dialled: one that resolves off loopback fails.
	c := newCallbackClient(nil)
	if _, err := c.Get("http://" + strings.Replace(freeAddr(t), "127.0.0.1", "10.255.255.1", 1)); err == nil || !strings.Contains(err.Error(), "not on loopback") {
		t.Errorf("dialling 10.255.255.1: %v, want a refusal", err)
	}
}

// TestArtixCallbacksBounded: 3 000 loads whose receiver never answers do
// not make 12 000 goroutines: at most MaxArtixCallbackRuns send at once,
// MaxArtixCallbackQueue wait, and the rest are dropped with a warning.
func TestArtixCallbacksBounded(t *testing.T) {
	release := make(chan struct{})
	var arrived atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		<-release
	}))
	defer recv.Close()
	defer close(release)
	logger, logs := infoLogger()
	srv := NewServer(t, Config{Logger: logger})
	base := runtime.NumGoroutine()
	addr := strings.TrimPrefix(recv.URL, "http://")
	client := &http.Client{}
	for i := range 3000 {
		resp, err := client.Post(srv.ArtixURL+"/aifexchange/loaddicts?dictionaryid=d&addressstatusserver="+addr, "application/json", strings.NewReader(`[]`))
		if err != nil {
			t.Fatalf("load %d: %v", i, err)
		}
		resp.Body.Close()
	}
	waitFor(t, "the first callbacks", func() bool { return arrived.Load() >= MaxArtixCallbackRuns })
	// Each running callback holds a worker, a client connection (two
	// goroutines) and a receiver connection (one or two).
	t.Logf("goroutines after 3 000 loads: %d more than before (%d callbacks in flight)", runtime.NumGoroutine()-base, arrived.Load())
	if n, limit := runtime.NumGoroutine()-base, 5*MaxArtixCallbackRuns+20; n > limit {
		t.Errorf("%d goroutines more than before 3 000 loads, want at most %d", n, limit)
	}
	if got := arrived.Load(); got > MaxArtixCallbackRuns {
		t.Errorf("%d callbacks in flight, want at most %d", got, MaxArtixCallbackRuns)
	}
	if !strings.Contains(logs.String(), "mock artix status callbacks dropped") {
		t.Error("no warning for the loads past the queue")
	}
}

// TestArtixCallbacksEndWithTenant: DeleteTenant stops the tenant's
// callbacks, and Server.Close its tenants': none arrives once it returned.
func TestArtixCallbacksEndWithTenant(t *testing.T) {
	for _, how := range []string{"DeleteTenant", "Close"} {
		t.Run(how, func(t *testing.T) {
			var arrived atomic.Int64
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				arrived.Add(1)
				w.Write([]byte(`"s"`))
			}))
			defer recv.Close()
			srv, err := Start(Config{ArtixCashLoadGap: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			ten, err := srv.NewTenant("")
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodPost, srv.ArtixURL+"/aifexchange/loaddicts?dictionaryid=1&shopcode="+ten.ArtixShopCode+"&addressstatusserver="+strings.TrimPrefix(recv.URL, "http://"), strings.NewReader(`[]`))
			req.SetBasicAuth(ten.ArtixShopCode, ten.ArtixPassword)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("tenant load: HTTP %d", resp.StatusCode)
			}
			// The back-office callbacks come, then the hour-long gap.
			waitFor(t, "the back-office callbacks", func() bool { return arrived.Load() == 2 })
			done := make(chan struct{})
			go func() {
				if how == "Close" {
					srv.Close()
				} else {
					srv.DeleteTenant(ten.ID)
				}
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s did not return while a tenant's callbacks were pending", how)
			}
			if n := arrived.Load(); n != 2 {
				t.Errorf("%d callbacks, want the 2 before %s", n, how)
			}
			if how == "DeleteTenant" && ten.srv.ax.cb.start(func(context.Context) {}) {
				t.Error("a deleted tenant can still start callbacks")
			}
		})
	}
}
