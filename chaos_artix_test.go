package loyalty_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
	"github.com/loyaltykit/loyalty/mock"
)

// The Artix load matrix: the failures of a load sent with
// WithLoadConfirmation, over real sockets (the mock loads, then calls the
// client's status receiver back), with the chaos matrix's clients,
// canaries and checks. Each row is a bullet of docs/reliability.md
// ("Artix loads").
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
	before := e.srv.ArtixCustomerCount()
	f := row.fault
	f.API, f.Path = mock.ArtixAPI, artixwire.LoadDictsPath
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
	if n := e.srv.ArtixCustomerCount() - before; n != row.want.applied {
		t.Errorf("the mock holds %d records of the load, want %d", n, row.want.applied)
	}
	assertNoSecrets(t, e, err, res)
}

// TestArtixHTMLReplyIsAnError: a 2xx that is an HTML page (a proxy's, a
// captive portal's) never reached the cash server, so it is an error; so
// is a 2xx that does not say the batch was queued (no success true, an
// empty 204); the plain text OK is queued (TestArtixLoadReplies has the
// field shapes).
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
		{`{"result":"ok","applied":1}`, "application/json", false},
		{`{"success":true,"result":"ok","applied":1}`, "application/json", true},
		{"", "", false},
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
		case !tc.ok && !errors.As(err, &ae):
			t.Errorf("%q: want *APIError, got %v", tc.body, err)
		}
		srv.ClearFaults()
	}
}

// The shared-receiver matrix: two registers of one shop (the slow one
// reports STATUS_ERROR, the fast one STATUS_READY) confirm their batches
// through one receiver, while a forger on another address, or on the
// register's own, sends what anyone who knows the shop code (and even the
// dictionaryid) could. Over real sockets against an exchanger written from
// the field notes (fakeExchanger), not the mock. Every row: each batch
// gets its own register's verdict, never the other's and never a
// forger's. Each row is a bullet of docs/reliability.md ("Artix loads").
type artixSharedRow struct {
	name   string
	ip2    string // the fast register's address (127.0.0.1: the slow one's)
	noPost bool   // the registers skip the back-office POST
	codes  bool   // the batches declare their cash codes
	// forge runs once the slow register has the load: at is the
	// receiver, dictID the slow batch's dictionaryid.
	forge func(t *testing.T, at, dictID string)
}

func artixSharedMatrix() []artixSharedRow {
	forged := func(ip string, sends ...[3]string) func(*testing.T, string, string) {
		return func(t *testing.T, at, dictID string) {
			f := newForger(ip)
			stolen := ""
			for _, s := range sends {
				path := strings.NewReplacer("{id}", dictID, "{stolen}", stolen).Replace(s[1])
				_, reply := f.send(t, s[0], at, path, s[2])
				if s[0] == "POST" {
					stolen = strings.Trim(reply, `"`)
				}
			}
		}
	}
	return []artixSharedRow{
		{name: "two registers of one shop, own addresses", ip2: "127.0.0.2", codes: true},
		{name: "two registers of one shop, own addresses, a count", ip2: "127.0.0.2"},
		{name: "two registers of one shop behind one address (the second batch held)", ip2: "127.0.0.1"},
		{name: "registers that skip the back-office POST (dictionaryid in the PUT path)", ip2: "127.0.0.2", noPost: true},
		{name: "a forged back-office POST first, and PUTs with the id it got", ip2: "127.0.0.2",
			forge: forged("127.0.0.3", [3]string{"POST", "backOfficeState/111", "STATUS_DURING"},
				[3]string{"PUT", "cashLoad/111/1/{stolen}", "STATUS_READY"}, [3]string{"PUT", "backOfficeState/111/{stolen}", "STATUS_READY"})},
		{name: "forged PUTs naming the dictionaryid from another address", ip2: "127.0.0.2",
			forge: forged("127.0.0.3", [3]string{"PUT", "cashLoad/111/1/{id}", "STATUS_READY"},
				[3]string{"PUT", "backOfficeState/111/{id}", "STATUS_ERROR"})},
		{name: "a forged back-office STATUS_ERROR for the fast register's batch", ip2: "127.0.0.2",
			forge: forged("127.0.0.3", [3]string{"POST", "backOfficeState/111", "STATUS_ERROR"})},
		{name: "a STATUS_DURING from an undeclared cash code, from the register's address", ip2: "127.0.0.2", codes: true,
			forge: forged("127.0.0.1", [3]string{"PUT", "cashLoad/111/77/{id}", "STATUS_DURING"})},
		{name: "a STATUS_DURING from an unknown cash code, with a count", ip2: "127.0.0.2",
			forge: forged("127.0.0.1", [3]string{"PUT", "cashLoad/111/77/{id}", "STATUS_DURING"})},
		{name: "a status for another shop, from the register's address", ip2: "127.0.0.2",
			forge: forged("127.0.0.1", [3]string{"PUT", "cashLoad/222/1/{id}", "STATUS_READY"})},
	}
}

func TestChaosArtixSharedReceiver(t *testing.T) {
	t.Parallel()
	for _, row := range artixSharedMatrix() {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			runTwoRegisters(t, twoRegisters{ip2: row.ip2, codes: row.codes, noPost: row.noPost, forge: row.forge, timeout: chaosSanity})
		})
	}
}
