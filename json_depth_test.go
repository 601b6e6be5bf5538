package loyalty_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// A JSON reply nested deeper than any answer of the APIs is refused with
// ErrResponseTooDeep where it passes the bound, at a cost that does not
// grow with the depth: skipping 8 MiB of '[' used to keep a stack entry
// per level (~18× the body on the heap).
func TestResponseTooDeep(t *testing.T) {
	const depth = 8 << 20
	deep := bytes.Repeat([]byte("["), depth)
	for _, tc := range []struct {
		name  string
		body  []byte
		typed bool // the error matches ErrResponseTooDeep
	}{
		{"artix: skipped key", append([]byte(`{"content":[],"pageable":`), deep...), true},
		{"artix: skipped key before content", append([]byte(`{"sort":`), deep...), true},
		{"artix: a client", append([]byte(`{"content":[`), deep...), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write(tc.body)
			}))
			t.Cleanup(srv.Close)
			cs, err := loyalty.NewArtixCashServer(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var last error
			for _, err := range cs.Customers.All(context.Background()) {
				last = err
			}
			runtime.ReadMemStats(&after)
			if last == nil {
				t.Fatal("no error for a reply nested 8 Mi levels deep")
			}
			if tc.typed && !errors.Is(last, loyalty.ErrResponseTooDeep) {
				t.Errorf("error %v, want ErrResponseTooDeep", last)
			}
			var ae *loyalty.APIError
			if !errors.As(last, &ae) {
				t.Errorf("error %T %v, want an *APIError", last, last)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > depth/2 {
				t.Errorf("refusing it allocated %d bytes, want under %d (half the body)", alloc, depth/2)
			}
		})
	}

	// VirtPOS: buffered (List) and streamed (All), an unknown key.
	body := append([]byte(`{"success":1,"customers":[{"id":1,"extra":`), bytes.Repeat([]byte("["), 1000)...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	vp, err := loyalty.NewVirtPOS(srv.URL, "key", loyalty.WithFormat(loyalty.FormatJSON))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vp.Customers.List(context.Background(), nil); !errors.Is(err, loyalty.ErrResponseTooDeep) {
		t.Errorf("List: error %v, want ErrResponseTooDeep", err)
	}
	for _, err := range vp.Customers.All(context.Background(), nil) {
		if !errors.Is(err, loyalty.ErrResponseTooDeep) {
			t.Errorf("All: error %v, want ErrResponseTooDeep", err)
		}
	}
}
