package loyalty_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func TestCustomersUpsertMany(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	ctx := context.Background()
	before := len(srv.VirtPOSCustomers())

	items := []loyalty.CustomerUpsert{
		{ID: 1, Fields: &loyalty.CustomerUpdate{Email: new("one@example.ru")}},               // update by id
		{Fields: &loyalty.CustomerUpdate{FirstName: new("Ева"), ExternalID: new("EXT-NEW")}}, // create by external id
		{Fields: &loyalty.CustomerUpdate{FirstName: new("Без кода")}},                        // plain create
		{ID: 999999, Fields: &loyalty.CustomerUpdate{Email: new("x@example.ru")}},            // unknown id
		{Fields: &loyalty.CustomerUpdate{BirthMonth: new(13)}},                               // invalid
		{ID: 2, Fields: nil}, // invalid
	}
	var progress []int
	res, err := vp.Customers.UpsertMany(ctx, items, loyalty.WithWorkers(3), loyalty.WithProgress(func(done, total int) {
		if total != len(items) {
			t.Errorf("total %d", total)
		}
		progress = append(progress, done)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(items) {
		t.Fatalf("%d results", len(res))
	}
	for i, want := range []int{1, 2, 3, 4, 5, 6} {
		if progress[i] != want {
			t.Fatalf("progress %v", progress)
		}
	}
	if r := res[0]; r.Err != nil {
		t.Errorf("item 0: %+v; want r.Err == nil", r)
	} else if r.Value.ID != 1 {
		t.Errorf("item 0: %+v; want r.Value.ID == 1", r)
	} else if r.Value.IsNew {
		t.Errorf("item 0: %+v; want !r.Value.IsNew", r)
	}
	if c, _ := srv.VirtPOSCustomer(1); c.Email != "one@example.ru" {
		t.Errorf("customer 1 email %q", c.Email)
	}
	if r := res[1]; r.Err != nil {
		t.Errorf("item 1: %+v; want r.Err == nil", r)
	} else if !r.Value.IsNew {
		t.Errorf("item 1: %+v; want r.Value.IsNew", r)
	} else if c, ok := srv.VirtPOSCustomer(r.Value.ID); !ok {
		t.Errorf("created %+v; want ok", c)
	} else if c.ExternalID != "EXT-NEW" {
		t.Errorf("created %+v; want c.ExternalID == \"EXT-NEW\"", c)
	} else if c.FirstName != "Ева" {
		t.Errorf("created %+v; want c.FirstName == \"Ева\"", c)
	}
	if r := res[2]; r.Err != nil {
		t.Errorf("item 2: %+v; want r.Err == nil", r)
	} else if !r.Value.IsNew {
		t.Errorf("item 2: %+v; want r.Value.IsNew", r)
	}
	if r := res[3]; !errors.Is(r.Err, loyalty.ErrNotFound) {
		t.Errorf("item 3: %v, want ErrNotFound", r.Err)
	}
	var ve *loyalty.ValidationError
	for _, i := range []int{4, 5} {
		if !errors.As(res[i].Err, &ve) {
			t.Errorf("item %d: %v, want a *ValidationError", i, res[i].Err)
		}
	}
	if got := len(srv.VirtPOSCustomers()); got != before+2 {
		t.Errorf("%d customers, want %d", got, before+2)
	}
	if n := len(res.Failed()); n != 3 {
		t.Errorf("%d failed, want 3", n)
	}

	// A re-run by external id updates what the first run created.
	res2, err := vp.Customers.UpsertMany(ctx, items[1:2])
	if err != nil {
		t.Fatal(err, res2[0].Err, "; want err == nil")
	} else if res2[0].Err != nil {
		t.Fatal(err, res2[0].Err, "; want res2[0].Err == nil")
	}
	if res2[0].Value.IsNew || res2[0].Value.ID != res[1].Value.ID {
		t.Errorf("re-run: %+v, want an update of %d", res2[0].Value, res[1].Value.ID)
	}
	if got := len(srv.VirtPOSCustomers()); got != before+2 {
		t.Errorf("re-run created a customer: %d", got)
	}
}

func TestCardsUpsertMany(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	items := []loyalty.CardUpdate{
		{UID: "5550001", Medium: loyalty.MediumPlastic, CustomerID: new(int64(1))},
		{ExternalID: "1C-CARD-7", Medium: loyalty.MediumApp},
		{Medium: loyalty.MediumPlastic}, // no key
	}
	for range 2 { // the second run updates what the first created
		res, err := vp.Cards.UpsertMany(context.Background(), items, loyalty.WithWorkers(2))
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != nil {
			t.Fatal(res[0].Err, res[1].Err, "; want res[0].Err == nil")
		} else if res[1].Err != nil {
			t.Fatal(res[0].Err, res[1].Err, "; want res[1].Err == nil")
		}
		var ve *loyalty.ValidationError
		if !errors.As(res[2].Err, &ve) {
			t.Errorf("item 2: %v", res[2].Err)
		}
	}
	if c, ok := srv.VirtPOSCard("5550001"); !ok {
		t.Errorf("card %+v; want ok", c)
	} else if c.CustomerID != 1 {
		t.Errorf("card %+v; want c.CustomerID == 1", c)
	} else if c.Medium != loyalty.MediumPlastic {
		t.Errorf("card %+v; want c.Medium == loyalty.MediumPlastic", c)
	}
	n := 0
	for _, c := range srv.VirtPOSCards() {
		if c.UID == "5550001" || c.ExternalID == "1C-CARD-7" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d matching cards, want 2 (no duplicates)", n)
	}
}

// TestUpsertManyWorkerBound counts requests in flight at the server: the
// first requests wait at a gate until as many as the workers are in, so
// the peak is exactly the worker count without any timing.
func TestUpsertManyWorkerBound(t *testing.T) {
	m, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const workers = 4
	var (
		inFlight, peak atomic.Int32
		gate           = make(chan struct{})
		once           sync.Once
	)
	h := m.Handler(mock.VirtPOSAPI)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if n == workers {
			once.Do(func() { close(gate) })
		}
		select {
		case <-gate:
		case <-time.After(10 * time.Second): // a broken pool fails below, not here
		}
		h.ServeHTTP(w, r)
	}))
	defer hs.Close()
	vp, err := loyalty.NewVirtPOS(hs.URL, m.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]loyalty.CustomerUpsert, 40)
	for i := range items {
		items[i] = loyalty.CustomerUpsert{ID: int64(i%20 + 1), Fields: &loyalty.CustomerUpdate{SendSMS: new(i%2 == 0)}}
	}
	res, err := vp.Customers.UpsertMany(context.Background(), items, loyalty.WithWorkers(workers))
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p != workers {
		t.Errorf("peak in flight at the server %d, want %d", p, workers)
	}
}

func TestUpsertManyCancel(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	items := make([]loyalty.CustomerUpsert, 30)
	for i := range items {
		items[i] = loyalty.CustomerUpsert{ID: 1, Fields: &loyalty.CustomerUpdate{Phone: new("+79160000000")}}
	}
	res, err := vp.Customers.UpsertMany(ctx, items, loyalty.WithWorkers(1), loyalty.WithProgress(func(done, _ int) {
		if done == 3 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	ok := 0
	for i, r := range res {
		if r.Err == nil {
			ok++
		} else if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("item %d: %v", i, r.Err)
		}
	}
	if ok != 3 {
		t.Errorf("%d items succeeded, want 3", ok)
	}
	if n := len(srv.RequestsTo(mock.VirtPOSAPI)); n > 4 {
		t.Errorf("%d requests reached the server after cancelling at 3", n)
	}
}

func TestBulkOptionsValidated(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	items := []loyalty.CustomerUpsert{{ID: 1, Fields: &loyalty.CustomerUpdate{}}}
	for _, o := range []loyalty.BulkOption{loyalty.WithWorkers(0), loyalty.WithRateLimit(0), loyalty.WithRateLimit(-3),
		loyalty.WithRateLimit(1e-11), loyalty.WithRateLimit(math.NaN()), loyalty.WithRateLimit(math.Inf(1))} {
		_, err := vp.Customers.UpsertMany(context.Background(), items, o)
		var ve *loyalty.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("err = %v, want a *ValidationError", err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestUpsertManySameKeyCreatesOnce(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	// Slow the look-ups so that two concurrent ones would both miss.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Method: "GET", Delay: 20 * time.Millisecond, Times: -1})
	before := len(srv.VirtPOSCustomers())
	items := make([]loyalty.CustomerUpsert, 6)
	for i := range items {
		items[i] = loyalty.CustomerUpsert{Fields: &loyalty.CustomerUpdate{ExternalID: new("DUP-1"), FirstName: new("Пётр")}}
	}
	res, err := vp.Customers.UpsertMany(context.Background(), items, loyalty.WithWorkers(6))
	if err != nil {
		t.Fatalf("UpsertMany: %v / %v; want err == nil", err, res.Err())
	} else if res.Err() != nil {
		t.Fatalf("UpsertMany: %v / %v; want res.Err() == nil", err, res.Err())
	}
	if n := len(srv.VirtPOSCustomers()) - before; n != 1 {
		t.Fatalf("%d customers created for one external id, want 1", n)
	}
	cards := []loyalty.CardUpdate{{UID: "880001"}, {UID: "880001"}, {UID: "880001"}}
	if _, err := vp.Cards.UpsertMany(context.Background(), cards, loyalty.WithWorkers(3)); err != nil {
		t.Fatal(err)
	}
	if n := cardsWithUID(srv, "880001"); n != 1 {
		t.Fatalf("%d cards with uid 880001, want 1", n)
	}
}
