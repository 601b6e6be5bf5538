package loyalty_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// A loyalty sync pushes each client with the card a till finds them by,
// in one batch: the card group, the client, the card and its account.
func ExampleAddCard() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ax := srv.Artix()

	group := loyalty.ArtixCardGroup{ID: "1", Name: "Дисконтная 5%", Mode: new(loyalty.ArtixCardDiscount),
		NotAddEmptyCard: new(true), Pattern: "[0-9]", InputMask: new(7)}
	members := []struct{ card, name string }{{"2000000000015", "Петров Пётр"}, {"2000000000022", "Иванова Анна"}}
	batch := []loyalty.ArtixCommand{loyalty.AddCardGroup(group)}
	for _, m := range members {
		batch = append(batch,
			loyalty.AddClient(loyalty.ArtixCustomer{ID: m.card, FirstName: m.name}),
			loyalty.AddCard(loyalty.ArtixCard{ID: m.card, GroupID: group.ID, ClientID: m.card, Number: m.card,
				ValidFrom: "2026-01-01", DiscountPercent: new(decimal.NewFromInt(5))}),
			loyalty.AddChangeCardAccount(loyalty.ArtixCardAccount{CardNumber: m.card, AccountNumber: m.card}))
	}
	if err := ax.Send(context.Background(), batch...); err != nil {
		log.Fatal(err)
	}
	for _, m := range members {
		for _, c := range srv.ArtixCustomerCards(m.card) {
			fmt.Println(m.name, c.Number, c.DiscountPercent)
		}
	}
	b, _ := json.Marshal(batch[2])
	fmt.Println(string(b))
	// Output:
	// Петров Пётр 2000000000015 5
	// Иванова Анна 2000000000022 5
	// {"command":"addCard","card":{"idcard":"2000000000015","idcardgroup":"1","idclient":"2000000000015","number":"2000000000015","validitydatebeg":"2026-01-01","blocked":false,"discountpercent":5}}
}

// Any dictionary command the SDK does not type goes as a name, a payload
// key and a JSON payload.
func ExampleArtixRawCommand() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	err = srv.Artix().Send(context.Background(),
		loyalty.ArtixRawCommand("clearInventory", "", nil),
		loyalty.ArtixRawCommand("addUnit", "unit", json.RawMessage(`{"idunit":1,"name":"шт"}`)))
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range srv.ArtixDictionary("unit") {
		b, _ := json.Marshal(c)
		fmt.Println(string(b))
	}
	bad := loyalty.ArtixRawCommand("addUnit", "unit", json.RawMessage(`{"idunit":`))
	fmt.Println(bad.Validate())
	// Output:
	// {"command":"addUnit","unit":{"idunit":1,"name":"шт"}}
	// loyalty: invalid unit: the payload is not well-formed JSON
}

// Clients written through the Cash Server's REST API, as public clients do.
func ExampleArtixCustomerRecordService_Create() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	cs := srv.ArtixCashServer()
	ctx := context.Background()

	rec, err := cs.Customers.Create(ctx, loyalty.ArtixCustomer{ID: "79161234567", FirstName: "Иван", Phone: "79161234567"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.ID, rec.FirstName)
	if err := cs.Customers.Delete(ctx, "79161234567"); err != nil {
		log.Fatal(err)
	}
	_, err = cs.Customers.Get(ctx, "79161234567")
	fmt.Println(errors.Is(err, loyalty.ErrNotFound))
	// Output:
	// 79161234567 Иван
	// true
}
