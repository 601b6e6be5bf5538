package loyalty

import (
	"errors"
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
// and a fingerprint of what the validation pass saw (each command's name
// and idclient: cheap, and enough to tell a spent or re-ordered iterator).
type artixBatch struct {
	id   string // ArtixBatch.ID; the HTTP transport fills in a new one
	seq  iter.Seq[ArtixCommand]
	cmds []ArtixCommand // Send's commands, walked instead of seq when set
	n    int
	sum  uint64
}

// artixSum is the running fingerprint of one pass over a batch.
type artixSum struct {
	h maphash.Hash
	n int
}

func newArtixSum() *artixSum {
	s := &artixSum{}
	s.h.SetSeed(artixSeed)
	return s
}

func (s *artixSum) add(c ArtixCommand) {
	s.n++
	s.h.WriteString(string(c.Name))
	s.h.WriteByte(0)
	s.h.WriteString(c.recordKey())
	s.h.WriteByte(0)
}

// newArtixBatch validates seq and fingerprints it; an empty batch is nil.
func newArtixBatch(seq iter.Seq[ArtixCommand]) (*artixBatch, error) {
	sum := newArtixSum()
	for c := range seq {
		if err := validateArtixCommand(sum.n, c); err != nil {
			return nil, err
		}
		sum.add(c)
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

// each calls fn with every command of one pass, in order. The pass fails
// with ErrArtixSeqNotRewalkable as soon as it yields more commands than
// validated, and at its end if it yielded fewer or others; fn's error
// stops it.
func (b *artixBatch) each(fn func(ArtixCommand) error) error {
	if b.cmds != nil {
		for _, c := range b.cmds {
			if err := fn(c); err != nil {
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
		sum.add(c)
		if err = fn(c); err != nil {
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
	// directory within WithPickupWait. The cash server removes them when
	// it takes a batch, but so would anything else that deletes them, and
	// a batch it failed to load is removed too (its errors go to the
	// exchanger's error.txt): this says the files are gone, no more.
	PickedUp bool
	// BackOffice is the last back-office state reported (HTTP with
	// WithLoadConfirmation; its Cash is "").
	BackOffice *ArtixCashStatus
	// Cashes is the last state each cash register reported, by cash code.
	Cashes []ArtixCashStatus
}
