//go:build race

package testutil

// Race reports that the race detector is on. It adds allocations of its
// own and makes sync.Pool drop pooled values at random, so allocation
// budgets allow one more under it.
const Race = true
