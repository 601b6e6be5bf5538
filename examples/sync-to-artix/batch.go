package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
)

// pending is one command of the batch being built.
type pending struct {
	kind string // "added", "updated", "resent" (unchanged, with -full) or "deleted"
	id   string
	fp   string // the fingerprint the state file records
	cmd  loyalty.ArtixCommand
}

// batcher sends commands in batches of size, counting each delivered
// command in rep by its kind; a refused batch (or, with confirm, one a
// cash register failed to load) counts as failed, one whose load was not
// confirmed in time as unconfirmed. Only delivered batches reach sent.
type batcher struct {
	ctx     context.Context
	ax      *loyalty.Artix
	size    int
	confirm time.Duration // the wait for each batch's load (-confirm-timeout; 0: none)
	rep     *Report
	sent    func(pending) // called for every command of a delivered batch (nil: nothing)
	batch   []pending
	// progress reports the VirtPOS customers read (nil: not reported).
	progress func(label string, total int) *exampleenv.Progress
	// name is what Artix's name gets (-artix-name; "": NameFirst).
	name ArtixName
}

// add queues p, sending the batch once it is full.
func (b *batcher) add(p pending) {
	b.batch = append(b.batch, p)
	if len(b.batch) >= b.size {
		b.flush()
	}
}

// flush sends what is queued.
func (b *batcher) flush() {
	batch := b.batch
	if len(batch) == 0 {
		return
	}
	b.batch = b.batch[:0]
	cmds := make([]loyalty.ArtixCommand, len(batch))
	for i, p := range batch {
		cmds[i] = p.cmd
	}
	if err := b.send(cmds); err != nil {
		err = fmt.Errorf("batch of %d (idclient %s…%s): %w", len(batch), batch[0].id, batch[len(batch)-1].id, err)
		if errors.Is(err, loyalty.ErrArtixNotConfirmed) {
			b.rep.unconfirmed(len(batch), err)
		} else {
			b.rep.fail(len(batch), err)
		}
		return
	}
	for _, p := range batch {
		switch p.kind {
		case "added":
			b.rep.Added++
		case "updated":
			b.rep.Updated++
		case "resent":
			b.rep.Resent++
		case "deleted":
			b.rep.Deleted++
		}
		if b.sent != nil {
			b.sent(p)
		}
	}
}

// send delivers one batch. With -confirm-timeout it waits that long for
// the cash registers to report the load, and records what they said: a
// batch a register failed is an *ArtixLoadError, one not confirmed in time
// matches ErrArtixNotConfirmed (queued, it may still load).
func (b *batcher) send(cmds []loyalty.ArtixCommand) error {
	if b.confirm <= 0 {
		return b.ax.Send(b.ctx, cmds...)
	}
	ctx, cancel := context.WithTimeout(b.ctx, b.confirm)
	defer cancel()
	res, err := b.ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: slices.Values(cmds)})
	b.rep.recordLoad(res, err)
	return err
}

// diff streams the VirtPOS customers with a phone and queues in b an
// addClient for every one that known (idclient → fingerprint of what the
// tills have) lacks ("added") or has with another fingerprint
// ("updated"); unchanged ones are counted, or queued too when full is set.
// It returns, sorted, known's idclients that VirtPOS no longer has with a
// usable phone. A customer whose mapping fails is counted as failed and
// kept: a bad phone typed in VirtPOS should not delete the client. When
// VirtPOS cannot be read to the end, what is queued is sent and the error
// returned, so the caller deletes nothing.
func diff(ctx context.Context, vp *loyalty.VirtPOS, b *batcher, known map[string]string, fp func(loyalty.ArtixCustomer) string, full bool) ([]string, error) {
	seen := map[string]bool{}
	prog := b.startProgress(ctx, vp)
	for c, err := range vp.Customers.All(ctx, &loyalty.CustomerQuery{WithPhone: new(true), PageSize: 200}) {
		if err != nil {
			prog.Finish(err)
			b.flush()
			return nil, fmt.Errorf("reading VirtPOS (nothing deleted): %w", err)
		}
		prog.Add(1)
		if c.Phone == "" { // a server that ignores with_phone
			continue
		}
		b.rep.Read++
		a, err := MapCustomerName(c, b.name)
		if err != nil {
			b.rep.fail(1, err)
			seen[strconv.FormatInt(c.ID, 10)] = true
			continue
		}
		seen[a.ID] = true
		f := fp(a)
		kind := "added"
		if old, ok := known[a.ID]; ok {
			kind = "updated"
			if old == f {
				if !full {
					b.rep.Unchanged++
					continue
				}
				kind = "resent"
			}
		}
		b.add(pending{kind: kind, id: a.ID, fp: f, cmd: loyalty.AddClient(a)})
	}
	prog.Finish(nil)
	var gone []string
	for _, id := range slices.Sorted(maps.Keys(known)) {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	return gone, nil
}

// startProgress starts reporting the customers read, with their number
// as VirtPOS counts it when it does (one customer of page 1 asked for it).
func (b *batcher) startProgress(ctx context.Context, vp *loyalty.VirtPOS) *exampleenv.Progress {
	if b.progress == nil {
		return exampleenv.NewProgress(nil, "", 0)
	}
	total := 0
	if first, err := vp.Customers.List(ctx, &loyalty.CustomerQuery{WithPhone: new(true), Page: 1, PageSize: 1}); err == nil {
		total = first.Count
	}
	return b.progress("customers read from VirtPOS", total)
}
