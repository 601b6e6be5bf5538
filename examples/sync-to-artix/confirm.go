package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
)

// confirmOptions say whether and how long each batch waits for the cash
// registers to report its load (-confirm-timeout), and where their
// status callbacks arrive.
type confirmOptions struct {
	timeout time.Duration // 0: do not wait
	cashes  int           // cash registers that report each load
	listen  string        // where the status receiver listens
	address string        // where the registers reach it ("": the listener's address)
}

// defineConfirmFlags adds the load-confirmation flags to fs.
func defineConfirmFlags(fs *exampleenv.FlagSet, c *confirmOptions) {
	fs.Duration(&c.timeout, "confirm-timeout", "LOYALTY_ARTIX_CONFIRM_TIMEOUT", 0,
		"over HTTP: wait this long per batch for the cash registers to report it loaded, and report per shop and cash register (0: do not wait)")
	fs.IntVar(&c.cashes, "cashes", 1, "with -confirm-timeout: how many cash registers report each load")
	fs.String(&c.listen, "status-listen", "LOYALTY_ARTIX_STATUS_LISTEN", "",
		"with -confirm-timeout: where the status receiver listens (default :15080, or loopback for the embedded mock)")
	fs.String(&c.address, "status-address", "LOYALTY_ARTIX_STATUS_ADDRESS", "",
		"with -confirm-timeout: host:port the cash registers reach the receiver at (default: the listener's address)")
}

// check refuses what the load confirmation cannot do.
func (c *confirmOptions) check(o *options) error {
	switch {
	case c.timeout < 0:
		return fmt.Errorf("-confirm-timeout %v: want 0 or more", c.timeout)
	case c.cashes < 1:
		return fmt.Errorf("-cashes %d: want at least 1", c.cashes)
	case c.timeout == 0:
		return nil
	case o.artix.Dir != "" || o.artix.URL == "" && o.mockTransport == "dir":
		return errors.New("-confirm-timeout applies to HTTP loads; with an exchange directory use -pickup-wait")
	case o.artix.URL != "" && o.artix.ShopCode == "":
		return errors.New("-confirm-timeout needs -artix-shopcode: the status callbacks name the shop")
	}
	return nil
}

// receiver starts the status receiver: on c.listen, else on loopback for
// the embedded mock or on :15080 (the field loaders' port) for a real one.
func (c *confirmOptions) receiver(embedded bool) (*loyalty.ArtixStatusReceiver, error) {
	listen := c.listen
	switch {
	case listen != "":
	case embedded:
		listen = "127.0.0.1:0"
	default:
		listen = ":15080"
	}
	return loyalty.ListenArtixStatusReceiver(listen, c.address, nil)
}

// ShopLoad is what the cash registers of one shop reported about the
// batches sent (-confirm-timeout).
type ShopLoad struct {
	Shop    string     `json:"shop"`
	Batches int        `json:"batches"` // batches waited for
	Cashes  []CashLoad `json:"cashes"`  // by cash code
	// Silent is the most cash registers of one batch that never reported
	// at all (of the -cashes waited for): their codes are unknown.
	Silent int `json:"silent,omitempty"`
}

// CashLoad is one cash register's reports over the batches.
type CashLoad struct {
	Cash     string `json:"cash"`
	State    string `json:"state"`     // the worst over the batches: "loaded", "failed" or "no answer"
	Loaded   int    `json:"loaded"`    // batches it loaded
	Failed   int    `json:"failed"`    // batches it reported STATUS_ERROR or STATUS_READY_WITH_ERROR for
	NoAnswer int    `json:"no_answer"` // batches it had not finished when the wait ended
	Message  string `json:"message,omitempty"`
}

// recordLoad adds what res and err say of one batch to the report.
func (r *Report) recordLoad(res *loyalty.ArtixLoadResult, err error) {
	if res == nil || !res.Queued {
		return // not queued: nothing was loaded, nothing to wait for
	}
	i := slices.IndexFunc(r.Loads, func(l ShopLoad) bool { return l.Shop == res.Shop })
	if i < 0 {
		r.Loads = append(r.Loads, ShopLoad{Shop: res.Shop})
		i = len(r.Loads) - 1
	}
	shop := &r.Loads[i]
	shop.Batches++
	var le *loyalty.ArtixLoadError
	if errors.As(err, &le) {
		shop.Silent = max(shop.Silent, le.Missing)
	}
	for _, c := range res.Cashes {
		j := slices.IndexFunc(shop.Cashes, func(cl CashLoad) bool { return cl.Cash == c.Cash })
		if j < 0 {
			shop.Cashes = append(shop.Cashes, CashLoad{Cash: c.Cash, State: "loaded"})
			j = len(shop.Cashes) - 1
		}
		cl := &shop.Cashes[j]
		switch c.Status {
		case loyalty.ArtixStatusReady:
			cl.Loaded++
		case loyalty.ArtixStatusError, loyalty.ArtixStatusReadyWithError:
			cl.Failed++
			cl.State, cl.Message = "failed", c.Message
		default:
			cl.NoAnswer++
			if cl.State == "loaded" {
				cl.State = "no answer"
			}
		}
	}
	slices.SortFunc(shop.Cashes, func(a, b CashLoad) int { // "2" before "10"
		return cmp.Or(len(a.Cash)-len(b.Cash), strings.Compare(a.Cash, b.Cash))
	})
}

// printLoads writes the per-shop, per-cash part of the text report.
func printLoads(w io.Writer, loads []ShopLoad) {
	for _, s := range loads {
		fmt.Fprintf(w, "load reports from the cash registers of shop %s (%d batches):\n", s.Shop, s.Batches)
		for _, c := range s.Cashes {
			fmt.Fprintf(w, "  cash %s: %s (loaded %d, failed %d, no answer %d)", c.Cash, c.State, c.Loaded, c.Failed, c.NoAnswer)
			if c.Message != "" {
				fmt.Fprintf(w, ": %s", c.Message)
			}
			fmt.Fprintln(w)
		}
		if s.Silent > 0 {
			fmt.Fprintf(w, "  %d cash register(s) never reported a batch\n", s.Silent)
		}
	}
}
