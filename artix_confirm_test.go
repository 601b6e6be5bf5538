package loyalty_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/testutil"
	"github.com/loyaltykit/loyalty/mock"
)

// confirmingArtix is a mock with basic auth and a shop code, and a client
// that waits for load confirmation from a receiver on a free port.
func confirmingArtix(t *testing.T, cashes int) (*mock.Server, *loyalty.Artix, *loyalty.ArtixStatusReceiver, *testutil.SyncBuffer) {
	t.Helper()
	srv := mock.NewServer(t)
	srv.RequireArtixAuth("admin", "s3cret-pw")
	srv.RequireArtixShopCode("111")
	logs := &testutil.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rcv, err := loyalty.ListenArtixStatusReceiver("127.0.0.1:0", "", logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rcv.Close() })
	ax := srv.Artix(loyalty.WithLoadConfirmation(rcv, cashes), loyalty.WithLogger(logger))
	return srv, ax, rcv, logs
}

// TestArtixLoadConfirmed: with WithLoadConfirmation a load names the
// receiver (addressstatusserver, host:port without a scheme) and Send
// returns once every cash register reported STATUS_READY; the result has
// each one's status.
func TestArtixLoadConfirmed(t *testing.T) {
	srv, ax, rcv, logs := confirmingArtix(t, 3)
	srv.SetArtixCashes(3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: artixAdds(5)})
	if err != nil {
		t.Fatalf("SendBatch: %v", err)
	}
	if !res.Queued {
		t.Fatalf("result %+v; want res.Queued", res)
	} else if !res.Loaded {
		t.Fatalf("result %+v; want res.Loaded", res)
	} else if len(res.Cashes) != 3 {
		t.Fatalf("result %+v; want len(res.Cashes) == 3", res)
	} else if res.Shop != "111" {
		t.Fatalf("result %+v; want res.Shop == \"111\"", res)
	}
	for i, c := range res.Cashes {
		if c.Cash != string(rune('1'+i)) {
			t.Errorf("cash %d: %+v; want c.Cash == string(rune('1' + i))", i, c)
		} else if c.Status != loyalty.ArtixStatusReady {
			t.Errorf("cash %d: %+v; want c.Status == loyalty.ArtixStatusReady", i, c)
		}
	}
	if res.BackOffice == nil {
		t.Errorf("back office %+v; want res.BackOffice != nil", res.BackOffice)
	} else if res.BackOffice.Status != loyalty.ArtixStatusReady {
		t.Errorf("back office %+v; want res.BackOffice.Status == loyalty.ArtixStatusReady", res.BackOffice)
	}
	r := srv.RequestsTo(mock.ArtixAPI)[0]
	if got := r.Query.Get("addressstatusserver"); got != rcv.Address() {
		t.Errorf("addressstatusserver %q, receiver at %q; want got == rcv.Address()", got, rcv.Address())
	} else if strings.Contains(got, "://") {
		t.Errorf("addressstatusserver %q, receiver at %q; want !strings.Contains(got, \"://\")", got, rcv.Address())
	}
	if strings.Contains(logs.String(), "s3cret-pw") {
		t.Error("the password is in the log")
	}
}

// TestArtixLoadCashError: a cash register reporting STATUS_ERROR (or
// READY_WITH_ERROR) ends the wait with an *ArtixLoadError naming the shop,
// the cash, the status and the message.
func TestArtixLoadCashError(t *testing.T) {
	for _, status := range []loyalty.ArtixLoadStatus{loyalty.ArtixStatusError, loyalty.ArtixStatusReadyWithError} {
		t.Run(string(status), func(t *testing.T) {
			srv, ax, _, _ := confirmingArtix(t, 3)
			srv.Fail(mock.Fault{API: mock.ArtixAPI, Callbacks: &mock.ArtixCallbacks{
				Cashes: 3, Status: map[string]string{"2": string(status)}, Message: "нет места на диске"}})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := ax.Customers.Delete(ctx, "1")
			var le *loyalty.ArtixLoadError
			if !errors.As(err, &le) || le.Shop != "111" || len(le.Failed) != 1 || le.Failed[0].Cash != "2" ||
				le.Failed[0].Status != status || errors.Is(err, loyalty.ErrArtixNotConfirmed) {
				t.Fatalf("want an *ArtixLoadError for cash 2, got %v (%+v)", err, le)
			}
			for _, want := range []string{"shop 111", "cash 2", string(status), "нет места на диске"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if len(le.Result.Cashes) != 3 {
				t.Errorf("result %+v", le.Result)
			}
		})
	}
}

// TestArtixLoadNotConfirmed: callbacks that never come end the wait with
// the context: an *ArtixLoadError matching ErrArtixNotConfirmed and the
// context's error; the batch was queued (it is applied on the mock).
func TestArtixLoadNotConfirmed(t *testing.T) {
	srv, ax, _, _ := confirmingArtix(t, 1)
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Callbacks: &mock.ArtixCallbacks{Never: true}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: artixAdds(1)})
	var le *loyalty.ArtixLoadError
	if !errors.As(err, &le) || !errors.Is(err, loyalty.ErrArtixNotConfirmed) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want ErrArtixNotConfirmed, got %v", err)
	}
	if res == nil {
		t.Errorf("result %+v, %d clients; want res != nil", res, srv.ArtixCustomerCount())
	} else if !res.Queued {
		t.Errorf("result %+v, %d clients; want res.Queued", res, srv.ArtixCustomerCount())
	} else if res.Loaded {
		t.Errorf("result %+v, %d clients; want !res.Loaded", res, srv.ArtixCustomerCount())
	} else if srv.ArtixCustomerCount() != 1 {
		t.Errorf("result %+v, %d clients; want srv.ArtixCustomerCount() == 1", res, srv.ArtixCustomerCount())
	}
	for _, want := range []string{"queued but its load was not confirmed", "no cash register reported (1 waited for)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if le.Missing != 1 || len(le.Pending) != 0 {
		t.Errorf("missing %d, pending %+v; want 1 and none", le.Missing, le.Pending)
	}
}

// TestArtixLoadConcurrentBatches: batches waiting at once through one
// receiver are told apart; a slow one blocks no other.
func TestArtixLoadConcurrentBatches(t *testing.T) {
	srv, ax, _, _ := confirmingArtix(t, 1)
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Callbacks: &mock.ArtixCallbacks{Delay: 200 * time.Millisecond}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- ax.Customers.Delete(ctx, "x") })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestArtixStatusReceiverBadCallbacks: an unknown id, a malformed body, a
// callback after its wait ended, a wrong method are answered (404, 400,
// 200, 405), logged at debug, and never panic.
func TestArtixStatusReceiverBadCallbacks(t *testing.T) {
	_, ax, rcv, logs := confirmingArtix(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := ax.SendBatch(ctx, loyalty.ArtixBatch{ID: "done-1", Commands: artixAdds(1)})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + rcv.Address() + "/CSrest/rest/dicts/"
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"PUT", "cashLoad/111/1/nosuch", `{"status":"STATUS_READY"}`, 404},
		{"PUT", "cashLoad/111/1/" + res.ID, `{"status":"STATUS_ERROR"}`, 200},
		{"PUT", "cashLoad/111/1/" + res.ID, `{"status":`, 400},
		{"PUT", "backOfficeState/111/" + res.ID, `[1,2]`, 400},
		{"PUT", "cashLoad/111/1/x", strings.Repeat("x", 1<<20), 400},
		{"POST", "backOfficeState/999", `{"status":"STATUS_DURING"}`, 200},
		{"GET", "cashLoad/111/1/x", ``, 405},
	} {
		req, _ := http.NewRequestWithContext(ctx, tc.method, base+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
	for _, want := range []string{"unknown id", "malformed", "after its wait ended"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no debug record with %q:\n%s", want, logs)
		}
	}
}

// TestArtixStatusReceiverConfig: a listener that cannot bind, an address
// with a scheme, a receiver without a shop code are *ConfigErrors.
func TestArtixStatusReceiverConfig(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var ce *loyalty.ConfigError
	if _, err := loyalty.ListenArtixStatusReceiver(ln.Addr().String(), "", nil); !errors.As(err, &ce) {
		t.Errorf("port in use: want *ConfigError, got %v", err)
	}
	if _, err := loyalty.ListenArtixStatusReceiver("0.0.0.0:0", "", nil); !errors.As(err, &ce) {
		t.Errorf("every interface, no address: want *ConfigError, got %v", err)
	}
	for _, addr := range []string{"http://10.0.0.5:15080", "10.0.0.5", ":15080", "h:0"} {
		if _, err := loyalty.NewArtixStatusReceiver(addr, nil); !errors.As(err, &ce) {
			t.Errorf("%q: want *ConfigError, got %v", addr, err)
		}
	}
	rcv, err := loyalty.NewArtixStatusReceiver("10.0.0.5:15080", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loyalty.NewArtix("http://kassa-1:28080", loyalty.WithLoadConfirmation(rcv, 1)); !errors.As(err, &ce) {
		t.Errorf("no shop code: want *ConfigError, got %v", err)
	}
}

// TestArtixLoadNotConfirmedSaysWhichCashes: when the wait ends before the
// load does, the error says which cash registers did not finish (their
// last state) and how many of those waited for never reported at all.
func TestArtixLoadNotConfirmedSaysWhichCashes(t *testing.T) {
	srv := mock.NewServer(t)
	srv.RequireArtixShopCode("111")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hs := httptest.NewUnstartedServer(nil)
	rcv, err := loyalty.NewArtixStatusReceiver(hs.Listener.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The wait ends once cash 3 has said it is loading (cashes 1 and 2
	// reported before it: the mock calls back cash by cash) and the load's
	// reply has been read: the callbacks may overtake the reply, and a
	// cancel before it would end the POST itself, not the wait.
	replied := make(chan struct{})
	var once sync.Once
	observe := loyalty.WithObserver(func(_ context.Context, e loyalty.Event) {
		if e.Kind == loyalty.EventOutcome && e.Method == http.MethodPost {
			once.Do(func() { close(replied) })
		}
	})
	hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rcv.ServeHTTP(w, r)
		if strings.Contains(r.URL.Path, "/cashLoad/111/3/") {
			go func() { <-replied; cancel() }()
		}
	})
	hs.Start()
	defer hs.Close()
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Callbacks: &mock.ArtixCallbacks{Cashes: 3, Silent: []string{"3"}}})
	ax := srv.Artix(loyalty.WithLoadConfirmation(rcv, 4), observe)
	res, err := ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: artixAdds(2)})
	var le *loyalty.ArtixLoadError
	if !errors.As(err, &le) || !errors.Is(err, loyalty.ErrArtixNotConfirmed) {
		t.Fatalf("want an *ArtixLoadError matching ErrArtixNotConfirmed, got %v", err)
	}
	if len(le.Pending) != 1 || le.Pending[0].Cash != "3" || le.Pending[0].Status != loyalty.ArtixStatusDuring || le.Missing != 1 {
		t.Errorf("pending %+v, missing %d; want cash 3 loading and 1 never heard from", le.Pending, le.Missing)
	}
	for _, want := range []string{"cash 3 " + string(loyalty.ArtixStatusDuring), "1 more cash register(s) never reported", "queued"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if res == nil {
		t.Errorf("result %+v, %d clients on the mock; want res != nil", res, srv.ArtixCustomerCount())
	} else if !res.Queued {
		t.Errorf("result %+v, %d clients on the mock; want res.Queued", res, srv.ArtixCustomerCount())
	} else if res.Loaded {
		t.Errorf("result %+v, %d clients on the mock; want !res.Loaded", res, srv.ArtixCustomerCount())
	} else if len(res.Cashes) != 3 {
		t.Errorf("result %+v, %d clients on the mock; want len(res.Cashes) == 3", res, srv.ArtixCustomerCount())
	} else if srv.ArtixCustomerCount() != 2 {
		t.Errorf("result %+v, %d clients on the mock; want srv.ArtixCustomerCount() == 2", res, srv.ArtixCustomerCount())
	}
}
