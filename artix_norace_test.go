//go:build !race

package loyalty_test

// artixBigBatch is the size of the "100k" batch tests.
const artixBigBatch = 100_000
