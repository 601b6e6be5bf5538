package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty/chain"
	"github.com/loyaltykit/loyalty/chain/chainmock"
	"github.com/loyaltykit/loyalty/mock"
)

// TestRunStatusPlan runs the command against a chain mock and a VirtPOS
// mock over sockets: run loads every register, status and plan then see
// them at the newest version.
func TestRunStatusPlan(t *testing.T) {
	head := mock.NewServer(t, mock.Config{Customers: 40})
	dir := t.TempDir()
	c, top := startChain(t, chainmock.Config{Shops: 2, Cashes: 2}, dir)
	t.Setenv("LOYALTY_VIRTPOS_APIKEY", head.APIKey)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := filepath.Join(dir, "chain.db")
	common := []string{"-topology", top, "-db", db, "-json"}

	var out, errs strings.Builder
	args := append([]string{"run", "-virtpos-url", head.VirtPOSURL, "-batch", "10"}, common...)
	if err := run(ctx, args, &out, &errs); err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, errs.String())
	}
	var sts []chain.RegisterStatus
	if err := json.Unmarshal([]byte(out.String()), &sts); err != nil {
		t.Fatalf("run -json printed no statuses: %v\n%s", err, out.String())
	}
	if len(sts) != 4 {
		t.Fatalf("run reported %d registers, want 4", len(sts))
	}
	for _, st := range sts {
		if st.State != chain.StateIdle || st.Confirmed != 1 || st.Lag != 0 {
			t.Errorf("after run, register %s: %+v; want idle at version 1", st.Register, st)
		}
		if n := len(c.Register(st.Register).Clients()); n == 0 {
			t.Errorf("register %s holds no client after the run", st.Register)
		}
	}

	out.Reset()
	if err := run(ctx, append([]string{"status"}, common...), &out, &errs); err != nil {
		t.Fatalf("status: %v", err)
	}
	if err := json.Unmarshal([]byte(out.String()), &sts); err != nil || len(sts) != 4 {
		t.Fatalf("status -json = %q (%v), want 4 registers", out.String(), err)
	}

	out.Reset()
	if err := run(ctx, []string{"plan", "-topology", top, "-db", db}, &out, &errs); err != nil {
		t.Fatalf("plan: %v", err)
	}
	if got := strings.Count(out.String(), "up to date"); got != 4 {
		t.Errorf("plan says 'up to date' for %d registers, want 4:\n%s", got, out.String())
	}
}

func TestBadTopologyNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	top := filepath.Join(dir, "chain.txt")
	src := "shop 111\nregister 111 1 url=http://cs-111:8080 password=hunter2\n"
	if err := os.WriteFile(top, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs strings.Builder
	err := run(context.Background(), []string{"plan", "-topology", top, "-db", filepath.Join(dir, "chain.db")}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), top+":2:") {
		t.Fatalf("err = %v, want an error naming %s:2", err, top)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error repeats the inline password: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "chain.db")); statErr == nil {
		t.Errorf("a bad topology created the database: nothing should happen before the file is valid")
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errs strings.Builder
	err := run(context.Background(), []string{"sync"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), `unknown command "sync"`) {
		t.Errorf("err = %v, want unknown command", err)
	}
	if !strings.Contains(errs.String(), "usage:") {
		t.Errorf("no usage printed for an unknown command:\n%s", errs.String())
	}
}

// startChain starts a chain mock of cfg, closed when tb ends, and writes
// its topology into dir; it returns the chain and the topology's path.
func startChain(tb testing.TB, cfg chainmock.Config, dir string) (*chainmock.Chain, string) {
	tb.Helper()
	c, err := chainmock.Start(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	top := filepath.Join(dir, "chain.txt")
	if err := os.WriteFile(top, []byte(c.TopologyText()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return c, top
}
