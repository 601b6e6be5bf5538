package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func TestMapCustomer(t *testing.T) {
	base := loyalty.Customer{ID: 42, FirstName: "Пётр", LastName: "Петров", MiddleName: "Петрович", Phone: "8 (916) 123-45-67",
		Gender: loyalty.GenderMale, BirthDay: 20, BirthMonth: 5, BirthYear: 1966, Email: " p@example.ru ", SendSMS: true}
	with := func(f func(*loyalty.Customer)) loyalty.Customer { c := base; f(&c); return c }
	for _, tc := range []struct {
		name    string
		in      loyalty.Customer
		check   func(a loyalty.ArtixCustomer) bool
		wantErr string
	}{
		{"full record", base, func(a loyalty.ArtixCustomer) bool {
			return a.ID == "42" && a.FirstName == "Пётр" && a.LastName == "Петров" && a.MiddleName == "Петрович" &&
				a.Phone == "79161234567" && a.BirthDate == "1966-05-20" && *a.Gender == loyalty.ArtixGenderMale && a.Email == "p@example.ru" &&
				*a.Subscribed && *a.Communications.SMS && !*a.Communications.Email
		}, ""},
		{"full name in fname", with(func(c *loyalty.Customer) {
			c.FirstName, c.LastName, c.MiddleName = "  Иванова   Мария Сергеевна ", "", ""
		}),
			func(a loyalty.ArtixCustomer) bool {
				return a.LastName == "Иванова" && a.FirstName == "Мария" && a.MiddleName == "Сергеевна"
			}, ""},
		{"two words", with(func(c *loyalty.Customer) { c.FirstName, c.LastName, c.MiddleName = "Сидоров Олег", "", "" }),
			func(a loyalty.ArtixCustomer) bool {
				return a.LastName == "Сидоров" && a.FirstName == "Олег" && a.MiddleName == ""
			}, ""},
		{"double patronymic", with(func(c *loyalty.Customer) {
			c.FirstName, c.LastName, c.MiddleName = "Алиев Рустам Гейдар оглы", "", ""
		}),
			func(a loyalty.ArtixCustomer) bool { return a.MiddleName == "Гейдар оглы" }, ""},
		{"one word kept", with(func(c *loyalty.Customer) { c.FirstName, c.LastName, c.MiddleName = "Мадонна", "", "" }),
			func(a loyalty.ArtixCustomer) bool { return a.FirstName == "Мадонна" && a.LastName == "" }, ""},
		{"split fields are not re-split", with(func(c *loyalty.Customer) { c.FirstName = "Анна Мария" }),
			func(a loyalty.ArtixCustomer) bool {
				return a.FirstName == "Анна Мария" && a.LastName == "Петров"
			}, ""},
		{"+7 phone", with(func(c *loyalty.Customer) { c.Phone = "+7 903 555-00-11" }),
			func(a loyalty.ArtixCustomer) bool { return a.Phone == "79035550011" }, ""},
		{"bad phone", with(func(c *loyalty.Customer) { c.Phone = "12345" }), nil, "phone"},
		{"no phone", with(func(c *loyalty.Customer) { c.Phone = "" }), nil, "phone"},
		{"partial birthday dropped", with(func(c *loyalty.Customer) { c.BirthYear = 0 }),
			func(a loyalty.ArtixCustomer) bool { return a.BirthDate == "" }, ""},
		{"impossible birthday dropped", with(func(c *loyalty.Customer) { c.BirthDay, c.BirthMonth = 31, 2 }),
			func(a loyalty.ArtixCustomer) bool { return a.BirthDate == "" }, ""},
		{"birthday before 1901 dropped", with(func(c *loyalty.Customer) { c.BirthYear = 1900 }),
			func(a loyalty.ArtixCustomer) bool { return a.BirthDate == "" }, ""},
		{"female", with(func(c *loyalty.Customer) { c.Gender = loyalty.GenderFemale }),
			func(a loyalty.ArtixCustomer) bool { return *a.Gender == loyalty.ArtixGenderFemale }, ""},
		{"unknown gender left out", with(func(c *loyalty.Customer) { c.Gender = "" }),
			func(a loyalty.ArtixCustomer) bool { return a.Gender == nil }, ""},
		{"no consent", with(func(c *loyalty.Customer) { c.SendSMS, c.SendEmail, c.SendPush = false, false, false }),
			func(a loyalty.ArtixCustomer) bool { return !*a.Subscribed && !*a.Communications.SMS }, ""},
		{"push alone is consent", with(func(c *loyalty.Customer) { c.SendSMS, c.SendPush = false, true }),
			func(a loyalty.ArtixCustomer) bool { return *a.Subscribed && !*a.Communications.SMS }, ""},
		{"too long a name", with(func(c *loyalty.Customer) { c.FirstName = strings.Repeat("я", 201) }), nil, "client.name"},
		{"no id", with(func(c *loyalty.Customer) { c.ID = 0 }), nil, "not a VirtPOS id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := MapCustomer(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(a) {
				t.Fatalf("mapped to %+v", a)
			}
		})
	}
}

func runJSON(t *testing.T, args ...string) (Report, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"-json"}, args...), &out, &errOut)
	var r Report
	if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil {
		t.Fatalf("report %q: %v (run: %v, stderr %s)", out.String(), jerr, err, errOut.String())
	}
	return r, err
}

// withPhone counts the seed customers the sync should send.
func withPhone(t *testing.T, srv *mock.Server) int {
	n := 0
	for _, c := range srv.VirtPOSCustomers() {
		if c.Phone != "" {
			n++
		}
	}
	if n == 0 {
		t.Fatal("the seed has no customer with a phone")
	}
	return n
}

func TestSyncEmbeddedMock(t *testing.T) {
	ref, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := withPhone(t, ref)
	// With the state file or -reconcile (the tills' directory read back),
	// over HTTP or an exchange directory: a fresh mock gets every client.
	for _, mode := range []string{"", "-reconcile"} {
		for _, transport := range []string{"http", "dir"} {
			t.Run(mode+transport, func(t *testing.T) {
				args := []string{"-mock-transport", transport, "-batch", "16"}
				if mode != "" {
					args = append(args, mode)
				}
				r, err := runJSON(t, args...)
				if err != nil || r.Read != want || r.Added != want || r.Failed != 0 || r.Updated != 0 {
					t.Fatalf("report %+v %v, want %d added", r, err, want)
				}
			})
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "failed 0") {
		t.Fatalf("text report %q", out.String())
	}
}

func TestSyncIncrementalWithState(t *testing.T) {
	srv := mock.NewServer(t)
	ctx := context.Background()
	statePath := filepath.Join(t.TempDir(), "state.json")
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL, "-state", statePath, "-batch", "10"}
	n := withPhone(t, srv)

	r, err := runJSON(t, args...)
	if err != nil || r.Added != n || srv.ArtixCustomerCount() != n {
		t.Fatalf("first run: %+v %v; %d on the tills, want %d", r, err, srv.ArtixCustomerCount(), n)
	}
	checkTills(t, srv)

	vp, ids := changeVirtPOS(t, srv)

	r, err = runJSON(t, args...)
	want := Report{Read: n, Added: 1, Updated: 1, Unchanged: n - 3, Deleted: 1, Failed: 1}
	if err == nil || r.Errors == nil {
		t.Fatalf("second run: %v, want an error for the bad phone", err)
	}
	r.Errors = nil
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("second run %+v, want %+v", r, want)
	}
	if _, ok := srv.ArtixCustomer(itoa(ids[1])); ok {
		t.Fatal("the client without a phone is still on the tills")
	}
	if c, ok := srv.ArtixCustomer(itoa(ids[2])); !ok {
		t.Fatal("a bad phone in VirtPOS removed or blanked the client on the tills", "; want ok")
	} else if c.Phone == "" {
		t.Fatal("a bad phone in VirtPOS removed or blanked the client on the tills", "; want c.Phone != \"\"")
	}
	if c, _ := srv.ArtixCustomer(itoa(ids[0])); c.FirstName != "Переименован" {
		t.Fatalf("renamed client: %+v", c)
	}

	// Nothing changed since: nothing is sent.
	before := len(srv.RequestsTo(mock.ArtixAPI))
	if _, err := vp.Customers.Update(ctx, ids[2], &loyalty.CustomerUpdate{Phone: new("89161112233")}); err != nil {
		t.Fatal(err)
	}
	r, err = runJSON(t, args...)
	if err != nil {
		t.Fatalf("third run %+v %v; want err == nil", r, err)
	} else if r.Updated != 1 {
		t.Fatalf("third run %+v %v; want r.Updated == 1", r, err)
	} else if r.Unchanged != n-1 {
		t.Fatalf("third run %+v %v; want r.Unchanged == n - 1", r, err)
	} else if r.Added+r.Deleted+r.Failed != 0 {
		t.Fatalf("third run %+v %v; want r.Added + r.Deleted + r.Failed == 0", r, err)
	}
	if sent := len(srv.RequestsTo(mock.ArtixAPI)) - before; sent != 1 {
		t.Fatalf("third run sent %d batches, want the 1 with the changed client", sent)
	}
	checkTills(t, srv)
}

func TestSyncFailedBatchIsRetriedNextRun(t *testing.T) {
	srv := mock.NewServer(t)
	statePath := filepath.Join(t.TempDir(), "state.json")
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL, "-state", statePath, "-batch", "10"}
	n := withPhone(t, srv)
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 400, Body: `{"error":"диск заполнен"}`})
	r, err := runJSON(t, args...)
	if err == nil {
		t.Fatalf("run with a refused batch: %+v %v; want err != nil", r, err)
	} else if r.Failed != 10 {
		t.Fatalf("run with a refused batch: %+v %v; want r.Failed == 10", r, err)
	} else if r.Added != n-10 {
		t.Fatalf("run with a refused batch: %+v %v; want r.Added == n - 10", r, err)
	} else if len(r.Errors) != 1 {
		t.Fatalf("run with a refused batch: %+v %v; want len(r.Errors) == 1", r, err)
	} else if !strings.Contains(r.Errors[0], "диск заполнен") {
		t.Fatalf("run with a refused batch: %+v %v; want strings.Contains(r.Errors[0], \"диск заполнен\")", r, err)
	}
	r, err = runJSON(t, args...)
	if err != nil || r.Added != 10 || r.Unchanged != n-10 {
		t.Fatalf("next run %+v %v, want the 10 failed ones added", r, err)
	}
	checkTills(t, srv)
}

func TestSyncReadErrorDeletesNothing(t *testing.T) {
	srv := mock.NewServer(t)
	statePath := filepath.Join(t.TempDir(), "state.json")
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL, "-state", statePath}
	if _, err := runJSON(t, args...); err != nil {
		t.Fatal(err)
	}
	count := srv.ArtixCustomerCount()
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 401, Times: -1})
	r, err := runJSON(t, args...)
	var apiErr *loyalty.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("failed read: %+v %v; %d clients left of %d; want errors.As(err, &apiErr)", r, err, srv.ArtixCustomerCount(), count)
	} else if r.Deleted != 0 {
		t.Fatalf("failed read: %+v %v; %d clients left of %d; want r.Deleted == 0", r, err, srv.ArtixCustomerCount(), count)
	} else if srv.ArtixCustomerCount() != count {
		t.Fatalf("failed read: %+v %v; %d clients left of %d; want srv.ArtixCustomerCount() == count", r, err, srv.ArtixCustomerCount(), count)
	}
}

func TestSyncFlags(t *testing.T) {
	t.Setenv("LOYALTY_VIRTPOS_APIKEY", "")
	for _, args := range [][]string{
		{"-batch", "0"}, {"-artix-url", "http://a", "-artix-dir", "/tmp"}, {"-mock-transport", "ftp"},
		{"-virtpos-url", "https://x.example"}, {"extra"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q): want an error", args)
		}
	}
}

// checkTills compares the Artix directory with the mapping of every
// VirtPOS customer with a valid phone.
func checkTills(t *testing.T, srv *mock.Server) {
	t.Helper()
	want := map[string]loyalty.ArtixCustomer{}
	for _, c := range srv.VirtPOSCustomers() {
		if a, err := MapCustomer(c); err == nil {
			want[a.ID] = a
		}
	}
	got := srv.ArtixCustomers()
	if len(got) != len(want) {
		t.Fatalf("%d clients on the tills, want %d", len(got), len(want))
	}
	for id, w := range want {
		if gj, wj := marshal(got[id]), marshal(w); gj != wj {
			t.Fatalf("client %s on the tills:\n%s\nwant\n%s", id, gj, wj)
		}
	}
}

func marshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func phoneIDs(srv *mock.Server) []int64 {
	var ids []int64
	for _, c := range srv.VirtPOSCustomers() {
		if c.Phone != "" {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// changeVirtPOS renames the first customer with a phone, takes the
// second's phone away, gives the third a bad one and adds a new customer.
// It returns a VirtPOS client and the ids of the customers with a phone
// as they were.
func changeVirtPOS(t *testing.T, srv *mock.Server) (*loyalty.VirtPOS, []int64) {
	t.Helper()
	ctx := context.Background()
	vp := srv.VirtPOS()
	ids := phoneIDs(srv)
	must := func(_ *loyalty.UpdateResult, err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(vp.Customers.Update(ctx, ids[0], &loyalty.CustomerUpdate{FirstName: new("Переименован")}))
	must(vp.Customers.Update(ctx, ids[1], &loyalty.CustomerUpdate{Phone: new("")}))
	must(vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Новиков Новый"), Phone: new("+79990001122")}))
	must(vp.Customers.Update(ctx, ids[2], &loyalty.CustomerUpdate{Phone: new("12345")}))
	return vp, ids
}

// TestSyncConfigMistakes: ordinary configuration mistakes are errors that
// say what is wrong, never a nil dereference (issue 20 item 20: the
// deferred close ran on the nil env of a failed connect).
func TestSyncConfigMistakes(t *testing.T) {
	t.Setenv("LOYALTY_VIRTPOS_APIKEY", "")
	for _, args := range [][]string{
		{"-artix-dir", "/nonexistent/exchange"},
		{"-artix-url", "ftp://x"},
		{"-confirm-timeout", "1s", "-status-listen", "256.0.0.1:bad"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("run(%q) panicked: %v", args, p)
				}
			}()
			err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil {
				t.Fatalf("run(%q): want an error", args)
			}
		})
	}
}
