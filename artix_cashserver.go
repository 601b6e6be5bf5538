package loyalty

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// Defaults of [ArtixPaging]. The Cash Server's page parameters are not
// public; these are those of the Spring Data pages its "bypage" replies
// look like ({"content": [...], "last": ..., "totalPages": ...}).
const (
	DefaultArtixPageParam = "page" // the page number parameter
	DefaultArtixSizeParam = "size" // the page size parameter
	DefaultArtixPageSize  = 500    // clients asked for per page
)

// ArtixPaging says how Customers.All asks the Cash Server for pages of
// GET {base}/CSrest/rest/dictionaries/clients/bypage. Zero fields take the
// defaults: ?page=0&size=500, pages numbered from 0.
type ArtixPaging struct {
	PageParam string // name of the page number parameter (DefaultArtixPageParam)
	SizeParam string // name of the page size parameter (DefaultArtixSizeParam)
	Size      int    // clients per page (DefaultArtixPageSize)
	FirstPage int    // number of the first page: 0 (the default) or 1
}

// artixCSSettings are what the options only [NewArtixCashServer] accepts set.
type artixCSSettings struct {
	paging  ArtixPaging
	unpaged bool
}

// WithArtixPaging sets the page parameters Customers.All sends to the Cash
// Server (see [ArtixPaging] for the defaults). [NewArtixCashServer] only.
func WithArtixPaging(p ArtixPaging) ArtixCashServerOption {
	return artixCashServerOption(func(s *settings) error {
		switch {
		case p.Size < 0:
			return &ConfigError{Field: "WithArtixPaging", Reason: "negative Size " + strconv.Itoa(p.Size)}
		case p.FirstPage < 0:
			return &ConfigError{Field: "WithArtixPaging", Reason: "negative FirstPage " + strconv.Itoa(p.FirstPage)}
		case p.PageParam != "" && p.PageParam == p.SizeParam:
			return &ConfigError{Field: "WithArtixPaging", Reason: "PageParam and SizeParam are both " + strconv.Quote(p.PageParam)}
		}
		s.artix.cs.paging, s.artix.cs.unpaged = p, false
		return nil
	})
}

// WithoutArtixPaging makes Customers.All read the whole directory in one
// request (GET {base}/CSrest/rest/dictionaries/clients, a JSON array),
// decoded as it streams in so memory does not grow with the directory.
// For a Cash Server whose page parameters are unknown. [NewArtixCashServer] only.
func WithoutArtixPaging() ArtixCashServerOption {
	return artixCashServerOption(func(s *settings) error {
		s.artix.cs.unpaged = true
		return nil
	})
}

// ArtixCashServer reads the client directory back from an Artix Cash
// Server's REST API (CSrest), which the writers ([NewArtix], the exchange
// directory) cannot do. It is safe for concurrent use.
type ArtixCashServer struct {
	// Customers reads the directory's customer records.
	Customers *ArtixCustomerRecordService

	core   *core
	paging ArtixPaging
	paged  bool
}

// NewArtixCashServer returns a client for the Cash Server's REST API at
// baseURL: scheme, host and port, e.g. "http://cash-server:8080" (8080 is
// the usual CSrest port; loads go to each cash register's exchanger on
// 28080 instead). Requests go to {baseURL}/CSrest/rest/dictionaries/...
//
// It accepts the shared options, [WithBasicAuth] (off by default: field
// clients send none to CSrest, some installations require it), and
// [WithArtixPaging] or [WithoutArtixPaging]. It does not touch the network.
func NewArtixCashServer(baseURL string, opts ...ArtixCashServerOption) (*ArtixCashServer, error) {
	s, err := applyOptions(opts, ArtixCashServerOption.applyArtixCashServer)
	if err != nil {
		return nil, err
	}
	c, err := newCore("artix", baseURL, s)
	if err != nil {
		return nil, err
	}
	s.artix.sendBasicAuth(c)
	p := s.artix.cs.paging
	if p.PageParam == "" {
		p.PageParam = DefaultArtixPageParam
	}
	if p.SizeParam == "" {
		p.SizeParam = DefaultArtixSizeParam
	}
	if p.Size == 0 {
		p.Size = DefaultArtixPageSize
	}
	if p.PageParam == p.SizeParam {
		return nil, &ConfigError{Field: "WithArtixPaging", Reason: "PageParam and SizeParam are both " + strconv.Quote(p.PageParam)}
	}
	cs := &ArtixCashServer{core: c, paging: p, paged: !s.artix.cs.unpaged}
	cs.Customers = &ArtixCustomerRecordService{cs: cs}
	return cs, nil
}

// ArtixCustomerRecordService reads the Cash Server's client directory.
type ArtixCustomerRecordService struct{ cs *ArtixCashServer }

// Get returns the client with idclient id from
// GET {base}/CSrest/rest/dictionaries/clients/id/{id}. A client that does
// not exist matches [ErrNotFound]: the Cash Server answers it with an empty
// body (field callers take an empty body for "absent", whatever the
// status), or with {"errorCode", "message"} and HTTP 404. Other error
// replies are *APIError carrying the server's message and errorCode.
func (s *ArtixCustomerRecordService) Get(ctx context.Context, id string) (*ArtixCustomerRecord, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := validateArtixID("idclient", id); err != nil {
		return nil, err
	}
	resp, err := s.cs.core.do(ctx, &request{
		method:  http.MethodGet,
		path:    artixwire.CSClientByIDPath + url.PathEscape(id),
		escaped: true,
		accept:  "application/json",
	})
	if err != nil {
		return nil, err
	}
	return decodeArtixClientReply(resp, id)
}

// All iterates over every client of the directory. It reads the pages of
// .../clients/bypage (see [ArtixPaging]; [WithoutArtixPaging] reads the
// unpaged array instead, streamed client by client). Memory holds one page
// at a time, never the directory: each page is decoded as it streams in
// and checked before any of its clients is yielded.
//
// Paging ends at a short page, a page the reply marks as the last
// ("last": true), or once "totalPages" or "totalElements" is reached. A
// server that answers a page other than the one asked for (a "number"
// other than the page asked for, more clients than the page size, the
// previous page's clients again in any order, or a short page while
// "totalElements" says more remain) ends the iteration with an error
// matching [ErrPagingIgnored]. Iteration ends after the first error, which
// is yielded with a zero record. Clients added or deleted while the pages
// are read may be missed or seen twice, as with any paged listing.
func (s *ArtixCustomerRecordService) All(ctx context.Context) iter.Seq2[ArtixCustomerRecord, error] {
	return func(yield func(ArtixCustomerRecord, error) bool) {
		if err := s.ready(); err != nil {
			yield(ArtixCustomerRecord{}, err)
			return
		}
		if !s.cs.paged {
			handed, stopped := false, false
			_, err := s.read(ctx, &request{method: http.MethodGet, path: artixwire.CSClientsPath}, &handed, func(rec ArtixCustomerRecord) bool {
				handed = true
				stopped = !yield(rec, nil)
				return !stopped
			}, nil)
			if err != nil && !stopped {
				yield(ArtixCustomerRecord{}, err)
			}
			return
		}
		p := s.cs.paging
		pg := pager[ArtixCustomerRecord, string]{size: p.Size, first: p.FirstPage, param: p.PageParam,
			id: func(rec *ArtixCustomerRecord) string { return rec.ID },
			read: func(ctx context.Context, page, most int, buf []ArtixCustomerRecord) ([]ArtixCustomerRecord, pageMeta, error) {
				r := &request{method: http.MethodGet, path: artixwire.CSClientsByPagePath, query: url.Values{
					p.PageParam: {strconv.Itoa(page)},
					p.SizeParam: {strconv.Itoa(p.Size)},
				}}
				handed := false // a page is buffered: nothing is handed out while it is read
				start := len(buf)
				meta, err := s.read(ctx, r, &handed, func(rec ArtixCustomerRecord) bool {
					buf = append(buf, rec)
					return len(buf)-start < most
				}, func() { buf = buf[:start] })
				return buf, meta.pageMeta(), err
			}}
		pg.all(ctx, yield)
	}
}

// read runs one streaming GET of the directory and hands its clients to
// each; restart (when not nil) runs before every attempt's clients, so that an
// attempt after a cut starts afresh. An each that returns false ends the
// read without an error.
func (s *ArtixCustomerRecordService) read(ctx context.Context, r *request, handed *bool, each func(ArtixCustomerRecord) bool, restart func()) (artixPageMeta, error) {
	r.accept = "application/json"
	var meta artixPageMeta
	_, err := s.cs.core.streamed(ctx, r, handed, func(resp *response) (err error) {
		if restart != nil {
			restart()
		}
		meta, err = decodeArtixClientPage(ctx, resp, each)
		return err
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return meta, err
}
