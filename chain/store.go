package chain

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/loyaltykit/loyalty/chainsync"
)

// store is the chainsync.VersionStore and the checkpoints of one
// database.
type store[TTx any] struct{ d db[TTx] }

var _ chainsync.VersionStore = (*store[any])(nil)

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// Live implements chainsync.VersionStore.
func (s *store[TTx]) Live(ctx context.Context, each func(string, chainsync.Hash)) (int64, error) {
	var zero TTx
	v, err := s.newest(ctx, zero)
	if err != nil {
		return 0, err
	}
	rs, done, err := s.d.query(ctx, zero, `SELECT client_id, hash FROM chain_client WHERE to_v IS NULL`)
	if err != nil {
		return 0, fmt.Errorf("chain: live clients: %w", err)
	}
	defer done()
	for rs.Next() {
		var id, hs string
		if err := rs.Scan(&id, &hs); err != nil {
			return 0, err
		}
		h, err := chainsync.ParseHash(hs)
		if err != nil {
			return 0, err
		}
		each(id, h)
	}
	return v, rs.Err()
}

func (s *store[TTx]) newest(ctx context.Context, tx TTx) (int64, error) {
	rs, done, err := s.d.query(ctx, tx, `SELECT COALESCE(MAX(version), 0) FROM chain_version`)
	if err != nil {
		return 0, fmt.Errorf("chain: newest version: %w", err)
	}
	defer done()
	var v int64
	if rs.Next() {
		err = rs.Scan(&v)
	}
	if err == nil {
		err = rs.Err()
	}
	return v, err
}

// AddVersion implements chainsync.VersionStore, in one transaction.
func (s *store[TTx]) AddVersion(ctx context.Context, changes iter.Seq2[chainsync.Change, error]) (v int64, err error) {
	tx, err := s.d.begin(ctx)
	if err != nil {
		return 0, err
	}
	committed := false
	defer func() {
		if !committed {
			s.d.rollback(ctx, tx)
		}
	}()
	newest, err := s.newest(ctx, tx)
	if err != nil {
		return 0, err
	}
	v = newest + 1
	var n [4]int64
	for c, err := range changes {
		if err != nil {
			return 0, err
		}
		n[c.Kind]++
		if c.Kind != chainsync.Added {
			if _, err := s.d.exec(ctx, tx, `UPDATE chain_client SET to_v = $1 WHERE client_id = $2 AND to_v IS NULL`, v, c.ID); err != nil {
				return 0, fmt.Errorf("chain: version %d: client %s: %w", v, c.ID, err)
			}
		}
		if c.Kind != chainsync.Deleted {
			if _, err := s.d.exec(ctx, tx, `INSERT INTO chain_client (client_id, from_v, hash, record) VALUES ($1, $2, $3, $4)`, c.ID, v, c.Hash.String(), c.Record); err != nil {
				return 0, fmt.Errorf("chain: version %d: client %s: %w", v, c.ID, err)
			}
		}
	}
	if n[chainsync.Added]+n[chainsync.Updated]+n[chainsync.Deleted] == 0 {
		return newest, nil
	}
	if _, err := s.d.exec(ctx, tx, `INSERT INTO chain_version (version, created_at, added, updated, deleted) VALUES ($1, $2, $3, $4, $5)`,
		v, now(), n[chainsync.Added], n[chainsync.Updated], n[chainsync.Deleted]); err != nil {
		return 0, fmt.Errorf("chain: version %d: %w", v, err)
	}
	if err := s.d.commit(ctx, tx); err != nil {
		return 0, err
	}
	committed = true
	return v, nil
}

// The rows valid at a version ($1), and the delta between two.
const (
	fullSQL = `SELECT client_id, record, 0 FROM chain_client
		WHERE from_v <= $1 AND (to_v IS NULL OR to_v > $1) AND client_id > $2
		ORDER BY client_id LIMIT $3`
	// changed: opened after from, live at to, and not what from had;
	// deleted: live at from, closed by to, and nothing live at to.
	deltaSQL = `SELECT client_id, record, del FROM (
		SELECT n.client_id, n.record, 0 AS del FROM chain_client n
		WHERE n.from_v > $1 AND n.from_v <= $2 AND (n.to_v IS NULL OR n.to_v > $2) AND n.client_id > $3
		AND NOT EXISTS (SELECT 1 FROM chain_client o WHERE o.client_id = n.client_id
			AND o.from_v <= $1 AND (o.to_v IS NULL OR o.to_v > $1) AND o.hash = n.hash)
		UNION ALL
		SELECT o.client_id, NULL, 1 AS del FROM chain_client o
		WHERE o.from_v <= $1 AND o.to_v IS NOT NULL AND o.to_v > $1 AND o.to_v <= $2 AND o.client_id > $3
		AND NOT EXISTS (SELECT 1 FROM chain_client n WHERE n.client_id = o.client_id
			AND n.from_v <= $2 AND (n.to_v IS NULL OR n.to_v > $2))
		) d ORDER BY client_id LIMIT $4`
)

// Changes implements chainsync.VersionStore.
func (s *store[TTx]) Changes(ctx context.Context, from, to int64, full bool, after string, limit int) ([]chainsync.Change, error) {
	var zero TTx
	var rs rows
	var done func()
	var err error
	if full {
		rs, done, err = s.d.query(ctx, zero, fullSQL, to, after, limit)
	} else {
		rs, done, err = s.d.query(ctx, zero, deltaSQL, from, to, after, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("chain: changes v%d→v%d: %w", from, to, err)
	}
	defer done()
	var out []chainsync.Change
	for rs.Next() {
		var c chainsync.Change
		var del int64
		if err := rs.Scan(&c.ID, &c.Record, &del); err != nil {
			return nil, err
		}
		c.Kind = chainsync.Updated
		if del == 1 {
			c.Kind = chainsync.Deleted
		}
		out = append(out, c)
	}
	return out, rs.Err()
}

// CountChanges implements chainsync.VersionStore.
func (s *store[TTx]) CountChanges(ctx context.Context, from, to int64, full bool) (int, error) {
	var zero TTx
	var rs rows
	var done func()
	var err error
	if full {
		rs, done, err = s.d.query(ctx, zero, `SELECT COUNT(*) FROM (`+fullSQL+`) c`, to, "", int64(1)<<62)
	} else {
		rs, done, err = s.d.query(ctx, zero, `SELECT COUNT(*) FROM (`+deltaSQL+`) c`, from, to, "", int64(1)<<62)
	}
	if err != nil {
		return 0, fmt.Errorf("chain: count changes v%d→v%d: %w", from, to, err)
	}
	defer done()
	return scanCount(rs)
}

// scanCount reads the one COUNT(*) of rs (0 when there is no row).
func scanCount(rs rows) (int, error) {
	var n int64
	var err error
	if rs.Next() {
		err = rs.Scan(&n)
	}
	if err == nil {
		err = rs.Err()
	}
	return int(n), err
}
