package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func ExampleCustomerService_Get() {
	srv, _ := mock.Start(mock.Config{})
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)

	c, err := vp.Customers.Get(context.Background(), 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.FirstName, c.LastName, c.Age, c.AccumulatedSales, c.RegisterDate.Format(time.DateTime))

	_, err = vp.Customers.Get(context.Background(), 424242)
	fmt.Println(errors.Is(err, loyalty.ErrNotFound))
	// Output:
	// Сергей Иванов 24 15200 2016-07-18 13:54:37
	// true
}

func ExampleCustomerService_All() {
	srv, _ := mock.Start(mock.Config{})
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey, loyalty.WithFormat(loyalty.FormatJSON))

	n := 0
	for c, err := range vp.Customers.All(context.Background(), &loyalty.CustomerQuery{WithEmail: new(true), PageSize: 10}) {
		if err != nil {
			panic(err)
		}
		_ = c.Email
		n++
	}
	fmt.Println(n, "customers with an e-mail")
	// Output: 39 customers with an e-mail
}

func ExampleCustomerService_Create() {
	srv, _ := mock.Start(mock.Config{})
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)

	res, err := vp.Customers.Create(context.Background(), &loyalty.CustomerUpdate{
		FirstName: new("Пётр"), Phone: new("+7 916 123-45-67"), GroupName: new("VIP"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.ID, res.IsNew)
	// Output: 61 true
}

func ExampleCardService_Update() {
	srv, _ := mock.Start(mock.Config{})
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)

	res, err := vp.Cards.Update(context.Background(), loyalty.CardRef{UID: "1000123"},
		&loyalty.CardUpdate{Status: loyalty.CardActive, Medium: loyalty.MediumApp, CustomerID: new(int64(11))},
		loyalty.CreateIfNotExist())
	if err != nil {
		panic(err)
	}
	// The spec documents no answer for card writes: this one (like the
	// mock's by default) is a bare success=1, without the card's id.
	card, _ := srv.VirtPOSCard("1000123")
	fmt.Println(res.IDSent, card.Status, card.UIDEAN13)
	// Output: false ACTIVE 0000010001233
}

func ExampleCustomerService_List() {
	srv, _ := mock.Start(mock.Config{})
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)

	// The phone is matched on its digits, whatever its form.
	page, err := vp.Customers.List(context.Background(), &loyalty.CustomerQuery{Phone: "+7 (916) 101-46-62"})
	if err != nil {
		panic(err)
	}
	for _, c := range page.Customers {
		fmt.Println(c.ID, c.FirstName, c.LastName, c.Phone)
	}
	// Output: 2 Елена Кузнецова 79161014662
}

func ExampleCustomerService_UpsertMany() {
	srv, _ := mock.Start(mock.Config{})
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)

	items := []loyalty.CustomerUpsert{
		{ID: 2, Fields: &loyalty.CustomerUpdate{Email: new("elena@example.ru")}},            // update by id
		{Fields: &loyalty.CustomerUpdate{ExternalID: new("1C-9001"), FirstName: new("Ян")}}, // create, or update by external id
		{ID: 999999, Fields: &loyalty.CustomerUpdate{FirstName: new("Нет")}},                // fails alone
	}
	res, err := vp.Customers.UpsertMany(context.Background(), items, loyalty.WithWorkers(4))
	if err != nil {
		panic(err) // only a done context or an invalid option
	}
	for _, r := range res {
		if r.Err != nil {
			fmt.Println(r.Index, "failed")
			continue
		}
		fmt.Println(r.Index, "id", r.Value.ID, "new", r.Value.IsNew)
	}
	// Output:
	// 0 id 2 new false
	// 1 id 61 new true
	// 2 failed
}

func ExampleEAN13() {
	code, _ := loyalty.EAN13("460123456789")
	fmt.Println(code)
	// Output: 4601234567893
}

// Only the fields set are sent: new("") clears a field, nil leaves it.
func ExampleCustomerService_Update() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)
	ctx := context.Background()

	res, err := vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{Email: new("elena@example.ru"), SendSMS: new(false)})
	if err != nil {
		panic(err)
	}
	c, _ := vp.Customers.Get(ctx, 2)
	fmt.Println(res.ID, res.IsNew, c.FirstName, c.Email, c.SendSMS)

	// With CreateIfNotExist an absent id creates the customer (never retried: a repeat could create two).
	res, err = vp.Customers.Update(ctx, 424242, &loyalty.CustomerUpdate{FirstName: new("Ян")}, loyalty.CreateIfNotExist())
	if err != nil {
		panic(err)
	}
	fmt.Println(res.IsNew)
	// Output:
	// 2 false Елена elena@example.ru false
	// true
}

// Stream reads one unpaged answer customer by customer, so memory stays
// flat however many customers it holds.
func ExampleCustomerService_Stream() {
	srv, err := mock.Start(mock.Config{Customers: 500})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)

	n, first := 0, ""
	for c, err := range vp.Customers.Stream(context.Background(), &loyalty.CustomerQuery{WithPhone: new(true)}) {
		if err != nil {
			panic(err)
		}
		if n == 0 {
			first = c.FirstName + " " + c.LastName
		}
		n++
	}
	fmt.Println(n, "customers with a phone; the first is", first)
	// Output: 399 customers with a phone; the first is Елена Кузнецова
}

func ExampleCardService_Insert() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)

	res, err := vp.Cards.Insert(context.Background(), &loyalty.CardUpdate{
		UID: "1000123", Medium: loyalty.MediumPlastic, Status: loyalty.CardNew, CustomerID: new(int64(11)),
	})
	if err != nil {
		panic(err)
	}
	// A bare success=1 (the spec documents no card answer): no id sent.
	card, _ := srv.VirtPOSCard("1000123")
	fmt.Println(res.IDSent, card.CustomerID, card.Medium, card.Status, card.UIDEAN13)
	// Output: false 11 PLASTIC NEW 0000010001233
}

func ExampleCardService_Delete() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)
	ctx := context.Background()

	if _, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "1000123", Medium: loyalty.MediumApp}); err != nil {
		panic(err)
	}
	// By uid, card id, external id or barcode (here the EAN-13 the server made of the uid).
	err = vp.Cards.Delete(ctx, loyalty.CardRef{Barcode: "0000010001233"})
	fmt.Println(err)
	err = vp.Cards.Delete(ctx, loyalty.CardRef{Barcode: "0000010001233"})
	fmt.Println(errors.Is(err, loyalty.ErrNotFound))
	// Output:
	// <nil>
	// true
}
