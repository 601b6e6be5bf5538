package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/testutil"
)

// sharedReceiver is one receiver on loopback with a debug log.
func sharedReceiver(t *testing.T, opts ...loyalty.ArtixReceiverOption) (*loyalty.ArtixStatusReceiver, *testutil.SyncBuffer) {
	t.Helper()
	logs := &testutil.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rcv, err := loyalty.ListenArtixStatusReceiver("127.0.0.1:0", "", logger, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rcv.Close() })
	return rcv, logs
}

// registerClient is a client of one register's exchanger, waiting for
// confirmation through rcv.
func registerClient(t *testing.T, fx *fakeExchanger, rcv *loyalty.ArtixStatusReceiver, shop string, opts ...loyalty.ArtixOption) *loyalty.Artix {
	t.Helper()
	opts = append([]loyalty.ArtixOption{loyalty.WithArtixShopCode(shop), loyalty.WithoutRetries(),
		loyalty.WithLoadConfirmation(rcv, 1)}, opts...)
	ax, err := loyalty.NewArtix(fx.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ax
}

type sendResult struct {
	res *loyalty.ArtixLoadResult
	err error
}

func sendAsync(ctx context.Context, ax *loyalty.Artix, id string) chan sendResult {
	ch := make(chan sendResult, 1)
	go func() {
		res, err := ax.SendBatch(ctx, loyalty.ArtixBatch{ID: id, Commands: artixAdds(1)})
		ch <- sendResult{res, err}
	}()
	return ch
}

// TestArtixReceiverTwoRegistersOneShop: two registers of one shop report
// through one receiver, the slow one STATUS_ERROR and the fast one
// STATUS_READY; each batch gets its own register's result (issue 20 item
// 1: the slow one's batch was confirmed by the fast one's READY, and the
// fast one's failed with the slow one's message). Whether the registers
// have their own addresses, share one (the next batch is held until the
// first one's back-office state came) or skip the back-office POST (the
// dictionaryid in the PUT path, matched by source), with cash codes
// declared or a count.
func TestArtixReceiverTwoRegistersOneShop(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ip2    string
		codes  bool
		noPost bool
		sameID bool
	}{
		{"own addresses, cash codes", "127.0.0.2", true, false, false},
		{"own addresses, a count", "127.0.0.2", false, false, false},
		{"one address, a count", "127.0.0.1", false, false, false},
		{"one address, cash codes", "127.0.0.1", true, false, false},
		{"own addresses, no back-office POST", "127.0.0.2", false, true, false},
		{"own addresses, one batch id for both", "127.0.0.2", true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runTwoRegisters(t, twoRegisters{ip2: tc.ip2, codes: tc.codes, noPost: tc.noPost, sameID: tc.sameID, timeout: 20 * time.Second})
		})
	}
}

// twoRegisters is one shop's two registers reporting through one shared
// receiver: the slow one (127.0.0.1, cash 1) ends with STATUS_ERROR, the
// fast one (ip2, cash 2) with STATUS_READY.
type twoRegisters struct {
	ip2    string // the fast register's address (127.0.0.1: the slow one's)
	codes  bool   // the batches declare their cash codes (else a count)
	noPost bool   // the registers skip the back-office POST
	sameID bool   // both batches carry one dictionaryid
	// forge, if set, runs once the slow register has its load: at is the
	// receiver, dictID the slow batch's dictionaryid.
	forge   func(t *testing.T, at, dictID string)
	timeout time.Duration
}

// runTwoRegisters sends a batch to the slow register, then one to the
// fast, and checks that each batch gets its own register's result: the
// slow one's STATUS_ERROR with its message, the fast one's READY.
func runTwoRegisters(t *testing.T, tc twoRegisters) {
	t.Helper()
	rcv, _ := sharedReceiver(t)
	slow := newFakeExchanger(t, "127.0.0.1", "1", func(fx *fakeExchanger) {
		fx.delay, fx.final, fx.message, fx.noPost = 300*time.Millisecond, "STATUS_ERROR", "Нет места на диске", tc.noPost
	})
	fast := newFakeExchanger(t, tc.ip2, "2", func(fx *fakeExchanger) { fx.noPost = tc.noPost })
	var o1, o2 []loyalty.ArtixOption
	if tc.codes {
		o1, o2 = []loyalty.ArtixOption{loyalty.WithArtixCashCodes("1")}, []loyalty.ArtixOption{loyalty.WithArtixCashCodes("2")}
	}
	ax1 := registerClient(t, slow, rcv, "111", o1...)
	ax2 := registerClient(t, fast, rcv, "111", o2...)
	ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
	defer cancel()
	id1, id2 := "", ""
	if tc.sameID {
		id1, id2 = "sync-42", "sync-42"
	}
	r1 := sendAsync(ctx, ax1, id1)
	q := <-slow.got // the slow register's load is in before the fast one's
	if tc.forge != nil {
		tc.forge(t, rcv.Address(), q.Get("dictionaryid"))
	}
	r2 := sendAsync(ctx, ax2, id2)
	got1, got2 := <-r1, <-r2

	var le *loyalty.ArtixLoadError
	switch {
	case !errors.As(got1.err, &le):
		t.Errorf("slow register: want its own STATUS_ERROR as an *ArtixLoadError, got %v", got1.err)
	case errors.Is(got1.err, loyalty.ErrArtixNotConfirmed):
		t.Errorf("slow register: want its STATUS_ERROR, got a timeout: %v", got1.err)
	case len(le.Failed) != 1:
		t.Errorf("slow register: failed %+v, want cash 1's STATUS_ERROR alone", le.Failed)
	case le.Failed[0].Cash != "1":
		t.Errorf("slow register: failed %+v, want cash 1's", le.Failed)
	case le.Failed[0].Message != "Нет места на диске":
		t.Errorf("slow register: failed %+v, want the message %q", le.Failed, "Нет места на диске")
	}
	if got1.res == nil {
		t.Errorf("slow register: no result, want one (not loaded)")
	} else if got1.res.Loaded {
		t.Errorf("slow register: result %+v, want not loaded", got1.res)
	}
	if got2.err != nil {
		t.Fatalf("fast register: want loaded, got %v", got2.err)
	}
	switch {
	case !got2.res.Loaded:
		t.Errorf("fast register: result %+v, want loaded", got2.res)
	case len(got2.res.Cashes) != 1:
		t.Errorf("fast register: cashes %+v, want cash 2 alone", got2.res.Cashes)
	case got2.res.Cashes[0].Cash != "2":
		t.Errorf("fast register: cashes %+v, want cash 2", got2.res.Cashes)
	case got2.res.Cashes[0].Status != loyalty.ArtixStatusReady:
		t.Errorf("fast register: cashes %+v, want cash 2 %s", got2.res.Cashes, loyalty.ArtixStatusReady)
	}
}

// TestArtixReceiverManyShopsAndRegisters: eight registers of four shops
// (two addresses) share a receiver; every batch gets its own register's
// verdict (registers of odd cash codes fail).
func TestArtixReceiverManyShopsAndRegisters(t *testing.T) {
	rcv, _ := sharedReceiver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type reg struct {
		shop, cash string
		ax         *loyalty.Artix
	}
	var regs []reg
	for i := range 8 {
		cash := fmt.Sprint(i + 1)
		fx := newFakeExchanger(t, fmt.Sprintf("127.0.0.%d", 1+i%2), cash, func(fx *fakeExchanger) {
			fx.delay = time.Duration(i%3) * 50 * time.Millisecond
			if i%2 == 0 {
				fx.final, fx.message = "STATUS_ERROR", "отказ кассы "+cash
			}
		})
		shop := fmt.Sprint(100 + i%4)
		regs = append(regs, reg{shop, cash, registerClient(t, fx, rcv, shop, loyalty.WithArtixCashCodes(cash))})
	}
	var wg sync.WaitGroup
	for i, r := range regs {
		wg.Go(func() {
			_, err := r.ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: artixAdds(1)})
			var le *loyalty.ArtixLoadError
			switch {
			case i%2 == 1 && err != nil:
				t.Errorf("shop %s cash %s: want loaded, got %v", r.shop, r.cash, err)
			case i%2 == 0 && (!errors.As(err, &le) || len(le.Failed) != 1 || le.Failed[0].Message != "отказ кассы "+r.cash):
				t.Errorf("shop %s cash %s: want its own STATUS_ERROR, got %v", r.shop, r.cash, err)
			}
		})
	}
	wg.Wait()
}

// TestArtixReceiverForgedCallbacks: someone who can reach the receiver and
// knows the shop code and even the dictionaryid cannot confirm or fail a
// batch (issue 20 item 2): a back-office POST from another address gets an
// id no batch has; PUTs naming that id, or the dictionaryid from another
// address, or another shop, or a cash code not declared, do not count; a
// STATUS_DURING from an unknown cash holds nothing. The batch ends with
// its own register's STATUS_ERROR.
func TestArtixReceiverForgedCallbacks(t *testing.T) {
	for _, codes := range []bool{true, false} {
		t.Run(fmt.Sprintf("cash codes %v", codes), func(t *testing.T) {
			rcv, logs := sharedReceiver(t)
			fx := newFakeExchanger(t, "127.0.0.1", "1", func(fx *fakeExchanger) {
				fx.delay, fx.final, fx.message = 400*time.Millisecond, "STATUS_ERROR", "настоящая ошибка"
			})
			var opts []loyalty.ArtixOption
			if codes {
				opts = append(opts, loyalty.WithArtixCashCodes("1"))
			}
			ax := registerClient(t, fx, rcv, "111", opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r := sendAsync(ctx, ax, "")
			q := <-fx.got
			dictID := q.Get("dictionaryid")
			f := newForger("127.0.0.3")
			at := rcv.Address()
			status, reply := f.send(t, http.MethodPost, at, "backOfficeState/111", "STATUS_DURING")
			if status != http.StatusOK || strings.Contains(reply, dictID) {
				t.Errorf("forged POST: %d %s; want 200 with an id that is not the batch's", status, reply)
			}
			stolen := strings.Trim(reply, `"`)
			for _, path := range []string{
				"cashLoad/111/1/" + stolen, "backOfficeState/111/" + stolen,
				"cashLoad/111/1/" + dictID, "backOfficeState/111/" + dictID,
			} {
				for _, st := range []string{"STATUS_READY", "STATUS_ERROR"} {
					if status, _ := f.send(t, http.MethodPut, at, path, st); status == http.StatusOK {
						t.Errorf("forged PUT %s %s: 200, want it refused", path, st)
					}
				}
			}
			// From the register's own address: another shop, an unknown cash.
			local := newForger("127.0.0.1")
			if status, _ := local.send(t, http.MethodPut, at, "cashLoad/222/1/"+dictID, "STATUS_READY"); status == http.StatusOK {
				t.Error("a PUT for another shop counted")
			}
			local.send(t, http.MethodPut, at, "cashLoad/111/999/"+dictID, "STATUS_DURING")
			got := <-r
			var le *loyalty.ArtixLoadError
			if !errors.As(got.err, &le) || errors.Is(got.err, loyalty.ErrArtixNotConfirmed) {
				t.Fatalf("want the register's own STATUS_ERROR, got %v", got.err)
			}
			if len(le.Failed) != 1 || le.Failed[0].Cash != "1" || le.Failed[0].Message != "настоящая ошибка" {
				t.Errorf("failed %+v, want cash 1's real error alone", le.Failed)
			}
			for _, c := range got.res.Cashes {
				if c.Cash == "999" && codes {
					t.Errorf("cash 999, not declared, is in the result: %+v", got.res.Cashes)
				}
			}
			if !strings.Contains(logs.String(), "does not count") {
				t.Errorf("no debug record of a callback that did not count:\n%s", logs)
			}
		})
	}
}

// TestArtixReceiverRefusesToGuess: a back-office POST from an address
// that is not the batch's register confirms nothing, even when it is the
// only POST of that shop; a batch whose register never calls back ends
// with ErrArtixNotConfirmed, and its error says which callback was not
// counted and why.
func TestArtixReceiverRefusesToGuess(t *testing.T) {
	rcv, _ := sharedReceiver(t)
	dead := newFakeExchanger(t, "127.0.0.1", "1", func(fx *fakeExchanger) { fx.silent = true })
	ax := registerClient(t, dead, rcv, "222")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	r := sendAsync(ctx, ax, "")
	<-dead.got
	f := newForger("127.0.0.4")
	_, reply := f.send(t, http.MethodPost, rcv.Address(), "backOfficeState/222", "STATUS_DURING")
	f.send(t, http.MethodPut, rcv.Address(), "cashLoad/222/1/"+strings.Trim(reply, `"`), "STATUS_READY")
	got := <-r
	var le *loyalty.ArtixLoadError
	if !errors.As(got.err, &le) || !errors.Is(got.err, loyalty.ErrArtixNotConfirmed) {
		t.Fatalf("want an *ArtixLoadError matching ErrArtixNotConfirmed, got %v", got.err)
	}
	if len(le.Unmatched) == 0 || !strings.Contains(got.err.Error(), "127.0.0.4") {
		t.Errorf("unmatched %q, error %q: want the POST from 127.0.0.4 named", le.Unmatched, got.err)
	}
}

// TestArtixReceiverDripIsCut: a client that sends a callback's headers and
// then its body a byte at a time is cut off at the read timeout, whether
// the receiver runs its own listener or is mounted in a server without
// timeouts (issue 20 item 4: 800 such connections were held forever).
func TestArtixReceiverDripIsCut(t *testing.T) {
	own, _ := sharedReceiver(t, loyalty.WithReceiverReadTimeout(300*time.Millisecond))
	mountedRcv, err := loyalty.NewArtixStatusReceiver("127.0.0.1:1", nil, loyalty.WithReceiverReadTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	mounted := httptest.NewServer(mountedRcv)
	defer mounted.Close()
	for name, addr := range map[string]string{"own listener": own.Address(), "mounted": strings.TrimPrefix(mounted.URL, "http://")} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "PUT /CSrest/rest/dicts/cashLoad/111/1/x HTTP/1.1\r\nHost: r\r\nContent-Length: 1000\r\n\r\n{")
			start := time.Now()
			buf := make([]byte, 1)
			for time.Since(start) < 5*time.Second {
				conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				if _, err := conn.Write([]byte(" ")); err != nil {
					break
				}
				if _, err := conn.Read(buf); err != nil && !errors.Is(err, errTimeout(err)) {
					break
				}
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the dripping connection was held %v, want it cut after the 300ms read timeout", d)
			}
		})
	}
}

// errTimeout returns err when it is a timeout (the read deadline of the
// probe), so that errors.Is matches only timeouts.
func errTimeout(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return err
	}
	return errors.New("not a timeout")
}

// TestArtixReceiverCashCodeCap: a flood of PUTs with new cash codes grows
// a wait by at most ArtixMaxCashCodes codes, and the error stays short
// (issue 20 item 4: 3 000 codes grew one wait by 188 MiB and made a
// 692 KB error string).
func TestArtixReceiverCashCodeCap(t *testing.T) {
	rcv, _ := sharedReceiver(t)
	fx := newFakeExchanger(t, "127.0.0.1", "1", func(fx *fakeExchanger) { fx.silent = true })
	ax, err := loyalty.NewArtix(fx.URL, loyalty.WithArtixShopCode("111"), loyalty.WithoutRetries(),
		loyalty.WithLoadConfirmation(rcv, loyalty.ArtixMaxCashCodes))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := sendAsync(ctx, ax, "cap-1")
	<-fx.got
	f := newForger("127.0.0.1")
	long := strings.Repeat("x", 60)
	for i := range loyalty.ArtixMaxCashCodes + 100 {
		f.send(t, http.MethodPut, rcv.Address(), fmt.Sprintf("cashLoad/111/%s%d/cap-1", long, i), "STATUS_DURING")
	}
	cancel()
	got := <-r
	var le *loyalty.ArtixLoadError
	if !errors.As(got.err, &le) {
		t.Fatalf("want an *ArtixLoadError, got %v", got.err)
	}
	if n := len(got.res.Cashes); n > loyalty.ArtixMaxCashCodes {
		t.Errorf("%d cash codes kept, want at most %d", n, loyalty.ArtixMaxCashCodes)
	}
	if n := len(got.err.Error()); n > 4096 {
		t.Errorf("error of %d bytes, want at most 4096", n)
	}
	if !strings.Contains(got.err.Error(), "and ") {
		t.Errorf("error %q does not say more were not shown", got.err)
	}
}

// TestArtixReceiverZeroValue: a zero ArtixStatusReceiver never panics
// (issue 20 item 9): its handler answers 500, Address is "", Close nil,
// and WithLoadConfirmation refuses it with a *ConfigError.
func TestArtixReceiverZeroValue(t *testing.T) {
	var z loyalty.ArtixStatusReceiver
	rec := httptest.NewRecorder()
	z.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/CSrest/rest/dicts/backOfficeState/1", strings.NewReader(`{"status":"STATUS_DURING"}`)))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("ServeHTTP: %d, want 500", rec.Code)
	}
	if z.Address() != "" || z.Close() != nil {
		t.Errorf("Address %q, Close %v; want \"\" and nil", z.Address(), z.Close())
	}
	var nilRcv *loyalty.ArtixStatusReceiver
	if nilRcv.Address() != "" {
		t.Error("a nil receiver's Address or Close is not empty", "; want nilRcv.Address() == \"\"")
	} else if nilRcv.Close() != nil {
		t.Error("a nil receiver's Address or Close is not empty", "; want nilRcv.Close() == nil")
	}
	_, err := loyalty.NewArtix("http://kassa-1:28080", loyalty.WithArtixShopCode("1"), loyalty.WithLoadConfirmation(new(loyalty.ArtixStatusReceiver), 1))
	var ce *loyalty.ConfigError
	if !errors.As(err, &ce) {
		t.Errorf("WithLoadConfirmation(zero receiver): want *ConfigError, got %v", err)
	}
}

// TestArtixReceiverCashCodeEscaped: a cash code that is not plain text
// never reaches a log line or an error unescaped (issue 20 item 11): the
// receiver refuses it (400), and ArtixLoadError.Error quotes it.
func TestArtixReceiverCashCodeEscaped(t *testing.T) {
	rcv, _ := sharedReceiver(t)
	f := newForger("127.0.0.1")
	if status, _ := f.send(t, http.MethodPut, rcv.Address(), "cashLoad/111/1%0Alevel=ERROR%20msg=forged/x", "STATUS_ERROR"); status != http.StatusBadRequest {
		t.Errorf("a cash code with a line break: %d, want 400", status)
	}
	le := &loyalty.ArtixLoadError{Shop: "1", ID: "x", Failed: []loyalty.ArtixCashStatus{
		{Cash: "1\nlevel=ERROR msg=forged", Status: loyalty.ArtixStatusError, Message: "a\x1b[31mred"}}}
	if s := le.Error(); strings.ContainsAny(s, "\n\x1b") {
		t.Errorf("Error() %q holds a line break or an escape character", s)
	}
}

// TestArtixReceiverSameIDTwice: the same ArtixBatch.ID sent twice at once
// to one register is refused the second time (a *ValidationError, nothing
// sent), never a lost wait (issue 20 item 12); sent to two registers it is
// shared (TestArtixReceiverTwoRegistersOneShop, "one batch id for both").
func TestArtixReceiverSameIDTwice(t *testing.T) {
	rcv, _ := sharedReceiver(t)
	fx := newFakeExchanger(t, "127.0.0.1", "1", func(fx *fakeExchanger) { fx.delay = 200 * time.Millisecond })
	ax := registerClient(t, fx, rcv, "111")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r1 := sendAsync(ctx, ax, "twice")
	<-fx.got
	_, err := ax.SendBatch(ctx, loyalty.ArtixBatch{ID: "twice", Commands: artixAdds(1)})
	var ve *loyalty.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("the second send: want *ValidationError, got %v", err)
	}
	if got := <-r1; got.err != nil || !got.res.Loaded {
		t.Errorf("the first send: want loaded, got %+v %v", got.res, got.err)
	}
	fx.mu.Lock()
	n := len(fx.loads)
	fx.mu.Unlock()
	if n != 1 {
		t.Errorf("the exchanger got %d loads, want 1", n)
	}
}

// TestArtixReceiverAllow: with WithReceiverAllow callbacks from elsewhere
// are answered 403.
func TestArtixReceiverAllow(t *testing.T) {
	rcv, _ := sharedReceiver(t, loyalty.WithReceiverAllow(mustPrefix(t, "127.0.0.1/32")))
	if status, _ := newForger("127.0.0.5").send(t, http.MethodPost, rcv.Address(), "backOfficeState/1", "STATUS_DURING"); status != http.StatusForbidden {
		t.Errorf("from 127.0.0.5: %d, want 403", status)
	}
	if status, _ := newForger("127.0.0.1").send(t, http.MethodPost, rcv.Address(), "backOfficeState/1", "STATUS_DURING"); status != http.StatusOK {
		t.Errorf("from 127.0.0.1: %d, want 200", status)
	}
}

func mustPrefix(t *testing.T, s string) netip.Prefix {
	t.Helper()
	p, err := netip.ParsePrefix(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestArtixCashCodesConfig: WithArtixCashCodes refuses no codes, a
// repeated or malformed code, a use without WithLoadConfirmation, and a
// count above the codes.
func TestArtixCashCodesConfig(t *testing.T) {
	rcv, _ := sharedReceiver(t)
	confirm := loyalty.WithLoadConfirmation(rcv, 1)
	shop := loyalty.WithArtixShopCode("1")
	for name, opts := range map[string][]loyalty.ArtixOption{
		"no codes":                {shop, confirm, loyalty.WithArtixCashCodes()},
		"repeated":                {shop, confirm, loyalty.WithArtixCashCodes("1", "1")},
		"a slash":                 {shop, confirm, loyalty.WithArtixCashCodes("1/2")},
		"too long":                {shop, confirm, loyalty.WithArtixCashCodes(strings.Repeat("1", 65))},
		"no WithLoadConfirmation": {shop, loyalty.WithArtixCashCodes("1")},
		"a count above the codes": {shop, loyalty.WithLoadConfirmation(rcv, 3), loyalty.WithArtixCashCodes("1", "2")},
		"a count above the bound": {shop, loyalty.WithLoadConfirmation(rcv, loyalty.ArtixMaxCashCodes+1)},
	} {
		_, err := loyalty.NewArtix("http://kassa-1:28080", opts...)
		var ce *loyalty.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: want *ConfigError, got %v", name, err)
		}
	}
}

// TestArtixLoadErrorNamesAtMostTen: Error names at most ten cash
// registers of each list, then says how many more there were.
func TestArtixLoadErrorNamesAtMostTen(t *testing.T) {
	var pending []loyalty.ArtixCashStatus
	var silent []string
	for i := range 12 {
		pending = append(pending, loyalty.ArtixCashStatus{Cash: fmt.Sprint(i + 1), Status: loyalty.ArtixStatusDuring})
		silent = append(silent, fmt.Sprint(i+21))
	}
	le := &loyalty.ArtixLoadError{Shop: "1", ID: "x", Pending: pending, NotReported: silent}
	got := le.Error()
	for _, want := range []string{
		"not finished: cash 1 " + string(loyalty.ArtixStatusDuring) + ", cash 2 ",
		"cash 10 " + string(loyalty.ArtixStatusDuring) + ", and 2 more; never reported: cash 21, 22,",
		"29, 30, and 2 more",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Error() = %q\nwant it to hold %q", got, want)
		}
	}
	if strings.Contains(got, "cash 11 ") || strings.Contains(got, ", 31") {
		t.Errorf("Error() = %q names an eleventh register", got)
	}
}
