package mock

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"sync"
)

// Bounds of the status callbacks of one Server and all its tenants.
const (
	// MaxArtixCallbackRuns is how many loads' callbacks are sent at once:
	// one goroutine each.
	MaxArtixCallbackRuns = 16
	// MaxArtixCallbackQueue is how many loads' callbacks wait for a
	// goroutine; the callbacks of a load past it are dropped, with a
	// warning in the log.
	MaxArtixCallbackQueue = 1000
)

// callbackPool runs the status callbacks of a Server and its tenants: at
// most MaxArtixCallbackRuns goroutines, at most MaxArtixCallbackQueue
// loads waiting. Goroutines are started as loads come and end when the
// queue is empty.
type callbackPool struct {
	mu      sync.Mutex
	closed  bool
	queue   []callbackJob
	workers int
	wg      sync.WaitGroup
	ctx     context.Context // parent of every scope's; cancelled by close
	cancel  context.CancelFunc
	client  *http.Client // checks each address it dials (newCallbackClient)
}

// callbackJob is one load's callbacks, in the scope of one API side.
type callbackJob struct {
	scope *callbackRuns
	run   func(context.Context)
}

func newCallbackPool(nets []netip.Prefix) *callbackPool {
	p := &callbackPool{client: newCallbackClient(nets)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p
}

// submit queues j; false when the pool is closed or the queue full.
func (p *callbackPool) submit(j callbackJob) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.queue) >= MaxArtixCallbackQueue {
		return false
	}
	j.scope.wg.Add(1)
	p.queue = append(p.queue, j)
	if p.workers < MaxArtixCallbackRuns {
		p.workers++
		p.wg.Go(p.work)
	}
	return true
}

// work runs queued jobs until the queue is empty.
func (p *callbackPool) work() {
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.workers--
			p.mu.Unlock()
			return
		}
		j := p.queue[0]
		p.queue[0] = callbackJob{}
		p.queue = p.queue[1:]
		p.mu.Unlock()
		if ctx := j.scope.context(); ctx.Err() == nil {
			j.run(ctx)
		}
		j.scope.wg.Done()
	}
}

// drop removes the queued jobs of scope.
func (p *callbackPool) drop(scope *callbackRuns) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = slices.DeleteFunc(p.queue, func(j callbackJob) bool {
		if j.scope == scope {
			scope.wg.Done()
			return true
		}
		return false
	})
}

// close cancels every scope, drops the queue and waits for the goroutines.
func (p *callbackPool) close() {
	p.mu.Lock()
	p.closed = true
	p.cancel()
	for _, j := range p.queue {
		j.scope.wg.Done()
	}
	p.queue = nil
	p.mu.Unlock()
	p.wg.Wait()
	p.client.CloseIdleConnections()
}

// callbackRuns are the status callbacks of one API side (the Server's or
// a tenant's), run by the pool they share, and stopped together by
// Server.Close or DeleteTenant.
type callbackRuns struct {
	pool    *callbackPool
	mu      sync.Mutex
	stopped bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the scope's jobs queued or running
}

func newCallbackRuns(pool *callbackPool) *callbackRuns {
	c := &callbackRuns{pool: pool}
	c.ctx, c.cancel = context.WithCancel(pool.ctx)
	return c
}

func (c *callbackRuns) context() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ctx
}

// start queues f; false when the side is stopped, or the pool closed or full.
func (c *callbackRuns) start(f func(context.Context)) bool {
	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return false
	}
	return c.pool.submit(callbackJob{scope: c, run: f})
}

// stop cancels the side's callbacks in flight, drops its queued ones and
// waits until none runs; none starts afterwards.
func (c *callbackRuns) stop() {
	c.mu.Lock()
	c.stopped = true
	c.cancel()
	c.mu.Unlock()
	c.pool.drop(c)
	c.wg.Wait()
}
