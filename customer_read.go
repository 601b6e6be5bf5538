package loyalty

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"time"
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
	count, err := s.read(ctx, q, false, func(c Customer) bool {
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
// default DefaultPageSize, starting at q.Page or 1). Each page is decoded
// while it streams in, so memory does not grow with the number of
// customers. q is copied; the caller may reuse it. Iteration ends after
// the first error, which is yielded with a zero Customer.
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
		page := max(base.Page, 1)
		var prevFirst int64 = -1
		for {
			pq := base
			pq.Page, pq.PageSize = page, size
			n, first, stopped := 0, int64(-1), false
			_, err := s.read(ctx, &pq, true, func(c Customer) bool {
				if n == 0 {
					first = c.ID
					if first == prevFirst {
						// The server ignores paging: this page repeats the last.
						return false
					}
				}
				n++
				if !yield(c, nil) {
					stopped = true
					return false
				}
				return true
			})
			switch {
			case stopped:
				return
			case err != nil:
				yield(Customer{}, err)
				return
			case n < size, n > size, first == prevFirst:
				return // the last page, or a server that ignores paging
			}
			prevFirst = first
			page++
		}
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
		stopped := false
		_, err := s.read(ctx, &base, true, func(c Customer) bool {
			if !yield(c, nil) {
				stopped = true
			}
			return !stopped
		})
		if err != nil && !stopped {
			yield(Customer{}, err)
		}
	}
}

// Get returns the customer with VirtPOS id id; errors.Is(err, ErrNotFound)
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
// errors.Is(err, ErrNotFound) when there is none.
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
	resp, _, err := s.readResp(ctx, q, false, func(c Customer) bool {
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

// read runs one GET and hands every customer to yield; it returns the
// envelope's count.
func (s *CustomerService) read(ctx context.Context, q *CustomerQuery, stream bool, yield func(Customer) bool) (int, error) {
	_, count, err := s.readResp(ctx, q, stream, yield)
	return count, err
}

func (s *CustomerService) readResp(ctx context.Context, q *CustomerQuery, stream bool, yield func(Customer) bool) (*response, int, error) {
	if err := q.validate(); err != nil {
		return nil, 0, err
	}
	r := &request{method: http.MethodGet, path: "/api/customer", rawQuery: q.rawQuery(s.vp.key.v, s.vp.format), accept: s.vp.accept(), stream: stream}
	attempts := 0
	for {
		resp, err := s.vp.core.do(ctx, r)
		if err != nil {
			return nil, 0, err
		}
		handed := false
		count, err := s.vp.decodeCustomers(ctx, resp, func(c Customer) bool {
			handed = true
			return yield(c)
		})
		var cut *streamCut
		if !errors.As(err, &cut) {
			return resp, count, err
		}
		// A streamed answer cut off by the transport: retried like a
		// buffered one as long as no customer has been handed out.
		if err := s.vp.core.retryCut(ctx, cut, &attempts, handed); err != nil {
			return nil, 0, err
		}
	}
}

// retryCut decides about a streamed read cut off by the transport after
// attempts earlier attempts: nil, once the retry policy's backoff has
// passed, when it may be read again (nothing of it was handed out and the
// policy allows another attempt); else the *RequestError to report.
func (c *core) retryCut(ctx context.Context, cut *streamCut, attempts *int, handed bool) error {
	*attempts += cut.resp.attempts
	if handed || *attempts > c.rc.RetryMax || !c.wait(ctx, *attempts) {
		r := cut.resp
		return &RequestError{API: r.api, Method: r.method, URL: r.url(), Attempts: *attempts, Err: c.redactErr(cut.err)}
	}
	return nil
}

// wait sleeps the retry policy's backoff before attempt+1 (a retry the
// core could not make itself); false when ctx ends first.
func (c *core) wait(ctx context.Context, attempt int) bool {
	t := time.NewTimer(backoff(c.rc.RetryWaitMin, c.rc.RetryWaitMax, attempt, nil))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
