package mock

import (
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/shopspring/decimal"
)

// SampleCustomer is customer 1 exactly as the spec's XML example shows it.
func SampleCustomer() loyalty.Customer {
	t := time.Date(2016, 7, 18, 13, 54, 37, 0, time.UTC)
	return loyalty.Customer{
		ID: 1, FirstName: "Сергей", LastName: "Иванов", MiddleName: "Степанович", Age: 24,
		Gender: loyalty.GenderFemale, CustomInformation: "очень требовательный",
		BirthDay: 24, BirthMonth: 10, BirthYear: 1992, RegisterDate: t,
		AccumulatedSales: decimal.NewFromInt(15200), SendPush: true, SendEmail: true, SendSMS: true,
		CreatedDate: t, CreatedBy: 2, LastUpdateDate: t, LastUpdateBy: 2,
	}
}

var (
	seedMaleFirst    = []string{"Александр", "Дмитрий", "Максим", "Иван", "Андрей", "Михаил", "Алексей", "Николай", "Павел", "Егор"}
	seedFemaleFirst  = []string{"Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Юлия", "Дарья"}
	seedLast         = []string{"Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Лебедев"}
	seedMaleMiddle   = []string{"Александрович", "Сергеевич", "Игоревич", "Петрович", "Викторович"}
	seedFemaleMiddle = []string{"Александровна", "Сергеевна", "Игоревна", "Петровна", "Викторовна"}
	seedNotes        = []string{"", "", "постоянный покупатель", "предпочитает звонки", "", "оптовые закупки", "скидка по карте сотрудника"}
)

// seed fills the state with n deterministic customers (at least the
// spec's sample), three groups, two card types and a card for most
// customers. The caller holds the lock.
func (a *virtposAPI) seed(n int) {
	a.customers, a.cards = nil, nil
	a.byID = map[int64]*loyalty.Customer{}
	a.groups = map[int64]string{1: "VIP", 2: "Сотрудники", 3: "Оптовики"}
	a.cardTypes = map[int64]string{1: "Золотая", 2: "Серебряная"}
	a.nextCust, a.nextGroup, a.nextCard, a.nextType, a.nextUID = 0, 3, 0, 2, 1000000
	sample := SampleCustomer()
	sample.Age = age(sample.BirthDay, sample.BirthMonth, sample.BirthYear, a.clock())
	a.put(&sample)
	for a.nextCust < int64(n) {
		a.addGenerated()
	}
}

func (a *virtposAPI) put(c *loyalty.Customer) {
	a.customers = append(a.customers, c)
	a.byID[c.ID] = c
	a.nextCust = max(a.nextCust, c.ID)
}

// addGenerated appends customer nextCust+1, made from its id alone, and
// for three in four customers a card. The caller holds the lock.
func (a *virtposAPI) addGenerated() {
	id := a.nextCust + 1
	i := int(id)
	female := i%2 == 0
	first, last, middle := seedMaleFirst[i%len(seedMaleFirst)], seedLast[(i/2)%len(seedLast)], seedMaleMiddle[i%len(seedMaleMiddle)]
	gender := loyalty.GenderMale
	if female {
		first, last, middle = seedFemaleFirst[i%len(seedFemaleFirst)], seedLast[(i/2)%len(seedLast)]+"а", seedFemaleMiddle[i%len(seedFemaleMiddle)]
		gender = loyalty.GenderFemale
	}
	reg := time.Date(2016, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i*7919) * time.Minute)
	c := &loyalty.Customer{
		ID: id, FirstName: first, LastName: last, MiddleName: middle, Gender: gender,
		CustomInformation: seedNotes[i%len(seedNotes)],
		BirthDay:          1 + i*7%28, BirthMonth: 1 + i*5%12, BirthYear: 1960 + i*3%45,
		RegisterDate:     reg,
		AccumulatedSales: decimal.New(int64(i*i*1375%500000), -2),
		SendPush:         i%3 != 0, SendEmail: i%4 != 0, SendSMS: i%5 != 0,
		CreatedDate: reg, CreatedBy: 2, LastUpdateDate: reg.Add(time.Duration(i) * time.Hour), LastUpdateBy: 2,
	}
	if i%5 != 0 {
		c.Phone = fmt.Sprintf("7916%07d", 1000000+i*7331%9000000)
	}
	if i%3 != 0 {
		c.Email = fmt.Sprintf("client%d@example.ru", i)
	}
	if i%4 == 0 {
		c.ExternalID = fmt.Sprintf("1C-%05d", i)
	}
	if g := int64(i % 7); g >= 1 && g <= 3 {
		c.GroupID, c.GroupName = g, a.groups[g]
	}
	c.Age = age(c.BirthDay, c.BirthMonth, c.BirthYear, a.clock())
	a.put(c)
	if i%4 != 3 {
		a.nextCard++
		uid := fmt.Sprintf("%d", 100000+i)
		ean, _ := loyalty.EAN13(uid)
		card := &Card{
			ID: a.nextCard, UID: uid, UIDEAN13: ean, Barcode: ean, Medium: loyalty.MediumPlastic,
			Status: loyalty.CardActive, ActivateDate: reg, TypeID: int64(1 + i%2), TypeName: a.cardTypes[int64(1+i%2)],
			CustomerID: id, CustomerExternalID: c.ExternalID,
		}
		if i%9 == 0 {
			card.Medium, card.Status = loyalty.MediumApp, loyalty.CardBlocked
			card.BlockDate = reg.AddDate(1, 0, 0)
		}
		if i%6 == 0 {
			card.ExternalID = fmt.Sprintf("1C-CARD-%05d", i)
		}
		a.cards = append(a.cards, card)
	}
}
