package loyalty_test

import (
	"context"
	"errors"
	"strings"
	"testing"

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
	if ae.StatusCode != 502 || ae.Method != "GET" || ae.API != "virtpos" || !strings.Contains(ae.Body, "502 Bad Gateway") ||
		!strings.Contains(ae.URL, "/api/customer") || ae.Attempts != 1 {
		t.Errorf("APIError %+v", ae)
	}
	// A bare HTTP 404 (a wrong path, a proxy page) is not ErrNotFound:
	// the customer may well exist.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 404})
	if _, err := vp.Customers.Get(context.Background(), 1); !errors.As(err, &ae) || ae.StatusCode != 404 || errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("404: %v", err)
	}
	// An envelope on a non-2xx status: its info is kept.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 400, Body: `{"success":0,"info":"Плохой запрос"}`})
	if _, err := vp.Customers.Get(context.Background(), 1); !errors.As(err, &ae) || ae.Info != "Плохой запрос" || ae.StatusCode != 400 {
		t.Errorf("400 envelope: %v", err)
	}
	// A connection refused is a *RequestError.
	dead, _ := loyalty.NewVirtPOS("http://127.0.0.1:1", "k", loyalty.WithoutRetries())
	_, err = dead.Customers.Get(context.Background(), 1)
	var re *loyalty.RequestError
	if !errors.As(err, &re) || re.Attempts != 1 {
		t.Errorf("refused: %v", err)
	}
}

func TestErrorCodesCoverTheSpecWithDescriptions(t *testing.T) {
	codes := loyalty.ErrorCodes()
	if len(codes) != 23 || codes[0] != 10010 || codes[len(codes)-1] != 10230 {
		t.Fatalf("ErrorCodes() = %v", codes)
	}
	for i, c := range codes {
		if int(c) != 10010+10*i || !c.Known() || strings.Contains(c.Description(), "неизвестный") {
			t.Errorf("code %d: %q", c, c.Description())
		}
		if !strings.HasPrefix(c.Error(), "crm error "+strings.TrimSpace(strings.Split(c.Error(), " ")[2])) || !strings.Contains(c.Error(), c.Description()) {
			t.Errorf("Error() = %q", c.Error())
		}
	}
	if loyalty.CodeCardAlreadyOwned.Error() != "crm error 10230: Карта уже принадлежит клиенту" {
		t.Fatalf("%q", loyalty.CodeCardAlreadyOwned.Error())
	}
	if loyalty.ErrorCode(1).Known() || !strings.Contains(loyalty.ErrorCode(1).Description(), "not documented") {
		t.Fatal("unknown code")
	}
	if !errors.Is(loyalty.CodeContactNotFound, loyalty.ErrNotFound) || errors.Is(loyalty.CodeCardNotActive, loyalty.ErrNotFound) {
		t.Fatal("ErrNotFound mapping")
	}
	e := &loyalty.CRMError{Operation: "X", StatusCode: 200, Attempts: 2, Errors: []loyalty.CRMErrorDetail{{Code: 10160}, {Code: 42, Description: "d"}}}
	if got := e.Error(); got != "loyalty: crm X: 10160 Карта не активна; 42 d (after 2 attempts)" {
		t.Fatalf("%q", got)
	}
	if !errors.Is(e, loyalty.ErrorCode(42)) || errors.Is(e, loyalty.CodeCardAlreadyOwned) || loyalty.Attempts(e) != 2 {
		t.Fatal("errors.Is through CRMError")
	}
	if (&loyalty.CRMError{}).Code() != 0 {
		t.Fatal("Code of empty")
	}
}
