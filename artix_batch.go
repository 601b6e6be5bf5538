package loyalty

import (
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
)

// ErrArtixSeqNotRewalkable matches a SendSeq whose iterator did not yield
// the same commands on a later pass as on the validation pass (a
// single-use iterator yields nothing the second time). Nothing more is
// sent, and a half-written exchange file is removed.
var ErrArtixSeqNotRewalkable = errors.New("loyalty: artix: the command iterator yielded other commands on a later pass than on the validation pass; SendSeq needs a re-walkable iterator that yields the same commands every time (a slice's values, a query re-run, a file re-read), so nothing more was sent")

// artixSeed seeds the batch fingerprints of this process.
var artixSeed = maphash.MakeSeed()

// artixBatch is a validated, non-empty batch: its commands, their count
// and a fingerprint of what the validation pass saw (each command's wire
// encoding, so that changed content is told from the same names and ids).
type artixBatch struct {
	id   string // ArtixBatch.ID; the HTTP transport fills in a new one
	seq  iter.Seq[ArtixCommand]
	cmds []ArtixCommand // Send's commands, walked instead of seq when set
	n    int
	sum  uint64
}

// artixSum is the running fingerprint of one pass over a batch.
type artixSum struct {
	h   maphash.Hash
	n   int
	buf []byte // scratch for one command's encoding
}

func newArtixSum() *artixSum {
	s := &artixSum{buf: make([]byte, 0, 512)}
	s.h.SetSeed(artixSeed)
	return s
}

// add validates c, the n-th command of a pass, encodes it and adds the
// encoding to the fingerprint. The encoding is valid until the next add.
func (s *artixSum) add(c ArtixCommand) ([]byte, error) {
	if err := validateArtixCommand(s.n, c); err != nil {
		return nil, err
	}
	s.n++
	b, err := c.appendJSON(s.buf[:0])
	if err != nil {
		return nil, err
	}
	if cap(b) <= 64<<10 {
		s.buf = b
	}
	s.h.Write(b)
	s.h.WriteByte(0)
	return b, nil
}

// newArtixBatch validates seq and fingerprints it; an empty batch is nil.
func newArtixBatch(seq iter.Seq[ArtixCommand]) (*artixBatch, error) {
	sum := newArtixSum()
	for c := range seq {
		if _, err := sum.add(c); err != nil {
			return nil, err
		}
	}
	if sum.n == 0 {
		return nil, nil
	}
	return &artixBatch{seq: seq, n: sum.n, sum: sum.h.Sum64()}, nil
}

// newArtixBatchOf validates Send's commands; an empty batch is nil. A
// slice yields the same commands on every pass, so it is walked directly,
// without an iterator's closures or a fingerprint.
func newArtixBatchOf(cmds []ArtixCommand) (*artixBatch, error) {
	for i, c := range cmds {
		if err := validateArtixCommand(i, c); err != nil {
			return nil, err
		}
	}
	if len(cmds) == 0 {
		return nil, nil
	}
	return &artixBatch{cmds: cmds, n: len(cmds)}, nil
}

// each calls fn with the wire encoding of every command of one pass, in
// order (valid until fn returns). Every pass of an iterator is validated
// and fingerprinted as the first was, from the encoding it sends, so each
// command is encoded once a pass: the pass fails with
// [ErrArtixSeqNotRewalkable] as soon as it yields more commands than
// validated or an invalid one (the error then also matches its
// *[ArtixRecordError]), and at its end if it yielded fewer or others; fn's
// error stops it.
func (b *artixBatch) each(fn func(enc []byte) error) error {
	if b.cmds != nil {
		buf := make([]byte, 0, 512)
		for _, c := range b.cmds {
			var err error
			if buf, err = c.appendJSON(buf[:0]); err != nil {
				return err
			}
			if err := fn(buf); err != nil {
				return err
			}
		}
		return nil
	}
	sum := newArtixSum()
	var err error
	for c := range b.seq {
		if sum.n == b.n {
			err = ErrArtixSeqNotRewalkable
			break
		}
		var enc []byte
		if enc, err = sum.add(c); err != nil {
			err = fmt.Errorf("%w: on a later pass, %w", ErrArtixSeqNotRewalkable, err)
			break
		}
		if err = fn(enc); err != nil {
			break
		}
	}
	if err != nil {
		return err
	}
	if sum.n != b.n || sum.h.Sum64() != b.sum {
		return ErrArtixSeqNotRewalkable
	}
	return nil
}

// ArtixBatch is one batch with its own settings, for SendBatch.
type ArtixBatch struct {
	// ID is the batch's dictionaryid over HTTP: unique per batch, at most
	// 100 characters without spaces or slashes. "" (the usual) makes one
	// as field clients do, epoch seconds with a fraction
	// ("1764471234.567890"), never repeated by this process. Every retry
	// of the batch sends the same ID. The exchange directory ignores it.
	ID string
	// Commands are the batch, in order: walked once to validate, then once
	// per attempt, so they must yield the same commands every time.
	Commands iter.Seq[ArtixCommand]
}

// ArtixLoadResult is what is known of a batch when SendBatch returns.
type ArtixLoadResult struct {
	// ID is the dictionaryid (HTTP) or the batch file's base name,
	// pos<stamp> (exchange directory).
	ID string
	// Shop is the shopcode the batch went to (HTTP).
	Shop string
	// Commands is how many commands the batch held.
	Commands int
	// File is the .aif written (exchange directory).
	File string
	// Queued: the exchanger took the batch (HTTP success) or both files
	// are in place (exchange directory).
	Queued bool
	// Loaded: the cash registers waited for reported the batch loaded
	// (HTTP with WithLoadConfirmation). Never set for an exchange
	// directory, which has no way to say so: see PickedUp.
	Loaded bool
	// PickedUp: both files of the batch were removed from the exchange
	// directory within WithPickupWait, and error.txt named no refusal of
	// it. The cash server removes them when it takes a batch, but so would
	// anything else that deletes them: this says the files are gone, no
	// more.
	PickedUp bool
	// BackOffice is the last back-office state reported (HTTP with
	// WithLoadConfirmation; its Cash is "").
	BackOffice *ArtixCashStatus
	// Cashes is the last state each cash register reported, by cash code.
	Cashes []ArtixCashStatus
}
