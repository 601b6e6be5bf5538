package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
	"github.com/loyaltykit/loyalty/mock"
)

// csGolden is a field reply shape from testdata/artix/csrest.
func csGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "artix", "csrest", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// loadArtixClients puts n numbered clients into the mock's directory.
func loadArtixClients(t *testing.T, srv *mock.Server, n int) {
	t.Helper()
	cmds := make([]loyalty.ArtixCommand, n)
	for i := range cmds {
		cmds[i] = loyalty.AddClient(loyalty.ArtixCustomer{ID: fmt.Sprintf("%05d", i), FirstName: "Клиент " + strconv.Itoa(i), Phone: fmt.Sprintf("7916%07d", i)})
	}
	if err := srv.Artix().Send(context.Background(), cmds...); err != nil {
		t.Fatal(err)
	}
}

func TestArtixCashServerGet(t *testing.T) {
	srv := mock.NewServer(t)
	ctx := context.Background()
	want := loyalty.ArtixCustomer{ID: "4/7 б", FirstName: "Пётр", LastName: "Петров", Phone: "79161234567", Email: "p@example.ru",
		BirthDate: "1966-05-20", Gender: new(loyalty.ArtixGenderMale), Subscribed: new(true), Text: "VIP", SpecialDate1Name: "День свадьбы"}
	if err := srv.Artix().Customers.Add(ctx, want); err != nil {
		t.Fatal(err)
	}
	cs := srv.ArtixCashServer()
	got, err := cs.Customers.Get(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The read-back carries the field model's keys: no lastname.
	want.LastName = ""
	if !reflect.DeepEqual(got.ArtixCustomer, want) || got.CodeWord != "" {
		t.Errorf("Get = %+v\nwant %+v", got, want)
	}

	_, err = cs.Customers.Get(ctx, "nobody")
	var apiErr *loyalty.APIError
	if !errors.Is(err, loyalty.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusOK {
		t.Errorf("absent client: %v, want ErrNotFound from an empty 200", err)
	}
	var verr *loyalty.ValidationError
	for _, id := range []string{"", " ", strings.Repeat("я", 101)} {
		if _, err := cs.Customers.Get(ctx, id); !errors.As(err, &verr) {
			t.Errorf("Get(%q): %v, want a *ValidationError", id, err)
		}
	}
}

// TestArtixCashServerFieldReplies decodes the reply shapes field code
// reads (testdata/artix/csrest), served over a socket.
func TestArtixCashServerFieldReplies(t *testing.T) {
	const id = "4601234"
	full := loyalty.ArtixCustomerRecord{CodeWord: "сирень", ArtixCustomer: loyalty.ArtixCustomer{ID: id, FirstName: "Петров Пётр Петрович",
		Gender: new(loyalty.ArtixGenderMale), BirthDate: "1966-05-20", SpecialDate1Name: "День свадьбы", ZipCode: "125009",
		Address: "Москва, Тверская, 1", Email: "p@example.ru", Phone: "79161234567", INN: "7707083893", Document: "4510 123456",
		Occupation: "инженер", Subscribed: new(true)}}
	variants := loyalty.ArtixCustomerRecord{CodeWord: "1234", ArtixCustomer: loyalty.ArtixCustomer{ID: id, FirstName: "Петров Пётр Петрович",
		Gender: new(loyalty.ArtixGenderFemale), Phone: "79161234567", INN: "7707083893", Subscribed: new(true),
		Options: &loyalty.ArtixOptions{SendCheckToEmail: new(true)}}}
	other := `{"idclient": "99", "name": "Другой"}`
	named := loyalty.ArtixCustomerRecord{ArtixCustomer: loyalty.ArtixCustomer{ID: id, FirstName: "Пётр"}}
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		want     *loyalty.ArtixCustomerRecord
		notFound bool
		info     string // in the *APIError's Info
	}{
		{"field model", 200, csGolden(t, "client_field.json"), &full, false, ""},
		{"number and string variants", 200, csGolden(t, "client_variants.json"), &variants, false, ""},
		{"in a one-element array", 200, "[" + csGolden(t, "client_field.json") + "]", &full, false, ""},
		{"empty 200 is absent", 200, "", nil, true, ""},
		{"blank 200 is absent", 200, " \r\n", nil, true, ""},
		{"null is absent", 200, "null", nil, true, ""},
		{"empty object is absent", 200, "{}", nil, true, ""},
		{"empty array is absent", 200, "[]", nil, true, ""},
		{"204 is absent", 204, "", nil, true, ""},
		{"404 with the server's error object", 404, csGolden(t, "not_found.json"), nil, true, "Клиент не найден (code 404)"},
		{"bare 404 is not absent", 404, "", nil, false, ""},
		{"HTML 404 is not absent", 404, "<html><body>Not Found</body></html>", nil, false, ""},
		{"error object with 200", 200, csGolden(t, "error.json"), nil, false, "Ошибка при обращении к базе данных (code 500)"},
		{"error object with 500", 500, csGolden(t, "error.json"), nil, false, "Ошибка при обращении к базе данных (code 500)"},
		{"another client", 200, other, nil, false, ""},
		{"HTML 200", 200, "<!DOCTYPE html><html></html>", nil, false, ""},
		{"malformed", 200, `{"idclient": "4601234", "name": `, nil, false, ""},
		{"sex not a number", 200, `{"idclient": "4601234", "sex": "female"}`, nil, false, ""},
		{"windows-1251 declared", 200, cp1251(`{"idclient": "4601234", "name": "Пётр"}`), &named, false, ""},
		{"windows-1251 undeclared", 200, cp1251(`{"idclient": "4601234", "name": "Пётр"}`), &named, false, ""},
		{"windows-1251 error message", 500, cp1251(`{"errorCode": 1, "message": "Ошибка"}`), nil, false, "Ошибка (code 1)"},
		{"invalid UTF-8 declared", 200, "{\"idclient\": \"4601234\", \"name\": \"\xff\"}", nil, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != artixwire.CSClientByIDPath+id {
					http.NotFound(w, r)
					return
				}
				switch {
				case strings.Contains(tc.name, "undeclared"):
					w.Header().Set("Content-Type", "application/json")
				case strings.Contains(tc.name, "windows-1251"):
					w.Header().Set("Content-Type", "application/json;charset=windows-1251")
				default:
					w.Header().Set("Content-Type", "application/json;charset=UTF-8")
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			cs, err := loyalty.NewArtixCashServer(srv.URL, loyalty.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			got, err := cs.Customers.Get(context.Background(), id)
			if tc.want != nil {
				if err != nil || !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("Get = %+v, %v\nwant %+v", got, err, tc.want)
				}
				return
			}
			var apiErr *loyalty.APIError
			if got != nil || !errors.As(err, &apiErr) {
				t.Fatalf("Get = %+v, %v; want an *APIError", got, err)
			}
			if errors.Is(err, loyalty.ErrNotFound) != tc.notFound {
				t.Errorf("errors.Is(%v, ErrNotFound) = %v, want %v", err, !tc.notFound, tc.notFound)
			}
			if !strings.Contains(apiErr.Info, tc.info) {
				t.Errorf("Info %q, want it to contain %q", apiErr.Info, tc.info)
			}
		})
	}
}

func TestArtixCashServerErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("server error is retried, then an *APIError", func(t *testing.T) {
		srv := mock.NewServer(t)
		srv.Fail(mock.Fault{API: mock.ArtixAPI, Path: artixwire.CSClientsByPagePath, Times: -1, Status: 500,
			Body: csGolden(t, "error.json"), ContentType: "application/json"})
		var apiErr *loyalty.APIError
		for _, err := range srv.ArtixCashServer().Customers.All(ctx) {
			if !errors.As(err, &apiErr) || apiErr.Info != "Ошибка при обращении к базе данных (code 500)" || apiErr.Attempts != 4 {
				t.Fatalf("got %v, want the server's message after 4 attempts", err)
			}
		}
		if apiErr == nil {
			t.Fatal("no error yielded")
		}
	})
	t.Run("dropped connection is retried", func(t *testing.T) {
		srv := mock.NewServer(t)
		loadArtixClients(t, srv, 3)
		srv.Fail(mock.Fault{API: mock.ArtixAPI, Path: artixwire.CSClientsByPagePath, Reset: true})
		n := 0
		for _, err := range srv.ArtixCashServer().Customers.All(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 3 {
			t.Errorf("%d clients, want 3", n)
		}
	})
	for name, f := range map[string]mock.Fault{
		"malformed":               {Malformed: true},
		"content not an array":    {Status: 200, Body: `{"content": {"idclient": 1}}`},
		"client without idclient": {Status: 200, Body: `[{"name": "no id"}]`},
		"data after the reply":    {Status: 200, Body: `[{"idclient": "1"}] [{"idclient": "2"}]`},
		"error object with 200":   {Status: 200, Body: `{"content": [], "errorCode": 7, "message": "нет доступа"}`},
	} {
		t.Run(name, func(t *testing.T) {
			srv := mock.NewServer(t)
			loadArtixClients(t, srv, 3)
			f.API, f.Path, f.Times = mock.ArtixAPI, artixwire.CSClientsByPagePath, -1
			srv.Fail(f)
			var errs int
			for _, err := range srv.ArtixCashServer().Customers.All(ctx) {
				var apiErr *loyalty.APIError
				if err != nil && (!errors.As(err, &apiErr) || apiErr.StatusCode != 200 || apiErr.Attempts != 1) {
					t.Errorf("got %v, want an *APIError for the 200 reply", err)
				}
				if err != nil {
					errs++
				}
			}
			if errs != 1 {
				t.Errorf("%d errors yielded, want 1", errs)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		srv := mock.NewServer(t)
		srv.Fail(mock.Fault{API: mock.ArtixAPI, Path: artixwire.CSClientsByPagePath, Delay: time.Minute})
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		for _, err := range srv.ArtixCashServer().Customers.All(cctx) {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
		}
	})
}

func TestArtixCashServerAuth(t *testing.T) {
	const pass = "s3cr3t-pass"
	srv := mock.NewServer(t)
	srv.RequireArtixCashServerAuth("admin", pass)
	loadArtixClients(t, srv, 2)
	ctx := context.Background()
	if _, err := srv.ArtixCashServer().Customers.Get(ctx, "00001"); err != nil {
		t.Fatalf("with the password: %v", err)
	}
	cs, err := loyalty.NewArtixCashServer(srv.ArtixURL, loyalty.WithBasicAuth("admin", "wrong-"+pass))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cs.Customers.Get(ctx, "00001")
	var apiErr *loyalty.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || errors.Is(err, loyalty.ErrNotFound) {
		t.Fatalf("wrong password: %v, want a 401 *APIError", err)
	}
	if strings.Contains(err.Error(), pass) {
		t.Errorf("the password leaks: %v; want !strings.Contains(err.Error(), pass)", err)
	} else if strings.Contains(fmt.Sprintf("%+v", apiErr), pass) {
		t.Errorf("the password leaks: %v; want !strings.Contains(fmt.Sprintf(\"%%+v\", apiErr), pass)", err)
	}
}

func TestNewArtixCashServerOptions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func() error
		field string // "" when valid
	}{
		{"defaults", func() error { _, err := loyalty.NewArtixCashServer("http://cs:8080"); return err }, ""},
		{"no URL", func() error { _, err := loyalty.NewArtixCashServer(""); return err }, "baseURL"},
		{"negative size", func() error {
			_, err := loyalty.NewArtixCashServer("http://cs:8080", loyalty.WithArtixPaging(loyalty.ArtixPaging{Size: -1}))
			return err
		}, "WithArtixPaging"},
		{"same parameter twice", func() error {
			_, err := loyalty.NewArtixCashServer("http://cs:8080", loyalty.WithArtixPaging(loyalty.ArtixPaging{PageParam: "size"}))
			return err
		}, "WithArtixPaging"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.build()
			var cerr *loyalty.ConfigError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.field != "" && (!errors.As(err, &cerr) || cerr.Field != tc.field):
				t.Fatalf("error %v, want a *ConfigError for %s", err, tc.field)
			}
		})
	}
}
