package loyalty_test

import (
	"context"
	"fmt"
	"log"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// A tour of the three APIs against the embedded mock: with real servers
// only the constructors' arguments change.
func Example() {
	srv, err := mock.Start(mock.Config{}) // the three fake APIs on loopback
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	// VirtPOS: customers and discount cards.
	vp, err := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)
	if err != nil {
		log.Fatal(err)
	}
	c, err := vp.Customers.Get(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("VirtPOS:", c.FirstName, c.LastName, c.AccumulatedSales)

	// CRM: contacts and bonus cards, over mutual TLS.
	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(srv.RootCAs()))
	if err != nil {
		log.Fatal(err)
	}
	infos, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "+7 (916) 123-45-67"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("CRM:", infos[0].Contact.LastName, infos[0].Contact.FirstName, "cards:", len(infos[0].Cards))

	// Artix: the tills' client directory.
	ax, err := loyalty.NewArtix(srv.ArtixURL)
	if err != nil {
		log.Fatal(err)
	}
	if err := ax.Send(ctx, loyalty.AddClient(loyalty.ArtixCustomer{ID: "4", FirstName: "Пётр", LastName: "Петров"})); err != nil {
		log.Fatal(err)
	}
	fmt.Println("Artix:", srv.ArtixCustomerCount(), "client on the tills")
	// Output:
	// VirtPOS: Сергей Иванов 15200
	// CRM: Иванова Мария cards: 1
	// Artix: 1 client on the tills
}
