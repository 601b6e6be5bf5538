// Package chain runs a retail chain's client-directory sync as durable
// jobs on River (github.com/riverqueue/river): embedded on SQLite (one
// database file, the default) or on a PostgreSQL server shared by several
// worker processes. The engine-agnostic half (topology, versions,
// planning, the unit's step) is package
// github.com/loyaltykit/loyalty/chainsync of the main module; this
// module adds the engine, its stores and the loyalty-chain command, so
// the library itself takes no dependency on River, SQLite or pgx.
package chain
