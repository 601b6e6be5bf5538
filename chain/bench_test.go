package chain

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chain/chainmock"
	"github.com/loyaltykit/loyalty/chain/internal/pgtest"
	"github.com/loyaltykit/loyalty/chainsync"
	"golang.org/x/sync/errgroup"
)

// benchEnv reads a size from the environment (the figures:
// LOYALTY_CHAIN_BENCH_REGISTERS=200 LOYALTY_CHAIN_BENCH_COMMANDS=5000),
// small by default so that CI's one run of each benchmark stays short.
func benchEnv(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchChain is a chain of registers shops × 1 whose head office has
// commands customers, all mapped (so a full reload is commands+1
// commands per register).
func benchChain(b *testing.B) (*chainmock.Chain, Config) {
	regs := benchEnv("LOYALTY_CHAIN_BENCH_REGISTERS", 10)
	commands := benchEnv("LOYALTY_CHAIN_BENCH_COMMANDS", 200)
	c, err := chainmock.Start(chainmock.Config{Shops: regs, Cashes: 1, Customers: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	vp := c.HeadOffice.VirtPOS()
	ctx := context.Background()
	items := make([]loyalty.CustomerUpsert, commands)
	for i := range items {
		items[i] = loyalty.CustomerUpsert{Fields: &loyalty.CustomerUpdate{
			FirstName: new(fmt.Sprintf("Клиент%d", i)), Phone: new(fmt.Sprintf("+7 9%09d", i+1))}}
	}
	if _, err := vp.Customers.UpsertMany(ctx, items); err != nil {
		b.Fatal(err)
	}
	return c, Config{
		Topology:       c.Topology(),
		Policy:         chainsync.Policy{BatchSize: 1000},
		Workers:        8,
		MaxAttempts:    3,
		ConfirmTimeout: time.Minute,
	}
}

// BenchmarkFanOut sends a full reload to every register of the chain
// mock, each batch confirmed by its register's status callback: through
// the engine (River on SQLite; PostgreSQL too when LOYALTY_CHAIN_PG_DSN
// is set) and through a plain errgroup with the same concurrency and no
// durability (the same units and Step, a MemStore). One op is the whole
// fan-out; the snapshot is outside the timer.
func BenchmarkFanOut(b *testing.B) {
	b.Run("engine=errgroup", func(b *testing.B) {
		c, cfg := benchChain(b)
		ctx := context.Background()
		store := chainsync.NewMemStore()
		if _, err := chainsync.Snapshot(ctx, store, c.HeadOffice.VirtPOS().Customers.All(ctx, nil)); err != nil {
			b.Fatal(err)
		}
		r, err := loyalty.ListenArtixStatusReceiver("127.0.0.1:0", "", nil)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		clients := map[string]*loyalty.Artix{}
		for _, reg := range cfg.Topology.Registers {
			ax, err := loyalty.NewArtix(reg.URL, loyalty.WithArtixShopCode(reg.Shop), loyalty.WithLoadConfirmation(r, 1))
			if err != nil {
				b.Fatal(err)
			}
			clients[reg.ID()] = ax
		}
		b.ResetTimer()
		for range b.N {
			var g errgroup.Group
			g.SetLimit(cfg.Workers)
			for _, reg := range cfg.Topology.Registers {
				g.Go(func() error {
					w, err := chainsync.PlanRegister(ctx, store, 0, 1, false, cfg.Policy)
					if err != nil {
						return err
					}
					u, ok := chainsync.FirstUnit(reg.ID(), w)
					for ok {
						if _, u, ok, err = u.Step(ctx, clients[reg.ID()], store); err != nil {
							return err
						}
					}
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine=sqlite", func(b *testing.B) {
		c, cfg := benchChain(b)
		dir := b.TempDir()
		for i := range b.N {
			b.StopTimer()
			e, err := OpenSQLite(context.Background(), filepath.Join(dir, fmt.Sprintf("chain-%d.db", i)), cfg)
			if err != nil {
				b.Fatal(err)
			}
			benchRun(b, e, c)
			e.Close()
		}
	})
	if os.Getenv(pgtest.EnvDSN) != "" {
		b.Run("engine=postgres", func(b *testing.B) {
			c, cfg := benchChain(b)
			for range b.N {
				b.StopTimer()
				e, err := OpenPostgres(context.Background(), pgtest.DSN(b), cfg)
				if err != nil {
					b.Fatal(err)
				}
				benchRun(b, e, c)
				e.Close()
			}
		})
	}
}

// benchRun snapshots (untimed), then times Enqueue until settled.
func benchRun(b *testing.B, e Runner, c *chainmock.Chain) {
	ctx := context.Background()
	if _, err := e.Snapshot(ctx, c.HeadOffice.VirtPOS().Customers.All(ctx, nil)); err != nil {
		b.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	if _, err := e.Enqueue(ctx); err != nil {
		b.Fatal(err)
	}
	sts, err := e.Wait(ctx, nil)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	for _, st := range sts {
		if st.State != StateIdle {
			b.Fatalf("register %s: %s (%s)", st.Register, st.State, st.LastError)
		}
	}
}
