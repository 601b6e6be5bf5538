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

// tourArtix runs the Artix part of the tour: clients added, updated and
// deleted over HTTP, then one batch through an exchange directory.
func tourArtix(ctx context.Context, p *printer, cfg *config, srv *mock.Server) error {
	p.title("Artix")
	ax, where, err := artixHTTPClient(cfg, srv)
	if err != nil {
		return err
	}
	p.line("HTTP transport: POST %s%s", where, loyalty.ArtixLoadDictsPath)

	petrov := loyalty.ArtixCustomer{
		ID: "4", FirstName: "Пётр", LastName: "Петров", Patronymic: "Петрович",
		Sex: new(loyalty.ArtixMale), Birthday: "1966-05-20", Email: "ivanov@gmail.ru",
		Phone: "+79161234567", Subscribed: new(true),
		Options:        &loyalty.ArtixOptions{SendCheckToEmail: new(true), EmailConfirmed: new(true)},
		Communications: &loyalty.ArtixCommunications{Call: new(true), SMS: new(true)},
	}
	if err := ax.Customers.Add(ctx, petrov); err != nil {
		return err
	}
	p.line("addClient     idclient=4 %s %s %s", petrov.LastName, petrov.FirstName, petrov.Patronymic)
	if err := ax.Customers.Update(ctx, loyalty.ArtixCustomerUpdate{ID: "4", Phone: new("88005559999")}); err != nil {
		return err
	}
	p.line("updateClient  idclient=4 phonenumber=88005559999 (only the changed attribute is sent)")
	err = ax.Send(ctx,
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "12", FirstName: "Анна", LastName: "Смирнова", Sex: new(loyalty.ArtixFemale)}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "13", FirstName: "Олег", LastName: "Кузнецов", Sex: new(loyalty.ArtixMale)}),
		loyalty.DeleteClient("12"),
	)
	if err != nil {
		return err
	}
	p.line("batch         addClient 12, addClient 13, deleteClient 12 (one request, in order)")

	bad := loyalty.ArtixCustomer{ID: "14", Birthday: "1899-01-01"}
	var re *loyalty.ArtixRecordError
	if err := ax.Customers.Add(ctx, bad); errors.As(err, &re) {
		p.line("refused       %v", err)
	} else {
		return fmt.Errorf("a birthday in 1899 was not refused: %v", err)
	}
	if srv != nil && cfg.artix.URL == "" {
		c, _ := srv.ArtixClient("4")
		p.line("mock now has  %d clients; idclient=4 phone %s", srv.ArtixClientCount(), c.Phone)
	}

	return tourArtixFiles(ctx, p, cfg, srv)
}

// artixHTTPClient is the client for the real server the flags name, or
// for the mock.
func artixHTTPClient(cfg *config, srv *mock.Server) (*loyalty.Artix, string, error) {
	if cfg.artix.URL == "" {
		return srv.Artix(), srv.ArtixURL, nil
	}
	ax, err := loyalty.NewArtix(cfg.artix.URL, cfg.artix.Options()...)
	return ax, cfg.artix.URL, err
}

// tourArtixFiles sends one batch through an exchange directory: the one
// -artix-dir names (written, not waited for), or a temporary one that the
// mock loads like a cash server.
func tourArtixFiles(ctx context.Context, p *printer, cfg *config, srv *mock.Server) error {
	dir := cfg.artix.Dir
	if dir == "" && srv == nil {
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
	err = ax.Send(ctx,
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "20", FirstName: "Мария", LastName: "Иванова", Birthday: "1990-03-08"}),
		loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "13", Email: new("oleg@example.ru")}),
	)
	if err != nil {
		return err
	}
	if cfg.artix.Dir != "" {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			p.line("written       %s", e.Name())
		}
		p.line("the cash server loads the batch and deletes both files")
		return nil
	}
	c, _ := srv.ArtixClient("13")
	p.line("picked up     the mock loaded the batch and deleted both files: %d clients, idclient=13 email %s",
		srv.ArtixClientCount(), c.Email)
	return nil
}
