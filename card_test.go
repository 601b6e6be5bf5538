package loyalty_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// Discount cards: Cards.Get/Insert/Update/Delete against the mock, and
// WithCardPaths.

func TestCards(t *testing.T) {
	// Card writes answering their id: how this test follows the cards.
	srv := mock.NewServer(t, mock.Config{Quirks: mock.Quirks{CardWriteIDs: true}})
	vp := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON))
	ctx := ctxT(t)
	act := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	res, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "1000123", ExternalID: "1C-C1", Medium: loyalty.MediumMagnet,
		Status: loyalty.CardActive, ActivateDate: &act, TypeName: new("Платиновая"), CustomerID: new(int64(11))})
	if err != nil {
		t.Fatalf("insert: %+v, %v; want err == nil", res, err)
	} else if !res.IsNew {
		t.Fatalf("insert: %+v, %v; want res.IsNew", res, err)
	} else if res.ID == 0 {
		t.Fatalf("insert: %+v, %v; want res.ID != 0", res, err)
	}
	r := srv.Requests()[0]
	if r.Path != "/api/customer/insertCard" {
		t.Errorf("insert wire %s %v; want r.Path == \"/api/customer/insertCard\"", r.Path, r.Query)
	} else if r.Query.Get("uid") != "1000123" {
		t.Errorf("insert wire %s %v; want r.Query.Get(\"uid\") == \"1000123\"", r.Path, r.Query)
	} else if r.Query.Get("external_id") != "1C-C1" {
		t.Errorf("insert wire %s %v; want r.Query.Get(\"external_id\") == \"1C-C1\"", r.Path, r.Query)
	} else if r.Query.Has("apikey") {
		t.Errorf("insert wire %s %v; want !r.Query.Has(\"apikey\")", r.Path, r.Query)
	}
	form, _ := url.ParseQuery(string(r.Body))
	if form.Get("activate_date") != "2024-03-01 10:00:00" {
		t.Errorf("insert form %v; want form.Get(\"activate_date\") == \"2024-03-01 10:00:00\"", form)
	} else if form.Get("medium") != "MAGNET" {
		t.Errorf("insert form %v; want form.Get(\"medium\") == \"MAGNET\"", form)
	} else if form.Has("block_date") {
		t.Errorf("insert form %v; want !form.Has(\"block_date\")", form)
	} else if form.Has("uid") {
		t.Errorf("insert form %v; want !form.Has(\"uid\")", form)
	}
	c, ok := srv.VirtPOSCard("1000123")
	ean, _ := loyalty.EAN13("1000123")
	if !ok {
		t.Fatalf("card %+v; want ok", c)
	} else if c.UIDEAN13 != ean {
		t.Fatalf("card %+v; want c.UIDEAN13 == ean", c)
	} else if c.Barcode != ean {
		t.Fatalf("card %+v; want c.Barcode == ean", c)
	} else if c.Medium != loyalty.MediumMagnet {
		t.Fatalf("card %+v; want c.Medium == loyalty.MediumMagnet", c)
	} else if c.Status != loyalty.CardActive {
		t.Fatalf("card %+v; want c.Status == loyalty.CardActive", c)
	} else if !c.ActivateDate.Equal(act) {
		t.Fatalf("card %+v; want c.ActivateDate.Equal(act)", c)
	} else if c.TypeName != "Платиновая" {
		t.Fatalf("card %+v; want c.TypeName == \"Платиновая\"", c)
	} else if c.TypeID == 0 {
		t.Fatalf("card %+v; want c.TypeID != 0", c)
	} else if c.CustomerID != 11 {
		t.Fatalf("card %+v; want c.CustomerID == 11", c)
	} else if c.ExternalID != "1C-C1" {
		t.Fatalf("card %+v; want c.ExternalID == \"1C-C1\"", c)
	}
	// Duplicate uid: the server's error.
	if _, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "1000123"}); err == nil {
		t.Error("duplicate uid accepted")
	}
	// Update by each key.
	block := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, ref := range []loyalty.CardRef{{CardID: res.ID}, {UID: "1000123"}, {ExternalID: "1C-C1"}, {Barcode: ean}} {
		up, err := vp.Cards.Update(ctx, ref, &loyalty.CardUpdate{Status: loyalty.CardBlocked, BlockDate: &block, TypeID: new(int64(1)), CustomerExternalID: new("1C-00004")})
		if err != nil {
			t.Fatalf("update by %+v: %+v, %v; want err == nil", ref, up, err)
		} else if up.ID != res.ID {
			t.Fatalf("update by %+v: %+v, %v; want up.ID == res.ID", ref, up, err)
		} else if up.IsNew {
			t.Fatalf("update by %+v: %+v, %v; want !up.IsNew", ref, up, err)
		}
	}
	c, _ = srv.VirtPOSCard("1000123")
	if c.Status != loyalty.CardBlocked {
		t.Errorf("after update %+v; want c.Status == loyalty.CardBlocked", c)
	} else if !c.BlockDate.Equal(block) {
		t.Errorf("after update %+v; want c.BlockDate.Equal(block)", c)
	} else if c.TypeID != 1 {
		t.Errorf("after update %+v; want c.TypeID == 1", c)
	} else if c.TypeName != "Золотая" {
		t.Errorf("after update %+v; want c.TypeName == \"Золотая\"", c)
	} else if c.CustomerID != 4 {
		t.Errorf("after update %+v; want c.CustomerID == 4", c)
	}
	// Lookup order: card_id first, even when the uid names another card.
	other := srv.VirtPOSCards()[0]
	if _, err := vp.Cards.Update(ctx, loyalty.CardRef{CardID: other.ID, UID: "1000123"}, &loyalty.CardUpdate{Barcode: new("4600000000003")}); err != nil {
		t.Fatal(err)
	}
	if c, _ := srv.VirtPOSCard(other.UID); c.Barcode != "4600000000003" {
		t.Errorf("lookup order: card_id did not win: %+v", c)
	}
	// Missing card; CreateIfNotExist creates it with the ref's keys.
	_, err = vp.Cards.Update(ctx, loyalty.CardRef{UID: "777"}, &loyalty.CardUpdate{Status: loyalty.CardNew})
	if !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("update missing: %v", err)
	}
	up, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: "777"}, &loyalty.CardUpdate{Medium: loyalty.MediumApp}, loyalty.CreateIfNotExist())
	if err != nil {
		t.Fatalf("create: %+v, %v; want err == nil", up, err)
	} else if !up.IsNew {
		t.Fatalf("create: %+v, %v; want up.IsNew", up, err)
	}
	r = srv.Requests()[len(srv.Requests())-1]
	if r.Query.Get("create_if_not_exist") != "1" {
		t.Errorf("create wire %v; want r.Query.Get(\"create_if_not_exist\") == \"1\"", r.Query)
	} else if r.Query.Get("uid") != "777" {
		t.Errorf("create wire %v; want r.Query.Get(\"uid\") == \"777\"", r.Query)
	}
	if c, ok := srv.VirtPOSCard("777"); !ok {
		t.Errorf("created %+v; want ok", c)
	} else if c.Medium != loyalty.MediumApp {
		t.Errorf("created %+v; want c.Medium == loyalty.MediumApp", c)
	} else if c.UIDEAN13 != "0000000007771" {
		t.Errorf("created %+v; want c.UIDEAN13 == \"0000000007771\"", c)
	}
	// Delete, then delete again: not found.
	if err := vp.Cards.Delete(ctx, loyalty.CardRef{Barcode: ean}); err != nil {
		t.Fatal(err)
	}
	r = srv.Requests()[len(srv.Requests())-1]
	if r.Path != "/api/customer/deleteCard" {
		t.Errorf("delete wire %s %v; want r.Path == \"/api/customer/deleteCard\"", r.Path, r.Query)
	} else if r.Query.Get("card_barcode") != ean {
		t.Errorf("delete wire %s %v; want r.Query.Get(\"card_barcode\") == ean", r.Path, r.Query)
	}
	if _, ok := srv.VirtPOSCard("1000123"); ok {
		t.Error("card not deleted")
	}
	if err := vp.Cards.Delete(ctx, loyalty.CardRef{Barcode: ean}); !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestCardPathsOption(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithCardPaths("/x/insert", "/x/update", "/x/delete"))
	_, err := vp.Cards.Insert(ctxT(t), &loyalty.CardUpdate{UID: "5"})
	// The mock has no such path: HTTP 404, which is not ErrNotFound.
	var ae *loyalty.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v; want errors.As(err, &ae)", err)
	} else if ae.StatusCode != 404 {
		t.Fatalf("got %v; want ae.StatusCode == 404", err)
	} else if errors.Is(err, loyalty.ErrNotFound) {
		t.Fatalf("got %v; want !errors.Is(err, loyalty.ErrNotFound)", err)
	}
	if !errors.Is(err, loyalty.ErrCardPath) {
		t.Errorf("a 404 on a card path: %v; want ErrCardPath, which names WithCardPaths", err)
	}
	if p := srv.Requests()[0].Path; p != "/x/insert" {
		t.Fatalf("path %s", p)
	}
}

// The spec documents no answer for insertCard, updateCard and deleteCard
// (the id/isnew sentence is the customer update's): a bare success=1 is a
// success, and the result says whether id and isnew came with it. The
// mock answers both ways: bare by default (the spec), with ids under
// Quirks.CardWriteIDs.
func TestCardWriteAnsweredBareSuccess(t *testing.T) {
	for _, tc := range []struct {
		name   string
		quirks mock.Quirks
		format loyalty.Format
		ids    bool
	}{
		{"bare xml", mock.Quirks{}, loyalty.FormatXML, false},
		{"bare json", mock.Quirks{}, loyalty.FormatJSON, false},
		{"with ids xml", mock.Quirks{CardWriteIDs: true}, loyalty.FormatXML, true},
		{"with ids json", mock.Quirks{CardWriteIDs: true}, loyalty.FormatJSON, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := mock.NewServer(t, mock.Config{Quirks: tc.quirks})
			vp := srv.VirtPOS(loyalty.WithFormat(tc.format))
			ctx := ctxT(t)
			ins, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "1000123", Medium: loyalty.MediumApp})
			if err != nil {
				t.Fatalf("Insert: %v; want a success", err)
			}
			card, ok := srv.VirtPOSCard("1000123")
			if !ok {
				t.Fatal("Insert succeeded but the mock has no card 1000123")
			}
			want := loyalty.UpdateResult{}
			if tc.ids {
				want = loyalty.UpdateResult{ID: card.ID, IsNew: true, IDSent: true, IsNewSent: true}
			}
			if *ins != want {
				t.Errorf("Insert result %+v, want %+v", *ins, want)
			}
			up, err := vp.Cards.Update(ctx, loyalty.CardRef{UID: "1000123"}, &loyalty.CardUpdate{Status: loyalty.CardActive})
			if err != nil {
				t.Fatalf("Update: %v; want a success", err)
			}
			if want.IsNew = false; *up != want {
				t.Errorf("Update result %+v, want %+v", *up, want)
			}
			if err := vp.Cards.Delete(ctx, loyalty.CardRef{UID: "1000123"}); err != nil {
				t.Errorf("Delete: %v; want a success", err)
			}
			body := string(srv.Requests()[0].Body)
			if len(body) == 0 {
				t.Error("the journal has no insert body")
			}
		})
	}
}

// PUT /_mock/quirks switches card writes to answering ids, and back.
func TestCardWriteIDsAdminToggle(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	put := func(body string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPut, srv.VirtPOSURL+"/_mock/quirks", strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT /_mock/quirks %s: HTTP %d, want 200", body, resp.StatusCode)
		}
	}
	put(`{"card_write_ids":true}`)
	res, err := vp.Cards.Insert(ctxT(t), &loyalty.CardUpdate{UID: "42"})
	if err != nil || !res.IDSent || res.ID == 0 {
		t.Fatalf("with card_write_ids: %+v, %v; want an id", res, err)
	}
	put(`{}`)
	res, err = vp.Cards.Insert(ctxT(t), &loyalty.CardUpdate{UID: "43"})
	if err != nil || res.IDSent {
		t.Fatalf("without card_write_ids: %+v, %v; want a bare success", res, err)
	}
}

// The card paths are a guess: a 404 or an HTML page on one is an error
// that names WithCardPaths; a success=0 on the right path is not.
func TestCardPathErrorNamesWithCardPaths(t *testing.T) {
	page := func(status int, ctype, body string) *loyalty.VirtPOS {
		t.Helper()
		tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{func(r *http.Request) *http.Response {
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {ctype}}, Request: r, Body: io.NopCloser(strings.NewReader(body))}
		}}}
		vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithRetry(0, 0, 0), loyalty.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		return vp
	}
	for _, tc := range []struct {
		name     string
		vp       *loyalty.VirtPOS
		wantHint bool
	}{
		{"404", page(404, "text/html", "<html><body>Not Found</body></html>"), true},
		{"html 200", page(200, "text/html", "<!DOCTYPE html><html><body>Войти</body></html>"), true},
		{"success=0", page(200, "application/xml", "<root><success>0</success><info>Карта не найдена</info></root>"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.vp.Cards.Insert(ctxT(t), &loyalty.CardUpdate{UID: "5"})
			var ae *loyalty.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %v, want an *APIError", err)
			}
			if got := errors.Is(err, loyalty.ErrCardPath); got != tc.wantHint {
				t.Errorf("errors.Is(err, ErrCardPath) = %v, want %v (err: %v)", got, tc.wantHint, err)
			}
			if got := strings.Contains(err.Error(), "WithCardPaths"); got != tc.wantHint {
				t.Errorf("the message names WithCardPaths: %v, want %v: %v", got, tc.wantHint, err)
			}
		})
	}
	// The same for a customer update names no card path.
	_, err := page(404, "text/html", "<html></html>").Customers.Update(ctxT(t), 1, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
	if errors.Is(err, loyalty.ErrCardPath) {
		t.Errorf("a customer update's 404 names the card paths: %v", err)
	}
}
