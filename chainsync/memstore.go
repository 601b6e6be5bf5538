package chainsync

import (
	"context"
	"iter"
	"slices"
	"sort"
	"sync"
)

// MemStore is a [VersionStore] in memory, for tests and benchmarks. It is
// safe for concurrent use.
type MemStore struct {
	mu      sync.Mutex
	newest  int64
	clients map[string][]memRow // client id → its records, oldest first
	ids     []string            // sorted client ids; nil when stale
}

// memRow is a client's record from version from until version until
// (0: still live).
type memRow struct {
	from, until int64
	hash        Hash
	record      []byte
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{clients: map[string][]memRow{}} }

// Live implements VersionStore.
func (m *MemStore) Live(_ context.Context, each func(string, Hash)) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, rs := range m.clients {
		if last := rs[len(rs)-1]; last.until == 0 {
			each(id, last.hash)
		}
	}
	return m.newest, nil
}

// AddVersion implements VersionStore.
func (m *MemStore) AddVersion(ctx context.Context, changes iter.Seq2[Change, error]) (int64, error) {
	var batch []Change
	for c, err := range changes {
		if err != nil {
			return 0, err
		}
		c.Record = slices.Clone(c.Record)
		batch = append(batch, c)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(batch) == 0 {
		return m.newest, nil
	}
	v := m.newest + 1
	for _, c := range batch {
		rs := m.clients[c.ID]
		if n := len(rs); n > 0 && rs[n-1].until == 0 {
			rs[n-1].until = v
		} else {
			m.ids = nil
		}
		if c.Kind != Deleted {
			rs = append(rs, memRow{from: v, hash: c.Hash, record: c.Record})
		}
		m.clients[c.ID] = rs
	}
	m.newest = v
	return v, nil
}

// at is the row of rs valid at version v, or nil.
func at(rs []memRow, v int64) *memRow {
	for i := len(rs) - 1; i >= 0; i-- {
		r := &rs[i]
		if r.from <= v && (r.until == 0 || r.until > v) {
			return r
		}
		if r.from <= v {
			return nil
		}
	}
	return nil
}

// change is what takes a client from version from to to, if anything.
func change(id string, rs []memRow, from, to int64, full bool) (Change, bool) {
	now := at(rs, to)
	if full {
		if now == nil {
			return Change{}, false
		}
		return Change{ID: id, Kind: Added, Hash: now.hash, Record: now.record}, true
	}
	was := at(rs, from)
	switch {
	case now == nil && was == nil:
		return Change{}, false
	case now == nil:
		return Change{ID: id, Kind: Deleted}, true
	case was == nil:
		return Change{ID: id, Kind: Added, Hash: now.hash, Record: now.record}, true
	case was.hash != now.hash:
		return Change{ID: id, Kind: Updated, Hash: now.hash, Record: now.record}, true
	}
	return Change{}, false
}

func (m *MemStore) sortedIDs() []string {
	if m.ids == nil {
		m.ids = make([]string, 0, len(m.clients))
		for id := range m.clients {
			m.ids = append(m.ids, id)
		}
		slices.Sort(m.ids)
	}
	return m.ids
}

// Changes implements VersionStore.
func (m *MemStore) Changes(_ context.Context, from, to int64, full bool, after string, limit int) ([]Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := m.sortedIDs()
	i := sort.SearchStrings(ids, after)
	if i < len(ids) && ids[i] == after {
		i++
	}
	var out []Change
	for ; i < len(ids) && len(out) < limit; i++ {
		if c, ok := change(ids[i], m.clients[ids[i]], from, to, full); ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// CountChanges implements VersionStore.
func (m *MemStore) CountChanges(_ context.Context, from, to int64, full bool) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, rs := range m.clients {
		if _, ok := change(id, rs, from, to, full); ok {
			n++
		}
	}
	return n, nil
}
