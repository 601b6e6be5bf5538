package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// The chaos matrix: every fault the mock can inject, against every kind of
// call of the three APIs, over real sockets. Each row is one fault and says
// what each kind of call must do under it; the rows are the retry policy
// of docs/reliability.md.
//
// The kinds of call:
//
//   - read: GETs (VirtPOS customers, CRM contacts), always safe to repeat.
//   - idem: writes the client marks idempotent (VirtPOS Customers.Update,
//     Cards.Update with CreateIfNotExist by uid): a repeat leaves the same
//     state.
//   - once: writes that are NOT safe to repeat (VirtPOS Customers.Create,
//     Cards.Insert, CRM CreateContact, BindVirtualCard): never repeated
//     after an ambiguous failure.
//   - batch: Artix batches: idempotent, and the spec defines no reply body,
//     so any 2xx that is not an HTML page is a success.

// Chaos clients: fast retries with a 50 ms cap on every wait (Retry-After
// included), and a 64 KiB response limit.
const (
	chaosRetries  = 3
	chaosMaxWait  = 50 * time.Millisecond
	chaosMaxBytes = 64 << 10
	// chaosDeadline is the context deadline of the "slower than the
	// deadline" row; every other call has chaosSanity.
	chaosDeadline = 200 * time.Millisecond
	chaosSanity   = 5 * time.Second
	// chaosStall is the response timeout of the "never answers" row.
	chaosStall = 2 * time.Second
	// chaosMargin is how long after its deadline a call may return (2 CPUs,
	// -race).
	chaosMargin = 500 * time.Millisecond
	// chaosCapped bounds a call whose Retry-After (30 s) must be capped.
	chaosCapped = 2 * time.Second
)

// Canary secrets: the matrix runs with them and no error, log record or
// %+v of a returned value may contain them (see also redact_test.go).
const (
	canaryAPIKey   = "canary-apikey-Zq81xVb3"
	canaryPassword = "canary-pass-Kw72Lmn0"
	canaryUser     = "chaos-admin"
)

// chaosRow is one fault and the outcome it must have for each kind of call.
type chaosRow struct {
	name  string
	fault mock.Fault
	// perAPI replaces fault for one API (the API's own error bodies).
	perAPI   map[mock.API]mock.Fault
	deadline time.Duration // 0: chaosSanity
	capped   bool          // the call must return within chaosCapped

	read, idem, once, batch outcome
	// opts are added to the cell's clients' options.
	opts []loyalty.HTTPOption
	// stream is the outcome of a streamed read when it differs from read:
	// a streamed body is decoded as it arrives, so a cut in it cannot be
	// retried.
	stream *outcome
	// except replaces the outcome of one API's calls of a kind ("read",
	// "stream", …) where that API behaves differently.
	except map[mock.API]map[string]outcome
}

const htmlPage = "<html><head><title>Maintenance</title></head><body>Back soon</body></html>"

func chaosMatrix() []chaosRow {
	retryDate := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	return []chaosRow{
		{name: "500 once", fault: mock.Fault{Status: 500},
			read: succeeds(2), idem: succeeds(2), once: apiErr(500, 1, 0), batch: succeeds(2)},
		{name: "500 after the write took effect", fault: mock.Fault{Status: 500, AfterApply: true},
			read: succeeds(2), idem: succeeds(2), once: apiErr(500, 1, 1), batch: succeeds(2)},
		{name: "500 until retries run out", fault: mock.Fault{Status: 500, Times: -1},
			read: apiErr(500, 4, 0), idem: apiErr(500, 4, 0), once: apiErr(500, 1, 0), batch: apiErr(500, 4, 0)},
		{name: "502 HTML page from a proxy", fault: mock.Fault{Status: 502, Times: -1},
			read: apiErr(502, 4, 0), idem: apiErr(502, 4, 0), once: apiErr(502, 1, 0), batch: apiErr(502, 4, 0)},
		{name: "503 Retry-After seconds, capped", fault: mock.Fault{Status: 503, RetryAfter: "30"}, capped: true,
			read: succeeds(2), idem: succeeds(2), once: apiErr(503, 1, 0), batch: succeeds(2)},
		{name: "503 Retry-After HTTP-date, capped", fault: mock.Fault{Status: 503, RetryAfter: retryDate}, capped: true,
			read: succeeds(2), idem: succeeds(2), once: apiErr(503, 1, 0), batch: succeeds(2)},
		{name: "429 Retry-After, capped", fault: mock.Fault{Status: 429, RetryAfter: "30"}, capped: true,
			read: succeeds(2), idem: succeeds(2), once: succeeds(2), batch: succeeds(2)},
		{name: "429 until retries run out", fault: mock.Fault{Status: 429, RetryAfter: "1", Times: -1}, capped: true,
			read: apiErr(429, 4, 0), idem: apiErr(429, 4, 0), once: apiErr(429, 4, 0), batch: apiErr(429, 4, 0)},
		{name: "connection reset before the response", fault: mock.Fault{Reset: true},
			read: succeeds(2), idem: succeeds(2), once: requestErr(1, 0), batch: succeeds(2)},
		{name: "connection reset after the write took effect", fault: mock.Fault{Reset: true, AfterApply: true},
			read: succeeds(2), idem: succeeds(2), once: requestErr(1, 1), batch: succeeds(2)},
		{name: "slower than the deadline", fault: mock.Fault{Delay: 10 * time.Second, Times: -1}, deadline: chaosDeadline,
			read: deadlineErr(), idem: deadlineErr(), once: deadlineErr(), batch: deadlineErr()},
		{name: "accepts and never answers (ended by the response timeout)", fault: mock.Fault{Delay: 10 * time.Second},
			opts: []loyalty.HTTPOption{loyalty.WithResponseTimeout(chaosStall)},
			read: succeeds(2), idem: succeeds(2), once: stalled(-1), batch: succeeds(2)},
		{name: "truncated body", fault: mock.Fault{Truncate: true, AfterApply: true},
			// A stream (VirtPOS customers, the Artix directory) cut before
			// its first record is handed out is retried like a read.
			read: succeeds(2), idem: succeeds(2), once: apiErrIs(200, io.ErrUnexpectedEOF, 1, 1), batch: succeeds(2)},
		{name: "malformed XML/JSON", fault: mock.Fault{Malformed: true, AfterApply: true},
			// An Artix reply is read for its success now: a garbled one
			// does not say the batch was queued (safe to send again).
			read: apiErr(200, 1, 0), idem: apiErr(200, 1, 1), once: apiErr(200, 1, 1), batch: apiErr(200, 1, 1)},
		{name: "HTML page with HTTP 200", fault: mock.Fault{Status: 200, Body: htmlPage, ContentType: "text/html"},
			read: apiErr(200, 1, 0), idem: apiErr(200, 1, 0), once: apiErr(200, 1, 0), batch: apiErr(200, 1, 0)},
		{name: "the API's refusal (success=0, errors[] with 200; Artix 400)", perAPI: map[mock.API]mock.Fault{
			mock.VirtPOSAPI: {Status: 200, ContentType: "application/xml",
				Body: `<?xml version="1.0" encoding="UTF-8"?><root><success>0</success><info>Клиент не найден</info></root>`},
			mock.CRMAPI: {Status: 200, ContentType: "application/json",
				Body: `{"errors":[{"code":10010,"description":"Контакт не найден","internal_error_id":"e-1"}]}`},
			mock.ArtixAPI: {Status: 400, ContentType: "application/json", Body: `{"error":"idclient: refused","command":0}`},
		}, read: refusal(), idem: refusal(), once: refusal(), batch: refusal()},
		{name: "body over the size limit", fault: mock.Fault{BodySize: 2 * chaosMaxBytes, AfterApply: true},
			read: apiErrIs(200, loyalty.ErrResponseTooLarge, 1, 0), idem: apiErrIs(200, loyalty.ErrResponseTooLarge, 1, 1),
			once: apiErrIs(200, loyalty.ErrResponseTooLarge, 1, 1), batch: apiErrIs(200, loyalty.ErrResponseTooLarge, 1, 1)},
		{name: "the API's refusal in windows-1251 (VirtPOS XML declaration)", perAPI: map[mock.API]mock.Fault{
			mock.VirtPOSAPI: {Status: 200, ContentType: "application/xml",
				Body: `<?xml version="1.0" encoding="windows-1251"?><root><success>0</success><info>` +
					"\xca\xeb\xe8\xe5\xed\xf2 \xed\xe5 \xed\xe0\xe9\xe4\xe5\xed" + `</info></root>`}, // Клиент не найден
			mock.CRMAPI: {Status: 200, ContentType: "application/json",
				Body: `{"errors":[{"code":10010,"description":"Контакт не найден","internal_error_id":"e-1"}]}`},
			mock.ArtixAPI: {Status: 400, ContentType: "application/json", Body: `{"error":"idclient: refused","command":0}`},
		}, read: refusal(), idem: refusal(), once: refusal(), batch: refusal()},
		{name: "a number of tens of thousands of digits (refused before it is parsed)", perAPI: map[mock.API]mock.Fault{
			mock.VirtPOSAPI: {Status: 200, ContentType: "application/xml",
				Body: `<root><success>1</success><id>` + strings.Repeat("9", 30000) + `</id><customers><customer><id>1</id><accumulated_sales>` +
					strings.Repeat("9", 30000) + `</accumulated_sales></customer></customers></root>`},
			mock.CRMAPI:   {Status: 200, ContentType: "application/json", Body: `{"balance":` + strings.Repeat("9", 60000) + `}`},
			mock.ArtixAPI: {Status: 400, ContentType: "application/json", Body: `{"error":"idclient: refused","command":0}`},
		}, read: apiErrSays(200, "longer than"), idem: apiErrSays(200, "longer than"), once: apiErrSays(200, "longer than"), batch: refusal(),
			except: map[mock.API]map[string]outcome{mock.ArtixAPI: {"read": refusal(), "stream": refusal()}}},
		{name: "wrong Content-Type on a good body", fault: mock.Fault{ContentType: "text/plain; charset=windows-1251"},
			read: succeeds(1), idem: succeeds(1), once: succeeds(1), batch: succeeds(1)},
	}
}

// wantFor is the outcome of api's calls of kind: except, else want.
func (r *chaosRow) wantFor(api mock.API, kind string) outcome {
	if o, ok := r.except[api][kind]; ok {
		return o
	}
	return r.want(kind)
}

func (r *chaosRow) want(kind string) outcome {
	switch kind {
	case "stream":
		if r.stream != nil {
			return *r.stream
		}
		return r.read
	case "read":
		return r.read
	case "idem":
		return r.idem
	case "once":
		return r.once
	}
	return r.batch
}

func TestChaosMatrix(t *testing.T) {
	t.Parallel()
	for _, row := range chaosMatrix() {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			for _, op := range chaosOps() {
				t.Run(op.name, func(t *testing.T) {
					t.Parallel()
					runChaosCell(t, row, op)
				})
			}
		})
	}
}

func runChaosCell(t *testing.T, row chaosRow, op chaosOp) {
	want := row.wantFor(op.api, op.kind)
	e := newChaosEnv(t, row.opts...)
	if op.prepare != nil {
		op.prepare(t, e)
	}
	f := row.fault
	if pf, ok := row.perAPI[op.api]; ok {
		f = pf
	}
	f.API = op.api
	e.srv.Fail(f)
	seen := len(e.srv.Requests())

	deadline := row.deadline
	if deadline == 0 {
		deadline = chaosSanity
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	var got any
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("panic: %v", p)
			}
		}()
		got, err = op.run(ctx, e)
	}()
	elapsed := time.Since(start)
	e.srv.ClearFaults()
	attempts := e.attemptsSince(seen, op, want.attempts)

	// Within the deadline (plus a margin), and capped waits are capped.
	if elapsed > deadline+chaosMargin {
		t.Errorf("returned after %v, deadline %v", elapsed, deadline)
	}
	if row.capped && elapsed > chaosCapped {
		t.Errorf("returned after %v: Retry-After was not capped at %v", elapsed, chaosMaxWait)
	}

	// The outcome and the number of attempts.
	if want.ok {
		if err != nil {
			t.Fatalf("want success after %d attempt(s), got %v (Attempts(err) %d, the mock saw %d, after %v); the client logged:\n%s",
				want.attempts, err, loyalty.Attempts(err), attempts, elapsed, e.logs)
		}
		if attempts != want.attempts {
			t.Errorf("the mock saw %d attempt(s), want %d", attempts, want.attempts)
		}
	} else {
		if err == nil {
			t.Fatalf("want %s, got success (%v)", want.what, got)
		}
		if !want.check(err) {
			t.Fatalf("want %s, got %T: %v", want.what, err, err)
		}
		if n := loyalty.Attempts(err); n != want.attempts {
			t.Errorf("Attempts(err) = %d, want %d (%v)", n, want.attempts, err)
		}
		// A deadline can end an attempt before its request reaches the
		// mock (a TLS handshake on a loaded machine): fewer is fine then.
		if attempts != want.attempts && !(want.mayNotArrive && attempts < want.attempts) {
			t.Errorf("the mock saw %d attempt(s), want %d", attempts, want.attempts)
		}
	}

	// Nothing duplicated: the write left as many records as it should.
	if op.applied != nil {
		n := op.applied(t, e)
		switch {
		case want.applied < 0 && (n < 0 || n > 1):
			t.Errorf("the mock holds %d records of the write, want 0 or 1", n)
		case want.applied >= 0 && n != want.applied:
			t.Errorf("the mock holds %d records of the write, want %d", n, want.applied)
		}
	}

	// Nothing secret leaked, anywhere.
	assertNoSecrets(t, e, err, got)
}

// attemptsSince is how many requests of op's API reached the mock after
// the first seen (for All, only the first page's). A request the client
// gave up on is journaled when the mock notices, so it waits (a little)
// for want of them.
func (e *chaosEnv) attemptsSince(seen int, op chaosOp, want int) int {
	first := "1" // the first page's number: VirtPOS pages from 1, the Cash Server from 0
	if op.api == mock.ArtixAPI {
		first = "0"
	}
	count := func() int {
		n := 0
		for _, r := range e.srv.Requests()[seen:] {
			if r.API != op.api || strings.Contains(op.name, "All") && r.Query.Get("page") != "" && r.Query.Get("page") != first {
				continue
			}
			n++
		}
		return n
	}
	n := count()
	for end := time.Now().Add(time.Second); n < want && time.Now().Before(end); n = count() {
		time.Sleep(5 * time.Millisecond)
	}
	return n
}

// TestMockDelayNoticesGoneClient: a Delay fault on a request with a body
// ends when the client gives up, not when the delay runs out (the mock
// used to hold a POST for the whole delay, and its Close with it).
func TestMockDelayNoticesGoneClient(t *testing.T) {
	srv := mock.NewServer(t)
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Method: http.MethodPost, Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := srv.VirtPOS().Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Пётр")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	// The mock journals a request when its handler returns.
	for end := time.Now().Add(5 * time.Second); len(srv.RequestsTo(mock.VirtPOSAPI)) == 0; {
		if time.Now().After(end) {
			t.Fatal("the mock still holds the request 5 s after the client gave up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, ok := srv.VirtPOSCustomer(int64(mock.DefaultCustomers + 1)); ok {
		t.Error("the delayed write took effect after the client gave up")
	}
}

// TestChaosDialFailureRetriedForEveryWrite: a refused connection sent
// nothing, so even a write that is not safe to repeat is retried.
func TestChaosDialFailureRetriedForEveryWrite(t *testing.T) {
	vp, err := loyalty.NewVirtPOS("http://127.0.0.1:1", canaryAPIKey, loyalty.WithRetry(2, time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = vp.Customers.Create(context.Background(), &loyalty.CustomerUpdate{FirstName: new("Хаос")})
	var re *loyalty.RequestError
	if !errors.As(err, &re) || loyalty.Attempts(err) != 3 {
		t.Fatalf("want *RequestError after 3 attempts, got %v", err)
	}
	if strings.Contains(fmt.Sprintf("%+v", err), canaryAPIKey) {
		t.Errorf("the error shows the apikey: %+v", err)
	}
}

// TestChaosCancelDuringWait: cancelling the context ends the wait for a
// Retry-After at once, for every API.
func TestChaosCancelDuringWait(t *testing.T) {
	srv := mock.NewServer(t)
	slow := loyalty.WithRetry(3, time.Second, 10*time.Second)
	calls := map[string]func(context.Context) error{
		"virtpos": func(ctx context.Context) error { _, err := srv.VirtPOS(slow).Customers.Get(ctx, 1); return err },
		"crm":     func(ctx context.Context) error { _, err := srv.CRM(slow).Directory.Partners(ctx); return err },
		"artix":   func(ctx context.Context) error { return srv.Artix(slow).Customers.Delete(ctx, "1") },
	}
	for name, call := range calls {
		srv.Fail(mock.Fault{Status: 429, RetryAfter: "30", Times: -1})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := call(ctx)
		elapsed := time.Since(start)
		cancel()
		srv.ClearFaults()
		var re *loyalty.RequestError
		if !errors.As(err, &re) || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: want *RequestError matching context.Canceled, got %v", name, err)
		}
		if elapsed > 100*time.Millisecond+chaosMargin {
			t.Errorf("%s: returned %v after the call, %v after the cancel", name, elapsed, elapsed-100*time.Millisecond)
		}
		if n := loyalty.Attempts(err); n != 1 {
			t.Errorf("%s: Attempts = %d, want 1", name, n)
		}
	}
}
