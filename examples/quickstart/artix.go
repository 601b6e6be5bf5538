package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
	"github.com/loyaltykit/loyalty/mock"
)

// tourArtix runs the Artix part of the tour: a record refused before
// sending, then, where it may write (the mock, or a real register with
// -write artix), test clients qs-<run>-N added, updated and deleted over
// HTTP and through an exchange directory; none is left. Loading is all
// the register's exchanger does, so against a real one without -write
// nothing is sent.
func tourArtix(ctx context.Context, p *printer, cfg *config, srv *mock.Server) error {
	p.title("Artix")
	ax, where, err := artixHTTPClient(cfg, srv)
	if err != nil {
		return err
	}
	if where != "" {
		p.line("HTTP transport: POST %s%s", where, "/aifexchange/loaddicts")
	}

	bad := loyalty.ArtixCustomer{ID: "14", BirthDate: "1899-01-01"}
	var re *loyalty.ArtixRecordError
	if err := ax.Customers.Add(ctx, bad); errors.As(err, &re) {
		p.line("refused       %v (nothing sent)", err)
	} else {
		return fmt.Errorf("a birthday in 1899 was not refused: %v", err)
	}
	real := cfg.artix.URL != "" || cfg.artix.Dir != ""
	if !cfg.writes("artix", real) {
		p.line("read-only against a real register: -write artix lets the tour add, update and delete clients qs-%s-N", cfg.run)
		return nil
	}

	id := func(n int) string { return fmt.Sprintf("qs-%s-%d", cfg.run, n) }
	if cfg.artix.URL != "" || srv != nil && cfg.artix.Dir == "" {
		if err := artixOverHTTP(ctx, p, ax, id); err != nil {
			return err
		}
		if srv != nil && cfg.artix.URL == "" {
			c, _ := srv.ArtixCustomer(id(1))
			p.line("mock now has  %d clients; idclient=%s phone %s", srv.ArtixCustomerCount(), id(1), c.Phone)
		}
	}
	if err := tourArtixFiles(ctx, p, cfg, srv, id); err != nil {
		return err
	}
	if cfg.artix.URL != "" || srv != nil && cfg.artix.Dir == "" {
		if err := ax.Send(ctx, loyalty.DeleteClient(id(1)), loyalty.DeleteClient(id(3))); err != nil {
			return err
		}
		p.line("cleanup       deleteClient %s, %s: no test client left", id(1), id(3))
	}
	return nil
}

// artixOverHTTP adds, updates and deletes test clients through the
// register's exchanger: qs-<run>-1 and -3 stay until the cleanup.
func artixOverHTTP(ctx context.Context, p *printer, ax *loyalty.Artix, id func(int) string) error {
	petrov := loyalty.ArtixCustomer{
		ID: id(1), FirstName: "Quickstart", LastName: "Test", MiddleName: "Петрович",
		Gender: new(loyalty.ArtixGenderMale), BirthDate: "1966-05-20", Email: "quickstart@example.invalid",
		Phone: "+79161234567", Subscribed: new(true),
		Options:        &loyalty.ArtixOptions{SendCheckToEmail: new(true), EmailConfirmed: new(true)},
		Communications: &loyalty.ArtixCommunications{Call: new(true), SMS: new(true)},
	}
	if err := ax.Customers.Add(ctx, petrov); err != nil {
		return err
	}
	p.line("addClient     idclient=%s %s %s %s", id(1), petrov.LastName, petrov.FirstName, petrov.MiddleName)
	if err := ax.Customers.Update(ctx, loyalty.ArtixCustomerUpdate{ID: id(1), Phone: new("88005559999")}); err != nil {
		return err
	}
	p.line("updateClient  idclient=%s phonenumber=88005559999 (only the changed attribute is sent)", id(1))
	err := ax.Send(ctx,
		loyalty.AddClient(loyalty.ArtixCustomer{ID: id(2), FirstName: "Анна", LastName: "Test", Gender: new(loyalty.ArtixGenderFemale)}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: id(3), FirstName: "Олег", LastName: "Test", Gender: new(loyalty.ArtixGenderMale)}),
		loyalty.DeleteClient(id(2)),
	)
	if err != nil {
		return err
	}
	p.line("batch         addClient %s, addClient %s, deleteClient %s (one request, in order)", id(2), id(3), id(2))
	return nil
}

// artixHTTPClient is the client for the real server the flags name, or
// for the mock.
func artixHTTPClient(cfg *config, srv *mock.Server) (*loyalty.Artix, string, error) {
	if cfg.artix.URL == "" {
		if srv == nil { // only -artix-dir: HTTP is not used; the client checks records
			ax, err := loyalty.NewArtix("http://localhost:28080")
			return ax, "", err
		}
		return srv.Artix(), srv.ArtixURL, nil
	}
	ax, err := loyalty.NewArtix(cfg.artix.URL, cfg.artix.Options()...)
	return ax, cfg.artix.URL, err
}

// tourArtixFiles sends one batch through an exchange directory: the one
// -artix-dir names (written, not waited for; the batch adds qs-<run>-4 and
// deletes it again), or a temporary one that the mock loads like a cash
// server.
func tourArtixFiles(ctx context.Context, p *printer, cfg *config, srv *mock.Server, id func(int) string) error {
	dir := cfg.artix.Dir
	if dir == "" && (srv == nil || cfg.artix.URL != "") {
		p.line("file transport: skipped (give -artix-dir to write a batch into an exchange directory)")
		return nil
	}
	var opts []loyalty.ArtixExchangeDirOption
	if dir == "" {
		tmp, stop, err := exampleenv.ServeExchangeDir(ctx, srv)
		if err != nil {
			return err
		}
		defer stop()
		dir = tmp
		opts = append(opts, loyalty.WithPickupWait(10*time.Second), loyalty.WithPollInterval(10*time.Millisecond))
	}
	ax, err := loyalty.NewArtixExchangeDir(dir, opts...)
	if err != nil {
		return err
	}
	p.line("file transport: %s (pos<yyyyMMddHHmmss>.aif, then an empty .flz flag)", dir)
	cmds := []loyalty.ArtixCommand{
		loyalty.AddClient(loyalty.ArtixCustomer{ID: id(4), FirstName: "Мария", LastName: "Test", BirthDate: "1990-03-08"}),
	}
	if cfg.artix.Dir == "" {
		cmds = append(cmds, loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: id(3), Email: new("oleg@example.invalid")}))
	}
	cmds = append(cmds, loyalty.DeleteClient(id(4)))
	if err := ax.Send(ctx, cmds...); err != nil {
		return err
	}
	if cfg.artix.Dir != "" {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			p.line("written       %s", e.Name())
		}
		p.line("the cash server loads the batch (addClient %s, deleteClient %s) and deletes both files", id(4), id(4))
		return nil
	}
	c, _ := srv.ArtixCustomer(id(3))
	p.line("picked up     the mock loaded the batch (addClient %s, updateClient %s, deleteClient %s) and deleted both files: %d clients, idclient=%s email %s",
		id(4), id(3), id(4), srv.ArtixCustomerCount(), id(3), c.Email)
	return nil
}
