package loyalty

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strconv"
)

// List returns one response's customers: every customer matching q, or
// one page of them when q.Page is set. A nil q lists every customer.
func (s *CustomerService) List(ctx context.Context, q *CustomerQuery) (*CustomerPage, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if q == nil {
		q = &CustomerQuery{}
	}
	page := &CustomerPage{Page: q.Page, PageSize: q.PageSize}
	if q.PageSize > 0 {
		page.Customers = make([]Customer, 0, min(q.PageSize, 1000))
	}
	count, err := s.read(ctx, q, func(c Customer) bool {
		page.Customers = append(page.Customers, c)
		return true
	})
	if err != nil {
		return nil, err
	}
	page.Count = count
	return page, nil
}

// All iterates over every customer matching q, page by page (q.PageSize,
// default [DefaultPageSize], starting at q.Page or 1). Memory holds one page
// at a time, never the whole listing: each page is decoded as it streams
// in and checked before any of its customers is yielded. q is copied; the
// caller may reuse it.
//
// Paging ends at a short page, or once the envelope's count (when it is
// larger than the page, read as the number of customers across pages) is
// reached. A server that answers a page other than the one asked for (more
// customers than PageSize, the previous page's customers again, or a short
// page while its count says more remain) ends the iteration with an error
// matching [ErrPagingIgnored] instead of repeating or losing customers.
// Iteration ends after the first error, which is yielded with a zero
// Customer.
func (s *CustomerService) All(ctx context.Context, q *CustomerQuery) iter.Seq2[Customer, error] {
	base, failed := s.iterStart(q)
	if failed != nil {
		return failed
	}
	return func(yield func(Customer, error) bool) {
		if err := base.validate(); err != nil {
			yield(Customer{}, err)
			return
		}
		size := base.PageSize
		if size == 0 {
			size = DefaultPageSize
		}
		p := pager[Customer, int64]{size: size, first: max(base.Page, 1), param: "page",
			id: func(c *Customer) int64 { return c.ID },
			read: func(ctx context.Context, page, most int, buf []Customer) ([]Customer, pageMeta, error) {
				pq := base
				pq.Page, pq.PageSize = page, size
				handed, count := false, 0 // a page is buffered: nothing is handed out while it is read
				resp, err := s.vp.core.streamed(ctx, s.listRequest(&pq, true), &handed, func(resp *response) (err error) {
					buf = buf[:0] // an attempt after a cut starts the page again
					count, err = s.vp.decodeCustomers(ctx, resp, func(c Customer) bool {
						buf = append(buf, c)
						return len(buf) < most
					})
					return err
				})
				meta := pageMeta{resp: resp}
				if count > len(buf) {
					meta.total = &count
				}
				return buf, meta, err
			}}
		p.all(ctx, yield)
	}
}

// iterStart is what All and Stream begin with: a copy of q (zero for
// nil), or, when the service is not ready to call, a sequence that yields
// that error.
func (s *CustomerService) iterStart(q *CustomerQuery) (CustomerQuery, iter.Seq2[Customer, error]) {
	if err := s.ready(); err != nil {
		return CustomerQuery{}, func(yield func(Customer, error) bool) { yield(Customer{}, err) }
	}
	var base CustomerQuery
	if q != nil {
		base = *q
	}
	return base, nil
}

// Stream iterates over the customers of one response as it arrives: all
// customers matching q in one unpaged request unless q sets Page. Memory
// does not grow with the number of customers.
func (s *CustomerService) Stream(ctx context.Context, q *CustomerQuery) iter.Seq2[Customer, error] {
	base, failed := s.iterStart(q)
	if failed != nil {
		return failed
	}
	return func(yield func(Customer, error) bool) {
		if err := base.validate(); err != nil {
			yield(Customer{}, err)
			return
		}
		handed, stopped := false, false
		_, err := s.vp.core.streamed(ctx, s.listRequest(&base, true), &handed, func(resp *response) error {
			_, err := s.vp.decodeCustomers(ctx, resp, func(c Customer) bool {
				handed = true
				stopped = !yield(c, nil)
				return !stopped
			})
			return err
		})
		if err != nil && !stopped {
			yield(Customer{}, err)
		}
	}
}

// Get returns the customer with [VirtPOS] id id; errors.Is(err, [ErrNotFound])
// when there is none.
func (s *CustomerService) Get(ctx context.Context, id int64) (*Customer, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, &ValidationError{Field: "id", Reason: "must be positive, got " + strconv.FormatInt(id, 10)}
	}
	return s.one(ctx, &CustomerQuery{ID: id}, "id "+strconv.FormatInt(id, 10))
}

// GetByExternalID returns the customer whose external_id is externalID;
// errors.Is(err, [ErrNotFound]) when there is none.
func (s *CustomerService) GetByExternalID(ctx context.Context, externalID string) (*Customer, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if externalID == "" {
		return nil, &ValidationError{Field: "externalID", Reason: "empty"}
	}
	return s.one(ctx, &CustomerQuery{ExternalID: externalID}, "external_id "+strconv.Quote(externalID))
}

func (s *CustomerService) one(ctx context.Context, q *CustomerQuery, what string) (*Customer, error) {
	// Only the customer asked for counts: a server that ignores id or
	// external_id answers every customer (the spec: "if not given, all"),
	// and the first of those is somebody else.
	matches := func(c *Customer) bool {
		return (q.ID == 0 || c.ID == q.ID) && (q.ExternalID == "" || c.ExternalID == q.ExternalID)
	}
	var found *Customer
	resp, _, err := s.readResp(ctx, q, func(c Customer) bool {
		if !matches(&c) {
			return true
		}
		found = &c
		return false
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, resp.apiError("", fmt.Errorf("customer with %s: %w", what, ErrNotFound))
	}
	return found, nil
}

// read runs one buffered GET and hands every customer to yield; it
// returns the envelope's count.
func (s *CustomerService) read(ctx context.Context, q *CustomerQuery, yield func(Customer) bool) (int, error) {
	_, count, err := s.readResp(ctx, q, yield)
	return count, err
}

func (s *CustomerService) readResp(ctx context.Context, q *CustomerQuery, yield func(Customer) bool) (*response, int, error) {
	if err := q.validate(); err != nil {
		return nil, 0, err
	}
	resp, err := s.vp.core.do(ctx, s.listRequest(q, false))
	if err != nil {
		return nil, 0, err
	}
	count, err := s.vp.decodeCustomers(ctx, resp, yield)
	return resp, count, err
}

// listRequest is the GET of the customers q selects, streamed or buffered.
func (s *CustomerService) listRequest(q *CustomerQuery, stream bool) *request {
	return &request{method: http.MethodGet, path: "/api/customer", rawQuery: q.rawQuery(s.vp.key.v, s.vp.format), accept: s.vp.accept(), stream: stream}
}
