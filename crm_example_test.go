package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	for _, p := range []string{"+7 (916) 123-45-67", "8 916 123 45 67", "+375 29 123-45-67", "916 123 45"} {
		m, err := loyalty.MSISDN(p)
		fmt.Printf("%q %v\n", m, err != nil)
	}
	// Output:
	// "79161234567" false
	// "79161234567" false
	// "375291234567" false
	// "" true
}

// Find combines the filter's fields with AND; phones are normalised first.
func ExampleContactService_Find() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	crm := srv.CRM()

	infos, err := crm.Contacts.Find(context.Background(), loyalty.ContactFilter{MobilePhone: "8 (916) 123-45-67"})
	if err != nil {
		panic(err)
	}
	for _, in := range infos {
		fmt.Println(in.Contact.LastName, in.Contact.FirstName, in.Contact.MobilePhone)
		for _, c := range in.Cards {
			fmt.Println(" ", c.Number, c.Status, c.Balance)
		}
	}
	none, err := crm.Contacts.Find(context.Background(), loyalty.ContactFilter{MobilePhone: "+7 999 000-00-00"})
	fmt.Println(len(none), err)
	// Output:
	// Иванова Мария 79161234567
	//   7770000000001 active 12345678901234567890.123456789
	// 0 <nil>
}

func ExampleContactService_Create() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	crm := srv.CRM()
	ctx := context.Background()

	id, err := crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact: loyalty.PersonalData{MobilePhone: "8 926 555-01-02", FirstName: "Анна", LastName: "Смирнова",
			BirthDate: loyalty.CRMDate(1990, time.May, 9)},
		Registration:  loyalty.Registration{SalesOutletID: mock.CRMOutletID},
		Communication: loyalty.Communication{AllowSMS: true},
	})
	if err != nil {
		panic(err)
	}
	got, _ := crm.Contacts.Get(ctx, id)
	fmt.Println(got.Contact.FirstName, got.Contact.MobilePhone, got.Contact.BirthDate.Format("2006-01-02"))

	// The same phone again: the spec's error 10200, matched with errors.Is.
	_, err = crm.Contacts.Create(ctx, loyalty.NewContact{
		Contact:      loyalty.PersonalData{MobilePhone: "+79265550102"},
		Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID},
	})
	fmt.Println(errors.Is(err, loyalty.CodeDuplicatePhone))
	// Output:
	// Анна 79265550102 1990-05-09
	// true
}

// BindVirtualCard takes the next card of the card type's pool.
func ExampleContactService_BindVirtualCard() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	crm := srv.CRM()

	card, err := crm.Contacts.BindVirtualCard(context.Background(), loyalty.VirtualCardRequest{
		ContactID: mock.CRMContact2ID, CardTypeID: mock.CRMVirtualCardTypeID,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(card.Number, card.CardType, card.Status, card.Balance)
	// Output: 9990000000001 Виртуальная бонусная active 0
}

// The reference data: partners, their sales outlets and card types, regions.
func ExampleDirectoryService() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	crm := srv.CRM()
	ctx := context.Background()

	partners, err := crm.Directory.Partners(ctx)
	if err != nil {
		panic(err)
	}
	for _, p := range partners {
		fmt.Println("partner:", p.Name)
	}
	outlets, err := crm.Directory.SalesOutlets(ctx, mock.CRMPartnerID)
	if err != nil {
		panic(err)
	}
	for _, o := range outlets {
		fmt.Println("outlet:", o.Name, "·", o.Address)
	}
	types, err := crm.Directory.CardTypes(ctx, nil) // nil partner: every card type
	if err != nil {
		panic(err)
	}
	fmt.Println("card types:", len(types))
	regions, err := crm.Directory.Regions(ctx)
	if err != nil {
		panic(err)
	}
	for _, r := range regions {
		fmt.Println("region:", r.Name)
	}
	// Output:
	// partner: Продукты у дома
	// partner: АЗС Северная
	// partner: Книжный дом
	// outlet: ПуД Тверская · 125009, г. Москва, Тверская ул., д. 12, стр. 1
	// outlet: ПуД Вокзальная · 170001, г. Тверь, Вокзальная ул., д. 3
	// card types: 4
	// region: Москва
	// region: Тверь
}

func ExampleCampaignService_ByContact() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	camps, err := srv.CRM().Campaigns.ByContact(context.Background(), mock.CRMContactID)
	if err != nil {
		panic(err)
	}
	for _, c := range camps {
		fmt.Printf("%s −%g%% %s…%s\n", c.Name, c.Discount, c.ActualStart.Format("02.01.2006"), c.ActualEnd.Format("02.01.2006"))
	}
	// Output:
	// Скидка 15% на кофе −15% 01.08.2017…31.08.2017
	// С днём рождения! −7.5% 07.03.2018…21.03.2018
}
