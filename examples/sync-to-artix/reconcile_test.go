package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// loads counts the batches sent to the mock's tills.
func loads(srv *mock.Server) int {
	n := 0
	for _, r := range srv.RequestsTo(mock.ArtixAPI) {
		if r.Method == http.MethodPost {
			n++
		}
	}
	return n
}

func TestSyncReconcile(t *testing.T) {
	srv := mock.NewServer(t)
	ctx := context.Background()
	args := []string{"-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL,
		"-reconcile", "-cs-url", srv.ArtixURL, "-cs-page-size", "7", "-batch", "10"}
	n := withPhone(t, srv)
	// A client another system loaded: reconcile leaves it alone without -prune.
	if err := srv.Artix().Customers.Add(ctx, loyalty.ArtixCustomer{ID: "card-777", FirstName: "Чужой"}); err != nil {
		t.Fatal(err)
	}

	r, err := runJSON(t, args...)
	if want := (Report{Read: n, Added: n, Extra: 1}); err != nil || !reflect.DeepEqual(r, want) {
		t.Fatalf("first run: %+v %v, want %+v", r, err, want)
	}

	// Change VirtPOS: one renamed, one loses its phone, one new, one with a bad phone.
	vp, ids := changeVirtPOS(t, srv)
	before := loads(srv)
	r, err = runJSON(t, args...)
	if err == nil || len(r.Errors) != 1 {
		t.Fatalf("second run: %v, want an error for the bad phone", err)
	}
	r.Errors = nil
	if want := (Report{Read: n, Added: 1, Updated: 1, Unchanged: n - 3, Extra: 2, Failed: 1}); !reflect.DeepEqual(r, want) {
		t.Fatalf("second run %+v, want %+v", r, want)
	}
	if sent := loads(srv) - before; sent != 1 {
		t.Fatalf("second run sent %d batches, want 1 with the two changed clients", sent)
	}
	if c, _ := srv.ArtixCustomer(itoa(ids[0])); c.FirstName != "Переименован" {
		t.Fatalf("renamed client: %+v", c)
	}
	if c, ok := srv.ArtixCustomer(itoa(ids[2])); !ok {
		t.Fatal("a bad phone in VirtPOS removed or blanked the client on the tills", "; want ok")
	} else if c.Phone == "" {
		t.Fatal("a bad phone in VirtPOS removed or blanked the client on the tills", "; want c.Phone != \"\"")
	}

	// Phone fixed; -prune deletes what VirtPOS does not have.
	if _, err := vp.Customers.Update(ctx, ids[2], &loyalty.CustomerUpdate{Phone: new("89161112233")}); err != nil {
		t.Fatal(err)
	}
	r, err = runJSON(t, append(args, "-prune")...)
	if want := (Report{Read: n, Updated: 1, Unchanged: n - 1, Deleted: 2}); err != nil || !reflect.DeepEqual(r, want) {
		t.Fatalf("third run: %+v %v, want %+v", r, err, want)
	}
	checkTills(t, srv)

	// In step: the directory is read, nothing is sent.
	before = loads(srv)
	r, err = runJSON(t, append(args, "-prune")...)
	if want := (Report{Read: n, Unchanged: n}); err != nil || !reflect.DeepEqual(r, want) || loads(srv) != before {
		t.Fatalf("fourth run: %+v %v, %d batches sent; want %+v and none", r, err, loads(srv)-before, want)
	}
}

// TestSyncReconcileReadErrorSendsNothing: without the tills' directory
// there is no difference to send.
func TestSyncReconcileReadErrorSendsNothing(t *testing.T) {
	srv := mock.NewServer(t)
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Path: "/CSrest/rest/dictionaries/clients*", Status: 503, Times: -1})
	r, err := runJSON(t, "-virtpos-url", srv.VirtPOSURL, "-virtpos-apikey", srv.APIKey, "-artix-url", srv.ArtixURL,
		"-reconcile", "-cs-url", srv.ArtixURL)
	var apiErr *loyalty.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || !reflect.DeepEqual(r, Report{}) || loads(srv) != 0 {
		t.Fatalf("report %+v %v, %d batches sent; want a 503 *APIError and nothing sent", r, err, loads(srv))
	}
}

func TestSyncReconcileFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-reconcile", "-state", "s.json"},
		{"-prune"},
		{"-cs-url", "http://cs:8080"},
		{"-reconcile", "-artix-url", "http://kassa:28080"},
		{"-reconcile", "-artix-dir", "/tmp"},
		{"-reconcile", "-cs-url", "http://cs:8080"},
		{"-reconcile", "-cs-page-size", "-1"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q): want an error", args)
		}
	}
	o, err := parseFlags([]string{"-reconcile", "-artix-url", "http://kassa:28080", "-cs-url", "http://cs:8080", "-cs-page-size", "0"}, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parseFlags: %+v %v; want err == nil", o, err)
	} else if !o.reconcile {
		t.Fatalf("parseFlags: %+v %v; want o.reconcile", o, err)
	} else if o.cs.PageSize != 0 {
		t.Fatalf("parseFlags: %+v %v; want o.cs.PageSize == 0", o, err)
	}
}
