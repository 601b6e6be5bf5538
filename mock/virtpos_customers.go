package mock

import (
	"cmp"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/shopspring/decimal"
)

// digits keeps the digits of a phone and normalises Russian numbers to
// 7XXXXXXXXXX, so "+7 (916) 123-45-67", "8 916 123 45 67" and
// "79161234567" are the same phone.
func digits(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	switch {
	case len(d) == 11 && d[0] == '8':
		d = "7" + d[1:]
	case len(d) == 10 && d[0] == '9':
		d = "7" + d
	}
	return d
}

func parseFlag(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off", "":
		return false, true
	}
	return false, false
}

// list answers GET /api/customer.
func (a *virtposAPI) list(r *http.Request) (answer, string) {
	q := r.URL.Query()
	f := r.Form
	var id int64
	if v := q.Get("id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return answer{}, "Некорректный id: " + v
		}
		id = n
	}
	page, size := 0, 0
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"page_size", &size}} {
		if v := f.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return answer{}, "Некорректный параметр " + p.name + ": " + v
			}
			*p.dst = n
		}
	}
	var withPhone, withEmail, cards, bonuses *bool
	for _, p := range []struct {
		name string
		dst  **bool
	}{{"with_phone", &withPhone}, {"with_email", &withEmail}, {"cards", &cards}, {"bonuses", &bonuses}} {
		if v := f.Get(p.name); v != "" {
			b, ok := parseFlag(v)
			if !ok {
				return answer{}, "Некорректный параметр " + p.name + ": " + v
			}
			*p.dst = &b
		}
	}
	ext := q.Get("external_id")
	phone := digits(f.Get("phone"))
	email := strings.TrimSpace(f.Get("email"))

	var match []*loyalty.Customer
	for _, c := range a.customers {
		switch {
		case id != 0 && c.ID != id,
			ext != "" && c.ExternalID != ext,
			phone != "" && digits(c.Phone) != phone,
			email != "" && !strings.EqualFold(c.Email, email),
			withPhone != nil && *withPhone != (c.Phone != ""),
			withEmail != nil && *withEmail != (c.Email != ""):
			continue
		}
		match = append(match, c)
	}
	ans := answer{list: true, count: len(match)}
	if page > 0 || size > 0 {
		page = max(page, 1)
		if size == 0 {
			size = loyalty.DefaultPageSize
		}
		// Bounds without overflow: page and size come from the client.
		lo := len(match)
		if page-1 < len(match)/size+1 {
			lo = min((page-1)*size, len(match))
		}
		match = match[lo : lo+min(size, len(match)-lo)]
	}
	ans.page = values(match)
	format := loyalty.FormatXML
	if q.Get("format") == "json" {
		format = loyalty.FormatJSON
	}
	for i := range ans.page {
		c := &ans.page[i]
		if cards != nil && *cards {
			c.Cards = a.cardsBlock(c.ID, format)
		}
		if bonuses != nil && *bonuses {
			c.Bonuses = bonusesBlock(format)
		}
	}
	return ans, ""
}

// update answers POST /api/customer/update.
func (a *virtposAPI) update(r *http.Request) (answer, string) {
	q := r.URL.Query()
	create, info := createFlag(q)
	if info != "" {
		return answer{}, info
	}
	f := r.Form
	if f.Has("age") {
		return answer{}, "Поле age нельзя передавать: оно рассчитывается автоматически"
	}
	var c *loyalty.Customer
	if v := q.Get("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return answer{}, "Некорректный id: " + v
		}
		c = a.byID[id]
	}
	isNew := false
	if c == nil {
		if !create {
			if q.Get("id") == "" {
				return answer{}, vpNoCustomerID
			}
			return answer{}, vpCustomerMissing
		}
		now := a.clock()
		a.nextCust++
		c = &loyalty.Customer{ID: a.nextCust, RegisterDate: now, CreatedDate: now, CreatedBy: a.apiUserID}
		isNew = true
	}
	next := *c
	next.LastUpdateDate, next.LastUpdateBy = a.clock(), a.apiUserID
	if info := a.applyCustomer(&next, f); info != "" {
		if isNew {
			a.nextCust--
		}
		return answer{}, info
	}
	if isNew {
		a.customers = append(a.customers, c)
		a.byID[c.ID] = c
	}
	*c = next
	return answer{id: c.ID, isNew: isNew, withIsNw: true}, ""
}

// applyCustomer sets the posted fields on c; it returns an info text when
// a value is invalid.
func (a *virtposAPI) applyCustomer(c *loyalty.Customer, f url.Values) string {
	str := map[string]*string{
		"fname": &c.FirstName, "lname": &c.LastName, "mname": &c.MiddleName, "email": &c.Email,
		"phone": &c.Phone, "custom_information": &c.CustomInformation, "external_id": &c.ExternalID,
	}
	for k, dst := range str {
		if f.Has(k) {
			*dst = f.Get(k)
		}
	}
	if f.Has("gender") {
		// The spec lists no values (its example shows F): any is kept.
		c.Gender = loyalty.Gender(f.Get("gender"))
	}
	birth := []struct {
		name   string
		dst    *int
		lo, hi int
	}{{"birth_day", &c.BirthDay, 1, 31}, {"birth_month", &c.BirthMonth, 1, 12}, {"birth_year", &c.BirthYear, 1, 9999}}
	for _, b := range birth {
		if !f.Has(b.name) {
			continue
		}
		v := f.Get(b.name)
		if v == "" {
			*b.dst = 0
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < b.lo || n > b.hi {
			return "Некорректное значение " + b.name + ": " + v
		}
		*b.dst = n
	}
	// The spec lets a write send every field but age: the dates, the
	// audit fields included, are applied as sent.
	for k, dst := range map[string]*time.Time{"register_date": &c.RegisterDate, "created_date": &c.CreatedDate, "last_update_date": &c.LastUpdateDate} {
		if !f.Has(k) {
			continue
		}
		t, ok := parseDate(f.Get(k))
		if !ok {
			return "Некорректная дата " + k + ": " + f.Get(k)
		}
		*dst = t
	}
	for k, dst := range map[string]*int64{"created_by": &c.CreatedBy, "last_update_by": &c.LastUpdateBy} {
		if !f.Has(k) {
			continue
		}
		n, err := strconv.ParseInt(f.Get(k), 10, 64)
		if err != nil || n <= 0 {
			return "Некорректный пользователь " + k + ": " + f.Get(k)
		}
		*dst = n
	}
	if f.Has("accumulated_sales") {
		v := strings.TrimSpace(f.Get("accumulated_sales"))
		d, err := decimal.NewFromString(cmp.Or(v, "0"))
		if err != nil || len(v) > maxDecimalLen {
			return "Некорректное значение accumulated_sales: " + truncate(v, maxDecimalLen)
		}
		c.AccumulatedSales = d
	}
	if f.Has("birth_day") || f.Has("birth_month") || f.Has("birth_year") {
		c.Age = age(c.BirthDay, c.BirthMonth, c.BirthYear, a.clock())
	}
	for k, dst := range map[string]*bool{"send_push": &c.SendPush, "send_email": &c.SendEmail, "send_sms": &c.SendSMS} {
		if f.Has(k) {
			b, ok := parseFlag(f.Get(k))
			if !ok {
				return "Некорректное значение " + k + ": " + f.Get(k)
			}
			*dst = b
		}
	}
	// group_name is applied only when it has a value (the spec: "Если
	// значение указано"); an empty one is ignored, not a removal.
	if f.Has("group_name") && f.Get("group_name") == "" {
		f = maps.Clone(f)
		f.Del("group_name")
	}
	id, name, set, info := namedRef(f, "group_id", "group_name", a.groups, &a.nextGroup, vpGroupMissing)
	if set {
		c.GroupID, c.GroupName = id, name
	}
	return info
}

// maxDecimalLen is the longest money value the mock reads: 28–29
// significant digits, a sign and a point, with room to spare. Longer ones
// are refused before decoding.
const maxDecimalLen = 40

// truncate cuts s to n bytes for an error text.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// age in whole years on now; 0 when the birth date is incomplete.
func age(day, month, year int, now time.Time) int {
	if day == 0 || month == 0 || year == 0 {
		return 0
	}
	n := now.Year() - year
	if int(now.Month()) < month || (int(now.Month()) == month && now.Day() < day) {
		n--
	}
	return max(n, 0)
}
