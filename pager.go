package loyalty

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// ErrPagingIgnored matches the error that ends a paged listing ([VirtPOS]
// Customers.All, the Cash Server's Customers.All) when the server
// answered a page other than the one asked for: going on would repeat or skip records, or never end.
// It is reported for a page with more records than the page size, a page
// whose number (when the reply gives one) is not the one asked for, a page
// with the same records as the one before, and a short page while the
// server's own total says more records remain.
var ErrPagingIgnored = errors.New("loyalty: the server ignored the paging parameters")

// pageMeta is what a page reader saw of a page besides its records. Nil
// fields were not in the reply.
type pageMeta struct {
	resp       *response // the page's answer, for errors
	number     *int      // the page the server says it answered
	last       *bool     // the server marks the page as the last one
	totalPages *int      // the server's number of pages
	total      *int      // the server's number of records, across pages
}

// pager reads a listing page by page with the end rules every paged
// listing shares. A page is read whole (at most size+1 records: one more
// than a page shows that the server ignored the size) and checked before
// any of its records is handed out, so a wrong page hands out nothing and
// a page cut off by the transport is read again from its start; memory
// holds one page, never the listing.
//
// After a page is handed out, the listing ends at a short page, at a page
// the reply marks as the last, once the server's number of pages or of
// records is reached, or at an empty page. A page with more records than
// size, a page number other than the one asked for, the previous page's
// records again (compared as a set: a server that rotates its answer is
// caught too), and a short page while the server's total says more remain
// are errors matching [ErrPagingIgnored].
type pager[T any, K cmp.Ordered] struct {
	size  int    // records per page
	first int    // number of the first page
	param string // name of the page parameter, for errors
	id    func(*T) K
	// read reads page page, appending its records to buf; it stops after
	// max records.
	read func(ctx context.Context, page, max int, buf []T) ([]T, pageMeta, error)
}

// all hands every record to yield, then, on failure, the error with a
// zero T.
func (p *pager[T, K]) all(ctx context.Context, yield func(T, error) bool) {
	var (
		zero      T
		buf       []T
		prev, cur []K
		seen      int // records handed out
	)
	for i := 0; ; i++ {
		page := p.first + i
		var meta pageMeta
		var err error
		buf, meta, err = p.read(ctx, page, p.size+1, buf[:0])
		if err != nil {
			yield(zero, err)
			return
		}
		n := len(buf)
		cur = cur[:0]
		for j := range buf {
			cur = append(cur, p.id(&buf[j]))
		}
		slices.Sort(cur)
		var got string
		switch {
		case n > p.size:
			got = "more than " + strconv.Itoa(p.size) + " records"
		case meta.number != nil && *meta.number != page && *meta.number != i:
			got = "page " + strconv.Itoa(*meta.number)
		case n > 0 && slices.Equal(cur, prev):
			got = "the previous page's records again"
		}
		if got != "" {
			yield(zero, p.ignored(meta.resp, page, got))
			return
		}
		for j := range buf {
			if !yield(buf[j], nil) {
				return
			}
		}
		seen += n
		switch {
		case n < p.size && meta.total != nil && seen < *meta.total:
			yield(zero, p.ignored(meta.resp, page, fmt.Sprintf("%d records where the server counts %d in all and %d were read", n, *meta.total, seen)))
			return
		case n < p.size, // a short page, an empty one included
			meta.last != nil && *meta.last,
			meta.totalPages != nil && i+1 >= *meta.totalPages,
			meta.total != nil && seen >= *meta.total:
			return
		}
		prev, cur = cur, prev
	}
}

// ignored is the error for page page, answered with what got describes.
func (p *pager[T, K]) ignored(resp *response, page int, got string) error {
	err := fmt.Errorf("%w (%q): asked for page %d of %d, got %s", ErrPagingIgnored, p.param, page, p.size, got)
	if resp == nil {
		return err
	}
	return resp.apiError("", err)
}
