package loyalty_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

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
	res, err := vp.Customers.UpsertMany(context.Background(), items, loyalty.Workers(4))
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

// Every error is typed: look inside with errors.As and errors.Is.
func ExampleAPIError() {
	srv, _ := mock.Start(mock.Config{})
	defer srv.Close()
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey, loyalty.WithoutRetries())

	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 502}) // a proxy's HTML page
	_, err := vp.Customers.Get(context.Background(), 1)
	var ae *loyalty.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.API, ae.Method, ae.StatusCode, loyalty.Attempts(err))
	}
	// Output: virtpos GET 502 1
}
