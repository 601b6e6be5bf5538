//go:build !race

package testutil

// Race reports that the race detector is on (see race.go).
const Race = false
