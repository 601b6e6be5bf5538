package chainsync

import (
	"context"
	"fmt"
	"iter"

	"github.com/loyaltykit/loyalty"
)

// Digest sums up a client directory so that a register's read-back can
// be compared with a version without holding either: the number of
// clients and the XOR of a hash per client of its id and phone. Only
// those two are compared because they come back from a Cash Server as
// they were loaded; the name does not (a Cash Server returns the full
// name where a load sent its parts: Artix field notes §6).
type Digest struct {
	Clients int
	Sum     Hash
}

func (d *Digest) add(id, phone string) {
	h := HashRecord([]byte(id + "\x00" + phone))
	for i := range d.Sum {
		d.Sum[i] ^= h[i]
	}
	d.Clients++
}

// VersionDigest is the [Digest] of every client of version v in store.
func VersionDigest(ctx context.Context, store VersionStore, v int64) (Digest, error) {
	var d Digest
	after := ""
	for {
		cs, err := store.Changes(ctx, 0, v, true, after, DefaultBatchSize)
		if err != nil {
			return Digest{}, err
		}
		for _, c := range cs {
			var a loyalty.ArtixCustomer
			if err := a.UnmarshalJSON(c.Record); err != nil {
				return Digest{}, fmt.Errorf("chainsync: version %d, client %s: %w", v, c.ID, err)
			}
			d.add(c.ID, a.Phone)
		}
		if len(cs) < DefaultBatchSize {
			return d, nil
		}
		after = cs[len(cs)-1].ID
	}
}

// ReadBackDigest is the [Digest] of a directory read back from a Cash
// Server, e.g. by [loyalty.ArtixCustomerRecordService.All]; an error
// reading it is returned as it is, since a partial read proves nothing.
func ReadBackDigest(records iter.Seq2[loyalty.ArtixCustomerRecord, error]) (Digest, error) {
	var d Digest
	for r, err := range records {
		if err != nil {
			return Digest{}, err
		}
		d.add(r.ID, r.Phone)
	}
	return d, nil
}
