package chainsync

import (
	"iter"
	"strconv"
)

// hashIndex holds a version's hash per client id compactly: an id that
// is a canonical decimal number (every id [MapCustomer] makes) is keyed
// by its value, 24 bytes a slot with no string kept; any other id by its
// string.
type hashIndex struct {
	num map[uint64]Hash
	str map[string]Hash
}

func newHashIndex() *hashIndex {
	return &hashIndex{num: map[uint64]Hash{}, str: map[string]Hash{}}
}

// numericID is id's value when id is the canonical decimal form of a
// uint64 (no sign, no leading zero), so that formatting it gives id back.
func numericID(id string) (uint64, bool) {
	if id == "" || len(id) > 1 && id[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(id, 10, 64)
	return n, err == nil
}

func (x *hashIndex) set(id string, h Hash) {
	if n, ok := numericID(id); ok {
		x.num[n] = h
		return
	}
	x.str[id] = h
}

func (x *hashIndex) get(id string) (Hash, bool) {
	if n, ok := numericID(id); ok {
		h, had := x.num[n]
		return h, had
	}
	h, had := x.str[id]
	return h, had
}

func (x *hashIndex) delete(id string) {
	if n, ok := numericID(id); ok {
		delete(x.num, n)
		return
	}
	delete(x.str, id)
}

// all yields every id and its hash, in no particular order.
func (x *hashIndex) all() iter.Seq2[string, Hash] {
	return func(yield func(string, Hash) bool) {
		for n, h := range x.num {
			if !yield(strconv.FormatUint(n, 10), h) {
				return
			}
		}
		for id, h := range x.str {
			if !yield(id, h) {
				return
			}
		}
	}
}
