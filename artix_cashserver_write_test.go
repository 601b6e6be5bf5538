package loyalty_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// TestArtixCashServerCreateDelete: Create writes a client through CSrest
// (read back by Get and by the mock), Delete removes it, and a second
// Delete says the client is absent.
func TestArtixCashServerCreateDelete(t *testing.T) {
	srv := mock.NewServer(t)
	cs := srv.ArtixCashServer()
	ctx := context.Background()
	c := loyalty.ArtixCustomer{ID: "cs-1", FirstName: "Пётр", LastName: "Петров", Phone: "79161234567", Gender: new(loyalty.ArtixGenderMale)}
	rec, err := cs.Customers.Create(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != "cs-1" || rec.FirstName != "Пётр" || rec.Phone != "79161234567" {
		t.Errorf("Create returned %+v, want the stored client", rec)
	}
	got, err := cs.Customers.Get(ctx, "cs-1")
	if err != nil {
		t.Fatalf("Get after Create: %+v, %v; want err == nil", got, err)
	} else if got.FirstName != "Пётр" {
		t.Fatalf("Get after Create: %+v, %v; want got.FirstName == \"Пётр\"", got, err)
	}
	if stored, ok := srv.ArtixCustomer("cs-1"); !ok || stored.LastName != "Петров" {
		t.Errorf("the mock holds %+v (present %v), want the created client", stored, ok)
	}
	if err := cs.Customers.Delete(ctx, "cs-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Customers.Get(ctx, "cs-1"); !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := cs.Customers.Delete(ctx, "cs-1"); !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
	// Validated before anything is sent.
	var ve *loyalty.ValidationError
	if _, err := cs.Customers.Create(ctx, loyalty.ArtixCustomer{ID: "x", BirthDate: "1899-01-01"}); !errors.As(err, &ve) || ve.Field != "client.birthday" {
		t.Errorf("Create of a bad birthday: %v, want a *ValidationError for client.birthday", err)
	}
	if err := cs.Customers.Delete(ctx, ""); !errors.As(err, &ve) {
		t.Errorf("Delete of an empty id: %v, want a *ValidationError", err)
	}
}

// TestArtixCashServerCreateReplies: the plausible answers of a real Cash
// Server to a create, and the body field clients send (nulls and empty
// attributes left out).
func TestArtixCashServerCreateReplies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		ok     bool
		name2  string // the FirstName of the record returned
		errIn  string
	}{
		{"stored client", 200, `{"idclient":"1","name":"Сервер"}`, true, "Сервер", ""},
		{"201 with the client", 201, `{"idclient":"1","name":"Сервер","errorCode":null}`, true, "Сервер", ""},
		{"empty body", 200, ``, true, "Пётр", ""},
		{"no content", 204, ``, true, "Пётр", ""},
		{"true", 200, `true`, true, "Пётр", ""},
		{"an id", 200, `"1"`, true, "Пётр", ""},
		{"false", 200, `false`, false, "", "answered false"},
		{"error object in a 200", 200, `{"errorCode":13,"message":"Клиент не сохранён"}`, false, "", "Клиент не сохранён"},
		{"error object in a 400", 400, `{"errorCode":400,"message":"bad name"}`, false, "", "bad name"},
		{"server error", 500, `oops`, false, "", "500"},
		{"not JSON", 200, `<html>login</html>`, false, "", "HTML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var sent string
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				sent = r.Method + " " + r.URL.Path + " " + r.Header.Get("Content-Type") + " " + string(b)
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer hs.Close()
			cs, err := loyalty.NewArtixCashServer(hs.URL, loyalty.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			rec, err := cs.Customers.Create(context.Background(), loyalty.ArtixCustomer{ID: "1", FirstName: "Пётр", Gender: new(loyalty.ArtixGenderMale)})
			mu.Lock()
			const want = `POST /CSrest/rest/dictionaries/clients application/json {"idclient":"1","name":"Пётр","sex":0}`
			if sent != want {
				t.Errorf("sent\n%s\nwant\n%s", sent, want)
			}
			mu.Unlock()
			if !tc.ok {
				var apiErr *loyalty.APIError
				if !errors.As(err, &apiErr) || !strings.Contains(err.Error(), tc.errIn) {
					t.Fatalf("got %v, want an *APIError saying %q", err, tc.errIn)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
			if rec.FirstName != tc.name2 {
				t.Errorf("record %+v, want name %q", rec, tc.name2)
			}
		})
	}
}
