package main

import (
	"context"

	"github.com/loyaltykit/loyalty/mock"
)

// tourCRM runs the CRM part of the tour.
func tourCRM(ctx context.Context, p *printer, cfg *config, srv *mock.Server) error {
	p.title("CRM")
	p.line("not built yet")
	return nil
}
