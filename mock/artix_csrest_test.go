package mock

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the mock's replies")

// TestArtixCSRestGolden pins the shapes the mock answers (field model
// keys, Spring Data pages, the error object) to testdata/artix/csrest.
func TestArtixCSRestGolden(t *testing.T) {
	srv := NewServer(t)
	err := srv.Artix().Send(context.Background(),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "1", FirstName: "Иванова Мария", Gender: new(loyalty.ArtixGenderFemale), Phone: "79030000001",
			BirthDate: "1980-01-02", Subscribed: new(false), LastName: "not in the field model", Communications: &loyalty.ArtixCommunications{SMS: new(true)}}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "2", FirstName: "Сидоров Олег", Gender: new(loyalty.ArtixGenderMale), Phone: "79030000002",
			Email: "o@example.ru", Text: "VIP", Subscribed: new(true), INN: "7707083893"}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "3"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		golden, path string
		status       int
	}{
		{"mock_client.json", artixwire.CSClientByIDPath + "2", 200},
		{"mock_bypage.json", artixwire.CSClientsByPagePath + "?page=0&size=2", 200},
		{"mock_bypage_last.json", artixwire.CSClientsByPagePath + "?page=1&size=2", 200},
		{"mock_clients.json", artixwire.CSClientsPath, 200},
		{"mock_bad_page.json", artixwire.CSClientsByPagePath + "?page=-1", 400},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			status, body := adminDo(t, srv, http.MethodGet, tc.path, "")
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			file := filepath.Join("..", "testdata", "artix", "csrest", tc.golden)
			if *updateGolden {
				var v any
				json.Unmarshal([]byte(body), &v)
				out, _ := json.MarshalIndent(v, "", "  ")
				if err := os.WriteFile(file, append(out, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var got, exp any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("reply is not JSON: %v: %s", err, body)
			}
			if err := json.Unmarshal(want, &exp); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("reply\n%s\nwant (%s)\n%s", body, file, want)
			}
		})
	}
}

func TestArtixCSRestReplies(t *testing.T) {
	srv := NewServer(t)
	if err := srv.Artix().Customers.Add(context.Background(), loyalty.ArtixCustomer{ID: "a/b c"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               string // a part of the body; "" for an empty body
	}{
		{"absent client is an empty 200", "GET", artixwire.CSClientByIDPath + "nobody", 200, ""},
		{"escaped idclient", "GET", artixwire.CSClientByIDPath + "a%2Fb%20c", 200, `"idclient":"a/b c"`},
		{"PUT is not served", "PUT", artixwire.CSClientsPath, 405, `"errorCode":405`},
		{"POST of no client", "POST", artixwire.CSClientsPath, 400, `"errorCode":400`},
		{"cards are written, not read", "GET", "/CSrest/rest/dictionaries/cards", 405, `"errorCode":405`},
		{"other CSrest path", "GET", "/CSrest/rest/dictionaries/goods", 404, `"errorCode":404`},
		{"size 0", "GET", artixwire.CSClientsByPagePath + "?size=0", 400, "size"},
		{"page not a number", "GET", artixwire.CSClientsByPagePath + "?page=x", 400, "page"},
		{"page past the end", "GET", artixwire.CSClientsByPagePath + "?page=1000000000000", 200, `"content":[]`},
		{"default page size 20", "GET", artixwire.CSClientsByPagePath, 200, `"size":20`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := adminDo(t, srv, tc.method, tc.path, "")
			if status != tc.status || tc.body == "" && body != "" || !strings.Contains(body, tc.body) {
				t.Errorf("%d %q, want %d with %q", status, body, tc.status, tc.body)
			}
		})
	}

	srv.RequireArtixAuth("admin", "exchanger-only")
	if status, _ := adminDo(t, srv, "GET", artixwire.CSClientsPath, ""); status != 200 {
		t.Errorf("CSrest with only the exchanger's login set: %d, want 200 (field clients send none to CSrest)", status)
	}
	srv.RequireArtixCashServerAuth("admin", "pw-1234")
	if status, body := adminDo(t, srv, "GET", artixwire.CSClientsPath, ""); status != 401 || !strings.Contains(body, `"errorCode":401`) {
		t.Errorf("without auth: %d %s, want 401", status, body)
	}
	if _, err := srv.ArtixCashServer().Customers.Get(context.Background(), "a/b c"); err != nil {
		t.Errorf("Server.ArtixCashServer sends the auth: %v", err)
	}
}
