package loyalty

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// The card dictionary commands, as field writers send them beside
// addClient (docs/artix-field-notes.md §5). The field shows no clear or delete
// form of these dictionaries (no clearCard, deleteCard, clearCardGroup):
// send one with [ArtixRawCommand] if your exchanger documents it.
const (
	ArtixAddCard              ArtixCommandName = "addCard"              // create (or replace) a card
	ArtixAddCardGroup         ArtixCommandName = "addCardGroup"         // create (or replace) a card group
	ArtixAddChangeCardAccount ArtixCommandName = "addChangeCardAccount" // bind a card to a loyalty account
)

// ArtixCard is a card of the card dictionary (addCard's "card" object): a
// till finds a loyalty client by the card it scans. Field writers set
// ID, ClientID and Number to the card number and send the attributes in
// this order: idcard, idcardgroup, idclient, number, validitydatebeg,
// validitydateend, cardSum, blocked, discountpercent (and cardstatus).
type ArtixCard struct {
	ID        string    // idcard, required, up to 100 characters
	GroupID   string    // idcardgroup: the ArtixCardGroup.ID the card belongs to
	ClientID  string    // idclient: the client (ArtixCustomer.ID) who holds the card
	Number    string    // number: what the till reads from the card, required
	ValidFrom ArtixDate // validitydatebeg, YYYY-MM-DD; "" not sent
	ValidTo   ArtixDate // validitydateend, YYYY-MM-DD, not before ValidFrom; "" not sent
	// Sum is cardSum, the amount on the card; nil: not sent.
	Sum *decimal.Decimal
	// Blocked is blocked: a blocked card is refused at the till.
	Blocked bool
	// DiscountPercent is discountpercent, 0 to 100; nil: not sent.
	DiscountPercent *decimal.Decimal
	// Status is cardstatus, an integer some writers add; nil: not sent.
	Status *int
}

// ArtixCardMode is the cardmode of a card group.
type ArtixCardMode int

// The card modes field writers use (docs/artix-field-notes.md §5).
const (
	ArtixCardDiscount ArtixCardMode = 0 // a discount card
	ArtixCardBonus    ArtixCardMode = 1 // an Artix bonus card
	ArtixCardSocial   ArtixCardMode = 6 // a social card
)

// ArtixCardGroup is a group of cards (addCardGroup's "cardGroup" object),
// sent in this order: idcardgroup, name, text, cardmode, notaddemptycard,
// pattern, inputmask. Field writers send NotAddEmptyCard true, Pattern
// "[0-9]" and InputMask 7.
type ArtixCardGroup struct {
	ID   string         // idcardgroup, required, up to 100 characters
	Name string         // name, up to 200 characters
	Text string         // text, up to 200 characters
	Mode *ArtixCardMode // cardmode; nil: not sent
	// NotAddEmptyCard is notaddemptycard; nil: not sent.
	NotAddEmptyCard *bool
	// Pattern is pattern, the card numbers the group takes ("[0-9]"); "" not sent.
	Pattern string
	// InputMask is inputmask, how a card may be entered (7 in the field); nil: not sent.
	InputMask *int
}

// ArtixCardAccountStatus is the cardstatus of a ChangeCardAccount.
type ArtixCardAccountStatus string

// The account statuses of the Artix loyalty module (docs/artix-field-notes.md §5).
const (
	ArtixEarnOnly    ArtixCardAccountStatus = "EARN_ONLY"    // earn points, not pay with them (the default)
	ArtixEarnPay     ArtixCardAccountStatus = "EARN_PAY"     // earn and pay
	ArtixPayOnly     ArtixCardAccountStatus = "PAY_ONLY"     // pay only
	ArtixNoOperation ArtixCardAccountStatus = "NO_OPERATION" // neither: a blocked card
)

// ArtixCardAccount binds a card to a loyalty account
// (addChangeCardAccount, whose payload key is the capitalised
// "ChangeCardAccount"), sent in this order: cardNumber, accountnumber,
// cardstatus.
type ArtixCardAccount struct {
	CardNumber    string                 // cardNumber, required
	AccountNumber string                 // accountnumber, required (field writers use the card number)
	Status        ArtixCardAccountStatus // cardstatus; "" sends ArtixEarnOnly
}

// AddCard is an addCard command writing c to the card dictionary.
func AddCard(c ArtixCard) ArtixCommand { return ArtixCommand{Name: ArtixAddCard, Card: &c} }

// AddCardGroup is an addCardGroup command writing g.
func AddCardGroup(g ArtixCardGroup) ArtixCommand {
	return ArtixCommand{Name: ArtixAddCardGroup, CardGroup: &g}
}

// AddChangeCardAccount is an addChangeCardAccount command binding
// a.CardNumber to a.AccountNumber.
func AddChangeCardAccount(a ArtixCardAccount) ArtixCommand {
	return ArtixCommand{Name: ArtixAddChangeCardAccount, CardAccount: &a}
}

// MarshalJSON writes the card object in the field's order.
func (c ArtixCard) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

func (c *ArtixCard) appendJSON(buf []byte) []byte {
	w := jsonObject{buf: buf}
	w.str("idcard", c.ID)
	w.str("idcardgroup", c.GroupID)
	w.str("idclient", c.ClientID)
	w.str("number", c.Number)
	if c.ValidFrom != "" {
		w.str("validitydatebeg", string(c.ValidFrom))
	}
	if c.ValidTo != "" {
		w.str("validitydateend", string(c.ValidTo))
	}
	if c.Sum != nil {
		w.raw("cardSum", c.Sum.String())
	}
	w.raw("blocked", strconv.FormatBool(c.Blocked))
	if c.DiscountPercent != nil {
		w.raw("discountpercent", c.DiscountPercent.String())
	}
	if c.Status != nil {
		w.raw("cardstatus", strconv.Itoa(*c.Status))
	}
	return w.end()
}

// MarshalJSON writes the card group object in the field's order.
func (g ArtixCardGroup) MarshalJSON() ([]byte, error) { return g.appendJSON(nil), nil }

func (g *ArtixCardGroup) appendJSON(buf []byte) []byte {
	w := jsonObject{buf: buf}
	w.str("idcardgroup", g.ID)
	w.str("name", g.Name)
	w.str("text", g.Text)
	if g.Mode != nil {
		w.raw("cardmode", strconv.Itoa(int(*g.Mode)))
	}
	if g.NotAddEmptyCard != nil {
		w.raw("notaddemptycard", strconv.FormatBool(*g.NotAddEmptyCard))
	}
	if g.Pattern != "" {
		w.str("pattern", g.Pattern)
	}
	if g.InputMask != nil {
		w.raw("inputmask", strconv.Itoa(*g.InputMask))
	}
	return w.end()
}

// MarshalJSON writes the ChangeCardAccount object in the field's order.
func (a ArtixCardAccount) MarshalJSON() ([]byte, error) { return a.appendJSON(nil), nil }

func (a *ArtixCardAccount) appendJSON(buf []byte) []byte {
	w := jsonObject{buf: buf}
	w.str("cardNumber", a.CardNumber)
	w.str("accountnumber", a.AccountNumber)
	st := a.Status
	if st == "" {
		st = ArtixEarnOnly
	}
	w.str("cardstatus", string(st))
	return w.end()
}

// jsonObject appends one JSON object's members to buf.
type jsonObject struct {
	buf []byte
	n   int
}

func (w *jsonObject) key(k string) {
	if w.n == 0 {
		w.buf = append(w.buf, '{')
	} else {
		w.buf = append(w.buf, ',')
	}
	w.n++
	w.buf = appendJSONString(w.buf, k)
	w.buf = append(w.buf, ':')
}

func (w *jsonObject) str(k, v string) {
	w.key(k)
	w.buf = appendJSONString(w.buf, v)
}

func (w *jsonObject) raw(k, v string) {
	w.key(k)
	w.buf = append(w.buf, v...)
}

func (w *jsonObject) end() []byte {
	if w.n == 0 {
		return append(w.buf, '{', '}')
	}
	return append(w.buf, '}')
}

// artixCardIn is a card object as it arrives; keys match without regard
// to case.
type artixCardIn struct {
	ID              json.RawMessage `json:"idcard"`
	GroupID         json.RawMessage `json:"idcardgroup"`
	ClientID        json.RawMessage `json:"idclient"`
	Number          json.RawMessage `json:"number"`
	ValidFrom       json.RawMessage `json:"validitydatebeg"`
	ValidTo         json.RawMessage `json:"validitydateend"`
	Sum             json.RawMessage `json:"cardSum"`
	Blocked         json.RawMessage `json:"blocked"`
	DiscountPercent json.RawMessage `json:"discountpercent"`
	Status          json.RawMessage `json:"cardstatus"`
}

// UnmarshalJSON reads a card object: ids as strings or numbers, blocked
// as a boolean or 0/1 (as B and W send it), numbers as numbers or
// numeric strings, null as absent.
func (c *ArtixCard) UnmarshalJSON(b []byte) error {
	var in artixCardIn
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*c = ArtixCard{}
	f := flexFields{object: "card"}
	c.ID = f.str("idcard", in.ID)
	c.GroupID = f.str("idcardgroup", in.GroupID)
	c.ClientID = f.str("idclient", in.ClientID)
	c.Number = f.str("number", in.Number)
	c.ValidFrom = ArtixDate(f.str("validitydatebeg", in.ValidFrom))
	c.ValidTo = ArtixDate(f.str("validitydateend", in.ValidTo))
	c.Sum = f.decimal("cardSum", in.Sum)
	c.DiscountPercent = f.decimal("discountpercent", in.DiscountPercent)
	if bl := f.boolean("blocked", in.Blocked); bl != nil {
		c.Blocked = *bl
	}
	c.Status = f.integer("cardstatus", in.Status)
	return f.err
}

// UnmarshalJSON reads a card group object, as tolerant as [ArtixCard]'s.
func (g *ArtixCardGroup) UnmarshalJSON(b []byte) error {
	var in struct {
		ID              json.RawMessage `json:"idcardgroup"`
		Name            json.RawMessage `json:"name"`
		Text            json.RawMessage `json:"text"`
		Mode            json.RawMessage `json:"cardmode"`
		NotAddEmptyCard json.RawMessage `json:"notaddemptycard"`
		Pattern         json.RawMessage `json:"pattern"`
		InputMask       json.RawMessage `json:"inputmask"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*g = ArtixCardGroup{}
	f := flexFields{object: "cardGroup"}
	g.ID = f.str("idcardgroup", in.ID)
	g.Name = f.str("name", in.Name)
	g.Text = f.str("text", in.Text)
	g.Pattern = f.str("pattern", in.Pattern)
	if n, ok := flexRead(&f, "cardmode", in.Mode, flexInt); ok {
		g.Mode = new(ArtixCardMode(n))
	}
	g.NotAddEmptyCard = f.boolean("notaddemptycard", in.NotAddEmptyCard)
	g.InputMask = f.integer("inputmask", in.InputMask)
	return f.err
}

// UnmarshalJSON reads a ChangeCardAccount object.
func (a *ArtixCardAccount) UnmarshalJSON(b []byte) error {
	var in struct {
		CardNumber    json.RawMessage `json:"cardNumber"`
		AccountNumber json.RawMessage `json:"accountnumber"`
		Status        json.RawMessage `json:"cardstatus"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*a = ArtixCardAccount{}
	f := flexFields{object: "ChangeCardAccount"}
	a.CardNumber = f.str("cardNumber", in.CardNumber)
	a.AccountNumber = f.str("accountnumber", in.AccountNumber)
	a.Status = ArtixCardAccountStatus(f.str("cardstatus", in.Status))
	return f.err
}

// flexDecimal reads a JSON number or numeric string; null is nil.
func flexDecimal(raw []byte) (*decimal.Decimal, error) {
	if isNull(raw) {
		return nil, nil
	}
	s, err := flexString(raw)
	if err != nil {
		return nil, err
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return nil, fmt.Errorf("want a number, got %q", firstLine(s, 40))
	}
	return &d, nil
}

// Clone returns a copy of c that shares no memory with it.
func (c ArtixCard) Clone() ArtixCard {
	if c.Sum != nil {
		c.Sum = new(*c.Sum)
	}
	if c.DiscountPercent != nil {
		c.DiscountPercent = new(*c.DiscountPercent)
	}
	if c.Status != nil {
		c.Status = new(*c.Status)
	}
	return c
}

// Clone returns a copy of g that shares no memory with it.
func (g ArtixCardGroup) Clone() ArtixCardGroup {
	if g.Mode != nil {
		g.Mode = new(*g.Mode)
	}
	if g.NotAddEmptyCard != nil {
		g.NotAddEmptyCard = new(*g.NotAddEmptyCard)
	}
	if g.InputMask != nil {
		g.InputMask = new(*g.InputMask)
	}
	return g
}
