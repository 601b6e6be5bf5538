//go:build !race

package loyalty

// raceOn: the race detector is on (see race_internal_test.go).
const raceOn = false
