package loyalty

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"

	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// artixHTTP posts batches as JSON arrays through the request core to a
// cash register's exchanger (POST {base}/aifexchange/loaddicts).
type artixHTTP struct {
	core *core
	shop string // shopcode query parameter ("" : not sent)
	// status receives the load-status callbacks (nil: no confirmation
	// asked for); cashes is how many cash registers must report, codes
	// which ones (nil: any, up to cashes).
	status *ArtixStatusReceiver
	cashes int
	codes  []string
}

// send posts the batch. It is marked idempotent: every command sets state
// to given values (add replaces, update sets attributes, delete and clear
// remove), so a batch applied twice leaves the directory as applying it
// once does, and a 5xx or a dropped connection may be retried. Every
// attempt carries the batch's one dictionaryid.
func (h *artixHTTP) send(ctx context.Context, b *artixBatch) (*ArtixLoadResult, error) {
	if b.id == "" {
		b.id = newArtixDictionaryID()
	}
	r := &request{
		method:      http.MethodPost,
		path:        artixwire.LoadDictsPath,
		rawQuery:    h.query(b.id),
		contentType: "application/json",
		accept:      "application/json",
		idempotent:  true,
	}
	var wait *artixWait
	if h.status != nil {
		var err error
		if wait, err = h.status.expect(ctx, h.shop, b.id, h.core.base.Hostname(), h.cashes, h.codes); err != nil {
			return nil, err
		}
		defer wait.done()
		// The register's address, as the connection reached it: its
		// back-office POST must come from there.
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { wait.addPeer(i.Conn.RemoteAddr()) }})
	}
	if b.n <= artixBufferCommands {
		// Encoded into a pooled buffer and copied out at its size: the
		// body lives until the last attempt, and a usual command is a few
		// hundred bytes.
		buf := artixBodyPool.Get().(*[]byte)
		body, err := appendArtixArray((*buf)[:0], b, nil)
		if err != nil {
			artixBodyPool.Put(buf)
			return nil, err
		}
		r.body = bytes.Clone(body)
		if cap(body) <= artixPooledBodyCap {
			*buf = body
		}
		artixBodyPool.Put(buf)
	} else {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		var s artixStreams
		defer s.stop()
		// A pass that finds the iterator spent ends the request, and no
		// attempt follows.
		r.bodyFunc = func() io.ReadCloser { return s.next(b, cancel) }
	}
	resp, err := h.core.do(ctx, r)
	if cause := context.Cause(ctx); errors.Is(cause, ErrArtixSeqNotRewalkable) {
		return nil, cause
	}
	if err != nil {
		return nil, err
	}
	if err := artixReplyError(resp); err != nil {
		return nil, err
	}
	res := &ArtixLoadResult{ID: b.id, Shop: h.shop, Commands: b.n, Queued: true}
	if wait == nil {
		return res, nil
	}
	return wait.wait(ctx, res)
}

// query is the loaddicts query of batch id, byte for byte what
// url.Values.Encode makes of it (keys sorted), without the map.
func (h *artixHTTP) query(id string) string {
	q := make([]byte, 0, 128)
	if h.status != nil {
		q = appendQueryParam(q, artixwire.ParamStatusAddress, h.status.Address())
	}
	q = appendQueryParam(q, artixwire.ParamDictionaryID, id)
	if h.shop != "" {
		q = appendQueryParam(q, artixwire.ParamShopCode, h.shop)
	}
	return string(q)
}

// artixStreams are the streamed bodies of one batch, one per attempt. A
// transport need not read or close a body it gave up on, so each body's
// writer goroutine is stopped by closing its pipe: before the next attempt
// starts (the commands are never walked by two attempts at once) and when
// the batch ends (no writer outlives Send).
type artixStreams struct {
	mu      sync.Mutex
	readers []*io.PipeReader
	wg      sync.WaitGroup
}

// errArtixBodyAbandoned ends the writer of a body no attempt reads any more.
var errArtixBodyAbandoned = errors.New("loyalty: artix batch body abandoned")

// next stops the earlier writers and starts one streaming b into a new
// body. A pass that finds the iterator changed calls fail with the error
// before it ends the body, so the body is cut off, never completed.
func (s *artixStreams) next(b *artixBatch, fail context.CancelCauseFunc) io.ReadCloser {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeAll()
	pr, pw := io.Pipe()
	s.readers = append(s.readers, pr)
	s.wg.Go(func() {
		bw := bufio.NewWriterSize(pw, 64<<10)
		err := writeArtixArray(bw, b)
		if errors.Is(err, ErrArtixSeqNotRewalkable) {
			fail(err)
		}
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	})
	return pr
}

// closeAll closes every body and waits for the writers. s.mu is held.
func (s *artixStreams) closeAll() {
	for _, pr := range s.readers {
		pr.CloseWithError(errArtixBodyAbandoned)
	}
	s.readers = s.readers[:0]
	s.wg.Wait()
}

// stop ends every writer once the batch is done.
func (s *artixStreams) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeAll()
}

// writeArtixArray writes one pass over b as a JSON array to w, one
// command at a time.
func writeArtixArray(w io.Writer, b *artixBatch) error {
	_, err := appendArtixArray(make([]byte, 0, 1024), b, func(p []byte) ([]byte, error) {
		_, err := w.Write(p)
		return p[:0], err
	})
	return err
}

// appendArtixArray appends one pass over b as a JSON array to dst; flush,
// when not nil, is handed what is appended after each command and returns
// the slice to go on with. The closing bracket is appended only after the
// pass is checked, so a changed iterator never yields a complete body.
func appendArtixArray(dst []byte, b *artixBatch, flush func([]byte) ([]byte, error)) ([]byte, error) {
	a := artixArray{dst: append(dst, '['), first: true, flush: flush}
	var err error
	if b.cmds != nil {
		// Send's slice: walked here, so that a stays on the stack.
		for _, c := range b.cmds {
			if err = a.add(c); err != nil {
				break
			}
		}
	} else {
		h := new(artixArray)
		*h = a
		err = b.each(h.addEncoded)
		a = *h
	}
	if err != nil {
		return nil, err
	}
	a.dst = append(a.dst, ']')
	if flush != nil {
		return flush(a.dst)
	}
	return a.dst, nil
}

// artixArray is a JSON array of commands being appended.
type artixArray struct {
	dst   []byte
	first bool
	flush func([]byte) ([]byte, error)
}

// addEncoded appends one command's encoding.
func (a *artixArray) addEncoded(enc []byte) error {
	if !a.first {
		a.dst = append(a.dst, ',')
	}
	a.first = false
	a.dst = append(a.dst, enc...)
	if a.flush == nil {
		return nil
	}
	var err error
	a.dst, err = a.flush(a.dst)
	return err
}

func (a *artixArray) add(c ArtixCommand) error {
	if !a.first {
		a.dst = append(a.dst, ',')
	}
	a.first = false
	var err error
	if a.dst, err = c.appendJSON(a.dst); err != nil || a.flush == nil {
		return err
	}
	a.dst, err = a.flush(a.dst)
	return err
}

// artixBodyPool holds the buffers small batches are encoded into before
// their body is copied out at its size; a buffer grown past
// artixPooledBodyCap is left to the collector.
var artixBodyPool = sync.Pool{New: func() any { return new(make([]byte, 0, 1024)) }}

const artixPooledBodyCap = 64 << 10
