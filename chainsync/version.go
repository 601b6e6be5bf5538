package chainsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"

	"github.com/loyaltykit/loyalty"
)

// Hash is the content hash of one Artix client record (the first 16
// bytes of the SHA-256 of its JSON).
type Hash [16]byte

// String is the hash in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash reads a hash written by [Hash.String].
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("chainsync: bad hash %q", s)
	}
	copy(h[:], b)
	return h, nil
}

// HashRecord is the content hash of a record's JSON.
func HashRecord(record []byte) Hash {
	sum := sha256.Sum256(record)
	return Hash(sum[:16])
}

// ChangeKind says what a version did to a client.
type ChangeKind uint8

// The kinds of change.
const (
	Added   ChangeKind = iota + 1 // a client the previous version did not have
	Updated                       // a client whose record changed
	Deleted                       // a client the new version no longer has
)

func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Updated:
		return "updated"
	case Deleted:
		return "deleted"
	}
	return fmt.Sprintf("ChangeKind(%d)", uint8(k))
}

// Change is one client's change in a version: for Added and Updated the
// new record (the JSON of a loyalty.ArtixCustomer) and its hash.
type Change struct {
	ID     string
	Kind   ChangeKind
	Hash   Hash
	Record []byte
}

// VersionStore keeps the directory versions: each version is the delta
// from the previous one, and any two versions' difference can be read
// back in client-id order. Implementations: [MemStore]; the chain
// module's SQLite and PostgreSQL stores.
type VersionStore interface {
	// Live calls each with the id and hash of every client the newest
	// version holds, in no particular order (the id is each's to keep),
	// and returns that version (0: none yet). It streams, so that a
	// store's rows and its caller's index of them need not both be in
	// memory.
	Live(ctx context.Context, each func(id string, h Hash)) (version int64, err error)
	// AddVersion records version newest+1 from the changes seq yields
	// (every client at most once) and returns it; nothing is recorded if
	// seq fails, and when seq yields no change the newest version is
	// returned and none is recorded.
	AddVersion(ctx context.Context, changes iter.Seq2[Change, error]) (int64, error)
	// Changes returns, in client-id order and after the client id after,
	// up to limit commands that take a register from version from to
	// version to: with full, every client of version to (as Added);
	// otherwise each client changed between them (Deleted, or Updated
	// with its record at version to).
	Changes(ctx context.Context, from, to int64, full bool, after string, limit int) ([]Change, error)
	// CountChanges is how many changes Changes yields in all.
	CountChanges(ctx context.Context, from, to int64, full bool) (int, error)
}

// SnapshotResult says what a [Snapshot] recorded.
type SnapshotResult struct {
	Version                 int64 // the newest version afterwards
	New                     bool  // a version was recorded (something changed)
	Clients                 int   // clients in the newest version
	Added, Updated, Deleted int
	Skipped                 int     // customers that cannot be Artix clients (no usable phone, …)
	Duplicates              int     // customers whose client id came twice (the first kept)
	SkippedErrs             []error // the first few reasons for Skipped
	Customers               int     // customers read
}

// seenHash marks, in Snapshot's map of the previous version's hashes, a
// client this read has already yielded. No record hashes to it: it would
// take a 128-bit collision of SHA-256.
var seenHash = Hash{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// ErrSnapshotIncomplete wraps a failure to read every customer: no
// version is recorded, since a client missing from a partial read would
// look deleted.
var ErrSnapshotIncomplete = errors.New("chainsync: customers not read to the end: no version recorded")

// Snapshot reads every customer once, maps each with [MapCustomer] and
// records a new version in store as the delta from its newest: clients
// whose record hash changed are Updated, new ones Added, and the newest
// version's clients the read did not yield are Deleted. Nothing changed
// records no version. A customer that cannot be mapped is skipped and
// counted; a failed read records nothing and wraps
// [ErrSnapshotIncomplete].
func Snapshot(ctx context.Context, store VersionStore, customers iter.Seq2[loyalty.Customer, error]) (*SnapshotResult, error) {
	prev := newHashIndex()
	newest, err := store.Live(ctx, prev.set)
	if err != nil {
		return nil, err
	}
	res := &SnapshotResult{Version: newest}
	var readErr error
	// prev is the one index Snapshot keeps: a client seen in this read has
	// its hash replaced by seenHash (a new client is added with it), so
	// duplicates are found and what is left unmarked at the end was
	// deleted, with no second set of client ids beside it.
	changes := func(yield func(Change, error) bool) {
		for c, err := range customers {
			if err != nil {
				readErr = err
				yield(Change{}, fmt.Errorf("%w: %w", ErrSnapshotIncomplete, err))
				return
			}
			res.Customers++
			a, err := MapCustomer(c)
			if err != nil {
				res.Skipped++
				if len(res.SkippedErrs) < 5 {
					res.SkippedErrs = append(res.SkippedErrs, err)
				}
				continue
			}
			old, had := prev.get(a.ID)
			if had && old == seenHash {
				res.Duplicates++
				continue
			}
			prev.set(a.ID, seenHash)
			res.Clients++
			rec, err := a.MarshalJSON() // not json.Marshal, which compacts the output again
			if err != nil {
				yield(Change{}, fmt.Errorf("chainsync: client %s: %w", a.ID, err))
				return
			}
			h := HashRecord(rec)
			switch {
			case had && old == h:
				continue
			case had:
				res.Updated++
				if !yield(Change{ID: a.ID, Kind: Updated, Hash: h, Record: rec}, nil) {
					return
				}
			default:
				res.Added++
				if !yield(Change{ID: a.ID, Kind: Added, Hash: h, Record: rec}, nil) {
					return
				}
			}
		}
		for id, h := range prev.all() {
			if h == seenHash {
				continue
			}
			res.Deleted++
			if !yield(Change{ID: id, Kind: Deleted}, nil) {
				return
			}
		}
	}
	v, err := store.AddVersion(ctx, changes)
	if err != nil {
		if readErr != nil && !errors.Is(err, ErrSnapshotIncomplete) {
			return nil, fmt.Errorf("%w: %w", ErrSnapshotIncomplete, readErr)
		}
		return nil, err
	}
	if v != newest {
		res.Version, res.New = v, true
	}
	return res, nil
}
