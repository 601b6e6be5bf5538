package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func TestErrorsCarryAPIMethodURLStatusAndAttempts(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithoutRetries())
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 502})
	_, err := vp.Customers.Get(context.Background(), 1)
	var ae *loyalty.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("HTML error page: %v", err)
	}
	if ae.StatusCode != 502 {
		t.Errorf("APIError %+v; want ae.StatusCode == 502", ae)
	} else if ae.Method != "GET" {
		t.Errorf("APIError %+v; want ae.Method == \"GET\"", ae)
	} else if ae.API != "virtpos" {
		t.Errorf("APIError %+v; want ae.API == \"virtpos\"", ae)
	} else if !strings.Contains(ae.Body, "502 Bad Gateway") {
		t.Errorf("APIError %+v; want strings.Contains(ae.Body, \"502 Bad Gateway\")", ae)
	} else if !strings.Contains(ae.URL, "/api/customer") {
		t.Errorf("APIError %+v; want strings.Contains(ae.URL, \"/api/customer\")", ae)
	} else if ae.Attempts != 1 {
		t.Errorf("APIError %+v; want ae.Attempts == 1", ae)
	}
	// A bare HTTP 404 (a wrong path, a proxy page) is not ErrNotFound:
	// the customer may well exist.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 404})
	if _, err := vp.Customers.Get(context.Background(), 1); !errors.As(err, &ae) {
		t.Errorf("404: %v; want errors.As(err, &ae)", err)
	} else if ae.StatusCode != 404 {
		t.Errorf("404: %v; want ae.StatusCode == 404", err)
	} else if errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("404: %v; want !errors.Is(err, loyalty.ErrNotFound)", err)
	}
	// An envelope on a non-2xx status: its info is kept.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 400, Body: `{"success":0,"info":"Плохой запрос"}`})
	if _, err := vp.Customers.Get(context.Background(), 1); !errors.As(err, &ae) {
		t.Errorf("400 envelope: %v; want errors.As(err, &ae)", err)
	} else if ae.Info != "Плохой запрос" {
		t.Errorf("400 envelope: %v; want ae.Info == \"Плохой запрос\"", err)
	} else if ae.StatusCode != 400 {
		t.Errorf("400 envelope: %v; want ae.StatusCode == 400", err)
	}
	// A connection refused is a *RequestError.
	dead, _ := loyalty.NewVirtPOS("http://127.0.0.1:1", "k", loyalty.WithoutRetries())
	_, err = dead.Customers.Get(context.Background(), 1)
	var re *loyalty.RequestError
	if !errors.As(err, &re) {
		t.Errorf("refused: %v; want errors.As(err, &re)", err)
	} else if re.Attempts != 1 {
		t.Errorf("refused: %v; want re.Attempts == 1", err)
	}
}

func TestErrorCodesCoverTheSpecWithDescriptions(t *testing.T) {
	// The spec documents 23 codes, 10010 to 10230 in steps of 10.
	for _, c := range []loyalty.ErrorCode{10000, 10240, 10015} {
		if c.Known() {
			t.Errorf("code %d is Known; the spec documents 10010..10230 in steps of 10 only", c)
		}
	}
	for i := range 23 {
		c := loyalty.ErrorCode(10010 + 10*i)
		if !c.Known() {
			t.Errorf("code %d: not Known, want every code from 10010 to 10230 in steps of 10", c)
		}
		if strings.Contains(c.Description(), "неизвестный") || strings.Contains(c.Description(), "not documented") {
			t.Errorf("code %d: description %q, want the spec's text", c, c.Description())
		}
		if !strings.HasPrefix(c.Error(), "crm error "+strings.TrimSpace(strings.Split(c.Error(), " ")[2])) {
			t.Errorf("Error() = %q; want strings.HasPrefix(c.Error(), \"crm error \"+strings.TrimSpace(strings.Split(c.Error(), \" \")[2]))", c.Error())
		} else if !strings.Contains(c.Error(), c.Description()) {
			t.Errorf("Error() = %q; want strings.Contains(c.Error(), c.Description())", c.Error())
		}
	}
	if loyalty.CodeCardAlreadyOwned.Error() != "crm error 10230: Карта уже принадлежит клиенту" {
		t.Fatalf("%q", loyalty.CodeCardAlreadyOwned.Error())
	}
	if loyalty.ErrorCode(1).Known() {
		t.Fatal("unknown code", "; want !loyalty.ErrorCode(1).Known()")
	} else if !strings.Contains(loyalty.ErrorCode(1).Description(), "not documented") {
		t.Fatal("unknown code", "; want strings.Contains(loyalty.ErrorCode(1).Description(), \"not documented\")")
	}
	if !errors.Is(loyalty.CodeContactNotFound, loyalty.ErrNotFound) {
		t.Fatal("ErrNotFound mapping", "; want errors.Is(loyalty.CodeContactNotFound, loyalty.ErrNotFound)")
	} else if errors.Is(loyalty.CodeCardNotActive, loyalty.ErrNotFound) {
		t.Fatal("ErrNotFound mapping", "; want !errors.Is(loyalty.CodeCardNotActive, loyalty.ErrNotFound)")
	}
	e := &loyalty.CRMError{Operation: "X", StatusCode: 200, Attempts: 2, Errors: []loyalty.CRMErrorDetail{{Code: 10160}, {Code: 42, Description: "d"}}}
	if got := e.Error(); got != "loyalty: crm X: 10160 Карта не активна; 42 d (after 2 attempts)" {
		t.Fatalf("%q", got)
	}
	if !errors.Is(e, loyalty.ErrorCode(42)) {
		t.Fatal("errors.Is through CRMError", "; want errors.Is(e, loyalty.ErrorCode(42))")
	} else if errors.Is(e, loyalty.CodeCardAlreadyOwned) {
		t.Fatal("errors.Is through CRMError", "; want !errors.Is(e, loyalty.CodeCardAlreadyOwned)")
	} else if loyalty.Attempts(e) != 2 {
		t.Fatal("errors.Is through CRMError", "; want loyalty.Attempts(e) == 2")
	}
	if (&loyalty.CRMError{}).Code() != 0 {
		t.Fatal("Code of empty")
	}
}

// Bad credentials are told apart from bad data: errors.Is(err,
// ErrUnauthorized) for VirtPOS's wrong-apikey answer, the CRM's access
// denied and Artix's 401, and none of them is ErrNotFound.
func TestBadCredentialsMatchErrUnauthorized(t *testing.T) {
	srv := mock.NewServer(t)
	srv.RequireArtixAuth("admin", "right-password")
	ctx := context.Background()
	vp, err := loyalty.NewVirtPOS(srv.VirtPOSURL, "wrong-apikey-123", loyalty.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	_, vpErr := vp.Customers.Get(ctx, 1)
	wrongFirm, err := loyalty.NewCRM(srv.CRMURL, "another-firm", loyalty.WithClientCertificate(srv.ClientCertificate()),
		loyalty.WithRootCAs(srv.RootCAs()), loyalty.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	_, crmErr := wrongFirm.Directory.Regions(ctx)
	axErr := srv.Artix(loyalty.WithBasicAuth("admin", "wrong-password"), loyalty.WithoutRetries()).Customers.Delete(ctx, "1")
	for name, err := range map[string]error{"virtpos": vpErr, "crm": crmErr, "artix": axErr} {
		if !errors.Is(err, loyalty.ErrUnauthorized) || errors.Is(err, loyalty.ErrNotFound) {
			t.Errorf("%s: %v; want ErrUnauthorized, not ErrNotFound", name, err)
		}
	}
	// And a record that is absent is not a credentials problem.
	_, err = srv.VirtPOS().Customers.Get(ctx, 987654)
	if !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("absent customer: %v; want errors.Is(err, loyalty.ErrNotFound)", err)
	} else if errors.Is(err, loyalty.ErrUnauthorized) {
		t.Errorf("absent customer: %v; want !errors.Is(err, loyalty.ErrUnauthorized)", err)
	}
}

// ErrNotFound means "the record this call addressed does not exist" in
// every API: a card type that BindVirtualCard refers to is not the record
// it addressed (as VirtPOS's "Тип карты не найден" is not).
func TestReferencedRecordNotFoundIsNotErrNotFound(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM(loyalty.WithoutRetries())
	_, err := crm.Contacts.BindVirtualCard(context.Background(), loyalty.VirtualCardRequest{ContactID: mock.CRMContactID, CardTypeID: uuid.New()})
	if !errors.Is(err, loyalty.CodeCardTypeNotFound) {
		t.Fatalf("got %v, want CodeCardTypeNotFound", err)
	}
	if errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("a referenced card type is not the record the call addressed: %v matches ErrNotFound", err)
	}
	if errors.Is(loyalty.CodeCardTypeNotFound, loyalty.ErrNotFound) {
		t.Error("CodeCardTypeNotFound matches ErrNotFound")
	}
}

// A 429 or 503 that ran out of retries carries the response headers and
// the server's Retry-After.
func TestAPIErrorCarriesHeadersAndRetryAfter(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithRetry(1, 0, time.Millisecond))
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 429, RetryAfter: "7", Times: -1})
	_, err := vp.Customers.Get(context.Background(), 1)
	var ae *loyalty.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 429 {
		t.Fatalf("got %v, want an *APIError 429", err)
	}
	if ae.Header.Get("Retry-After") != "7" {
		t.Errorf("Header %v, want Retry-After: 7", ae.Header)
	}
	if d, ok := ae.RetryAfter(); !ok || d != 7*time.Second {
		t.Errorf("RetryAfter() = %v, %v; want 7s", d, ok)
	}
	srv.ClearFaults()
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 500, Times: -1})
	_, err = vp.Customers.Get(context.Background(), 1)
	if !errors.As(err, &ae) {
		t.Fatal(err, "; want errors.As(err, &ae)")
	} else if ae.StatusCode != 500 {
		t.Fatal(err, "; want ae.StatusCode == 500")
	}
	if _, ok := ae.RetryAfter(); ok {
		t.Error("a 500 without Retry-After reports one")
	}
}

// permanentErr is a transport error that says whether repeating the
// request can help.
type permanentErr bool

func (p permanentErr) Error() string   { return "scripted transport error" }
func (p permanentErr) Permanent() bool { return bool(p) }

// A transport error that declares itself permanent is never retried, even
// for an idempotent read; one that says it is not permanent is retried as
// any other. The declaration is found anywhere in the error's chain.
func TestPermanentTransportErrorIsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		sends int
	}{
		{"permanent", permanentErr(true), 1},
		{"wrapped permanent", fmt.Errorf("replayer: %w", permanentErr(true)), 1},
		{"not permanent", permanentErr(false), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sends atomic.Int32
			tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				sends.Add(1)
				return nil, tc.err
			})
			vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithRetry(2, 0, 0),
				loyalty.WithHTTPClient(&http.Client{Transport: tr}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = vp.Customers.Get(context.Background(), 1)
			var pe loyalty.PermanentError
			if !errors.As(err, &pe) || pe.Permanent() != (tc.sends == 1) {
				t.Errorf("err = %v, want the transport's error in the chain", err)
			}
			if int(sends.Load()) != tc.sends || loyalty.Attempts(err) != tc.sends {
				t.Errorf("sent %d times (Attempts %d), want %d", sends.Load(), loyalty.Attempts(err), tc.sends)
			}
		})
	}
}

// APIError.Header never holds a secret: a server that echoes the request
// (apikey included) in a response header has it redacted there too.
func TestAPIErrorHeaderIsRedacted(t *testing.T) {
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		h := http.Header{"X-Echo-Url": {r.URL.String()}, "Retry-After": {"3"}}
		if r.Body != nil {
			r.Body.Close()
		}
		return &http.Response{StatusCode: 503, Header: h, Body: http.NoBody, Request: r}, nil
	})
	vp, err := loyalty.NewVirtPOS("http://virtpos.example", canaryAPIKey, loyalty.WithoutRetries(),
		loyalty.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = vp.Customers.Get(context.Background(), 1)
	var ae *loyalty.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 {
		t.Fatalf("got %v, want an *APIError 503", err)
	}
	echo := ae.Header.Get("X-Echo-Url")
	if echo == "" || strings.Contains(echo, canaryAPIKey) || !strings.Contains(echo, "REDACTED") {
		t.Errorf("X-Echo-Url %q: want the apikey redacted", echo)
	}
	if d, ok := ae.RetryAfter(); !ok {
		t.Errorf("RetryAfter() = %v, %v; want ok", d, ok)
	} else if d != 3*time.Second {
		t.Errorf("RetryAfter() = %v, %v; want d == 3 * time.Second", d, ok)
	}
}
