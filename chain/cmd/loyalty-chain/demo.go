package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chain"
	"github.com/loyaltykit/loyalty/chain/chainmock"
)

// The demo's chain: 20 shops × 3 registers.
const (
	demoShops  = 20
	demoCashes = 3
)

// envDemoQuick set to 1 makes the demo quicker, for its test: the same
// chain and faults with fewer customers and shorter waits.
const envDemoQuick = "LOYALTY_CHAIN_DEMO_QUICK"

// demoTiming is what the quick demo shortens.
type demoTiming struct {
	customers      int
	confirmTimeout time.Duration // a register that never reports fails after 2 of these
	slow, latency  time.Duration // the slow register's answers and callbacks
}

func demoTimings() demoTiming {
	if os.Getenv(envDemoQuick) == "1" {
		return demoTiming{customers: 100, confirmTimeout: 800 * time.Millisecond, slow: 100 * time.Millisecond, latency: 30 * time.Millisecond}
	}
	return demoTiming{customers: 500, confirmTimeout: time.Second, slow: 300 * time.Millisecond, latency: 100 * time.Millisecond}
}

// demo runs the whole thing against an embedded chain with no flags: a
// full load of every register (some faulty), then a change at the head
// office and the delta it makes.
func demo(ctx context.Context, stdout, stderr io.Writer) error {
	dt := demoTimings()
	c, err := chainmock.Start(chainmock.Config{Shops: demoShops, Cashes: demoCashes, Customers: dt.customers})
	if err != nil {
		return err
	}
	defer c.Close()
	faults := map[string]chainmock.Fault{
		"s003/1": {Status: "STATUS_ERROR", Message: "Ошибка загрузки справочника: нет места на диске"},
		"s007/2": {Offline: true},
		"s011/3": {Slow: dt.slow, Latency: dt.latency},
		"s015/1": {NoCallbacks: true},
		"s018/2": {FailLoads: 2},
	}
	for id, f := range faults {
		c.Register(id).SetFault(f)
	}
	dir, err := os.MkdirTemp("", "loyalty-chain-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	regs := c.Registers()
	fmt.Fprintf(stdout, "demo: an embedded chain of %d shops × %d registers (%s … %s), %d VirtPOS customers; state in %s\n",
		demoShops, demoCashes, regs[0].URL(), regs[len(regs)-1].URL(), dt.customers, filepath.Join(dir, "chain.db"))
	fmt.Fprintln(stdout, "faulty registers: s003/1 reports STATUS_ERROR, s007/2 is offline, s011/3 is slow,")
	fmt.Fprintln(stdout, "  s015/1 never reports its loads, s018/2 refuses its first two loads (then works)")
	o := &options{batch: 100, workers: 8, attempts: 2, confirmTimeout: dt.confirmTimeout, maxLag: 20}
	cfg := o.config(c.Topology(), newLogger(stderr, false))
	cfg.RetryBase, cfg.RetryMax = 100*time.Millisecond, time.Second
	e, err := chain.OpenSQLite(ctx, filepath.Join(dir, "chain.db"), cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	vp := c.HeadOffice.VirtPOS()

	fmt.Fprintln(stdout, "\n== run 1: every register is new, so each gets a full reload")
	if err := runOnce(ctx, e, vp, o, stdout, stderr); err != nil && ctx.Err() != nil {
		return err
	}
	fmt.Fprintln(stdout, "\n== the head office changes 3 customers; s003/1 and s007/2 are repaired")
	for id := int64(2); id <= 4; id++ {
		if _, err := vp.Customers.Update(ctx, id, &loyalty.CustomerUpdate{Email: new(fmt.Sprintf("changed-%d@example.com", id))}); err != nil {
			return err
		}
	}
	c.Register("s003/1").SetFault(chainmock.Fault{})
	c.Register("s007/2").SetFault(chainmock.Fault{})
	fmt.Fprintln(stdout, "\n== run 2: up-to-date registers get the delta; the repaired ones a full reload")
	err = runOnce(ctx, e, vp, o, stdout, stderr)
	if err != nil && !errors.Is(err, errSomeFailed) {
		return err
	}
	fmt.Fprintf(stdout, "\nduplicate batches received by the registers: %d\n", c.Duplicates())
	fmt.Fprintln(stdout, "s015/1 stays failed: it never confirms a load, so nothing is recorded as loaded there.")
	fmt.Fprintln(stdout, "against a real chain: loyalty-chain run -topology chain.txt -virtpos-url URL (loyalty-chain -h)")
	return nil
}
