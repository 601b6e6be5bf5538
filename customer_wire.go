package loyalty

import "encoding/json"

// Wire fields of a customer, in the order of the spec's example.
const (
	wID = iota
	wFName
	wLName
	wMName
	wAge
	wEmail
	wPhone
	wGender
	wCustomInformation
	wBirthDay
	wBirthMonth
	wBirthYear
	wRegisterDate
	wAccumulatedSales
	wSendPush
	wSendEmail
	wSendSMS
	wGroupID
	wGroupName
	wExternalID
	wCreatedDate
	wCreatedBy
	wLastUpdateDate
	wLastUpdateBy
	numWireFields
)

// customerWire is a customer as text, exactly as the wire carries it:
// v[wID] is the id's text, and so on.
type customerWire struct {
	v [numWireFields]scalar
	// raw are the cards and bonuses blocks as sent, in format (empty
	// when the customer had neither).
	raw    [numRawBlocks]string
	attrs  [numRawBlocks]string // of an XML block's element (RawBlock.Attrs)
	format Format
	rawSet [numRawBlocks]bool
}

// wireField is the index of the wire field called name (as XML spells
// it: lower case), -1 for a field the library does not read.
func wireField(name string) int {
	switch name {
	case "id":
		return wID
	case "fname":
		return wFName
	case "lname":
		return wLName
	case "mname":
		return wMName
	case "age":
		return wAge
	case "email":
		return wEmail
	case "phone":
		return wPhone
	case "gender":
		return wGender
	case "custom_information":
		return wCustomInformation
	case "birth_day":
		return wBirthDay
	case "birth_month":
		return wBirthMonth
	case "birth_year":
		return wBirthYear
	case "register_date":
		return wRegisterDate
	case "accumulated_sales":
		return wAccumulatedSales
	case "send_push":
		return wSendPush
	case "send_email":
		return wSendEmail
	case "send_sms":
		return wSendSMS
	case "group_id":
		return wGroupID
	case "group_name":
		return wGroupName
	case "external_id":
		return wExternalID
	case "created_date":
		return wCreatedDate
	case "created_by":
		return wCreatedBy
	case "last_update_date":
		return wLastUpdateDate
	case "last_update_by":
		return wLastUpdateBy
	}
	return -1
}

// customer converts the wire text to typed values.
func (w *customerWire) customer() (Customer, error) {
	v := &w.v
	c := Customer{
		FirstName:         string(v[wFName]),
		LastName:          string(v[wLName]),
		MiddleName:        string(v[wMName]),
		Email:             string(v[wEmail]),
		Phone:             string(v[wPhone]),
		Gender:            Gender(v[wGender].text()),
		CustomInformation: string(v[wCustomInformation]),
		GroupName:         string(v[wGroupName]),
		ExternalID:        string(v[wExternalID]),
	}
	if w.rawSet[rawCards] {
		c.Cards = RawBlock{Format: w.format, Data: w.raw[rawCards], Attrs: w.attrs[rawCards]}
	}
	if w.rawSet[rawBonuses] {
		c.Bonuses = RawBlock{Format: w.format, Data: w.raw[rawBonuses], Attrs: w.attrs[rawBonuses]}
	}
	var errs [15]error
	var n int64
	c.ID, errs[0] = parseInt("id", v[wID])
	n, errs[1] = parseInt("age", v[wAge])
	c.Age = int(n)
	n, errs[2] = parseInt("birth_day", v[wBirthDay])
	c.BirthDay = int(n)
	n, errs[3] = parseInt("birth_month", v[wBirthMonth])
	c.BirthMonth = int(n)
	n, errs[4] = parseInt("birth_year", v[wBirthYear])
	c.BirthYear = int(n)
	c.RegisterDate, errs[5] = parseTime("register_date", v[wRegisterDate])
	c.AccumulatedSales, errs[6] = parseDecimal("accumulated_sales", v[wAccumulatedSales])
	c.SendPush, errs[7] = parseBool("send_push", v[wSendPush])
	c.SendEmail, errs[8] = parseBool("send_email", v[wSendEmail])
	c.SendSMS, errs[9] = parseBool("send_sms", v[wSendSMS])
	c.GroupID, errs[10] = parseInt("group_id", v[wGroupID])
	c.CreatedDate, errs[11] = parseTime("created_date", v[wCreatedDate])
	c.CreatedBy, errs[12] = parseInt("created_by", v[wCreatedBy])
	c.LastUpdateDate, errs[13] = parseTime("last_update_date", v[wLastUpdateDate])
	c.LastUpdateBy, errs[14] = parseInt("last_update_by", v[wLastUpdateBy])
	for _, err := range errs {
		if err != nil {
			return Customer{}, err
		}
	}
	return c, nil
}

// customerJSON is the wire JSON a Customer marshals to.
type customerJSON struct {
	ID                int64       `json:"id"`
	FName             string      `json:"fname"`
	LName             string      `json:"lname"`
	MName             string      `json:"mname"`
	Age               int         `json:"age"`
	Email             string      `json:"email"`
	Phone             string      `json:"phone"`
	Gender            Gender      `json:"gender"`
	CustomInformation string      `json:"custom_information"`
	BirthDay          *int        `json:"birth_day"`
	BirthMonth        *int        `json:"birth_month"`
	BirthYear         *int        `json:"birth_year"`
	RegisterDate      string      `json:"register_date"`
	AccumulatedSales  json.Number `json:"accumulated_sales"`
	SendPush          int         `json:"send_push"`
	SendEmail         int         `json:"send_email"`
	SendSMS           int         `json:"send_sms"`
	GroupID           *int64      `json:"group_id"`
	GroupName         string      `json:"group_name"`
	ExternalID        string      `json:"external_id,omitempty"`
	CreatedDate       string      `json:"created_date"`
	CreatedBy         int64       `json:"created_by"`
	LastUpdateDate    string      `json:"last_update_date"`
	LastUpdateBy      int64       `json:"last_update_by"`
	Cards             *RawBlock   `json:"cards,omitempty"`
	Bonuses           *RawBlock   `json:"bonuses,omitempty"`
}

func nonZero[T int | int64](v T) *T {
	if v == 0 {
		return nil
	}
	return &v
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MarshalJSON writes c in the [VirtPOS] wire form: the wire's field names,
// timestamps as "2006-01-02 15:04:05", flags as 0/1, money as a JSON
// number, and null for an unknown birth date part or no group. Cards and
// Bonuses, when sent, are written as they came (see [RawBlock.MarshalJSON]).
func (c Customer) MarshalJSON() ([]byte, error) {
	return json.Marshal(customerJSON{
		ID: c.ID, FName: c.FirstName, LName: c.LastName, MName: c.MiddleName, Age: c.Age,
		Email: c.Email, Phone: c.Phone, Gender: c.Gender, CustomInformation: c.CustomInformation,
		BirthDay: nonZero(c.BirthDay), BirthMonth: nonZero(c.BirthMonth), BirthYear: nonZero(c.BirthYear),
		RegisterDate: formatTime(c.RegisterDate), AccumulatedSales: json.Number(c.AccumulatedSales.String()),
		SendPush: bit(c.SendPush), SendEmail: bit(c.SendEmail), SendSMS: bit(c.SendSMS),
		GroupID: nonZero(c.GroupID), GroupName: c.GroupName, ExternalID: c.ExternalID,
		CreatedDate: formatTime(c.CreatedDate), CreatedBy: c.CreatedBy,
		LastUpdateDate: formatTime(c.LastUpdateDate), LastUpdateBy: c.LastUpdateBy,
		Cards: sentBlock(c.Cards), Bonuses: sentBlock(c.Bonuses),
	})
}

// sentBlock is b, or nil when it was not sent.
func sentBlock(b RawBlock) *RawBlock {
	if !b.Sent() {
		return nil
	}
	return &b
}

// UnmarshalJSON reads the wire form as tolerantly as responses are read:
// numbers and flags may be strings, empty values are zero.
func (c *Customer) UnmarshalJSON(b []byte) error {
	w, err := decodeJSONCustomer(b)
	if err != nil {
		return err
	}
	v, err := w.customer()
	if err != nil {
		return err
	}
	*c = v
	return nil
}
