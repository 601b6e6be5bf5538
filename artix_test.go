package loyalty_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func TestArtixValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("ж", n) } // 2 bytes a rune
	ok := loyalty.ArtixCustomer{ID: "1"}
	with := func(f func(c *loyalty.ArtixCustomer)) loyalty.ArtixCommand {
		c := ok
		f(&c)
		return loyalty.AddClient(c)
	}
	cases := []struct {
		name  string
		cmd   loyalty.ArtixCommand
		field string // "" when valid
	}{
		{"minimal", loyalty.AddClient(ok), ""},
		{"empty idclient", with(func(c *loyalty.ArtixCustomer) { c.ID = "" }), "client.idclient"},
		{"blank idclient", with(func(c *loyalty.ArtixCustomer) { c.ID = "  " }), "client.idclient"},
		{"idclient 100 runes", with(func(c *loyalty.ArtixCustomer) { c.ID = long(100) }), ""},
		{"idclient 101 runes", with(func(c *loyalty.ArtixCustomer) { c.ID = long(101) }), "client.idclient"},
		{"name 200 runes (400 bytes)", with(func(c *loyalty.ArtixCustomer) { c.FirstName = long(200) }), ""},
		{"name 201 runes", with(func(c *loyalty.ArtixCustomer) { c.FirstName = long(201) }), "client.name"},
		{"email 201 runes", with(func(c *loyalty.ArtixCustomer) { c.Email = long(201) }), "client.email"},
		{"phone 201 runes", with(func(c *loyalty.ArtixCustomer) { c.Phone = long(201) }), "client.phonenumber"},
		{"specialdate3name 201 runes", with(func(c *loyalty.ArtixCustomer) { c.SpecialDate3Name = long(201) }), "client.specialdate3name"},
		{"lastname 255 runes", with(func(c *loyalty.ArtixCustomer) { c.LastName = long(255) }), ""},
		{"lastname 256 runes", with(func(c *loyalty.ArtixCustomer) { c.LastName = long(256) }), "client.lastname"},
		{"patronymic 256 runes", with(func(c *loyalty.ArtixCustomer) { c.MiddleName = long(256) }), "client.patronymic"},
		{"organizationcode 255 runes", with(func(c *loyalty.ArtixCustomer) { c.OrganizationCode = long(255) }), ""},
		{"organizationcode 256 runes", with(func(c *loyalty.ArtixCustomer) { c.OrganizationCode = long(256) }), "client.organizationcode"},
		{"extendedoptions unlimited", with(func(c *loyalty.ArtixCustomer) { c.ExtendedOptions = long(5000) }), ""},
		{"invalid UTF-8", with(func(c *loyalty.ArtixCustomer) { c.Text = "\xff" }), "client.text"},
		{"birthday 1901", with(func(c *loyalty.ArtixCustomer) { c.BirthDate = "1901-01-01" }), ""},
		{"birthday 1900", with(func(c *loyalty.ArtixCustomer) { c.BirthDate = "1900-12-31" }), "client.birthday"},
		{"birthday not a date", with(func(c *loyalty.ArtixCustomer) { c.BirthDate = "1966-02-30" }), "client.birthday"},
		{"birthday Russian format", with(func(c *loyalty.ArtixCustomer) { c.BirthDate = "20.05.1966" }), "client.birthday"},
		{"specialdate2 bad", with(func(c *loyalty.ArtixCustomer) { c.SpecialDate2 = "tomorrow" }), "client.specialdate2"},
		{"specialdate1 before 1900 is a date", with(func(c *loyalty.ArtixCustomer) { c.SpecialDate1 = "1899-01-01" }), ""},
		{"sex female", with(func(c *loyalty.ArtixCustomer) { c.Gender = new(loyalty.ArtixGenderFemale) }), ""},
		{"sex 2", with(func(c *loyalty.ArtixCustomer) { c.Gender = new(loyalty.ArtixGender(2)) }), "client.sex"},
		{"sex -1", with(func(c *loyalty.ArtixCustomer) { c.Gender = new(loyalty.ArtixGender(-1)) }), "client.sex"},
		{"childrencount 0", with(func(c *loyalty.ArtixCustomer) { c.ChildrenCount = new(0) }), ""},
		{"childrencount -1", with(func(c *loyalty.ArtixCustomer) { c.ChildrenCount = new(-1) }), "client.childrencount"},
		{"update empty id", loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{Email: new("a@b.ru")}), "client.idclient"},
		{"update long email", loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "1", Email: new(long(201))}), "client.email"},
		{"update bad birthday", loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "1", BirthDate: new(loyalty.ArtixDate("1800-01-01"))}), "client.birthday"},
		{"update clears birthday", loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "1", BirthDate: new(loyalty.ArtixDate(""))}), ""},
		{"delete empty id", loyalty.DeleteClient(""), "idclient"},
		{"delete long id", loyalty.DeleteClient(long(101)), "idclient"},
		{"add nil client", loyalty.ArtixCommand{Name: loyalty.ArtixAddClient}, "client"},
		{"update nil client", loyalty.ArtixCommand{Name: loyalty.ArtixUpdateClient}, "client"},
		{"zero command", loyalty.ArtixCommand{}, "command"},
		{"unknown command is raw", loyalty.ArtixCommand{Name: "dropTable"}, ""},
		{"command name with a space", loyalty.ArtixCommand{Name: "drop table"}, "command"},
		{"clear", loyalty.ClearClient(), ""},
	}
	srv := mock.NewServer(t)
	ax := srv.Artix()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cmd.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ve *loyalty.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("want a *ValidationError for %s, got %v", tc.field, err)
			}
			// In a batch: refused with the record named, nothing sent.
			before := len(srv.RequestsTo(mock.ArtixAPI))
			err = ax.Send(context.Background(), loyalty.ClearClient(), loyalty.DeleteClient("x"), tc.cmd)
			var re *loyalty.ArtixRecordError
			if !errors.As(err, &re) || re.Index != 2 || re.Command != tc.cmd.Name || re.ID != tc.cmd.ClientID() {
				t.Fatalf("want an *ArtixRecordError for command 2, got %v", err)
			}
			if !errors.As(err, &ve) {
				t.Errorf("error does not name the record and field: %v; want errors.As(err, &ve)", err)
			} else if ve.Field != tc.field {
				t.Errorf("error does not name the record and field: %v; want ve.Field == tc.field", err)
			} else if !strings.Contains(err.Error(), "command 2") {
				t.Errorf("error does not name the record and field: %v; want strings.Contains(err.Error(), \"command 2\")", err)
			} else if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error does not name the record and field: %v; want strings.Contains(err.Error(), tc.field)", err)
			}
			if after := len(srv.RequestsTo(mock.ArtixAPI)); after != before {
				t.Errorf("%d requests sent for an invalid batch", after-before)
			}
		})
	}
	var re *loyalty.ArtixRecordError
	if err := ax.Customers.Add(context.Background(), loyalty.ArtixCustomer{ID: "77", Gender: new(loyalty.ArtixGender(3))}); !errors.As(err, &re) {
		t.Errorf("Add: %v; want errors.As(err, &re)", err)
	} else if re.ID != "77" {
		t.Errorf("Add: %v; want re.ID == \"77\"", err)
	} else if !strings.Contains(err.Error(), `idclient "77"`) {
		t.Errorf("Add: %v; want strings.Contains(err.Error(), `idclient \"77\"`)", err)
	}
}

func TestArtixHTTPEndToEnd(t *testing.T) {
	ctx := context.Background()
	srv := mock.NewServer(t)
	srv.RequireArtixShopCode("111")
	srv.RequireArtixAuth("admin", "s3cret-pass")
	ax := srv.Artix()

	c := *specAddClient().Client
	if err := ax.Customers.Add(ctx, c); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if err := ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "12", FirstName: "Анна", Gender: new(loyalty.ArtixGenderFemale)}); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if got, ok := srv.ArtixCustomer("4"); !ok {
		t.Fatalf("client 4 on the server: %+v %v; want ok", got, ok)
	} else if got.LastName != "Петров" {
		t.Fatalf("client 4 on the server: %+v %v; want got.LastName == \"Петров\"", got, ok)
	} else if !*got.Options.EmailConfirmed {
		t.Fatalf("client 4 on the server: %+v %v; want *got.Options.EmailConfirmed", got, ok)
	}
	if err := ax.Customers.Update(ctx, loyalty.ArtixCustomerUpdate{ID: "4", Phone: new("88005559999"), Gender: new(loyalty.ArtixGenderMale)}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, _ := srv.ArtixCustomer("4")
	if got.Phone != "88005559999" {
		t.Errorf("update changed more or less than asked: %+v; want got.Phone == \"88005559999\"", got)
	} else if got.FirstName != "Пётр" {
		t.Errorf("update changed more or less than asked: %+v; want got.FirstName == \"Пётр\"", got)
	} else if got.Occupation != "Сантехник" {
		t.Errorf("update changed more or less than asked: %+v; want got.Occupation == \"Сантехник\"", got)
	}
	if err := ax.Customers.Delete(ctx, "12"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok := srv.ArtixCustomer("12"); ok {
		t.Errorf("client 12 not deleted: %v; want !ok", srv.ArtixCustomers())
	} else if srv.ArtixCustomerCount() != 1 {
		t.Errorf("client 12 not deleted: %v; want srv.ArtixCustomerCount() == 1", srv.ArtixCustomers())
	}
	if err := ax.Customers.Delete(ctx, "12"); err != nil {
		t.Errorf("deleting an absent client: %v", err)
	}
	if err := ax.Customers.Clear(ctx); err != nil {
		t.Fatalf("Clear: %v, %d left; want err == nil", err, srv.ArtixCustomerCount())
	} else if srv.ArtixCustomerCount() != 0 {
		t.Fatalf("Clear: %v, %d left; want srv.ArtixCustomerCount() == 0", err, srv.ArtixCustomerCount())
	}

	reqs := srv.RequestsTo(mock.ArtixAPI)
	r := reqs[0]
	// As field clients send it: shopcode and a dictionaryid, new per
	// batch, in the query; shopcode never as a header.
	if r.Method != http.MethodPost {
		t.Errorf("request: %s %s %v %v; want r.Method == http.MethodPost", r.Method, r.Path, r.Query, r.Header)
	} else if r.Path != "/aifexchange/loaddicts" {
		t.Errorf("request: %s %s %v %v; want r.Path == \"/aifexchange/loaddicts\"", r.Method, r.Path, r.Query, r.Header)
	} else if r.Query.Get("shopcode") != "111" {
		t.Errorf("request: %s %s %v %v; want r.Query.Get(\"shopcode\") == \"111\"", r.Method, r.Path, r.Query, r.Header)
	} else if r.Header.Get("shopcode") != "" {
		t.Errorf("request: %s %s %v %v; want r.Header.Get(\"shopcode\") == \"\"", r.Method, r.Path, r.Query, r.Header)
	} else if r.Query.Get("dictionaryid") == "" {
		t.Errorf("request: %s %s %v %v; want r.Query.Get(\"dictionaryid\") != \"\"", r.Method, r.Path, r.Query, r.Header)
	} else if r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request: %s %s %v %v; want r.Header.Get(\"Content-Type\") == \"application/json\"", r.Method, r.Path, r.Query, r.Header)
	} else if r.Header.Get("Accept") != "application/json" {
		t.Errorf("request: %s %s %v %v; want r.Header.Get(\"Accept\") == \"application/json\"", r.Method, r.Path, r.Query, r.Header)
	}
	ids := map[string]bool{}
	for _, r := range reqs {
		ids[r.Query.Get("dictionaryid")] = true
	}
	if len(ids) != len(reqs) {
		t.Errorf("%d dictionaryids for %d batches", len(ids), len(reqs))
	}
	// The mock required the credentials (RequireArtixAuth) for the calls
	// above to succeed; its journal, served by the admin endpoint without
	// authentication, keeps only the scheme.
	if got := r.Header.Get("Authorization"); got != "Basic REDACTED" {
		t.Errorf("journaled Authorization %q, want %q", got, "Basic REDACTED")
	}
	if !bytes.HasPrefix(r.Body, []byte(`[{"command":"addClient","client":{"idclient":"4",`)) {
		t.Errorf("body: %s", r.Body)
	}
	if b := string(reqs[len(reqs)-1].Body); b != `[{"command":"clearClient"}]` {
		t.Errorf("clear body: %s", b)
	}
}

func TestArtixHTTPBatchInOrder(t *testing.T) {
	srv := mock.NewServer(t)
	ax := srv.Artix()
	err := ax.Send(context.Background(),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "1", FirstName: "a"}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "2", FirstName: "b"}),
		loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "1", FirstName: new("A")}),
		loyalty.DeleteClient("2"),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "3"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	cs := srv.ArtixCustomers()
	if len(cs) != 2 {
		t.Errorf("directory: %+v; want len(cs) == 2", cs)
	} else if cs["1"].FirstName != "A" {
		t.Errorf("directory: %+v; want cs[\"1\"].FirstName == \"A\"", cs)
	} else if cs["3"].ID != "3" {
		t.Errorf("directory: %+v; want cs[\"3\"].ID == \"3\"", cs)
	}
	if err := ax.Send(context.Background()); err != nil {
		t.Errorf("an empty batch sent a request: %v; want err == nil", err)
	} else if len(srv.RequestsTo(mock.ArtixAPI)) != 1 {
		t.Errorf("an empty batch sent a request: %v; want len(srv.RequestsTo(mock.ArtixAPI)) == 1", err)
	}
}

func TestArtixHTTPErrors(t *testing.T) {
	ctx := context.Background()
	srv := mock.NewServer(t)
	srv.RequireArtixAuth("admin", "right")

	// The server's JSON error reply is surfaced; the batch is not applied.
	ax := srv.Artix()
	err := ax.Send(ctx, loyalty.AddClient(loyalty.ArtixCustomer{ID: "1"}), loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "404", Email: new("x")}))
	var ae *loyalty.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || !strings.Contains(ae.Info, `"404"`) || !strings.Contains(ae.Info, "(command 1)") {
		t.Fatalf("want a 400 *APIError naming command 1, got %v", err)
	}
	if ae.Attempts != 1 {
		t.Errorf("a 400 was retried (%d attempts) or half applied (%d clients); want ae.Attempts == 1", ae.Attempts, srv.ArtixCustomerCount())
	} else if srv.ArtixCustomerCount() != 0 {
		t.Errorf("a 400 was retried (%d attempts) or half applied (%d clients); want srv.ArtixCustomerCount() == 0", ae.Attempts, srv.ArtixCustomerCount())
	}

	// A wrong password: 401, and the password is in no error or log.
	var logs bytes.Buffer
	wrong, err := loyalty.NewArtix(srv.ArtixURL, loyalty.WithBasicAuth("admin", "wrong-S3CRET"), loyalty.WithoutRetries(),
		loyalty.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	err = wrong.Customers.Clear(ctx)
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized || ae.Info != "unauthorized" {
		t.Fatalf("want a 401 *APIError, got %v", err)
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", ae), logs.String()} {
		if strings.Contains(s, "wrong-S3CRET") {
			t.Errorf("password leaked: %s; want !strings.Contains(s, \"wrong-S3CRET\")", s)
		} else if strings.Contains(s, "d3JvbmctUzNDUkVU") {
			t.Errorf("password leaked: %s; want !strings.Contains(s, \"d3JvbmctUzNDUkVU\")", s)
		}
	}
	if logs.Len() == 0 {
		t.Error("no log records written")
	}

	// Not JSON (a proxy page): *APIError with the status, no Info.
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: http.StatusBadGateway})
	err = srv.Artix(loyalty.WithoutRetries()).Customers.Clear(ctx)
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadGateway || ae.Info != "" {
		t.Errorf("want a 502 *APIError, got %v", err)
	}
}

func TestArtixHTTPRetries(t *testing.T) {
	ctx := context.Background()
	srv := mock.NewServer(t)
	ax := srv.Artix()
	// 429 and 503 are retried; the batch is applied once it gets through.
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: http.StatusTooManyRequests, RetryAfter: "0"})
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: http.StatusServiceUnavailable})
	if err := ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "1"}); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if n := len(srv.RequestsTo(mock.ArtixAPI)); n != 3 {
		t.Errorf("%d requests, %d clients; want n == 3", n, srv.ArtixCustomerCount())
	} else if srv.ArtixCustomerCount() != 1 {
		t.Errorf("%d requests, %d clients; want srv.ArtixCustomerCount() == 1", n, srv.ArtixCustomerCount())
	}
	// An ambiguous failure after the batch took effect: retrying it is
	// harmless (the batch is marked idempotent) and the state is as after one.
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: http.StatusInternalServerError, AfterApply: true})
	err := ax.Send(ctx, loyalty.AddClient(loyalty.ArtixCustomer{ID: "2", FirstName: "x"}), loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "2", FirstName: new("y")}), loyalty.DeleteClient("1"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if cs := srv.ArtixCustomers(); len(cs) != 1 {
		t.Errorf("replayed batch left %+v; want len(cs) == 1", cs)
	} else if cs["2"].FirstName != "y" {
		t.Errorf("replayed batch left %+v; want cs[\"2\"].FirstName == \"y\"", cs)
	}
	// A reset connection is retried too, also for streamed bodies.
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Reset: true})
	if err := ax.SendSeq(ctx, artixAdds(1500)); err != nil {
		t.Fatalf("SendSeq after reset: %v", err)
	}
	if srv.ArtixCustomerCount() != 1501 {
		t.Errorf("%d clients", srv.ArtixCustomerCount())
	}
}

// artixAdds yields n addClient commands; it can be iterated many times.
func artixAdds(n int) iter.Seq[loyalty.ArtixCommand] {
	return func(yield func(loyalty.ArtixCommand) bool) {
		for i := range n {
			c := loyalty.ArtixCustomer{
				ID: fmt.Sprintf("c%06d", i), FirstName: "Иван", LastName: "Иванов", MiddleName: "Иванович",
				Phone: fmt.Sprintf("7916%07d", i), Email: fmt.Sprintf("c%d@example.ru", i),
				BirthDate: "1980-01-02", Gender: new(loyalty.ArtixGenderMale), ChildrenCount: new(i % 4),
				Communications: &loyalty.ArtixCommunications{SMS: new(true)},
			}
			if !yield(loyalty.AddClient(c)) {
				return
			}
		}
	}
}

func TestArtixHTTP100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k records")
	}
	t.Parallel()
	srv := mock.NewServer(t)
	n := artixBigBatch()
	if err := srv.Artix().SendSeq(context.Background(), artixAdds(n)); err != nil {
		t.Fatal(err)
	}
	if got := srv.ArtixCustomerCount(); got != n {
		t.Fatalf("%d clients, want %d", got, n)
	}
	r := srv.RequestsTo(mock.ArtixAPI)[0]
	if r.BodySize < int64(n)*200 {
		t.Errorf("body %d bytes (journal kept %d); want r.BodySize >= int64(n) * 200", r.BodySize, len(r.Body))
	} else if len(r.Body) != mock.MaxJournalBody {
		t.Errorf("body %d bytes (journal kept %d); want len(r.Body) == mock.MaxJournalBody", r.BodySize, len(r.Body))
	}
	if c, _ := srv.ArtixCustomer(fmt.Sprintf("c%06d", n-1)); c.Phone != fmt.Sprintf("7916%07d", n-1) {
		t.Errorf("last record: %+v", c)
	}
}

func TestArtixOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		err  func() error
	}{
		{"empty shopcode", func() error { _, err := loyalty.NewArtix("http://x", loyalty.WithArtixShopCode("")); return err }},
		{"empty user", func() error { _, err := loyalty.NewArtix("http://x", loyalty.WithBasicAuth("", "p")); return err }},
		{"colon in user", func() error { _, err := loyalty.NewArtix("http://x", loyalty.WithBasicAuth("a:b", "p")); return err }},
		{"line break", func() error {
			_, err := loyalty.NewArtix("http://x", loyalty.WithBasicAuth("a", "p\r\nX: y"))
			return err
		}},
		{"negative pickup", func() error { _, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(-1)); return err }},
		{"zero poll", func() error { _, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPollInterval(0)); return err }},
		{"bad URL", func() error { _, err := loyalty.NewArtix("ftp://x"); return err }},
		{"empty dir", func() error { _, err := loyalty.NewArtixExchangeDir(""); return err }},
		{"missing dir", func() error { _, err := loyalty.NewArtixExchangeDir(filepath.Join(dir, "nope")); return err }},
		{"file, not dir", func() error {
			f := filepath.Join(dir, "file")
			os.WriteFile(f, nil, 0o644)
			_, err := loyalty.NewArtixExchangeDir(f)
			return err
		}},
	} {
		var ce *loyalty.ConfigError
		if err := tc.err(); !errors.As(err, &ce) {
			t.Errorf("%s: want a *ConfigError, got %v", tc.name, err)
		}
	}
	if _, err := loyalty.NewArtix("http://x", loyalty.WithBasicAuth("admin", "secret-pw")); err != nil {
		t.Error(err)
	}
}

func TestArtixNilContext(t *testing.T) {
	ax := mock.NewServer(t).Artix()
	var ctx context.Context
	var ce *loyalty.ConfigError
	if err := ax.Customers.Clear(ctx); !errors.As(err, &ce) {
		t.Errorf("nil ctx: %v", err)
	}
}

// artixBigBatch is the size of the "100k" batch tests: 100k records, or
// 10k under the race detector, which slows encoding/json about tenfold
// (`go test ./...` in CI runs them at full size).
func artixBigBatch() int {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				return 10_000
			}
		}
	}
	return 100_000
}
