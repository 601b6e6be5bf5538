package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// The pager behind VirtPOS Customers.All and the Cash Server's Customers.All, against servers that
// page wrongly: every one must end, with ErrPagingIgnored where records
// would otherwise repeat or go missing, and hand out no record of a page
// it refuses.

// directory answers the requests for pages: ids are the records of the
// call-th answer (from 0) to a request for page (numbered from 0) of
// size, meta the page object's keys after "content" (Spring writes them
// after it).
type directory func(call, page, size int) (ids []int, meta string)

// rotating is a directory of n records that ignores paging and answers
// all of them, rotated by one more on every call.
func rotating(n int, meta string) directory {
	return func(call, _, _ int) ([]int, string) {
		ids := make([]int, n)
		for i := range ids {
			ids[i] = (i + call) % n
		}
		return ids, meta
	}
}

// honouring is a directory of n records that pages as asked, capping the
// size at most (0: no cap), with meta made for each page.
func honouring(n, most int, meta func(page, size int) string) directory {
	return func(_, page, size int) ([]int, string) {
		if most > 0 {
			size = min(size, most)
		}
		var ids []int
		for i := page * size; i < min(n, (page+1)*size); i++ {
			ids = append(ids, i)
		}
		return ids, meta(page, size)
	}
}

// serveArtixPages is a Cash Server whose bypage answers come from d, and
// the number of requests it got.
func serveArtixPages(t *testing.T, d directory) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := int(calls.Add(1)) - 1
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		ids, meta := d(call, page, size)
		var b strings.Builder
		b.WriteString(`{"content":[`)
		for i, id := range ids {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"idclient":"%d"}`, id)
		}
		b.WriteString("]" + meta + "}")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, b.String())
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// readAll reads seq to its end or to max records, returning the records'
// ids and the error that ended it.
func readAll[T any](seq func(func(T, error) bool), id func(T) string, max int) (ids []string, err error) {
	for rec, e := range seq {
		if e != nil {
			return ids, e
		}
		ids = append(ids, id(rec))
		if len(ids) == max {
			return ids, errors.New("did not end")
		}
	}
	return ids, nil
}

func TestPagerArtix(t *testing.T) {
	for _, tc := range []struct {
		name     string
		size     int
		dir      directory
		want     int  // records handed out
		requests int  // requests made
		ignored  bool // the error is ErrPagingIgnored (else none)
	}{
		// Issue 20 item 5: 500 clients rotated on each call, page size 500.
		{"rotating, no metadata: the same clients again", 500, rotating(500, ""), 500, 2, true},
		{"rotating, totalElements reached", 500, rotating(500, `,"totalElements":500`), 500, 1, false},
		{"rotating, totalPages reached", 500, rotating(500, `,"totalPages":1,"last":false`), 500, 1, false},
		{"rotating, number says page 0", 500, rotating(500, `,"number":0`), 500, 2, true},
		{"rotating, more than a page", 10, rotating(500, ""), 0, 1, true},
		// A server that ignores paging over a larger directory, answering
		// a page's worth rotated by one each time: only its total ends it.
		{"rotating window, totalElements caps the pages", 10, func(call, _, size int) ([]int, string) {
			ids := make([]int, size)
			for i := range ids {
				ids[i] = (i + call) % 1000
			}
			return ids, `,"totalElements":30`
		}, 30, 3, false},
		// Item 15: "number" comes after "content"; the page is checked
		// before any client of it is handed out.
		{"wrong number after content", 10, honouring(25, 0, func(int, int) string { return `,"number":0` }), 10, 2, true},
		{"previous page in another order", 10, func(call, page, size int) ([]int, string) {
			ids := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
			if page > 0 {
				slices.Reverse(ids)
			}
			return ids, ""
		}, 10, 2, true},
		{"size capped while totalElements says more", 10, honouring(25, 5, func(int, int) string { return `,"totalElements":25` }), 5, 1, true},
		{"short page ends", 10, honouring(25, 0, func(int, int) string { return "" }), 25, 3, false},
		{"last page exactly full, then totalElements", 10, honouring(20, 0, func(int, int) string { return `,"totalElements":20` }), 20, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := serveArtixPages(t, tc.dir)
			cs, err := loyalty.NewArtixCashServer(srv.URL, loyalty.WithArtixPaging(loyalty.ArtixPaging{Size: tc.size}))
			if err != nil {
				t.Fatal(err)
			}
			ids, err := readAll(cs.Customers.All(context.Background()), func(r loyalty.ArtixCustomerRecord) string { return r.ID }, 5000)
			if len(ids) != tc.want {
				t.Errorf("%d clients handed out, want %d", len(ids), tc.want)
			}
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] && tc.name != "rotating window, totalElements caps the pages" {
					t.Errorf("idclient %s handed out twice", id)
				}
				seen[id] = true
			}
			checkPaging(t, int(calls.Load()), tc.requests, err, tc.ignored)
		})
	}
}

// TestPagerWrongPageHandsOutNothing: with pages of 10 and a server whose
// "number" (written after "content") is always 0, page 1's clients 10..19
// are never handed out.
func TestPagerWrongPageHandsOutNothing(t *testing.T) {
	srv, _ := serveArtixPages(t, honouring(25, 0, func(int, int) string { return `,"number":0` }))
	cs, err := loyalty.NewArtixCashServer(srv.URL, loyalty.WithArtixPaging(loyalty.ArtixPaging{Size: 10}))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := readAll(cs.Customers.All(context.Background()), func(r loyalty.ArtixCustomerRecord) string { return r.ID }, 100)
	for _, id := range ids {
		if n, _ := strconv.Atoi(id); n >= 10 {
			t.Errorf("client %s of the refused page 1 handed out", id)
		}
	}
	if !errors.Is(err, loyalty.ErrPagingIgnored) {
		t.Errorf("error %v, want ErrPagingIgnored", err)
	}
	if !strings.Contains(fmt.Sprint(err), "asked for page 1") {
		t.Errorf("error %q does not say which page was asked for", err)
	}
}

// serveVirtPOSPages is a VirtPOS whose customer lists come from d (pages
// numbered from 1 on the wire), in JSON with count.
func serveVirtPOSPages(t *testing.T, d directory, count int) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := int(calls.Add(1)) - 1
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
		ids, _ := d(call, page-1, size)
		var b strings.Builder
		fmt.Fprintf(&b, `{"success":1,"count":%d,"customers":[`, count)
		for i, id := range ids {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":%d}`, id+1)
		}
		b.WriteString("]}")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, b.String())
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestPagerVirtPOS(t *testing.T) {
	for _, tc := range []struct {
		name     string
		size     int
		dir      directory
		count    int
		want     int
		requests int
		ignored  bool
	}{
		{"rotating: the same customers again", 50, rotating(50, ""), 0, 50, 2, true},
		{"rotating window, count caps the pages", 10, func(call, _, size int) ([]int, string) {
			ids := make([]int, size)
			for i := range ids {
				ids[i] = (i + call) % 1000
			}
			return ids, ""
		}, 30, 30, 3, false},
		{"more than a page", 10, rotating(50, ""), 0, 0, 1, true},
		{"short page ends", 10, honouring(25, 0, func(int, int) string { return "" }), 25, 25, 3, false},
		{"count is the page's own", 10, honouring(25, 0, func(int, int) string { return "" }), 10, 25, 3, false},
		{"size capped while count says more", 10, honouring(25, 5, func(int, int) string { return "" }), 25, 5, 1, true},
		{"previous page in another order", 10, func(call, page, size int) ([]int, string) {
			ids := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
			if page > 0 {
				slices.Reverse(ids)
			}
			return ids, ""
		}, 0, 10, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := serveVirtPOSPages(t, tc.dir, tc.count)
			vp, err := loyalty.NewVirtPOS(srv.URL, "key", loyalty.WithFormat(loyalty.FormatJSON))
			if err != nil {
				t.Fatal(err)
			}
			ids, err := readAll(vp.Customers.All(context.Background(), &loyalty.CustomerQuery{PageSize: tc.size}),
				func(c loyalty.Customer) string { return strconv.FormatInt(c.ID, 10) }, 5000)
			if len(ids) != tc.want {
				t.Errorf("%d customers handed out, want %d", len(ids), tc.want)
			}
			checkPaging(t, int(calls.Load()), tc.requests, err, tc.ignored)
		})
	}
}

// checkPaging checks a listing's request count and its end: an
// ErrPagingIgnored when the server ignored paging, else no error.
func checkPaging(t *testing.T, requests, wantRequests int, err error, ignored bool) {
	t.Helper()
	if requests != wantRequests {
		t.Errorf("%d requests, want %d", requests, wantRequests)
	}
	switch {
	case ignored && !errors.Is(err, loyalty.ErrPagingIgnored):
		t.Errorf("error %v, want ErrPagingIgnored", err)
	case !ignored && err != nil:
		t.Errorf("error %v, want none", err)
	}
}
