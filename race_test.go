//go:build race

package loyalty_test

// raceEnabled: the race detector is on. sync.Pool drops a pooled value at
// random under it, so an allocation count may be one higher.
const raceEnabled = true
