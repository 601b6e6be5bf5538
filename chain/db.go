package chain

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, as "sqlite"
)

// rows is what both databases' query results have in common.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// db is the engine's database, SQLite (TTx *sql.Tx) or PostgreSQL (TTx
// pgx.Tx): River's driver and the statements the stores run, inside a
// job's transaction or on their own. Statements are written with $1, $2
// placeholders, which both read.
type db[TTx any] interface {
	driver() riverdriver.Driver[TTx]
	begin(ctx context.Context) (TTx, error)
	commit(ctx context.Context, tx TTx) error
	rollback(ctx context.Context, tx TTx)
	exec(ctx context.Context, tx TTx, q string, args ...any) (int64, error)
	query(ctx context.Context, tx TTx, q string, args ...any) (rows, func(), error)
	close()
	kind() string
}

// sqliteDB is one SQLite database file: one connection (riversqlite
// needs it), WAL, a busy timeout.
type sqliteDB struct{ db *sql.DB }

// openSQLite opens (creating) the SQLite database at path.
func openSQLite(path string) (*sqliteDB, error) {
	if path == "" {
		return nil, errors.New("chain: empty SQLite path")
	}
	d, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)")
	if err != nil {
		return nil, fmt.Errorf("chain: open %s: %w", path, err)
	}
	d.SetMaxOpenConns(1)
	if err := d.Ping(); err != nil {
		d.Close()
		return nil, fmt.Errorf("chain: open %s: %w", path, err)
	}
	return &sqliteDB{db: d}, nil
}

func (s *sqliteDB) driver() riverdriver.Driver[*sql.Tx] { return riversqlite.New(s.db) }
func (s *sqliteDB) begin(ctx context.Context) (*sql.Tx, error) {
	return s.db.BeginTx(ctx, nil)
}
func (s *sqliteDB) commit(_ context.Context, tx *sql.Tx) error { return tx.Commit() }
func (s *sqliteDB) rollback(_ context.Context, tx *sql.Tx)     { _ = tx.Rollback() }
func (s *sqliteDB) close()                                     { s.db.Close() }
func (s *sqliteDB) kind() string                               { return "sqlite" }

func (s *sqliteDB) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if tx != nil {
		res, err = tx.ExecContext(ctx, q, args...)
	} else {
		res, err = s.db.ExecContext(ctx, q, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s *sqliteDB) query(ctx context.Context, tx *sql.Tx, q string, args ...any) (rows, func(), error) {
	var r *sql.Rows
	var err error
	if tx != nil {
		r, err = tx.QueryContext(ctx, q, args...)
	} else {
		r, err = s.db.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return nil, nil, err
	}
	return r, func() { r.Close() }, nil
}

// pgDB is a PostgreSQL database through a pgx pool.
type pgDB struct{ pool *pgxpool.Pool }

// openPostgres connects to the PostgreSQL server dsn names.
func openPostgres(ctx context.Context, dsn string) (*pgDB, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("chain: postgres: %w", redactDSN(err, dsn))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("chain: postgres: %w", redactDSN(err, dsn))
	}
	return &pgDB{pool: pool}, nil
}

// redactDSN keeps a DSN's password out of an error.
func redactDSN(err error, dsn string) error {
	cfg, perr := pgx.ParseConfig(dsn)
	if perr != nil || cfg.Password == "" || !strings.Contains(err.Error(), cfg.Password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), cfg.Password, "[redacted]"))
}

func (p *pgDB) driver() riverdriver.Driver[pgx.Tx]          { return riverpgxv5.New(p.pool) }
func (p *pgDB) begin(ctx context.Context) (pgx.Tx, error)   { return p.pool.Begin(ctx) }
func (p *pgDB) commit(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) }
func (p *pgDB) rollback(ctx context.Context, tx pgx.Tx)     { _ = tx.Rollback(context.WithoutCancel(ctx)) }
func (p *pgDB) close()                                      { p.pool.Close() }
func (p *pgDB) kind() string                                { return "postgres" }

func (p *pgDB) exec(ctx context.Context, tx pgx.Tx, q string, args ...any) (int64, error) {
	var err error
	var tag interface{ RowsAffected() int64 }
	if tx != nil {
		tag, err = tx.Exec(ctx, q, args...)
	} else {
		tag, err = p.pool.Exec(ctx, q, args...)
	}
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (p *pgDB) query(ctx context.Context, tx pgx.Tx, q string, args ...any) (rows, func(), error) {
	var r pgx.Rows
	var err error
	if tx != nil {
		r, err = tx.Query(ctx, q, args...)
	} else {
		r, err = p.pool.Query(ctx, q, args...)
	}
	if err != nil {
		return nil, nil, err
	}
	return r, r.Close, nil
}

// migrate brings River's tables and the chain's own up to date.
func migrate[TTx any](ctx context.Context, d db[TTx]) error {
	m, err := rivermigrate.New(d.driver(), nil)
	if err != nil {
		return fmt.Errorf("chain: river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("chain: river migrations: %w", err)
	}
	for _, stmt := range schema(d.kind()) {
		if _, err := d.exec(ctx, *new(TTx), stmt); err != nil {
			return fmt.Errorf("chain: schema: %w", err)
		}
	}
	for _, c := range addedColumns {
		if err := addColumn(ctx, d, c); err != nil {
			return fmt.Errorf("chain: schema: %s.%s: %w", c.table, c.name, err)
		}
	}
	return nil
}

// addColumn adds a column of [addedColumns] to a table an older version
// created without it.
func addColumn[TTx any](ctx context.Context, d db[TTx], c column) error {
	var zero TTx
	q := `SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2`
	if d.kind() == "postgres" {
		q = `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`
	}
	rs, done, err := d.query(ctx, zero, q, c.table, c.name)
	if err != nil {
		return err
	}
	n, err := scanCount(rs)
	done()
	if err != nil || n > 0 {
		return err
	}
	_, err = d.exec(ctx, zero, `ALTER TABLE `+c.table+` ADD COLUMN `+c.name+` `+c.decl)
	return err
}
