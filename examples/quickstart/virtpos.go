package main

import (
	"context"

	"github.com/loyaltykit/loyalty/mock"
)

// tourVirtPOS runs the VirtPOS part of the tour.
func tourVirtPOS(ctx context.Context, p *printer, cfg *config, srv *mock.Server) error {
	p.title("VirtPOS")
	p.line("not built yet")
	return nil
}
