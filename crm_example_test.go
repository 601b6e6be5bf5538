package loyalty_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func ExampleNewCRM() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	// With a real CRM: loyalty.WithClientCertificateFiles("client.crt", "client.key").
	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(srv.RootCAs()))
	if err != nil {
		panic(err)
	}
	infos, err := crm.Contacts.Find(context.Background(), loyalty.ContactFilter{MobilePhone: "+7 (916) 123-45-67"})
	if err != nil {
		panic(err)
	}
	for _, in := range infos {
		fmt.Println(in.Contact.LastName, in.Contact.FirstName, in.Cards[0].Number, in.Cards[0].Balance)
	}
	// Output: Иванова Мария 7770000000001 12345678901234567890.123456789
}

func ExampleContactService_BindPhysicalCard() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	crm := srv.CRM()
	_, err = crm.Contacts.BindPhysicalCard(context.Background(), loyalty.PhysicalCardRequest{
		ContactID: mock.CRMContact2ID, CardNumber: mock.CRMOwnedCardNumber,
	})
	if errors.Is(err, loyalty.CodeCardAlreadyOwned) {
		fmt.Println("already owned:", loyalty.CodeCardAlreadyOwned.Description())
	}
	// Output: already owned: Карта уже принадлежит клиенту
}

func ExampleMSISDN() {
	for _, p := range []string{"+7 (916) 123-45-67", "8 916 123 45 67", "+1 212 555 0100"} {
		m, err := loyalty.MSISDN(p)
		fmt.Printf("%q %v\n", m, err != nil)
	}
	// Output:
	// "79161234567" false
	// "79161234567" false
	// "" true
}
