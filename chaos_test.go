package loyalty_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// The chaos matrix: every fault the mock can inject, against every kind of
// call of the three APIs, over real sockets. Each row is one fault and says
// what each kind of call must do under it; the rows are the retry policy
// of the README's "Reliability" section.
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

// outcome is what a call must end with.
type outcome struct {
	ok       bool             // success
	check    func(error) bool // the error (when !ok): its type and cause
	what     string           // says what check wants, for failures
	attempts int              // loyalty.Attempts(err), or requests seen on success
	// applied is how many records the write left in the mock afterwards:
	// 0 or 1 (never 2: nothing duplicated), or -1 for "0 or 1".
	applied int
	// mayNotArrive: the last attempt may end before the mock sees it.
	mayNotArrive bool
}

func succeeds(attempts int) outcome { return outcome{ok: true, attempts: attempts, applied: 1} }

func apiErr(status, attempts, applied int) outcome {
	return outcome{attempts: attempts, applied: applied, what: fmt.Sprintf("*APIError HTTP %d", status),
		check: func(err error) bool {
			var ae *loyalty.APIError
			return errors.As(err, &ae) && ae.StatusCode == status
		}}
}

// apiErrSays is an *APIError whose message says what.
func apiErrSays(status int, what string) outcome {
	return outcome{attempts: 1, applied: 0, what: fmt.Sprintf("*APIError HTTP %d saying %q", status, what),
		check: func(err error) bool {
			var ae *loyalty.APIError
			return errors.As(err, &ae) && ae.StatusCode == status && strings.Contains(err.Error(), what)
		}}
}

func apiErrIs(status int, target error, attempts, applied int) outcome {
	o := apiErr(status, attempts, applied)
	inner := o.check
	o.what += " matching " + target.Error()
	o.check = func(err error) bool { return inner(err) && errors.Is(err, target) }
	return o
}

func requestErr(attempts, applied int) outcome {
	return outcome{attempts: attempts, applied: applied, what: "*RequestError",
		check: func(err error) bool {
			var re *loyalty.RequestError
			return errors.As(err, &re)
		}}
}

// stalled is an attempt the response timeout ended: a *RequestError
// matching loyalty.ErrResponseTimeout, not retried (a write not safe to
// repeat).
func stalled(applied int) outcome {
	return outcome{attempts: 1, applied: applied, what: "*RequestError matching ErrResponseTimeout",
		check: func(err error) bool {
			var re *loyalty.RequestError
			return errors.As(err, &re) && errors.Is(err, loyalty.ErrResponseTimeout)
		}}
}

func deadlineErr() outcome {
	return outcome{attempts: 1, applied: -1, mayNotArrive: true, what: "*RequestError matching context.DeadlineExceeded",
		check: func(err error) bool {
			var re *loyalty.RequestError
			return errors.As(err, &re) && errors.Is(err, context.DeadlineExceeded)
		}}
}

// refusal is the API's own "no" with HTTP 200 (VirtPOS success=0, CRM
// errors[]) or, for Artix, its 400 error reply: never retried.
func refusal() outcome {
	return outcome{attempts: 1, applied: 0, what: "the API's refusal: *APIError with Info, or *CRMError",
		check: func(err error) bool {
			var ae *loyalty.APIError
			var ce *loyalty.CRMError
			switch {
			case errors.As(err, &ce):
				return ce.StatusCode == 200 && errors.Is(err, loyalty.CodeContactNotFound) && errors.Is(err, loyalty.ErrNotFound)
			case errors.As(err, &ae):
				// VirtPOS: "Клиент не найден" is ErrNotFound for a customer
				// call, not for a card call that names a customer.
				return ae.Info != "" && (ae.API == "artix" && ae.StatusCode == 400 ||
					ae.StatusCode == 200 && errors.Is(err, loyalty.ErrNotFound) == !strings.Contains(ae.URL, "Card"))
			}
			return false
		}}
}

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
	opts []loyalty.Option
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
			opts: []loyalty.Option{loyalty.WithResponseTimeout(chaosStall)},
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

// chaosEnv is one cell's mock server and clients.
type chaosEnv struct {
	srv  *mock.Server
	vp   *loyalty.VirtPOS
	vpJS *loyalty.VirtPOS
	crm  *loyalty.CRM
	ax   *loyalty.Artix
	cs   *loyalty.ArtixCashServer
	logs *logCapture
	// before is state the op's applied count is measured against.
	before int
}

// chaosOp is one call of one API.
type chaosOp struct {
	name string
	api  mock.API
	kind string // read, idem, once, batch
	// prepare runs before the fault is installed (seed what the op needs).
	prepare func(t *testing.T, e *chaosEnv)
	run     func(ctx context.Context, e *chaosEnv) (any, error)
	// applied counts the op's records in the mock afterwards (writes).
	applied func(t *testing.T, e *chaosEnv) int
}

const (
	chaosPhone   = "79990001122"
	chaosCardUID = "7700123"
)

func chaosOps() []chaosOp {
	countCustomers := func(t *testing.T, e *chaosEnv) int {
		n := 0
		for _, c := range e.srv.VirtPOSCustomers() {
			if c.FirstName == "Хаос" {
				n++
			}
		}
		return n
	}
	countCards := func(t *testing.T, e *chaosEnv) int {
		n := 0
		for _, c := range e.srv.VirtPOSCards() {
			if c.UID == chaosCardUID {
				n++
			}
		}
		return n
	}
	contactCards := func(t *testing.T, e *chaosEnv) int {
		t.Helper()
		info, err := e.srv.CRM().Contacts.Get(context.Background(), mock.CRMContactID)
		if err != nil {
			t.Fatalf("reading the contact back: %v", err)
		}
		return len(info.Cards)
	}
	return []chaosOp{
		{name: "virtpos Customers.Get (xml)", api: mock.VirtPOSAPI, kind: "read",
			run: func(ctx context.Context, e *chaosEnv) (any, error) { return e.vp.Customers.Get(ctx, 1) }},
		{name: "virtpos Customers.Get (json)", api: mock.VirtPOSAPI, kind: "read",
			run: func(ctx context.Context, e *chaosEnv) (any, error) { return e.vpJS.Customers.Get(ctx, 1) }},
		{name: "virtpos Customers.All (streamed)", api: mock.VirtPOSAPI, kind: "stream",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				var n int
				for _, err := range e.vp.Customers.All(ctx, &loyalty.CustomerQuery{PageSize: 40}) {
					if err != nil {
						return n, err
					}
					n++
				}
				if n != mock.DefaultCustomers {
					return n, fmt.Errorf("All yielded %d customers, want %d", n, mock.DefaultCustomers)
				}
				return n, nil
			}},
		{name: "crm Contacts.Get", api: mock.CRMAPI, kind: "read",
			run: func(ctx context.Context, e *chaosEnv) (any, error) { return e.crm.Contacts.Get(ctx, mock.CRMContactID) }},
		{name: "crm Contacts.Find", api: mock.CRMAPI, kind: "read",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "+7 916 123-45-67"})
			}},

		{name: "virtpos Customers.Update", api: mock.VirtPOSAPI, kind: "idem",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{FirstName: new("Хаос")})
			}, applied: countCustomers},
		{name: "virtpos Cards.Update CreateIfNotExist by uid", api: mock.VirtPOSAPI, kind: "idem",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.vp.Cards.Update(ctx, loyalty.CardRef{UID: chaosCardUID},
					&loyalty.CardUpdate{Medium: loyalty.MediumPlastic, CustomerID: new(int64(3))}, loyalty.CreateIfNotExist())
			}, applied: countCards},

		{name: "virtpos Customers.Create", api: mock.VirtPOSAPI, kind: "once",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Хаос"), Phone: new("+" + chaosPhone)})
			}, applied: countCustomers},
		{name: "virtpos Cards.Insert", api: mock.VirtPOSAPI, kind: "once",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: chaosCardUID, Medium: loyalty.MediumPlastic, CustomerID: new(int64(3))})
			}, applied: countCards},
		{name: "crm Contacts.Create", api: mock.CRMAPI, kind: "once",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.crm.Contacts.Create(ctx, loyalty.NewContact{
					Contact:      loyalty.PersonalData{MobilePhone: "8 999 000-11-22", FirstName: "Хаос"},
					Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID},
				})
			},
			applied: func(t *testing.T, e *chaosEnv) int {
				t.Helper()
				found, err := e.srv.CRM().Contacts.Find(context.Background(), loyalty.ContactFilter{MobilePhone: chaosPhone})
				if err != nil {
					t.Fatalf("finding the contact: %v", err)
				}
				return len(found)
			}},
		{name: "crm Contacts.BindVirtualCard", api: mock.CRMAPI, kind: "once",
			prepare: func(t *testing.T, e *chaosEnv) { e.before = contactCards(t, e) },
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: mock.CRMContactID, CardTypeID: mock.CRMVirtualCardTypeID})
			},
			applied: func(t *testing.T, e *chaosEnv) int { return contactCards(t, e) - e.before }},

		{name: "artix Clients.Get (Cash Server REST)", api: mock.ArtixAPI, kind: "read",
			prepare: loadChaosClients,
			run:     func(ctx context.Context, e *chaosEnv) (any, error) { return e.cs.Clients.Get(ctx, "c1") }},
		{name: "artix Clients.All (Cash Server REST, streamed)", api: mock.ArtixAPI, kind: "stream",
			prepare: loadChaosClients,
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				var n int
				for _, err := range e.cs.Clients.All(ctx) {
					if err != nil {
						return n, err
					}
					n++
				}
				if n != 3 {
					return n, fmt.Errorf("All yielded %d clients, want 3", n)
				}
				return n, nil
			}},
		{name: "artix Customers.Add", api: mock.ArtixAPI, kind: "batch",
			prepare: func(t *testing.T, e *chaosEnv) { e.before = e.srv.ArtixClientCount() },
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return nil, e.ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "chaos-1", FirstName: "Хаос"})
			},
			applied: func(t *testing.T, e *chaosEnv) int {
				if _, ok := e.srv.ArtixClient("chaos-1"); !ok {
					return 0
				}
				return e.srv.ArtixClientCount() - e.before
			}},
	}
}

// loadChaosClients puts three clients on the mock's tills for the
// read-back.
func loadChaosClients(t *testing.T, e *chaosEnv) {
	t.Helper()
	err := e.srv.Artix().Send(context.Background(), loyalty.AddClient(loyalty.ArtixCustomer{ID: "c1"}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "c2"}), loyalty.AddClient(loyalty.ArtixCustomer{ID: "c3"}))
	if err != nil {
		t.Fatal(err)
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

func newChaosEnv(t *testing.T, extra ...loyalty.Option) *chaosEnv {
	srv := mock.NewServer(t, mock.Config{APIKey: canaryAPIKey})
	srv.RequireArtixAuth(canaryUser, canaryPassword)
	logs := &logCapture{}
	opts := []loyalty.Option{
		loyalty.WithRetry(chaosRetries, time.Millisecond, chaosMaxWait),
		loyalty.WithMaxResponseBytes(chaosMaxBytes),
		loyalty.WithLogger(slog.New(logs.handler())),
	}
	opts = append(opts, extra...)
	return &chaosEnv{
		srv:  srv,
		vp:   srv.VirtPOS(opts...),
		vpJS: srv.VirtPOS(append(opts, loyalty.WithFormat(loyalty.FormatJSON))...),
		crm:  srv.CRM(opts...),
		ax:   srv.Artix(opts...),
		cs:   srv.ArtixCashServer(append(opts, loyalty.WithArtixPaging(loyalty.ArtixPaging{Size: 2}))...),
		logs: logs,
	}
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
			t.Fatalf("want success after %d attempt(s), got %v", want.attempts, err)
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

// logCapture keeps every slog record as text.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) handler() slog.Handler {
	return slog.NewTextHandler(lockedWriter{l}, &slog.HandlerOptions{Level: slog.LevelDebug})
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type lockedWriter struct{ l *logCapture }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.l.buf.Write(p)
}

// assertNoSecrets looks for the canaries in err, in every log record and
// in %v, %+v and %#v of the returned value, the error and the clients.
func assertNoSecrets(t *testing.T, e *chaosEnv, err error, got any) {
	t.Helper()
	if e.logs.String() == "" {
		t.Errorf("no log records captured")
	}
	texts := map[string]string{"log records": e.logs.String()}
	if err != nil {
		texts["error"] = err.Error()
		texts["%+v of the error"] = fmt.Sprintf("%+v", err)
		texts["%#v of the error"] = fmt.Sprintf("%#v", err)
	}
	texts["%+v of the result"] = fmt.Sprintf("%+v", got)
	for name, c := range map[string]any{"VirtPOS": e.vp, "CRM": e.crm, "Artix": e.ax} {
		texts["%+v of the "+name+" client"] = fmt.Sprintf("%+v", c)
		texts["%#v of the "+name+" client"] = fmt.Sprintf("%#v", c)
		texts["%v of the "+name+" client"] = fmt.Sprintf("%v", c)
	}
	for name, text := range texts {
		for _, s := range secretsOf(e.srv) {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the secret %q:\n%s", name, s, text)
			}
		}
	}
}

// secretsOf is every canary of a chaos server: the apikey, the Artix
// password (and its basic-auth encoding), and pieces of the CRM client key.
func secretsOf(srv *mock.Server) []string {
	out := []string{canaryAPIKey, canaryPassword, base64.StdEncoding.EncodeToString([]byte(canaryUser + ":" + canaryPassword))}
	for _, line := range strings.Split(string(srv.ClientKeyPEM()), "\n") {
		if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
			out = append(out, line[:40])
		}
	}
	return out
}

// The Artix load matrix: the failures of a load sent with
// WithLoadConfirmation, over real sockets (the mock loads, then calls the
// client's status receiver back), with the chaos matrix's clients,
// canaries and checks. Each row is a bullet of the README's Reliability
// section ("Artix loads").
type artixLoadRow struct {
	name     string
	fault    mock.Fault
	cashes   int           // cash registers reporting, and waited for
	deadline time.Duration // 0: chaosSanity
	want     outcome
	says     []string // the error's text holds each
	// queued: the result says the exchanger queued the batch (and it is
	// applied on the mock: nothing it confirmed is lost).
	queued bool
	check  func(*loyalty.ArtixLoadError) string // more about the error ("" if right)
}

// notConfirmed is the wait ended by the deadline: an *ArtixLoadError
// matching ErrArtixNotConfirmed and context.DeadlineExceeded.
func notConfirmed() outcome {
	return outcome{attempts: 1, applied: 1, what: "*ArtixLoadError matching ErrArtixNotConfirmed and the deadline",
		check: func(err error) bool {
			var le *loyalty.ArtixLoadError
			return errors.As(err, &le) && errors.Is(err, loyalty.ErrArtixNotConfirmed) && errors.Is(err, context.DeadlineExceeded)
		}}
}

// loadFailed is a cash register's failure report: an *ArtixLoadError that
// is not a timeout.
func loadFailed() outcome {
	return outcome{attempts: 1, applied: 1, what: "*ArtixLoadError naming the failed cash register",
		check: func(err error) bool {
			var le *loyalty.ArtixLoadError
			return errors.As(err, &le) && !errors.Is(err, loyalty.ErrArtixNotConfirmed) && len(le.Failed) > 0
		}}
}

func artixLoadMatrix() []artixLoadRow {
	callbacks := func(cb mock.ArtixCallbacks) mock.Fault { return mock.Fault{Callbacks: &cb} }
	reply := func(body string) mock.Fault {
		return mock.Fault{Status: 200, Body: body, ContentType: "application/json"}
	}
	return []artixLoadRow{
		{name: "every cash register loads", cashes: 3, want: succeeds(1), queued: true},
		{name: "the status callbacks never come", fault: callbacks(mock.ArtixCallbacks{Never: true}), cashes: 3,
			deadline: chaosStall, want: notConfirmed(), queued: true, says: []string{"queued", "no cash register reported (3 waited for)"},
			check: func(le *loyalty.ArtixLoadError) string {
				if le.Missing != 3 || len(le.Pending) != 0 {
					return fmt.Sprintf("missing %d, pending %+v; want 3, none", le.Missing, le.Pending)
				}
				return ""
			}},
		{name: "a cash register never finishes (STATUS_DURING, then nothing)", fault: callbacks(mock.ArtixCallbacks{Cashes: 3, Silent: []string{"2"}}),
			cashes: 3, deadline: chaosStall, want: notConfirmed(), queued: true, says: []string{"queued", "not finished: cash 2 STATUS_DURING"},
			check: func(le *loyalty.ArtixLoadError) string {
				if len(le.Pending) == 0 || le.Pending[0].Cash != "2" {
					return fmt.Sprintf("pending %+v, want cash 2 first", le.Pending)
				}
				return ""
			}},
		{name: "a cash register reports STATUS_ERROR", cashes: 3,
			fault: callbacks(mock.ArtixCallbacks{Cashes: 3, Status: map[string]string{"2": "STATUS_ERROR"}, Message: "Нет места на диске"}),
			want:  loadFailed(), queued: true, says: []string{"shop 111", "cash 2 STATUS_ERROR: Нет места на диске"},
			check: func(le *loyalty.ArtixLoadError) string {
				if len(le.Failed) != 1 || le.Failed[0].Cash != "2" || le.Result == nil || len(le.Result.Cashes) != 3 {
					return fmt.Sprintf("failed %+v, result %+v; want cash 2 of 3", le.Failed, le.Result)
				}
				return ""
			}},
		{name: "a cash register reports STATUS_READY_WITH_ERROR (ends the wait)", cashes: 2,
			fault: callbacks(mock.ArtixCallbacks{Cashes: 2, Status: map[string]string{"1": "STATUS_READY_WITH_ERROR"}, Message: "Пропущено записей: 1"}),
			want:  loadFailed(), queued: true, says: []string{"cash 1 STATUS_READY_WITH_ERROR: Пропущено записей: 1"}},
		{name: "success false in the load reply", fault: reply(`{"success": false, "message": "Очередь переполнена"}`), cashes: 1,
			want: apiErrSays(200, "Очередь переполнена")},
		{name: `success "0" with the message under "error"`, fault: reply(`{"success": "0", "error": "Неверный формат"}`), cashes: 1,
			want: apiErrSays(200, "Неверный формат")},
		{name: "a windows-1251 reply, no charset declared", fault: reply(cp1251(`{"success": false, "message": "Ошибка загрузки справочника"}`)), cashes: 1,
			want: apiErrSays(200, "Ошибка загрузки справочника")},
	}
}

func TestChaosArtixLoad(t *testing.T) {
	t.Parallel()
	for _, row := range artixLoadMatrix() {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			runArtixLoadCell(t, row)
		})
	}
}

func runArtixLoadCell(t *testing.T, row artixLoadRow) {
	e := newChaosEnv(t)
	e.srv.RequireArtixShopCode("111")
	e.srv.SetArtixCashes(row.cashes)
	rcv, err := loyalty.ListenArtixStatusReceiver("127.0.0.1:0", "", slog.New(e.logs.handler()))
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.Close()
	e.ax = e.srv.Artix(loyalty.WithRetry(chaosRetries, time.Millisecond, chaosMaxWait), loyalty.WithLogger(slog.New(e.logs.handler())),
		loyalty.WithLoadConfirmation(rcv, row.cashes))
	before := e.srv.ArtixClientCount()
	f := row.fault
	f.API, f.Path = mock.ArtixAPI, loyalty.ArtixLoadDictsPath
	if f != (mock.Fault{API: f.API, Path: f.Path}) {
		e.srv.Fail(f)
	}
	seen := len(e.srv.Requests())
	deadline := cmp.Or(row.deadline, chaosSanity)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	res, err := e.ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: slices.Values([]loyalty.ArtixCommand{
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "chaos-1", FirstName: "Хаос"})})})
	if elapsed := time.Since(start); elapsed > deadline+chaosMargin {
		t.Errorf("returned after %v, deadline %v", elapsed, deadline)
	}
	e.srv.ClearFaults()
	attempts := e.attemptsSince(seen, chaosOp{api: mock.ArtixAPI}, row.want.attempts)

	if row.want.ok {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		if !res.Loaded || len(res.Cashes) != row.cashes {
			t.Errorf("result %+v: want loaded by %d cash registers", res, row.cashes)
		}
	} else {
		if err == nil {
			t.Fatalf("want %s, got success (%+v)", row.want.what, res)
		}
		if !row.want.check(err) {
			t.Fatalf("want %s, got %T: %v", row.want.what, err, err)
		}
		for _, s := range row.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not say %q", err, s)
			}
		}
		var le *loyalty.ArtixLoadError
		if row.check != nil && errors.As(err, &le) {
			if msg := row.check(le); msg != "" {
				t.Error(msg)
			}
		}
	}
	if attempts != row.want.attempts {
		t.Errorf("the mock saw %d load(s), want %d", attempts, row.want.attempts)
	}
	// Nothing the exchanger confirmed is lost: a queued batch says so, and
	// is on the mock's tills.
	if row.queued && (res == nil || !res.Queued || res.ID == "") {
		t.Errorf("result %+v: want the batch reported queued, with its dictionaryid", res)
	}
	if n := e.srv.ArtixClientCount() - before; n != row.want.applied {
		t.Errorf("the mock holds %d records of the load, want %d", n, row.want.applied)
	}
	assertNoSecrets(t, e, err, res)
}

// TestArtixHTMLReplyIsAnError: a 2xx that is an HTML page (a proxy's, a
// captive portal's) never reached the cash server, so it is an error; a
// 2xx that does not say the batch failed (no success false, no error
// message) is a queued batch (TestArtixLoadReplies has the field shapes).
func TestArtixHTMLReplyIsAnError(t *testing.T) {
	srv := mock.NewServer(t)
	ax := srv.Artix(loyalty.WithoutRetries())
	ctx := context.Background()
	for _, tc := range []struct {
		body, ctype string
		ok          bool
	}{
		{"\ufeff \r\n<!DOCTYPE html><html><body>Wi-Fi login</body></html>", "text/html", false},
		{"<html>", "application/json", false},
		{`{"result":"ok","applied":1}`, "application/json", true},
		{"", "", true},
		{"OK", "text/plain", true},
	} {
		if tc.body == "" {
			srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 204, Body: " "})
		} else {
			srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 200, Body: tc.body, ContentType: tc.ctype})
		}
		err := ax.Customers.Delete(ctx, "1")
		var ae *loyalty.APIError
		switch {
		case tc.ok && err != nil:
			t.Errorf("%q: want success, got %v", tc.body, err)
		case !tc.ok && (!errors.As(err, &ae) || ae.StatusCode != 200):
			t.Errorf("%q: want *APIError HTTP 200, got %v", tc.body, err)
		}
		srv.ClearFaults()
	}
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
