// Package chainsync is the engine-agnostic half of a retail chain's
// client-directory sync: N shops, each with M Artix cash registers, all
// loaded from one VirtPOS customer base.
//
//   - [ParseTopology] reads the chain (shops, their Cash Servers, the
//     registers' exchangers or exchange directories, credentials by
//     environment variable only) and refuses a bad file with
//     line-numbered errors before anything is sent.
//   - [Snapshot] pages every VirtPOS customer once, maps each to an Artix
//     client ([MapCustomer]) and records a new directory version in a
//     [VersionStore] as the delta (add, update, delete by content hash per
//     client id) from the previous one.
//   - [PlanRegister] says what a register needs to reach the newest
//     version: the delta from its confirmed version, or a full reload
//     (clearClient then every client) when it is new, too far behind, or
//     its read-back disagrees; [Unit] is one batch of that work, whose
//     dictionaryid is derived from the unit so a re-sent batch carries the
//     same id, and [Unit.Step] sends it and waits for its confirmation.
//
// The package has no dependency beyond the loyalty module's. The engine
// that runs the units durably (River on SQLite or PostgreSQL), its stores
// and the loyalty-chain command live in the nested module
// github.com/loyaltykit/loyalty/chain; [MemStore] is an in-memory
// [VersionStore] for tests and benchmarks.
package chainsync
