package mock

import (
	"time"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
	"github.com/shopspring/decimal"
)

// Seed data of the CRM side. The ids are fixed so tests can name them.
var (
	// CRMPartnerID is the active partner «Продукты у дома».
	CRMPartnerID = uuid.MustParse("6f1c2a4e-1b1d-4a53-9b0e-2f7f0c1a0001")
	// CRMPartner2ID is a second active partner, «АЗС Северная».
	CRMPartner2ID = uuid.MustParse("6f1c2a4e-1b1d-4a53-9b0e-2f7f0c1a0002")
	// CRMInactivePartnerID is a partner that is no longer active (10140).
	CRMInactivePartnerID = uuid.MustParse("6f1c2a4e-1b1d-4a53-9b0e-2f7f0c1a0003")

	// CRMRegionMoscowID and CRMRegionTverID are the regions.
	CRMRegionMoscowID = uuid.MustParse("0b5e8f3a-7c21-4d7e-8a11-5d1e0c2b0001")
	CRMRegionTverID   = uuid.MustParse("0b5e8f3a-7c21-4d7e-8a11-5d1e0c2b0002")

	// CRMOutletID is «Продукты у дома» on Тверская (with coordinates).
	CRMOutletID = uuid.MustParse("a3d9c7e1-5f2b-4c8d-9e0f-1a2b3c4d0001")
	// CRMOutlet2ID is a shop without coordinates and with an inactive region.
	CRMOutlet2ID = uuid.MustParse("a3d9c7e1-5f2b-4c8d-9e0f-1a2b3c4d0002")

	// CRMVirtualCardTypeID is an active virtual card type with a pool of cards.
	CRMVirtualCardTypeID = uuid.MustParse("c1e2d3f4-0a1b-4c2d-8e3f-4a5b6c7d0001")
	// CRMPlasticCardTypeID is an active physical (not virtual) card type (10060).
	CRMPlasticCardTypeID = uuid.MustParse("c1e2d3f4-0a1b-4c2d-8e3f-4a5b6c7d0002")
	// CRMInactiveCardTypeID is an inactive card type (10050).
	CRMInactiveCardTypeID = uuid.MustParse("c1e2d3f4-0a1b-4c2d-8e3f-4a5b6c7d0003")
	// CRMEmptyPoolCardTypeID is a virtual card type whose pool is empty (10080).
	CRMEmptyPoolCardTypeID = uuid.MustParse("c1e2d3f4-0a1b-4c2d-8e3f-4a5b6c7d0004")

	// CRMContactID is Иванова Мария Сергеевна, 79161234567, maria.ivanova@example.ru,
	// holder of card CRMOwnedCardNumber.
	CRMContactID = uuid.MustParse("5d2f8b1c-9e4a-4f6b-a7c3-0e1d2c3b0001")
	// CRMContact2ID is Петров Пётр Алексеевич, 79035550011, without cards.
	CRMContact2ID = uuid.MustParse("5d2f8b1c-9e4a-4f6b-a7c3-0e1d2c3b0002")
)

// Physical cards of the seed data.
const (
	// CRMOwnedCardNumber belongs to CRMContactID; its balance is
	// 12345678901234567890.123456789.
	CRMOwnedCardNumber = "7770000000001"
	// CRMFreeCardNumber is an issued, active card that nobody holds.
	CRMFreeCardNumber = "7770000000002"
	// CRMFreeCard2Number is another issued, active card that nobody holds.
	CRMFreeCard2Number = "7770000000003"
	// CRMBlockedCardNumber is an issued card with status blocked (10160).
	CRMBlockedCardNumber = "7770000000004"
	// CRMPINCardNumber is an issued, active card protected by a PIN: a
	// BindPhysicalCard of it fails with CodeManzanaWrongPIN, a code the
	// spec does not list (see Quirks.BindPhysicalCardPIN).
	CRMPINCardNumber = "7770000000961"
)

// CRMOwnedCardID is the id of card CRMOwnedCardNumber.
var CRMOwnedCardID = uuid.MustParse("e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f0001")

// crmNS derives the ids of records the mock creates, deterministically.
var crmNS = uuid.MustParse("9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d")

type crmPartner struct {
	loyalty.Partner
	active bool
}

type crmCardType struct {
	loyalty.CardType
	partner *uuid.UUID
	active  bool
	virtual bool
}

type crmCard struct {
	loyalty.BonusCard
	owner *uuid.UUID
	// pin: the card is protected by a PIN (Manzana's code word) that
	// BindPhysicalCard cannot send; binding it fails with
	// CodeManzanaWrongPIN.
	pin bool
}

type crmContact struct {
	loyalty.Contact
	cards []string              // card numbers, in binding order
	comm  loyalty.Communication // the communication settings CreateContact sent
}

type crmCampaign struct {
	loyalty.PersonalCampaign
	card    *uuid.UUID // nil: for every card of contact
	contact uuid.UUID
}

// crmState is everything the CRM side keeps.
type crmState struct {
	partners  []*crmPartner
	regions   []loyalty.Region
	outlets   []crmOutlet
	cardTypes []*crmCardType
	pools     map[uuid.UUID][]string // virtual card numbers per card type
	cards     map[string]*crmCard    // by number
	contacts  []*crmContact
	campaigns []crmCampaign
	seq       int // counter for derived ids
	memo      crmMemo
}

type crmOutlet struct {
	loyalty.SalesOutlet
	partner uuid.UUID
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func mskTime(y int, m time.Month, d, hh, mm int) loyalty.CRMTime {
	t, _ := loyalty.ParseCRMTime(time.Date(y, m, d, hh, mm, 0, 0, time.UTC).Format("2006-01-02T15:04:05"))
	return t
}

// seedCRM is the deterministic seed data.
func seedCRM() *crmState {
	st := &crmState{pools: map[uuid.UUID][]string{}, cards: map[string]*crmCard{}}
	st.partners = []*crmPartner{
		{loyalty.Partner{ID: CRMPartnerID, Name: "Продукты у дома", Description: "Сеть магазинов у дома"}, true},
		{loyalty.Partner{ID: CRMPartner2ID, Name: "АЗС Северная", Description: "Автозаправочные станции"}, true},
		{loyalty.Partner{ID: CRMInactivePartnerID, Name: "Книжный дом", Description: "Договор расторгнут"}, false},
	}
	st.regions = []loyalty.Region{
		{ID: CRMRegionMoscowID, Name: "Москва", Description: "Москва и Московская область"},
		{ID: CRMRegionTverID, Name: "Тверь", Description: "Тверская область"},
	}
	lat, lon := dec("55.7649312"), dec("37.6058740")
	st.outlets = []crmOutlet{
		{loyalty.SalesOutlet{ID: CRMOutletID, Name: "ПуД Тверская", FullName: "Продукты у дома, Тверская ул., 12",
			RegionID: &CRMRegionMoscowID, RegionName: "Москва", Address: "125009, г. Москва, Тверская ул., д. 12, стр. 1",
			Phone: "74951234567", Latitude: &lat, Longitude: &lon}, CRMPartnerID},
		{loyalty.SalesOutlet{ID: CRMOutlet2ID, Name: "ПуД Вокзальная", FullName: "Продукты у дома, Вокзальная ул., 3",
			RegionName: "Тверь", Address: "170001, г. Тверь, Вокзальная ул., д. 3", Phone: "74822334455"}, CRMPartnerID},
		{loyalty.SalesOutlet{ID: uuid.MustParse("a3d9c7e1-5f2b-4c8d-9e0f-1a2b3c4d0003"), Name: "АЗС №7",
			FullName: "АЗС Северная №7", RegionID: &CRMRegionTverID, RegionName: "Тверь",
			Address: "Тверская обл., трасса М-10, 171 км", Phone: "74822000007"}, CRMPartner2ID},
	}
	st.cardTypes = []*crmCardType{
		{loyalty.CardType{ID: CRMVirtualCardTypeID, Name: "Виртуальная бонусная", Description: "Карта в мобильном приложении"}, &CRMPartnerID, true, true},
		{loyalty.CardType{ID: CRMPlasticCardTypeID, Name: "Пластиковая бонусная", Description: "Выдаётся на кассе"}, &CRMPartnerID, true, false},
		{loyalty.CardType{ID: CRMInactiveCardTypeID, Name: "Летняя акция 2017", Description: "Выпуск прекращён"}, &CRMPartnerID, false, true},
		{loyalty.CardType{ID: CRMEmptyPoolCardTypeID, Name: "Топливная виртуальная", Description: "Для АЗС"}, &CRMPartner2ID, true, true},
	}
	st.pools[CRMVirtualCardTypeID] = []string{"9990000000001", "9990000000002", "9990000000003", "9990000000004", "9990000000005"}
	st.pools[CRMEmptyPoolCardTypeID] = nil

	mmb := dec("1500.0000")
	st.cards[CRMOwnedCardNumber] = &crmCard{BonusCard: loyalty.BonusCard{
		ID: CRMOwnedCardID, Number: CRMOwnedCardNumber, FullName: "Иванова Мария Сергеевна",
		PartnerID: &CRMPartnerID, BonusType: loyalty.BonusTypeBonusAndDiscount, CardType: "Пластиковая бонусная",
		StatusDate: mskTime(2017, time.July, 5, 10, 30), Status: loyalty.BonusCardStatusActive,
		ExpiryDate: mskTime(2027, time.December, 31, 23, 59),
		Balance:    dec("12345678901234567890.123456789"), ActiveBalance: dec("1234.5678901234567890123456789"),
		Summ: dec("98765.43"), SummDiscounted: dec("93327.16"), DiscountSumm: dec("5438.27"), Discount: dec("5.5"),
		Quantity: 42, MoneyBalance: dec("0.0000000000000000000000000001"), MoneyCredit: dec("250.00"), MoneyDebet: dec("-250.00"),
		MasterMoneyBalance: &mmb, CardTypeID: &CRMPlasticCardTypeID,
	}, owner: &CRMContactID}
	for i, n := range []string{CRMFreeCardNumber, CRMFreeCard2Number, CRMBlockedCardNumber, CRMPINCardNumber} {
		status := loyalty.BonusCardStatusActive
		if n == CRMBlockedCardNumber {
			status = loyalty.BonusCardStatusBlocked
		}
		st.cards[n] = &crmCard{BonusCard: loyalty.BonusCard{
			ID: uuid.MustParse("e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f000" + string(rune('2'+i))), Number: n,
			PartnerID: &CRMPartnerID, BonusType: loyalty.BonusTypeBonus, CardType: "Пластиковая бонусная",
			StatusDate: mskTime(2017, time.June, 1, 9, 0), Status: status, ExpiryDate: mskTime(2027, time.December, 31, 23, 59),
			CardTypeID: &CRMPlasticCardTypeID,
		}, pin: n == CRMPINCardNumber}
	}
	st.contacts = []*crmContact{
		{Contact: loyalty.Contact{ContactID: CRMContactID, MobilePhone: "79161234567", Email: "maria.ivanova@example.ru",
			LastName: "Иванова", FirstName: "Мария", MiddleName: "Сергеевна", Gender: loyalty.ContactGenderFemale,
			BirthDate: mskTime(1985, time.March, 14, 0, 0), LevelID: new(uuid.MustParse("1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f0001")),
			LevelName: "Золотой", PartnerID: &CRMPartnerID}, cards: []string{CRMOwnedCardNumber}},
		{Contact: loyalty.Contact{ContactID: CRMContact2ID, MobilePhone: "79035550011", Email: "p.petrov@example.ru",
			LastName: "Петров", FirstName: "Пётр", MiddleName: "Алексеевич", Gender: loyalty.ContactGenderMale,
			BirthDate: mskTime(1979, time.November, 2, 0, 0), LevelName: "Базовый"}},
	}
	st.campaigns = []crmCampaign{
		{PersonalCampaign: loyalty.PersonalCampaign{ID: uuid.MustParse("f0e1d2c3-b4a5-4968-8776-655443320001"),
			Name: "Скидка 15% на кофе", Description: "Персональная скидка на весь кофе в зёрнах",
			ActualStart: mskTime(2017, time.August, 1, 0, 0), ActualEnd: mskTime(2017, time.August, 31, 23, 59),
			ImageURI: "https://crm.example.ru/img/coffee.png", Discount: 15}, card: &CRMOwnedCardID, contact: CRMContactID},
		{PersonalCampaign: loyalty.PersonalCampaign{ID: uuid.MustParse("f0e1d2c3-b4a5-4968-8776-655443320002"),
			Name: "С днём рождения!", Description: "Двойные бонусы неделю до и после дня рождения",
			ActualStart: mskTime(2018, time.March, 7, 0, 0), ActualEnd: mskTime(2018, time.March, 21, 23, 59),
			Discount: 7.5}, contact: CRMContactID},
	}
	return st
}
