package main

import (
	"context"

	"github.com/loyaltykit/loyalty/mock"
)

// tourArtix runs the Artix part of the tour.
func tourArtix(ctx context.Context, p *printer, cfg *config, srv *mock.Server) error {
	p.title("Artix")
	p.line("not built yet")
	return nil
}
