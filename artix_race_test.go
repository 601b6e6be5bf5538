//go:build race

package loyalty_test

// artixBigBatch is the size of the "100k" batch tests. The race detector
// slows encoding/json about tenfold, so under it they send 10k records.
const artixBigBatch = 10_000
