package loyalty_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

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
