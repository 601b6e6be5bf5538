package chain

// schema is the chain's own tables, beside River's, in the same
// database so that a job's checkpoint is written in the job's
// transaction. The statements are the same on SQLite and PostgreSQL but
// for the byte type.
//
//   - chain_version: one row per directory version.
//   - chain_client: a client's record from version from_v until version
//     to_v (NULL while live); a version's delta is the rows it opened and
//     closed.
//   - chain_register: each register's checkpoint: its confirmed version,
//     the work in flight (target, batch done), its count of read-back
//     repairs (folded into a full reload's dictionaryids), its state and
//     last error.
//   - chain_batch: the ledger of confirmed batches by dictionaryid,
//     written in the job's transaction: a batch in it is never sent again.
func schema(kind string) []string {
	blob := "BLOB"
	if kind == "postgres" {
		blob = "BYTEA"
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS chain_version (
			version BIGINT PRIMARY KEY,
			created_at TEXT NOT NULL,
			added BIGINT NOT NULL,
			updated BIGINT NOT NULL,
			deleted BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS chain_client (
			client_id TEXT NOT NULL,
			from_v BIGINT NOT NULL,
			to_v BIGINT,
			hash TEXT NOT NULL,
			record ` + blob + `,
			PRIMARY KEY (client_id, from_v))`,
		`CREATE INDEX IF NOT EXISTS chain_client_live ON chain_client (to_v, client_id)`,
		`CREATE TABLE IF NOT EXISTS chain_register (
			register TEXT PRIMARY KEY,
			shop TEXT NOT NULL,
			confirmed BIGINT NOT NULL DEFAULT 0,
			target BIGINT NOT NULL DEFAULT 0,
			full_reload BIGINT NOT NULL DEFAULT 0,
			batches_done BIGINT NOT NULL DEFAULT 0,
			batches BIGINT NOT NULL DEFAULT 0,
			batch_size BIGINT NOT NULL DEFAULT 0,
			after_key TEXT NOT NULL DEFAULT '',
			repairs BIGINT NOT NULL DEFAULT 0,
			state TEXT NOT NULL DEFAULT 'idle',
			last_error TEXT NOT NULL DEFAULT '',
			updated_at TEXT NOT NULL DEFAULT '')`,
		`CREATE TABLE IF NOT EXISTS chain_batch (
			dictionary_id TEXT PRIMARY KEY,
			register TEXT NOT NULL,
			commands BIGINT NOT NULL,
			confirmed_at TEXT NOT NULL)`,
	}
}

// column is one a table gained after it was first released to a database.
type column struct{ table, name, decl string }

// addedColumns are the columns a database made by an earlier version
// lacks, added by migrate (they are in the CREATE TABLE statements too).
var addedColumns = []column{
	{"chain_register", "repairs", "BIGINT NOT NULL DEFAULT 0"},
}
