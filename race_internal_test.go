//go:build race

package loyalty

// raceOn: the race detector is on. It adds allocations of its own (and
// sync.Pool drops pooled values at random), so allocation counts may be
// one higher.
const raceOn = true
