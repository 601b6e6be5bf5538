package chain

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/loyaltykit/loyalty/chain/internal/pgtest"
)

func TestMigrateSQLite(t *testing.T) {
	d, err := openSQLite(filepath.Join(t.TempDir(), "chain.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	testMigrate(t, d)
}

func TestMigratePostgres(t *testing.T) {
	d, err := openPostgres(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	testMigrate(t, d)
}

func testMigrate[TTx any](t *testing.T, d db[TTx]) {
	ctx := context.Background()
	var zero TTx
	// A chain_register as an earlier version made it, without the
	// columns added since: migrate adds them.
	if _, err := d.exec(ctx, zero, `CREATE TABLE chain_register (register TEXT PRIMARY KEY, shop TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // twice: migrating is idempotent
		if err := migrate(ctx, d); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	for _, c := range addedColumns {
		if _, err := d.exec(ctx, zero, `UPDATE `+c.table+` SET `+c.name+` = `+c.name); err != nil {
			t.Errorf("column %s.%s, added to a table made without it: %v", c.table, c.name, err)
		}
	}
	if _, err := d.exec(ctx, zero, `INSERT INTO chain_batch (dictionary_id, register, commands, confirmed_at) VALUES ($1, $2, $3, $4)`, "id-1", "111/1", 5, "now"); err != nil {
		t.Fatalf("insert with $n placeholders: %v", err)
	}
	rs, done, err := d.query(ctx, zero, `SELECT commands FROM chain_batch WHERE dictionary_id = $1`, "id-1")
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	var n int64
	if !rs.Next() {
		t.Fatalf("the row inserted is not read back: %v", rs.Err())
	}
	if err := rs.Scan(&n); err != nil || n != 5 {
		t.Errorf("read back commands = %d, %v; want 5", n, err)
	}
}
