package loyalty_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// A read of the Cash Server's directory cut off by the transport before a
// page's first client was handed out is retried like a buffered read
// (reads are safe to repeat, and nothing of the page was seen); cut every
// time, it is the transport error it is after the retries. A page cut
// after a client was handed out is not retried: the page would be seen
// twice.
func TestArtixCashServerStreamCut(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		path string
		body string
		opts []loyalty.ArtixCashServerOption
	}{
		{"paged", loyalty.ArtixCSClientsByPagePath, `{"content": [`, nil},
		{"unpaged", loyalty.ArtixCSClientsPath, `[`, []loyalty.ArtixCashServerOption{loyalty.WithoutArtixPaging()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := mock.NewServer(t)
			loadArtixClients(t, srv, 3)
			cut := mock.Fault{API: mock.ArtixAPI, Path: tc.path, Truncate: true, Body: tc.body, ContentType: "application/json"}
			srv.Fail(cut)
			n := 0
			for _, err := range srv.ArtixCashServer(tc.opts...).Clients.All(ctx) {
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
			for _, err := range srv.ArtixCashServer(tc.opts...).Clients.All(ctx) {
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

			// Cut after the first client: handed out, so not retried.
			srv.Fail(mock.Fault{API: mock.ArtixAPI, Path: tc.path, Truncate: true, ContentType: "application/json",
				Body: tc.body + `{"idclient": "00000", "name": "Клиент 0"},`})
			var ids []string
			var last error
			for rec, err := range srv.ArtixCashServer(tc.opts...).Clients.All(ctx) {
				if err != nil {
					last = err
					continue
				}
				ids = append(ids, rec.ID)
			}
			if len(ids) != 1 || ids[0] != "00000" || last == nil {
				t.Fatalf("cut after a client: %v, then %v; want 00000 once, then an error", ids, last)
			}
		})
	}
}
