package loyalty

// The CRM spec's enumerations (section 4.1, tables 1–6). Each is a string
// type: a value the spec does not list still decodes (the server may add
// values) and is kept as it came; Known reports whether the spec lists it.

// BonusCardStatus is a bonus card's status (table 1).
type BonusCardStatus string

// Card statuses.
const (
	BonusCardStatusNew       BonusCardStatus = "new"       // Новый
	BonusCardStatusActive    BonusCardStatus = "active"    // Активный
	BonusCardStatusBlocked   BonusCardStatus = "blocked"   // Блокирована
	BonusCardStatusClosed    BonusCardStatus = "closed"    // Закрыта
	BonusCardStatusCompleted BonusCardStatus = "completed" // Завершена
)

// Known reports whether the spec lists s.
func (s BonusCardStatus) Known() bool {
	switch s {
	case BonusCardStatusNew, BonusCardStatusActive, BonusCardStatusBlocked, BonusCardStatusClosed, BonusCardStatusCompleted:
		return true
	}
	return false
}

// BonusType is how a card earns (table 2).
type BonusType string

// Bonus types.
const (
	BonusTypeBonus            BonusType = "bonus"              // Бонус
	BonusTypeDiscount         BonusType = "discount"           // Скидка
	BonusTypeBonusAndDiscount BonusType = "bonus_and_discount" // Бонус + скидка
	BonusTypeGift             BonusType = "gift"               // Подарочная
)

// Known reports whether the spec lists t.
func (t BonusType) Known() bool {
	switch t {
	case BonusTypeBonus, BonusTypeDiscount, BonusTypeBonusAndDiscount, BonusTypeGift:
		return true
	}
	return false
}

// ContactGender is a contact's gender_code (table 3).
type ContactGender string

// Genders.
const (
	ContactGenderNone   ContactGender = "none"   // данные отсутствуют
	ContactGenderMale   ContactGender = "male"   // мужской
	ContactGenderFemale ContactGender = "female" // женский
)

// Known reports whether the spec lists g.
func (g ContactGender) Known() bool {
	switch g {
	case ContactGenderNone, ContactGenderMale, ContactGenderFemale:
		return true
	}
	return false
}

// MaritalStatus is a contact's marital status (table 4). The spec defines
// the table but no method of the spec sends or returns it.
type MaritalStatus string

// Marital statuses.
const (
	MaritalNone     MaritalStatus = "none"     // данные отсутствуют
	MaritalSingle   MaritalStatus = "single"   // Не женат / не замужем
	MaritalMarried  MaritalStatus = "married"  // Женат / замужем
	MaritalDivorcee MaritalStatus = "divorcee" // Разведен / разведена
	MaritalWidower  MaritalStatus = "widower"  // Вдовец / вдова
)

// Known reports whether the spec lists m.
func (m MaritalStatus) Known() bool {
	switch m {
	case MaritalNone, MaritalSingle, MaritalMarried, MaritalDivorcee, MaritalWidower:
		return true
	}
	return false
}

// Children says whether a contact has children (table 5). Like
// [MaritalStatus], no method of the spec carries it.
type Children string

// Children values.
const (
	ChildrenNone    Children = "none"     // данные отсутствуют
	ChildrenHave    Children = "have"     // имеет
	ChildrenNotHave Children = "not_have" // не имеет
)

// Known reports whether the spec lists c.
func (c Children) Known() bool {
	switch c {
	case ChildrenNone, ChildrenHave, ChildrenNotHave:
		return true
	}
	return false
}

// CommunicationMethod is a contact's preferred way to be reached (table 6).
type CommunicationMethod string

// Communication methods.
const (
	CommunicationAny           CommunicationMethod = "any"             // Любой (the default)
	CommunicationEmail         CommunicationMethod = "email"           // Электронная почта
	CommunicationPhone         CommunicationMethod = "phone"           // Телефон
	CommunicationFax           CommunicationMethod = "fax"             // Факс
	CommunicationPost          CommunicationMethod = "post"            // Почта
	CommunicationEmailAndPhone CommunicationMethod = "email_and_phone" // Электронная почта и Телефон
)

// Known reports whether the spec lists m.
func (m CommunicationMethod) Known() bool {
	switch m {
	case CommunicationAny, CommunicationEmail, CommunicationPhone, CommunicationFax, CommunicationPost, CommunicationEmailAndPhone:
		return true
	}
	return false
}
