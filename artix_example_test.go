package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func ExampleNewArtix() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.RequireArtixAuth("admin", "secret")

	ax, err := loyalty.NewArtix(srv.ArtixURL, loyalty.WithBasicAuth("admin", "secret"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	err = ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "4", FirstName: "Пётр", LastName: "Петров", Gender: new(loyalty.ArtixGenderMale)})
	if err != nil {
		log.Fatal(err)
	}
	err = ax.Customers.Update(ctx, loyalty.ArtixCustomerUpdate{ID: "4", Phone: new("88005559999")})
	if err != nil {
		log.Fatal(err)
	}
	c, _ := srv.ArtixCustomer("4")
	fmt.Println(c.LastName, c.Phone)
	// Output: Петров 88005559999
}

func ExampleArtix_Send() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ax := srv.Artix()

	err = ax.Send(context.Background(),
		loyalty.ClearClient(),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "1", FirstName: "Анна"}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "2", FirstName: "Олег", BirthDate: "1899-12-31"}),
	)
	var re *loyalty.ArtixRecordError
	if errors.As(err, &re) {
		fmt.Printf("command %d (idclient %s): %s\n", re.Index, re.ID, re.Err.Field)
	}
	fmt.Println("clients:", srv.ArtixCustomerCount())
	// Output:
	// command 2 (idclient 2): client.birthday
	// clients: 0
}

func ExampleNewArtixExchangeDir() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "exchange")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.ServeArtixExchangeDir(ctx, dir) // plays the cash server

	ax, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	if err := ax.Send(ctx, loyalty.AddClient(loyalty.ArtixCustomer{ID: "4", FirstName: "Пётр"})); err != nil {
		log.Fatal(err)
	}
	fmt.Println("loaded:", srv.ArtixCustomerCount())
	// Output: loaded: 1
}

// SendSeq streams a batch of any size from an iterator, command by command:
// the iterator is walked once to validate and again for each attempt, so
// it must yield the same commands every time (a func over a slice or a
// re-run query, not a channel).
func ExampleArtix_SendSeq() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ax := srv.Artix()

	rows := []struct{ id, name, phone string }{
		{"101", "Анна", "79160000101"}, {"102", "Олег", "79160000102"}, {"103", "Мария", "79160000103"},
	}
	commands := func(yield func(loyalty.ArtixCommand) bool) {
		if !yield(loyalty.ClearClient()) {
			return
		}
		for _, r := range rows {
			if !yield(loyalty.AddClient(loyalty.ArtixCustomer{ID: r.id, FirstName: r.name, Phone: r.phone})) {
				return
			}
		}
	}
	if err := ax.SendSeq(context.Background(), commands); err != nil {
		log.Fatal(err)
	}
	c, _ := srv.ArtixCustomer("102")
	fmt.Println(srv.ArtixCustomerCount(), "clients;", c.FirstName, c.Phone)
	// Output: 3 clients; Олег 79160000102
}
