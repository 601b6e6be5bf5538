package chainmock

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
)

// TestRegistersReportAsTheFieldDoes: each register has an address of its
// own and reports a load from it as a field exchanger does (back-office
// POST, then PUTs by the state id the receiver answered), so one
// receiver tells the registers of a shop apart: their batches, sent at
// once, each end confirmed with the back-office state and the cash code
// of their own register, though one of them never reports (that one
// alone ends unconfirmed, holding none of the others).
func TestRegistersReportAsTheFieldDoes(t *testing.T) {
	c, err := Start(Config{Shops: 1, Cashes: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.SharedAddress() {
		t.Skip("this system refuses a loopback address of each register's own")
	}
	hosts := map[string]bool{}
	for _, r := range c.Registers() {
		u, err := url.Parse(r.URL())
		if err != nil {
			t.Fatal(err)
		}
		if hosts[u.Hostname()] {
			t.Errorf("register %s shares the address %s with another register", r.ID(), u.Hostname())
		}
		hosts[u.Hostname()] = true
	}
	silent := c.Register("s001/3")
	silent.SetFault(Fault{NoCallbacks: true})
	for _, r := range c.Registers()[:2] {
		r.SetFault(Fault{Latency: 20 * time.Millisecond})
	}
	recv, err := loyalty.ListenArtixStatusReceiver("127.0.0.1:0", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	type result struct {
		id  string
		res *loyalty.ArtixLoadResult
		err error
	}
	results := make(chan result, 3)
	for _, r := range c.Registers() {
		ax, err := loyalty.NewArtix(r.URL(), loyalty.WithArtixShopCode(r.Shop),
			loyalty.WithLoadConfirmation(recv, 1), loyalty.WithArtixCashCodes(r.Cash))
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			res, err := ax.SendBatch(ctx, loyalty.ArtixBatch{ID: "batch-" + r.Cash,
				Commands: slices.Values([]loyalty.ArtixCommand{loyalty.AddClient(loyalty.ArtixCustomer{ID: "1", Phone: "79990000001"})})})
			results <- result{r.ID(), res, err}
		}()
	}
	for range 3 {
		got := <-results
		if got.id == silent.ID() {
			if got.err == nil {
				t.Errorf("register %s, which never reports, confirmed its batch", got.id)
			}
			continue
		}
		switch {
		case got.err != nil:
			t.Errorf("register %s: %v; want its batch confirmed", got.id, got.err)
		case !got.res.Loaded:
			t.Errorf("register %s: batch not reported loaded: %+v", got.id, got.res)
		case got.res.BackOffice == nil:
			t.Errorf("register %s: no back-office state was matched to its batch; want its POST given to it by its address", got.id)
		}
	}
}
