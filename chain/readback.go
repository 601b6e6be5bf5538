package chain

import (
	"context"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chainsync"
)

// readBacks reads each shop's Cash Server directory back at most once per
// plan and compares it, by [chainsync.Digest], with the confirmed version
// of the shop's registers.
type readBacks[TTx any] struct {
	e        *Engine[TTx]
	shops    map[string]chainsync.Shop
	read     map[string]*readBack
	versions map[int64]chainsync.Digest
}

type readBack struct {
	d   chainsync.Digest
	err error
}

func (e *Engine[TTx]) newReadBacks() *readBacks[TTx] {
	rb := &readBacks[TTx]{e: e, shops: map[string]chainsync.Shop{}, read: map[string]*readBack{}, versions: map[int64]chainsync.Digest{}}
	for _, s := range e.cfg.Topology.Shops {
		rb.shops[s.Code] = s
	}
	return rb
}

// disagrees reports whether register r's shop has a Cash Server whose
// directory differs from version confirmed. A read-back that fails is
// logged and taken as agreeing: it proves nothing, and the register's
// delta is still the best plan.
func (rb *readBacks[TTx]) disagrees(ctx context.Context, r chainsync.Register, confirmed int64) bool {
	shop, ok := rb.shops[r.Shop]
	if !ok || shop.CashServer == "" || confirmed <= 0 {
		return false
	}
	got, ok := rb.read[shop.Code]
	if !ok {
		got = &readBack{}
		got.d, got.err = rb.readShop(ctx, shop)
		rb.read[shop.Code] = got
	}
	log := rb.e.cfg.Logger
	if got.err != nil {
		log.Warn("read-back failed: planned without it", "shop", shop.Code, "register", r.ID(), "err", got.err)
		return false
	}
	want, ok := rb.versions[confirmed]
	if !ok {
		var err error
		if want, err = chainsync.VersionDigest(ctx, rb.e.st, confirmed); err != nil {
			log.Warn("read-back: confirmed version unreadable: planned without it", "register", r.ID(), "version", confirmed, "err", err)
			return false
		}
		rb.versions[confirmed] = want
	}
	if got.d == want {
		return false
	}
	log.Warn("read-back disagrees with the confirmed version: full reload", "shop", shop.Code, "register", r.ID(),
		"confirmed", confirmed, "clients_read_back", got.d.Clients, "clients_in_version", want.Clients)
	return true
}

func (rb *readBacks[TTx]) readShop(ctx context.Context, shop chainsync.Shop) (chainsync.Digest, error) {
	var opts []loyalty.ArtixCashServerOption
	if shop.User != "" {
		pw, err := shop.Password(rb.e.cfg.Lookup)
		if err != nil {
			return chainsync.Digest{}, err
		}
		opts = append(opts, loyalty.WithBasicAuth(shop.User, pw))
	}
	cs, err := loyalty.NewArtixCashServer(shop.CashServer, opts...)
	if err != nil {
		return chainsync.Digest{}, err
	}
	return chainsync.ReadBackDigest(cs.Customers.All(ctx))
}
