package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func ExampleNewArtixCashServer() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	// Load two clients to the tills, then read the directory back.
	err = srv.Artix().Send(ctx,
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "4", FirstName: "Петров Пётр", Phone: "79161234567"}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "5", FirstName: "Иванова Анна", Phone: "79031112233"}))
	if err != nil {
		log.Fatal(err)
	}

	// A real Cash Server: NewArtixCashServer("http://cash-server:8080").
	cs, err := loyalty.NewArtixCashServer(srv.ArtixURL, loyalty.WithArtixPaging(loyalty.ArtixPaging{Size: 1}))
	if err != nil {
		log.Fatal(err)
	}
	for rec, err := range cs.Customers.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rec.ID, rec.FirstName, rec.Phone)
	}
	if _, err := cs.Customers.Get(ctx, "6"); errors.Is(err, loyalty.ErrNotFound) {
		fmt.Println("no client 6")
	}
	// Output:
	// 4 Петров Пётр 79161234567
	// 5 Иванова Анна 79031112233
	// no client 6
}
