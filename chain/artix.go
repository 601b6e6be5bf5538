package chain

import (
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
)

// artixClients makes one client per register: HTTP with the status
// receiver (the register confirms each batch, as its own cash code), or an exchange directory
// with a pickup wait.
func (e *Engine[TTx]) artixClients() (map[string]*loyalty.Artix, error) {
	out := map[string]*loyalty.Artix{}
	for id, r := range e.regs {
		var ax *loyalty.Artix
		var err error
		if r.URL != "" {
			opts := append([]loyalty.ArtixOption(nil), e.cfg.ArtixOptions...)
			opts = append(opts, loyalty.WithArtixShopCode(r.Shop),
				// Only the register's own cash code confirms its batch: a
				// report naming another cash of the shop counts for nothing.
				loyalty.WithLoadConfirmation(e.receiver, 1), loyalty.WithArtixCashCodes(r.Cash))
			if r.User != "" {
				pw, err := r.Password(e.cfg.Lookup)
				if err != nil {
					return nil, fmt.Errorf("chain: register %s: %w", id, err)
				}
				opts = append(opts, loyalty.WithBasicAuth(r.User, pw))
			}
			ax, err = loyalty.NewArtix(r.URL, opts...)
		} else {
			ax, err = loyalty.NewArtixExchangeDir(r.Dir, loyalty.WithPickupWait(e.cfg.ConfirmTimeout), loyalty.WithPollInterval(20*time.Millisecond))
		}
		if err != nil {
			return nil, fmt.Errorf("chain: register %s: %w", id, err)
		}
		out[id] = ax
	}
	return out, nil
}
