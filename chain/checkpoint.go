package chain

import (
	"context"
	"fmt"

	"github.com/loyaltykit/loyalty/chainsync"
)

// Register states.
const (
	StateIdle    = "idle"    // at its confirmed version, nothing in flight
	StateWorking = "working" // units in flight or queued
	StateFailed  = "failed"  // gave up after its attempts; LastError says why
)

// RegisterStatus is one register's checkpoint.
type RegisterStatus struct {
	Register    string `json:"register"`
	Shop        string `json:"shop"`
	Confirmed   int64  `json:"confirmed_version"`
	Target      int64  `json:"target_version"`
	Newest      int64  `json:"newest_version"`
	Lag         int64  `json:"lag"`
	Full        bool   `json:"full_reload,omitempty"`
	Repairs     int    `json:"repairs,omitempty"` // read-back repairs started (chainsync.Work.Repair)
	BatchesDone int    `json:"batches_done"`
	Batches     int    `json:"batches"`
	State       string `json:"state"`
	InFlight    bool   `json:"in_flight"`
	LastError   string `json:"last_error,omitempty"`
	UpdatedAt   string `json:"updated_at,omitempty"`
}

// ensureRegisters adds the topology's registers that have no checkpoint.
func (s *store[TTx]) ensureRegisters(ctx context.Context, regs []chainsync.Register) error {
	var zero TTx
	for _, r := range regs {
		if _, err := s.d.exec(ctx, zero, `INSERT INTO chain_register (register, shop, updated_at) VALUES ($1, $2, $3) ON CONFLICT (register) DO NOTHING`, r.ID(), r.Shop, now()); err != nil {
			return fmt.Errorf("chain: register %s: %w", r.ID(), err)
		}
	}
	return nil
}

// statuses reads every register's checkpoint, in register order.
func (s *store[TTx]) statuses(ctx context.Context) ([]RegisterStatus, error) {
	var zero TTx
	newest, err := s.newest(ctx, zero)
	if err != nil {
		return nil, err
	}
	rs, done, err := s.d.query(ctx, zero, `SELECT register, shop, confirmed, target, full_reload, batches_done, batches, repairs, state, last_error, updated_at FROM chain_register ORDER BY shop, register`)
	if err != nil {
		return nil, fmt.Errorf("chain: registers: %w", err)
	}
	defer done()
	var out []RegisterStatus
	for rs.Next() {
		var st RegisterStatus
		var full, bd, b, rp int64
		if err := rs.Scan(&st.Register, &st.Shop, &st.Confirmed, &st.Target, &full, &bd, &b, &rp, &st.State, &st.LastError, &st.UpdatedAt); err != nil {
			return nil, err
		}
		st.Full, st.BatchesDone, st.Batches, st.Repairs = full == 1, int(bd), int(b), int(rp)
		st.Newest, st.Lag = newest, newest-st.Confirmed
		st.InFlight = st.State == StateWorking
		out = append(out, st)
	}
	return out, rs.Err()
}

// startWork records a register's new work (its first unit is inserted in
// the same transaction), and its repair count, which a resumed unit of
// the work takes up.
func (s *store[TTx]) startWork(ctx context.Context, tx TTx, register string, w chainsync.Work) error {
	_, err := s.d.exec(ctx, tx, `UPDATE chain_register SET target = $1, full_reload = $2, batches_done = 0, batches = $3, batch_size = $4, after_key = '', repairs = $5, state = $6, last_error = '', updated_at = $7 WHERE register = $8`,
		w.To, b2i(w.Full), w.Batches, w.Size, w.Repair, StateWorking, now(), register)
	return err
}

// upToDate records that a register needs nothing to be at version v.
func (s *store[TTx]) upToDate(ctx context.Context, register string, v int64) error {
	var zero TTx
	_, err := s.d.exec(ctx, zero, `UPDATE chain_register SET confirmed = $1, target = $1, batches_done = 0, batches = 0, state = $2, last_error = '', updated_at = $3 WHERE register = $4 AND state <> $5`,
		v, StateIdle, now(), register, StateWorking)
	return err
}

// confirmed reports whether the batch id is in the ledger.
func (s *store[TTx]) confirmed(ctx context.Context, id string) (bool, error) {
	var zero TTx
	rs, done, err := s.d.query(ctx, zero, `SELECT 1 FROM chain_batch WHERE dictionary_id = $1`, id)
	if err != nil {
		return false, err
	}
	defer done()
	return rs.Next(), rs.Err()
}

// confirmBatch writes a confirmed unit into the ledger and the
// register's checkpoint, in the job's transaction: its version becomes
// confirmed after its last batch.
func (s *store[TTx]) confirmBatch(ctx context.Context, tx TTx, u chainsync.Unit, last string, commands int) error {
	if _, err := s.d.exec(ctx, tx, `INSERT INTO chain_batch (dictionary_id, register, commands, confirmed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (dictionary_id) DO NOTHING`,
		u.DictionaryID(), u.Register, commands, now()); err != nil {
		return err
	}
	if u.Batch+1 < u.Batches {
		_, err := s.d.exec(ctx, tx, `UPDATE chain_register SET batches_done = $1, after_key = $2, last_error = '', updated_at = $3 WHERE register = $4`, u.Batch+1, last, now(), u.Register)
		return err
	}
	_, err := s.d.exec(ctx, tx, `UPDATE chain_register SET confirmed = $1, batches_done = $2, state = $3, last_error = '', updated_at = $4 WHERE register = $5`,
		u.To, u.Batches, StateIdle, now(), u.Register)
	return err
}

// resumePoint is where a working register's next batch starts and the
// batch size of its work.
func (s *store[TTx]) resumePoint(ctx context.Context, register string) (after string, size int, err error) {
	var zero TTx
	rs, done, err := s.d.query(ctx, zero, `SELECT after_key, batch_size FROM chain_register WHERE register = $1`, register)
	if err != nil {
		return "", 0, err
	}
	defer done()
	var n int64
	if rs.Next() {
		err = rs.Scan(&after, &n)
	}
	if err == nil {
		err = rs.Err()
	}
	return after, int(n), err
}

// noteError records a unit's failure; failed marks the register failed
// (it gave up), otherwise it is retried.
func (s *store[TTx]) noteError(ctx context.Context, tx *TTx, register, msg string, failed bool) error {
	var zero TTx
	if tx != nil {
		zero = *tx
	}
	state := StateWorking
	if failed {
		state = StateFailed
	}
	_, err := s.d.exec(ctx, zero, `UPDATE chain_register SET last_error = $1, state = $2, updated_at = $3 WHERE register = $4`, msg, state, now(), register)
	return err
}

// batchCount is how many batches the ledger holds for a register (all
// registers when register is "").
func (s *store[TTx]) batchCount(ctx context.Context, register string) (int, error) {
	var zero TTx
	rs, done, err := s.d.query(ctx, zero, `SELECT COUNT(*) FROM chain_batch WHERE register = $1 OR $1 = ''`, register)
	if err != nil {
		return 0, err
	}
	defer done()
	return scanCount(rs)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
