package loyalty

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
)

// Bulk writes. VirtPOS has no bulk endpoint, so UpsertMany sends one
// request per item from a bounded pool of workers sharing the client's
// connection pool. Artix needs no such helper: a batch of any size is one
// command stream (Artix.Send, Artix.SendSeq).

// DefaultBulkWorkers is how many requests a bulk write keeps in flight
// unless [WithWorkers] says otherwise.
const DefaultBulkWorkers = 4

// BulkOption configures a bulk write (Customers.UpsertMany,
// Cards.UpsertMany).
type BulkOption func(*bulkConfig) error

type bulkConfig struct {
	workers  int
	rate     float64 // items per second; 0: unlimited
	progress func(done, total int)
}

// WithWorkers sets how many requests a bulk write keeps in flight (default
// [DefaultBulkWorkers]). The default transport keeps up to 32 idle
// connections per host, so up to 32 workers reuse their connections
// instead of dialling again; with [WithHTTPClient], size your transport's
// MaxIdleConnsPerHost to at least n.
func WithWorkers(n int) BulkOption {
	return func(c *bulkConfig) error {
		if n < 1 {
			return &ValidationError{Field: "WithWorkers", Reason: "must be at least 1, got " + strconv.Itoa(n)}
		}
		c.workers = n
		return nil
	}
}

// WithRateLimit starts at most perSecond items per second, whatever the
// number of workers (the first at once, then one every 1/perSecond).
func WithRateLimit(perSecond float64) BulkOption {
	return func(c *bulkConfig) error {
		if !(perSecond > 0) || math.IsInf(perSecond, 0) {
			return &ValidationError{Field: "WithRateLimit", Reason: fmt.Sprintf("must be a positive number of items per second, got %v", perSecond)}
		}
		if float64(time.Second)/perSecond > float64(math.MaxInt64) {
			// The interval would overflow time.Duration (and wrap to no
			// limit at all).
			return &ValidationError{Field: "WithRateLimit", Reason: fmt.Sprintf("%v items per second is below the slowest rate a time.Duration can hold (one per %v)", perSecond, time.Duration(math.MaxInt64))}
		}
		c.rate = perSecond
		return nil
	}
}

// WithProgress calls f after each item finishes, successfully or not, with
// the number finished so far and the number of items. Calls never overlap
// and done increases by one each time; f should return quickly, since the
// worker that finished the item waits for it.
func WithProgress(f func(done, total int)) BulkOption {
	return func(c *bulkConfig) error {
		c.progress = f
		return nil
	}
}

// BulkResult is the outcome of one item of a bulk write.
type BulkResult[R any] struct {
	Index int   // the item's position in the input
	Value R     // the call's result when Err is nil
	Err   error // the item's error, or the context's error for an item never sent
}

// BulkResults are the outcomes of a bulk write, one per item, in input
// order (results[i].Index == i).
type BulkResults[R any] []BulkResult[R]

// Failed returns the results whose Err is set, in input order.
func (rs BulkResults[R]) Failed() []BulkResult[R] {
	var out []BulkResult[R]
	for _, r := range rs {
		if r.Err != nil {
			out = append(out, r)
		}
	}
	return out
}

// Err joins the errors of the failed items, each prefixed with its index,
// or is nil when every item succeeded. errors.Is and errors.As see every
// item's error.
func (rs BulkResults[R]) Err() error {
	var errs []error
	for _, r := range rs {
		if r.Err != nil {
			errs = append(errs, &BulkItemError{Index: r.Index, Err: r.Err})
		}
	}
	return errors.Join(errs...)
}

// BulkItemError is the error of one item, as [BulkResults.Err] reports it.
type BulkItemError struct {
	Index int
	Err   error
}

// Error names the item and its error.
func (e *BulkItemError) Error() string { return "item " + strconv.Itoa(e.Index) + ": " + e.Err.Error() }

// Unwrap returns the item's error.
func (e *BulkItemError) Unwrap() error { return e.Err }

// CustomerUpsert is one item of Customers.UpsertMany.
type CustomerUpsert struct {
	// ID is the VirtPOS id of the customer to update; 0 looks the customer
	// up by Fields.ExternalID, or creates one.
	ID int64
	// Fields are the fields to write (see CustomerUpdate).
	Fields *CustomerUpdate
}

// UpsertMany writes many customers with a bounded number of requests in
// flight ([WithWorkers], [WithRateLimit], [WithProgress]), one result per item in input
// order. Each item is
//
//   - with ID set: Update(ID, Fields), which fails with ErrNotFound for an
//     unknown id (it never creates, so a re-run cannot duplicate);
//   - else with Fields.ExternalID set: GetByExternalID, then Update of the
//     customer found or, when there is none, Create — two requests, so a
//     re-run of the same items finds what the first run created;
//   - else: Create (never retried after a 5xx: see Create).
//
// Items with the same external id (cards: the same uid) run one after the
// other, so a batch that names a customer twice creates it once.
//
// A failed item does not stop the others; [BulkResults.Err] joins the
// failures. The error is non-nil only when ctx ends (items not yet started
// then carry ctx's error) or an option is invalid.
func (s *CustomerService) UpsertMany(ctx context.Context, items []CustomerUpsert, opts ...BulkOption) (BulkResults[*UpdateResult], error) {
	if err := s.ready(); err != nil {
		return BulkResults[*UpdateResult]{}, err
	}
	var locks keyedMutex
	return runBulk(ctx, items, opts, func(ctx context.Context, it CustomerUpsert) (*UpdateResult, error) {
		// Items with the same external id run one after the other: two
		// concurrent look-ups would both miss and both create.
		if it.ID == 0 && it.Fields != nil && it.Fields.ExternalID != nil && *it.Fields.ExternalID != "" {
			defer locks.lock("ext:" + *it.Fields.ExternalID)()
		}
		return s.upsert(ctx, it)
	})
}

// keyedMutex serialises work on the same key.
type keyedMutex struct{ m sync.Map }

// lock locks key and returns its unlock.
func (k *keyedMutex) lock(key string) func() {
	v, _ := k.m.LoadOrStore(key, new(sync.Mutex))
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

func (s *CustomerService) upsert(ctx context.Context, it CustomerUpsert) (*UpdateResult, error) {
	if it.ID != 0 {
		return s.Update(ctx, it.ID, it.Fields)
	}
	if err := it.Fields.validate(); err != nil {
		return nil, err
	}
	if ext := it.Fields.ExternalID; ext != nil && *ext != "" {
		c, err := s.GetByExternalID(ctx, *ext)
		switch {
		case err == nil:
			return s.Update(ctx, c.ID, it.Fields)
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	return s.Create(ctx, it.Fields)
}

// UpsertMany updates or creates many cards with a bounded number of
// requests in flight ([WithWorkers], [WithRateLimit], [WithProgress]), one result per item
// in input order. Each item is one Update(CardRef{UID, ExternalID}, item,
// CreateIfNotExist()): the card with that uid (or external id) is updated,
// or created with them. Every item needs a UID or an ExternalID, which also
// makes each request safe to retry and a re-run safe to repeat.
//
// A failed item does not stop the others; [BulkResults.Err] joins the
// failures. The error is non-nil only when ctx ends (items not yet started
// then carry ctx's error) or an option is invalid.
func (s *CardService) UpsertMany(ctx context.Context, items []CardUpdate, opts ...BulkOption) (BulkResults[*UpdateResult], error) {
	if err := s.ready(); err != nil {
		return BulkResults[*UpdateResult]{}, err
	}
	var locks keyedMutex
	return runBulk(ctx, items, opts, func(ctx context.Context, u CardUpdate) (*UpdateResult, error) {
		if u.UID == "" && u.ExternalID == "" {
			return nil, &ValidationError{Field: "CardUpdate", Reason: "UpsertMany needs a UID or an ExternalID to find the card"}
		}
		// Items for the same card run one after the other, so the second
		// finds the card the first created.
		if u.UID != "" {
			defer locks.lock("uid:" + u.UID)()
		} else {
			defer locks.lock("ext:" + u.ExternalID)()
		}
		return s.Update(ctx, CardRef{UID: u.UID, ExternalID: u.ExternalID}, &u, CreateIfNotExist())
	})
}

// runBulk calls fn for every item from a bounded pool of workers and
// returns the per-item results in input order. A failed item does not stop
// the others. When ctx ends, no further item is started, the items in
// flight finish (their requests see the cancelled context), the items never
// started carry ctx's error, and runBulk returns ctx's error as well.
// Otherwise its error is nil: look at the results.
func runBulk[T, R any](ctx context.Context, items []T, opts []BulkOption, fn func(context.Context, T) (R, error)) (BulkResults[R], error) {
	if ctx == nil {
		return nil, &ConfigError{Field: "ctx", Reason: "nil context"}
	}
	cfg := bulkConfig{workers: DefaultBulkWorkers}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	results := make(BulkResults[R], len(items))
	for i := range results {
		results[i].Index = i
	}
	if len(items) == 0 {
		return results, ctx.Err()
	}

	var tick <-chan time.Time
	if cfg.rate > 0 {
		t := time.NewTicker(max(time.Duration(float64(time.Second)/cfg.rate), time.Nanosecond))
		defer t.Stop()
		tick = t.C
	}

	var (
		mu   sync.Mutex // serialises progress calls
		done int
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range min(cfg.workers, len(items)) {
		wg.Go(func() {
			for i := range next {
				v, err := fn(ctx, items[i])
				results[i].Value, results[i].Err = v, err
				if cfg.progress != nil {
					mu.Lock()
					done++
					cfg.progress(done, len(items))
					mu.Unlock()
				}
			}
		})
	}

	sent := 0
dispatch:
	for i := range items {
		if ctx.Err() != nil {
			break
		}
		if i > 0 && tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				break dispatch
			}
		}
		select {
		case next <- i:
			sent++
		case <-ctx.Done():
			break dispatch
		}
	}
	close(next)
	wg.Wait()
	err := ctx.Err()
	for i := sent; i < len(items); i++ {
		results[i].Err = err
	}
	return results, err
}
