package mock

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

func postArtix(t *testing.T, srv *Server, path, body string, hdr map[string]string) (int, artixReply) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.ArtixURL+path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r artixReply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("reply is not JSON: %v", err)
	}
	return resp.StatusCode, r
}

func TestArtixLoadDictsReplies(t *testing.T) {
	srv := NewServer(t)
	const p = "/aifexchange/loaddicts"
	cases := []struct {
		name, path, body string
		status           int
		command          int // -1: no command index
		errPart          string
	}{
		{"spec example batch", p, `[{"client":{"idclient":4,"name":"Пётр"},"command":"addClient"},{"command":"updateClient","client":{"idclient":4,"sex":0,"phonenumber":"88005559999"}}]`, 200, -1, ""},
		{"not JSON", p, `nope`, 400, -1, "malformed"},
		{"object, not array", p, `{"command":"clearClient"}`, 400, -1, "array"},
		{"cut off", p, `[{"command":"clearClient"}`, 400, -1, "malformed"},
		{"unknown commands are kept", p, `[{"command":"addUnit","unit":{"idunit":1,"name":"шт"}},{"command":"dropTable"}]`, 200, -1, ""},
		{"command name of the wrong shape", p, `[{"command":"clearClient"},{"command":"drop table"}]`, 400, 1, "drop table"},
		{"invalid birthday", p, `[{"command":"addClient","client":{"idclient":"5","birthday":"1900-01-01"}}]`, 400, 0, "1900"},
		{"childrencount over 11 digits", p, `[{"command":"addClient","client":{"idclient":"5","childrencount":100000000000}}]`, 400, 0, "childrencount"},
		{"no idclient", p, `[{"command":"addClient","client":{"name":"x"}}]`, 400, 0, "idclient"},
		{"update of an unknown client", p, `[{"command":"clearClient"},{"command":"updateClient","client":{"idclient":"9","name":"x"}}]`, 400, 1, `"9"`},
		{"wrong path", "/aifexchange/other", `[]`, 404, -1, "no such endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, r := postArtix(t, srv, tc.path, tc.body, nil)
			if status != tc.status {
				t.Fatalf("status %d, want %d (%+v)", status, tc.status, r)
			}
			if tc.status == 200 {
				if r.Result != "ok" {
					t.Errorf("reply %+v; want r.Result == \"ok\"", r)
				} else if r.Applied == nil {
					t.Errorf("reply %+v; want r.Applied != nil", r)
				} else if *r.Applied != 2 {
					t.Errorf("reply %+v; want *r.Applied == 2", r)
				}
				return
			}
			if !strings.Contains(r.Error, tc.errPart) || (tc.command < 0) != (r.Command == nil) || (r.Command != nil && *r.Command != tc.command) {
				t.Errorf("reply %+v, want error with %q at command %d", r, tc.errPart, tc.command)
			}
		})
	}
	// Refused batches were not applied, not even in part.
	if c, ok := srv.ArtixCustomer("4"); !ok {
		t.Errorf("directory: %+v; want ok", srv.ArtixCustomers())
	} else if c.Phone != "88005559999" {
		t.Errorf("directory: %+v; want c.Phone == \"88005559999\"", srv.ArtixCustomers())
	} else if srv.ArtixCustomerCount() != 1 {
		t.Errorf("directory: %+v; want srv.ArtixCustomerCount() == 1", srv.ArtixCustomers())
	}
	resp, err := http.Get(srv.ArtixURL + p)
	if err != nil {
		t.Errorf("GET: %v %v; want err == nil", resp.StatusCode, err)
	} else if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET: %v %v; want resp.StatusCode == http.StatusNotFound", resp.StatusCode, err)
	} else if resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %v %v; want resp.Header.Get(\"Allow\") == \"POST\"", resp.StatusCode, err)
	}
	srv.Reset()
	if srv.ArtixCustomerCount() != 0 {
		t.Error("Reset kept the directory")
	}
}

func TestArtixAuth(t *testing.T) {
	srv := NewServer(t)
	srv.RequireArtixAuth("admin", "pw")
	srv.RequireArtixShopCode("111")
	const p = "/aifexchange/loaddicts"
	if status, _ := postArtix(t, srv, p, `[]`, nil); status != http.StatusUnauthorized {
		t.Errorf("no auth: %d", status)
	}
	auth := map[string]string{"Authorization": "Basic YWRtaW46cHc="} // admin:pw
	if status, _ := postArtix(t, srv, p, `[]`, auth); status != http.StatusForbidden {
		t.Errorf("no shopcode: %d", status)
	}
	// Field clients send shopcode as a query parameter, never as a header.
	auth["shopcode"] = "111"
	if status, _ := postArtix(t, srv, p, `[]`, auth); status != http.StatusForbidden {
		t.Errorf("shopcode as a header: %d", status)
	}
	if status, r := postArtix(t, srv, p+"?shopcode=111", `[]`, auth); status != http.StatusOK {
		t.Errorf("auth and shopcode: %d %+v; want status == http.StatusOK", status, r)
	} else if !r.Success {
		t.Errorf("auth and shopcode: %d %+v; want r.Success", status, r)
	}
	// The ready client carries the credentials.
	if err := srv.Artix().Customers.Add(context.Background(), loyalty.ArtixCustomer{ID: "1"}); err != nil {
		t.Errorf("srv.Artix(): %v", err)
	}
}

func TestArtixClientPanicsOnBadOptions(t *testing.T) {
	srv := NewServer(t)
	defer func() {
		if recover() == nil {
			t.Error("no panic for an invalid option")
		}
	}()
	srv.Artix(loyalty.WithRetry(-1, 0, 0))
}

func TestArtixClientsAreCopies(t *testing.T) {
	srv := NewServer(t)
	ax := srv.Artix()
	if err := ax.Customers.Add(context.Background(), loyalty.ArtixCustomer{ID: "1", Gender: new(loyalty.ArtixGenderMale)}); err != nil {
		t.Fatal(err)
	}
	c := srv.ArtixCustomers()["1"]
	*c.Gender = loyalty.ArtixGenderFemale
	if got, _ := srv.ArtixCustomer("1"); *got.Gender != loyalty.ArtixGenderMale {
		t.Error("changing a returned record changed the mock")
	}
}

func TestParseArtixFile(t *testing.T) {
	data := "{\"command\":\"addClient\",\"client\":{\"idclient\":\"1\"}}\n---\n{\n  \"command\": \"deleteClient\",\n  \"idclient\": 1\n}\r\n---\r\n"
	cmds, err := parseArtixFile([]byte(data))
	if err != nil {
		t.Fatalf("%+v %v; want err == nil", cmds, err)
	} else if len(cmds) != 2 {
		t.Fatalf("%+v %v; want len(cmds) == 2", cmds, err)
	} else if cmds[1].Name != loyalty.ArtixDeleteClient {
		t.Fatalf("%+v %v; want cmds[1].Name == loyalty.ArtixDeleteClient", cmds, err)
	} else if cmds[1].ID != "1" {
		t.Fatalf("%+v %v; want cmds[1].ID == \"1\"", cmds, err)
	}
	for _, bad := range []string{"", "\n---\n", "{\"command\":\"x y\"}\n---\n", "{not json\n---\n"} {
		if _, err := parseArtixFile([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestServeArtixExchangeDir(t *testing.T) {
	srv := NewServer(t)
	if err := srv.ServeArtixExchangeDir(context.Background(), filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing dir: want an error")
	}
	dir := t.TempDir()
	// A flag without its batch, and a batch without a flag (left alone).
	os.WriteFile(filepath.Join(dir, "pos20240101000000.flz"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "pos20240101000001.aif"), []byte(`{"command":"clearClient"}`+"\n---\n"), 0o644)
	if err := srv.loadArtixDir(dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 || entries[0].Name() != ArtixErrorFile || entries[1].Name() != "pos20240101000001.aif" {
		t.Errorf("left %v, want error.txt and the unflagged batch", entries)
	}
	if errs := srv.ArtixLoadErrors(); len(errs) != 1 {
		t.Errorf("errors %v", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.ServeArtixExchangeDir(ctx, dir); err != nil {
		t.Errorf("cancelled: %v", err)
	}
}
