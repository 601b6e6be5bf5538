package chainsync

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/loyaltykit/loyalty"
)

// Defaults of Policy.
const (
	DefaultBatchSize = 1000 // commands per batch
	DefaultMaxLag    = 20   // versions behind past which a register is reloaded in full
)

// Policy says how work is cut.
type Policy struct {
	// BatchSize is how many commands one batch (one unit) holds
	// (DefaultBatchSize).
	BatchSize int
	// MaxLag is how many versions a register may be behind and still get
	// the delta; further behind it is reloaded in full (DefaultMaxLag).
	MaxLag int64
}

func (p Policy) size() int {
	if p.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return p.BatchSize
}

func (p Policy) maxLag() int64 {
	if p.MaxLag <= 0 {
		return DefaultMaxLag
	}
	return p.MaxLag
}

// Work is what one register needs to reach a version.
type Work struct {
	From, To int64 // from its confirmed version to the target
	Full     bool  // clearClient, then every client of To
	Reason   string
	Commands int // commands in all (clearClient included)
	Batches  int // units, each up to Policy.BatchSize commands
	Size     int // Policy.BatchSize
	// Repair is the register's count of read-back repairs, this one
	// included when Reason is a read-back that disagrees. A full reload's
	// dictionaryids carry it (see [Unit.DictionaryID]), so a second
	// repair at the same versions as the first is sent under new ids,
	// not skipped as the first's confirmed batches. The caller keeps the
	// count with the register's checkpoint; [PlanRegister] leaves it 0.
	Repair int
}

// None reports work with nothing to send.
func (w Work) None() bool { return w.Batches == 0 }

// PlanRegister says what takes a register whose confirmed version is
// confirmed (0: never loaded) to version newest: nothing when it is there
// already; a full reload when it is new, more than p.MaxLag versions
// behind, or disagrees (its read-back differs from its confirmed
// version); otherwise the delta.
func PlanRegister(ctx context.Context, store VersionStore, confirmed, newest int64, disagrees bool, p Policy) (Work, error) {
	w := Work{From: confirmed, To: newest, Size: p.size()}
	switch {
	case newest == 0:
		w.Reason = "no version yet"
		return w, nil
	case confirmed == 0:
		w.Full, w.Reason = true, "new register"
	case disagrees:
		w.Full, w.Reason = true, "its read-back disagrees with its confirmed version"
	case confirmed > newest:
		w.Full, w.Reason = true, fmt.Sprintf("confirmed version %d is past the newest %d", confirmed, newest)
	case confirmed == newest:
		w.Reason = "up to date"
		return w, nil
	case newest-confirmed > p.maxLag():
		w.Full, w.Reason = true, fmt.Sprintf("%d versions behind (more than %d)", newest-confirmed, p.maxLag())
	default:
		w.Reason = fmt.Sprintf("%d version(s) behind", newest-confirmed)
	}
	n, err := store.CountChanges(ctx, w.From, w.To, w.Full)
	if err != nil {
		return w, err
	}
	if w.Full {
		n++ // clearClient
	}
	w.Commands = n
	w.Batches = (n + w.Size - 1) / w.Size
	return w, nil
}

// Unit is one batch of a register's work: batch Batch (0-based) of
// Batches taking it from version From to To. It holds references, not
// commands: the commands are read back from the store, after the client
// id After (where the previous batch ended), so a unit is small enough to
// be a job's arguments and always yields the same commands.
type Unit struct {
	Register string `json:"register"` // "shop/cash"
	From     int64  `json:"from"`
	To       int64  `json:"to"`
	Full     bool   `json:"full,omitempty"`
	Batch    int    `json:"batch"`
	Batches  int    `json:"batches"`
	Size     int    `json:"size"`
	After    string `json:"after,omitempty"`
	Repair   int    `json:"repair,omitempty"` // [Work.Repair]
}

// FirstUnit is the first unit of w for register, or false when w has no
// work.
func FirstUnit(register string, w Work) (Unit, bool) {
	if w.None() {
		return Unit{}, false
	}
	return Unit{Register: register, From: w.From, To: w.To, Full: w.Full, Batches: w.Batches, Size: w.Size, Repair: w.Repair}, true
}

// Next is the unit after u, given the last client id of u's commands, or
// false when u was the last.
func (u Unit) Next(last string) (Unit, bool) {
	if u.Batch+1 >= u.Batches {
		return Unit{}, false
	}
	n := u
	n.Batch++
	n.After = last
	return n, true
}

// DictionaryID is the unit's dictionaryid: derived from the unit alone
// (register, versions, batch, and for a full reload the register's
// repair count when it is not 0), so a re-sent batch carries the same id
// and a register can tell a repeat, while a second read-back repair at
// the same versions is a batch of its own:
// chain-<shop>.<cash>-<from>-<to><d|f>[-r<repair>]-<i>of<n>. At most 100
// characters, no spaces or slashes, as the exchanger wants.
func (u Unit) DictionaryID() string {
	kind := "d"
	if u.Full {
		kind = "f"
		if u.Repair > 0 {
			kind += "-r" + strconv.Itoa(u.Repair)
		}
	}
	reg := strings.NewReplacer("/", ".", " ", "_").Replace(u.Register)
	return "chain-" + reg + "-" + strconv.FormatInt(u.From, 10) + "-" + strconv.FormatInt(u.To, 10) + kind +
		"-" + strconv.Itoa(u.Batch+1) + "of" + strconv.Itoa(u.Batches)
}

// String names the unit for logs.
func (u Unit) String() string {
	return fmt.Sprintf("%s v%d→v%d batch %d/%d", u.Register, u.From, u.To, u.Batch+1, u.Batches)
}

// Commands reads the unit's batch from store: for batch 0 of a full
// reload clearClient first; then, in client-id order after u.After, up to
// u.Size commands (addClient for an added or updated client, which
// replaces the whole record; deleteClient for a deleted one). last is the
// client id the batch ends at, for [Unit.Next].
func (u Unit) Commands(ctx context.Context, store VersionStore) (cmds []loyalty.ArtixCommand, last string, err error) {
	size := u.Size
	if size <= 0 {
		size = DefaultBatchSize
	}
	if u.Full && u.Batch == 0 {
		cmds = append(cmds, loyalty.ClearClient())
		size--
	}
	changes, err := store.Changes(ctx, u.From, u.To, u.Full, u.After, size)
	if err != nil {
		return nil, "", err
	}
	cmds = slices.Grow(cmds, len(changes))
	last = u.After
	for _, c := range changes {
		last = c.ID
		if c.Kind == Deleted {
			cmds = append(cmds, loyalty.DeleteClient(c.ID))
			continue
		}
		var a loyalty.ArtixCustomer
		if err := json.Unmarshal(c.Record, &a); err != nil {
			return nil, "", fmt.Errorf("chainsync: client %s at version %d: %w", c.ID, u.To, err)
		}
		cmds = append(cmds, loyalty.AddClient(a))
	}
	return cmds, last, nil
}

// Step sends the unit's batch through ax under the unit's dictionaryid
// and returns what became of it and the unit that follows (false after
// the last). The unit is done when err is nil: with
// loyalty.WithLoadConfirmation (or WithPickupWait for an exchange
// directory) on ax, that is when the register confirmed the load.
func (u Unit) Step(ctx context.Context, ax *loyalty.Artix, store VersionStore) (*loyalty.ArtixLoadResult, Unit, bool, error) {
	cmds, last, err := u.Commands(ctx, store)
	if err != nil {
		return nil, Unit{}, false, err
	}
	var res *loyalty.ArtixLoadResult
	if len(cmds) > 0 {
		res, err = ax.SendBatch(ctx, loyalty.ArtixBatch{ID: u.DictionaryID(), Commands: slices.Values(cmds)})
		if err != nil {
			return res, Unit{}, false, err
		}
	}
	next, ok := u.Next(last)
	return res, next, ok, nil
}
