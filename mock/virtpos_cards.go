package mock

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
)

// Card is a VirtPOS discount card with every field of the spec, as the
// mock keeps and reports it (VirtPOSCards, VirtPOSCard). The client sends
// cards as loyalty.CardUpdate; the spec has no card read.
type Card struct {
	ID                 int64              // card_id, the internal id
	UID                string             // uid, the card's unique number
	ExternalID         string             // external_id, the card's id in another system (1C, say)
	UIDEAN13           string             // uid_ean13, the uid as an EAN-13 (see loyalty.EAN13)
	Barcode            string             // barcode
	Medium             loyalty.CardMedium // medium
	Status             loyalty.CardStatus // status
	BlockDate          time.Time          // block_date
	ActivateDate       time.Time          // activate_date, when the card was issued
	TypeID             int64              // type_id
	TypeName           string             // type_name
	CustomerID         int64              // customer_id, the owner
	CustomerExternalID string             // customer_external_id, the owner's external id
}

// findCard looks a card up by card_id, uid, external_id, card_barcode, in
// that order; the first key that finds a card wins.
func (a *virtposAPI) findCard(q url.Values) (*Card, bool) {
	any := false
	if v := q.Get("card_id"); v != "" {
		any = true
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			for _, c := range a.cards {
				if c.ID == id {
					return c, true
				}
			}
		}
	}
	keys := []struct {
		param string
		get   func(*Card) string
	}{
		{"uid", func(c *Card) string { return c.UID }},
		{"external_id", func(c *Card) string { return c.ExternalID }},
		{"card_barcode", func(c *Card) string { return c.Barcode }},
	}
	for _, k := range keys {
		v := q.Get(k.param)
		if v == "" {
			continue
		}
		any = true
		for _, c := range a.cards {
			if k.get(c) == v {
				return c, true
			}
		}
	}
	return nil, any
}

func (a *virtposAPI) insertCard(r *http.Request) (answer, string) {
	return a.createCard(r.Form.Get("uid"), r.Form.Get("external_id"), r.Form)
}

func (a *virtposAPI) updateCard(r *http.Request) (answer, string) {
	q := r.URL.Query()
	create, info := createFlag(q)
	if info != "" {
		return answer{}, info
	}
	c, anyKey := a.findCard(q)
	if c == nil {
		switch {
		case !anyKey && !create:
			return answer{}, vpNoCardKey
		case !create:
			return answer{}, vpCardMissing
		}
		// card_barcode is for lookup only: the new card's barcode is the
		// barcode attribute, or generated.
		return a.createCard(q.Get("uid"), q.Get("external_id"), cardAttrs(r.Form))
	}
	next := *c
	if info := a.applyCard(&next, cardAttrs(r.Form)); info != "" {
		return answer{}, info
	}
	*c = next
	return a.cardWriteAnswer(c.ID, false, true), ""
}

// cardLookupKeys are updateCard's get-only parameters: never attributes.
var cardLookupKeys = []string{"card_id", "uid", "external_id", "card_barcode", "create_if_not_exist", "format", "apikey"}

// cardAttrs are the card attributes of a request, from the query and the
// body alike ("get или post"; the body wins), lookup keys excluded.
func cardAttrs(form url.Values) url.Values {
	attrs := maps.Clone(form)
	for _, k := range cardLookupKeys {
		delete(attrs, k)
	}
	return attrs
}

func (a *virtposAPI) deleteCard(r *http.Request) (answer, string) {
	c, anyKey := a.findCard(r.URL.Query()) // lookup keys are get-only
	if !anyKey {
		return answer{}, vpNoCardKey
	}
	if c == nil {
		return answer{}, vpCardMissing
	}
	a.cards = slices.DeleteFunc(a.cards, func(x *Card) bool { return x == c })
	return a.cardWriteAnswer(c.ID, false, false), ""
}

// createCard adds a card; the caller holds the lock.
func (a *virtposAPI) createCard(uid, ext string, f url.Values) (answer, string) {
	if uid == "" {
		for {
			a.nextUID++
			uid = strconv.FormatInt(a.nextUID, 10)
			if a.cardByUID(uid) == nil {
				break
			}
		}
	} else if a.cardByUID(uid) != nil {
		return answer{}, vpDuplicateUID + ": " + uid
	}
	c := &Card{UID: uid, ExternalID: ext, Medium: loyalty.MediumPlastic, Status: loyalty.CardNew}
	if info := a.applyCard(c, f); info != "" {
		return answer{}, info
	}
	if c.UIDEAN13 == "" {
		c.UIDEAN13, _ = loyalty.EAN13(uid)
	}
	if c.Barcode == "" {
		c.Barcode = c.UIDEAN13
	}
	a.nextCard++
	c.ID = a.nextCard
	a.cards = append(a.cards, c)
	return a.cardWriteAnswer(c.ID, true, true), ""
}

func (a *virtposAPI) cardByUID(uid string) *Card {
	for _, c := range a.cards {
		if c.UID == uid {
			return c
		}
	}
	return nil
}

// applyCard sets the posted card fields on c; it returns an info text
// when a value is invalid.
func (a *virtposAPI) applyCard(c *Card, f url.Values) string {
	if f.Has("uid_ean13") {
		c.UIDEAN13 = f.Get("uid_ean13")
	}
	if f.Has("barcode") {
		c.Barcode = f.Get("barcode")
	}
	if v := f.Get("medium"); v != "" {
		if m := loyalty.CardMedium(v); m.Known() {
			c.Medium = m
		} else {
			return "Некорректный носитель карты (medium): " + v
		}
	}
	if v := f.Get("status"); v != "" {
		if s := loyalty.CardStatus(v); s.Known() {
			c.Status = s
		} else {
			return "Некорректный статус карты (status): " + v
		}
	}
	for k, dst := range map[string]*time.Time{"block_date": &c.BlockDate, "activate_date": &c.ActivateDate} {
		if !f.Has(k) {
			continue
		}
		t, ok := parseDate(f.Get(k))
		if !ok {
			return "Некорректная дата " + k + ": " + f.Get(k)
		}
		*dst = t
	}
	id, name, set, info := namedRef(f, "type_id", "type_name", a.cardTypes, &a.nextType, vpTypeMissing)
	if info != "" {
		return info
	}
	if set {
		c.TypeID, c.TypeName = id, name
	}
	return a.applyOwner(c, f)
}

// applyOwner sets the card's owner from customer_id, or from
// customer_external_id without it; either sent empty detaches the card.
func (a *virtposAPI) applyOwner(c *Card, f url.Values) string {
	switch {
	case f.Has("customer_id") && f.Get("customer_id") == "",
		!f.Has("customer_id") && f.Has("customer_external_id") && f.Get("customer_external_id") == "":
		c.CustomerID, c.CustomerExternalID = 0, ""
	case f.Get("customer_id") != "":
		id, err := strconv.ParseInt(f.Get("customer_id"), 10, 64)
		cust := a.byID[id]
		if err != nil || cust == nil {
			return vpCustomerMissing + ": customer_id " + f.Get("customer_id")
		}
		c.CustomerID, c.CustomerExternalID = cust.ID, cust.ExternalID
	case f.Get("customer_external_id") != "":
		ext := f.Get("customer_external_id")
		i := slices.IndexFunc(a.customers, func(x *loyalty.Customer) bool { return x.ExternalID == ext })
		if i < 0 {
			return vpCustomerMissing + ": customer_external_id " + ext
		}
		c.CustomerID, c.CustomerExternalID = a.customers[i].ID, ext
	}
	return ""
}

func parseDate(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{time.DateTime, "2006-01-02", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
