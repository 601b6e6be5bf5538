package loyalty_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
	"github.com/loyaltykit/loyalty/mock"
)

// A read of the Cash Server's directory cut off by the transport before a
// page's first client was handed out is retried like a buffered read
// (reads are safe to repeat, and nothing of the page was seen); cut every
// time, it is the transport error it is after the retries. A page is
// buffered and checked before its clients are handed out, so a page cut
// after its first client is read again too; the unpaged stream hands each
// client out as it arrives and is not retried once one was: the client
// would be seen twice.
func TestArtixCashServerStreamCut(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		path string
		body string
		opts []loyalty.ArtixCashServerOption
		// buffered: a page cut after a client is read again.
		buffered bool
	}{
		{"paged", artixwire.CSClientsByPagePath, `{"content": [`, nil, true},
		{"unpaged", artixwire.CSClientsPath, `[`, []loyalty.ArtixCashServerOption{loyalty.WithoutArtixPaging()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := mock.NewServer(t)
			loadArtixClients(t, srv, 3)
			cut := mock.Fault{API: mock.ArtixAPI, Path: tc.path, Truncate: true, Body: tc.body, ContentType: "application/json"}
			srv.Fail(cut)
			n := 0
			for _, err := range srv.ArtixCashServer(tc.opts...).Customers.All(ctx) {
				if err != nil {
					t.Fatalf("after one cut: %v", err)
				}
				n++
			}
			if n != 3 {
				t.Fatalf("%d clients after one cut, want 3", n)
			}

			cut.Times = -1
			srv.Fail(cut)
			errs := 0
			for _, err := range srv.ArtixCashServer(tc.opts...).Customers.All(ctx) {
				var re *loyalty.RequestError
				var ae *loyalty.APIError
				if !errors.As(err, &re) || errors.As(err, &ae) || !errors.Is(err, io.ErrUnexpectedEOF) || loyalty.Attempts(err) != 4 {
					t.Fatalf("cut every time: %T %v (attempts %d), want a *RequestError after 4 attempts", err, err, loyalty.Attempts(err))
				}
				errs++
			}
			if errs != 1 {
				t.Fatalf("%d errors, want 1", errs)
			}
			srv.ClearFaults()

			// Cut after the first client: a page read again, a stream not.
			srv.Fail(mock.Fault{API: mock.ArtixAPI, Path: tc.path, Truncate: true, ContentType: "application/json",
				Body: tc.body + `{"idclient": "00000", "name": "Клиент 0"},`})
			var ids []string
			var last error
			for rec, err := range srv.ArtixCashServer(tc.opts...).Customers.All(ctx) {
				if err != nil {
					last = err
					continue
				}
				ids = append(ids, rec.ID)
			}
			if tc.buffered {
				if want := []string{"00000", "00001", "00002"}; !slices.Equal(ids, want) || last != nil {
					t.Fatalf("page cut after a client: %v, then %v; want %v once each, no error", ids, last, want)
				}
				return
			}
			if len(ids) != 1 || ids[0] != "00000" {
				t.Fatalf("stream cut after a client: %v, want 00000 once", ids)
			}
			if last == nil {
				t.Fatal("stream cut after a client: no error, want the cut's")
			}
		})
	}
}
