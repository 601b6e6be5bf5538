package loyalty_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// Tests of the retry policy (retry.go): what is repeated, how long it
// waits, when it stops.

func TestRetryRepeatsWritesOnlyWhenHarmless(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		fault    mock.Fault
		call     func(vp *loyalty.VirtPOS) error
		attempts int  // requests the server saw
		ok       bool // the call succeeds in the end
	}{
		{"GET 503 retried", mock.Fault{Status: 503, Times: 2},
			func(vp *loyalty.VirtPOS) error { _, err := vp.Customers.Get(ctx, 1); return err }, 3, true},
		{"GET 500 exhausted", mock.Fault{Status: 500, Times: -1},
			func(vp *loyalty.VirtPOS) error { _, err := vp.Customers.Get(ctx, 1); return err }, 4, false},
		{"GET 501 not retried", mock.Fault{Status: 501, Times: -1},
			func(vp *loyalty.VirtPOS) error { _, err := vp.Customers.Get(ctx, 1); return err }, 1, false},
		{"GET reset retried", mock.Fault{Reset: true, Times: 1},
			func(vp *loyalty.VirtPOS) error { _, err := vp.Customers.Get(ctx, 1); return err }, 2, true},
		{"Create 429 retried", mock.Fault{Status: 429, RetryAfter: "0", Times: 1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{})
				return err
			}, 2, true},
		{"Create 503 not retried", mock.Fault{Status: 503, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{})
				return err
			}, 1, false},
		{"Create reset not retried", mock.Fault{Reset: true, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{})
				return err
			}, 1, false},
		{"Create applied then 502 not retried", mock.Fault{Status: 502, AfterApply: true, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{})
				return err
			}, 1, false},
		{"Update by id 503 retried", mock.Fault{Status: 503, Times: 1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{FirstName: new("A")})
				return err
			}, 2, true},
		{"Update create 503 not retried", mock.Fault{Status: 503, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{}, loyalty.CreateIfNotExist())
				return err
			}, 1, false},
		{"Insert card 503 not retried", mock.Fault{Status: 503, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "9"})
				return err
			}, 1, false},
		{"Card update 503 retried", mock.Fault{Status: 503, Times: 1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: "100002"}, &loyalty.CardUpdate{Status: loyalty.CardActive})
				return err
			}, 2, true},
		{"Card update+create by uid retried", mock.Fault{Status: 503, AfterApply: true, Times: 1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: "55"}, &loyalty.CardUpdate{}, loyalty.CreateIfNotExist())
				return err
			}, 2, true},
		{"Card update+create by id not retried", mock.Fault{Status: 503, Times: -1},
			func(vp *loyalty.VirtPOS) error {
				_, err := vp.Cards.Update(ctx, loyalty.CardRef{CardID: 999}, &loyalty.CardUpdate{}, loyalty.CreateIfNotExist())
				return err
			}, 1, false},
		{"Card delete 503 retried", mock.Fault{Status: 503, Times: 1},
			func(vp *loyalty.VirtPOS) error { return vp.Cards.Delete(ctx, loyalty.CardRef{UID: "100002"}) }, 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mock.NewServer(t)
			vp := srv.VirtPOS(fast)
			tc.fault.API = mock.VirtPOSAPI
			srv.Fail(tc.fault)
			err := tc.call(vp)
			if got := len(srv.Requests()); got != tc.attempts {
				t.Errorf("server saw %d requests, want %d", got, tc.attempts)
			}
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && loyalty.Attempts(err) != tc.attempts {
				t.Errorf("Attempts(err) = %d, want %d (%v)", loyalty.Attempts(err), tc.attempts, err)
			}
		})
	}
}

// The ambiguous write by uid: the first attempt created the card, the
// retry found it, and there is exactly one card.
func TestRetriedCreateIfNotExistCreatesOnce(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(fast)
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 503, AfterApply: true})
	res, err := vp.Cards.Update(context.Background(), loyalty.CardRef{UID: "4242"}, &loyalty.CardUpdate{}, loyalty.CreateIfNotExist())
	if err != nil {
		t.Fatalf("%+v, %v (the retry should update what the first attempt created); want err == nil", res, err)
	} else if res.IsNew {
		t.Fatalf("%+v, %v (the retry should update what the first attempt created); want !res.IsNew", res, err)
	}
	if n := cardsWithUID(srv, "4242"); n != 1 {
		t.Fatalf("%d cards with uid 4242", n)
	}
}

func TestRetryAfterIsCappedByMaxWait(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	for _, ra := range []string{"3600", future} {
		srv := mock.NewServer(t)
		vp := srv.VirtPOS(loyalty.WithRetry(2, time.Millisecond, 10*time.Millisecond))
		srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 429, RetryAfter: ra, Times: 2})
		// A wait of an hour would outlive this deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := vp.Customers.Get(ctx, 1)
		cancel()
		if err != nil {
			t.Fatalf("Retry-After %q: %v", ra, err)
		}
		if n := len(srv.Requests()); n != 3 {
			t.Errorf("Retry-After %q: %d requests", ra, n)
		}
	}
}

func TestNoRetryOnceTheContextIsDone(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithRetry(5, time.Millisecond, time.Millisecond))
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Delay: 10 * time.Second, Status: 503, Times: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := vp.Customers.Get(ctx, 1)
	var re *loyalty.RequestError
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v; want errors.Is(err, context.DeadlineExceeded)", err)
	} else if !errors.As(err, &re) {
		t.Fatalf("got %v; want errors.As(err, &re)", err)
	}
	if loyalty.Attempts(err) != 1 {
		t.Errorf("Attempts = %d", loyalty.Attempts(err))
	}
	// A cancelled context: nothing is sent.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	srv.ClearFaults()
	// The server journals the abandoned request once it notices the
	// client left; wait for that before counting.
	for deadline := time.Now().Add(5 * time.Second); len(srv.Requests()) == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	before := len(srv.Requests())
	if _, err := vp.Customers.Get(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if len(srv.Requests()) != before {
		t.Error("a request was sent on a cancelled context")
	}
}

func TestRetryNeverReusesAnEarlierAttemptsBody(t *testing.T) {
	last := &trackedBody{Reader: strings.NewReader("<html>503 gateway down</html>")}
	tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{
		func(r *http.Request) *http.Response { // a 200 cut off mid-body
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
				Body: io.NopCloser(&errAfter{data: "<root><success>1</success><customers><customer><id>7", err: io.ErrUnexpectedEOF})}
		},
		func(r *http.Request) *http.Response { // then a 503 on the last attempt
			return &http.Response{StatusCode: 503, Header: http.Header{}, Request: r, Body: last}
		},
	}}
	vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithRetry(1, 0, 0),
		loyalty.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = vp.Customers.Get(context.Background(), 7)
	var ae *loyalty.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || ae.Attempts != 2 {
		t.Fatalf("got %v, want the last attempt's *APIError HTTP 503 after 2 attempts", err)
	}
	if !strings.Contains(ae.Body, "gateway down") {
		t.Errorf("Body %q is not the 503's own body; want strings.Contains(ae.Body, \"gateway down\")", ae.Body)
	} else if strings.Contains(ae.Body, "<customer>") {
		t.Errorf("Body %q is not the 503's own body; want !strings.Contains(ae.Body, \"<customer>\")", ae.Body)
	}
	if !last.closed.Load() {
		t.Error("the last attempt's body was not closed (its connection leaks)")
	}
}
