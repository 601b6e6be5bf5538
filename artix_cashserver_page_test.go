package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
	"golang.org/x/text/encoding/charmap"
)

// Reading the whole directory: Customers.All over the mock, a pager with
// and without page metadata, and streams that are never held whole.

func TestArtixCashServerAll(t *testing.T) {
	srv := mock.NewServer(t)
	const n = 1050
	loadArtixClients(t, srv, n)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		opts  []loyalty.ArtixCashServerOption
		paths []string // the requests All makes
	}{
		{"default pages", nil, []string{"page=0&size=500", "page=1&size=500", "page=2&size=500"}},
		{"pages of 100", []loyalty.ArtixCashServerOption{loyalty.WithArtixPaging(loyalty.ArtixPaging{Size: 100})},
			[]string{"page=0&size=100", "page=1&size=100", "page=2&size=100", "page=3&size=100", "page=4&size=100", "page=5&size=100",
				"page=6&size=100", "page=7&size=100", "page=8&size=100", "page=9&size=100", "page=10&size=100"}},
		{"unpaged", []loyalty.ArtixCashServerOption{loyalty.WithoutArtixPaging()}, []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.RequestsTo(mock.ArtixAPI))
			i := 0
			for rec, err := range srv.ArtixCashServer(tc.opts...).Customers.All(ctx) {
				if err != nil {
					t.Fatalf("after %d clients: %v", i, err)
				}
				if want := fmt.Sprintf("%05d", i); rec.ID != want || rec.FirstName != "Клиент "+strconv.Itoa(i) {
					t.Fatalf("client %d is %+v, want idclient %s", i, rec, want)
				}
				i++
			}
			if i != n {
				t.Errorf("All yielded %d clients, want %d", i, n)
			}
			var got []string
			for _, r := range srv.RequestsTo(mock.ArtixAPI)[before:] {
				got = append(got, r.Query.Encode())
			}
			if !reflect.DeepEqual(got, tc.paths) {
				t.Errorf("requests %q, want %q", got, tc.paths)
			}
		})
	}

	t.Run("stop early", func(t *testing.T) {
		before := len(srv.RequestsTo(mock.ArtixAPI))
		i := 0
		for _, err := range srv.ArtixCashServer(loyalty.WithArtixPaging(loyalty.ArtixPaging{Size: 10})).Customers.All(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			if i++; i == 15 {
				break
			}
		}
		if got := len(srv.RequestsTo(mock.ArtixAPI)) - before; got != 2 {
			t.Errorf("%d requests for 15 clients in pages of 10, want 2", got)
		}
	})

	t.Run("unknown page parameter", func(t *testing.T) {
		// The mock pages with "page" and "size" and refuses other
		// parameters (it used to ignore them and answer page 0).
		cs := srv.ArtixCashServer(loyalty.WithArtixPaging(loyalty.ArtixPaging{PageParam: "p", SizeParam: "s", Size: 50}))
		i := 0
		var last error
		for _, err := range cs.Customers.All(ctx) {
			if err != nil {
				last = err
				break
			}
			i++
		}
		var apiErr *loyalty.APIError
		if !errors.As(last, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || !strings.Contains(last.Error(), `unknown parameter`) || i != 0 {
			t.Errorf("yielded %d then %v; want no client, then a 400 *APIError naming the unknown parameter", i, last)
		}
	})
}

// csPager is a Cash Server whose bypage pages n clients with the page
// metadata meta writes (nil: a bare array), honouring the page parameter
// only when honour is set.
func csPager(t *testing.T, n int, honour bool, meta func(page, size, total int) string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		if !honour {
			page = 0
		}
		var b strings.Builder
		b.WriteString("[")
		for i := page * size; i < min(n, (page+1)*size); i++ {
			if i > page*size {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"idclient":%d}`, i)
		}
		b.WriteString("]")
		if meta == nil {
			fmt.Fprint(w, b.String())
			return
		}
		fmt.Fprintf(w, `{"content":%s%s}`, b.String(), meta(page, size, n))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestArtixCashServerPageEnd checks each way a reply marks the last page.
func TestArtixCashServerPageEnd(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n        int
		honour   bool
		meta     func(page, size, total int) string
		requests int
		ignored  bool
	}{
		{"last flag", 25, true, func(p, s, n int) string { return fmt.Sprintf(`,"last":%v`, (p+1)*s >= n) }, 3, false},
		{"last flag as 0/1", 25, true, func(p, s, n int) string {
			return fmt.Sprintf(`,"last":"%d"`, map[bool]int{false: 0, true: 1}[(p+1)*s >= n])
		}, 3, false},
		{"totalPages only", 25, true, func(p, s, n int) string { return fmt.Sprintf(`,"totalPages":%d`, (n+s-1)/s) }, 3, false},
		{"no metadata: a short page ends", 25, true, func(int, int, int) string { return "" }, 3, false},
		{"bare arrays: an empty page ends after a full one", 30, true, nil, 4, false},
		{"page parameter ignored", 25, false, func(int, int, int) string { return "" }, 2, true},
		{"page parameter ignored, page number says so", 25, false, func(int, int, int) string { return `,"number":0` }, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var requests int
			srv := csPager(t, tc.n, tc.honour, tc.meta)
			counting := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				requests++
				return http.DefaultTransport.RoundTrip(r)
			})}
			cs, err := loyalty.NewArtixCashServer(srv.URL, loyalty.WithHTTPClient(counting), loyalty.WithArtixPaging(loyalty.ArtixPaging{Size: 10}))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			var last error
			for rec, err := range cs.Customers.All(context.Background()) {
				if err != nil {
					last = err
					break
				}
				if seen[rec.ID] {
					t.Fatalf("idclient %s yielded twice", rec.ID)
				}
				seen[rec.ID] = true
			}
			switch {
			case tc.ignored && !errors.Is(last, loyalty.ErrPagingIgnored):
				t.Errorf("error %v, want ErrPagingIgnored", last)
			case !tc.ignored && (last != nil || len(seen) != tc.n):
				t.Errorf("%d clients, error %v; want %d and no error", len(seen), last, tc.n)
			case requests != tc.requests:
				t.Errorf("%d requests, want %d", requests, tc.requests)
			}
		})
	}
}

// cp1251 is s in windows-1251, as Russian servers answer.
func cp1251(s string) string {
	b, err := charmap.Windows1251.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestArtixCashServerStreams reads a directory far larger than the
// response size limit: the limit applies per client, so only a stream
// decoded client by client can pass.
func TestArtixCashServerStreams(t *testing.T) {
	const n = 20000
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "[")
		for i := range n {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			name := "Клиент"
			if strings.HasPrefix(r.URL.Path, "/big/") && i == n/2 {
				name = strings.Repeat("я", 4096)
			}
			fmt.Fprintf(w, `{"idclient":"%d","name":"%s","phonenumber":"7916%07d"}`, i, name, i)
		}
		fmt.Fprint(w, "]")
	}))
	t.Cleanup(srv.Close)
	cs, err := loyalty.NewArtixCashServer(srv.URL, loyalty.WithoutArtixPaging(), loyalty.WithMaxResponseBytes(2048))
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, err := range cs.Customers.All(context.Background()) {
		if err != nil {
			t.Fatalf("after %d clients: %v", count, err)
		}
		count++
	}
	if count != n {
		t.Errorf("%d clients, want %d", count, n)
	}

	// An undeclared windows-1251 page, streamed.
	cp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, cp1251(`{"content":[{"idclient":"1","name":"Иванова Мария"}],"last":true}`))
	}))
	t.Cleanup(cp.Close)
	cs, _ = loyalty.NewArtixCashServer(cp.URL)
	for rec, err := range cs.Customers.All(context.Background()) {
		if err != nil {
			t.Errorf("windows-1251 page: %+v, %v; want err == nil", rec, err)
		} else if rec.FirstName != "Иванова Мария" {
			t.Errorf("windows-1251 page: %+v, %v; want rec.FirstName == \"Иванова Мария\"", rec, err)
		}
	}

	// One client over the limit still fails.
	cs, _ = loyalty.NewArtixCashServer(srv.URL+"/big", loyalty.WithoutArtixPaging(), loyalty.WithMaxResponseBytes(2048))
	count = 0
	var last error
	for _, err := range cs.Customers.All(context.Background()) {
		if err != nil {
			last = err
			break
		}
		count++
	}
	if !errors.Is(last, loyalty.ErrResponseTooLarge) || count != n/2 {
		t.Errorf("%d clients, then %v; want %d, then ErrResponseTooLarge", count, last, n/2)
	}
}
