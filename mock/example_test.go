package mock_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jarcoal/httpmock"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// A program (or TestMain) starts the fake on loopback; in a test,
// mock.NewServer(t) does the same and closes it with t.Cleanup.
func ExampleStart() {
	srv, err := mock.Start(mock.Config{Customers: 100})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	vp := srv.VirtPOS() // a ready client; srv.CRM() and srv.Artix() too
	page, err := vp.Customers.List(context.Background(), &loyalty.CustomerQuery{Page: 1, PageSize: 10})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(page.Customers), "of", page.Count)
	fmt.Println(len(srv.RequestsTo(mock.VirtPOSAPI)), "request journaled")
	// Output:
	// 10 of 100
	// 1 request journaled
}

// Fail makes the next matching requests misbehave; the clients' retry
// policy decides what the caller sees.
func ExampleServer_Fail() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	vp := srv.VirtPOS()

	// A read is retried through two 503s.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 503, Times: 2})
	_, err = vp.Customers.Get(context.Background(), 1)
	fmt.Println(err == nil, len(srv.Requests()))

	// A create is not repeated after an ambiguous failure.
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Method: http.MethodPost, Status: 502, AfterApply: true})
	_, err = vp.Customers.Create(context.Background(), &loyalty.CustomerUpdate{FirstName: new("Пётр")})
	var ae *loyalty.APIError
	fmt.Println(errors.As(err, &ae), ae.StatusCode, loyalty.Attempts(err))
	// Output:
	// true 3
	// true 502 1
}

// Without sockets: the same fake behind an httpmock transport, wired in
// with loyalty.WithHTTPClient (VirtPOS, Artix) or mock.WithTransport (any
// client, the CRM included); httpmock.Activate alone would not reach the
// clients' own transport.
func ExampleServer_RegisterResponders() {
	srv, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		panic(err)
	}
	mt := httpmock.NewMockTransport()
	srv.RegisterResponders(mt)

	ax, err := loyalty.NewArtix(srv.ArtixURL, loyalty.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		panic(err)
	}
	err = ax.Customers.Add(context.Background(), loyalty.ArtixCustomer{ID: "4", FirstName: "Пётр", LastName: "Петров"})
	fmt.Println(err, srv.ArtixCustomerCount())
	// Output: <nil> 1
}

// A server that listens nowhere: its ready clients, the CRM's included,
// answer in memory through srv.Transport().
func ExampleNewInMemory() {
	srv, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		panic(err)
	}
	regions, err := srv.CRM().Directory.Regions(context.Background())
	fmt.Println(len(regions) > 0, err, len(srv.RequestsTo(mock.CRMAPI)))
	// Output: true <nil> 1
}

// A CRM client of your own, served by an httpmock transport: the CRM
// refuses loyalty.WithHTTPClient with a transport it cannot give its
// client certificate to, so the transport goes in with mock.WithTransport.
func ExampleWithTransport() {
	srv, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		panic(err)
	}
	mt := httpmock.NewMockTransport()
	srv.RegisterResponders(mt)

	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificate(srv.ClientCertificate()), mock.WithTransport(mt))
	if err != nil {
		panic(err)
	}
	partners, err := crm.Directory.Partners(context.Background())
	fmt.Println(len(partners) > 0, err, mt.GetTotalCallCount())

	_, err = loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithHTTPClient(&http.Client{Transport: mt}))
	var ce *loyalty.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field)
	// Output:
	// true <nil> 1
	// true WithHTTPClient
}
