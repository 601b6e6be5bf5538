package loyalty_test

import (
	"context"
	"errors"
	"fmt"

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
	fmt.Println(c.FirstName, c.LastName, c.Age, c.AccumulatedSales, c.RegisterDate.Format(loyalty.TimeLayout))

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
	card, _ := srv.VirtPOSCard("1000123")
	fmt.Println(res.IsNew, card.Status, card.UIDEAN13)
	// Output: true ACTIVE 0000010001233
}

func ExampleEAN13() {
	code, _ := loyalty.EAN13("460123456789")
	fmt.Println(code)
	// Output: 4601234567893
}
