package mock

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
)

// virtposAPI is the VirtPOS side of the mock: customers, groups, cards and
// card types behind one lock.
type virtposAPI struct {
	srv *Server

	mu         sync.Mutex
	customers  []*loyalty.Customer // ascending id
	byID       map[int64]*loyalty.Customer
	groups     map[int64]string
	cards      []*loyalty.Card // ascending id
	cardTypes  map[int64]string
	nextCust   int64
	nextGroup  int64
	nextCard   int64
	nextType   int64
	nextUID    int64
	apiUserID  int64
	clock      func() time.Time
	seedConfig int
}

func newVirtPOSAPI(s *Server) *virtposAPI {
	a := &virtposAPI{srv: s, seedConfig: s.cfg.Customers, apiUserID: 2, clock: func() time.Time {
		return time.Now().UTC().Truncate(time.Second)
	}}
	a.reset()
	return a
}

// reset restores the seed data.
func (a *virtposAPI) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seed(a.seedConfig)
}

// VirtPOS errors, in Russian like the real server's info texts.
const (
	vpBadKey          = "Неверный ключ API (apikey)"
	vpCustomerMissing = "Клиент не найден"
	vpCardMissing     = "Карта не найдена"
	vpGroupMissing    = "Группа не найдена"
	vpTypeMissing     = "Тип карты не найден"
	vpNoCardKey       = "Не указан ни один параметр поиска карты (card_id, uid, external_id, card_barcode)"
	vpDuplicateUID    = "Карта с таким uid уже существует"
	vpNoCustomerID    = "Не указан id клиента"
)

func (a *virtposAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "json" {
		format = "xml"
	}
	handlers := map[string]func(*http.Request) (answer, string){
		"/api/customer":            a.list,
		"/api/customer/update":     a.update,
		"/api/customer/insertCard": a.insertCard,
		"/api/customer/updateCard": a.updateCard,
		"/api/customer/deleteCard": a.deleteCard,
	}
	h, ok := handlers[strings.TrimRight(r.URL.Path, "/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// apikey: get or post.
	if r.Form.Get("apikey") != a.srv.APIKey {
		writeAnswer(w, format, answer{}, vpBadKey)
		return
	}
	ans, info := h(r)
	writeAnswer(w, format, ans, info)
}

// answer is a successful answer: a customer list or a write result.
type answer struct {
	list     bool
	count    int
	page     []loyalty.Customer
	id       int64
	isNew    bool
	withIsNw bool
}

// writeAnswer writes success=1 with ans, or success=0 with info.
func writeAnswer(w http.ResponseWriter, format string, ans answer, info string) {
	bw := bufio.NewWriterSize(w, 32<<10)
	defer bw.Flush()
	if format == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(bw)
		switch {
		case info != "":
			bw.WriteString(`{"success":0,"info":`)
			enc.Encode(info)
			bw.WriteString("}")
		case ans.list:
			bw.WriteString(`{"success":1,"type":"customer","count":` + strconv.Itoa(ans.count) + `,"customers":[`)
			for i := range ans.page {
				if i > 0 {
					bw.WriteByte(',')
				}
				enc.Encode(ans.page[i])
			}
			bw.WriteString("]}")
		default:
			bw.WriteString(`{"success":1,"id":` + strconv.FormatInt(ans.id, 10))
			if ans.withIsNw {
				bw.WriteString(`,"isnew":` + strconv.Itoa(bit(ans.isNew)))
			}
			bw.WriteString("}")
		}
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	bw.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root>\n")
	switch {
	case info != "":
		bw.WriteString("\t<success>0</success>\n")
		xmlField(bw, "\t", "info", info)
	case ans.list:
		bw.WriteString("\t<success>1</success>\n\t<type>customer</type>\n")
		xmlField(bw, "\t", "count", strconv.Itoa(ans.count))
		bw.WriteString("\t<customers>\n")
		for i := range ans.page {
			writeCustomerXML(bw, &ans.page[i])
		}
		bw.WriteString("\t</customers>\n")
	default:
		bw.WriteString("\t<success>1</success>\n")
		xmlField(bw, "\t", "id", strconv.FormatInt(ans.id, 10))
		if ans.withIsNw {
			xmlField(bw, "\t", "isnew", strconv.Itoa(bit(ans.isNew)))
		}
	}
	bw.WriteString("</root>\n")
}

// writeCustomerXML writes one <customer> the way the spec's example does:
// tab-indented, empty tags as <tag/>, external_id only when set.
func writeCustomerXML(bw *bufio.Writer, c *loyalty.Customer) {
	const in = "\t\t\t"
	bw.WriteString("\t\t<customer>\n")
	xmlField(bw, in, "id", strconv.FormatInt(c.ID, 10))
	xmlField(bw, in, "fname", c.FirstName)
	xmlField(bw, in, "lname", c.LastName)
	xmlField(bw, in, "mname", c.MiddleName)
	xmlField(bw, in, "age", strconv.Itoa(c.Age))
	xmlField(bw, in, "email", c.Email)
	xmlField(bw, in, "phone", c.Phone)
	xmlField(bw, in, "gender", string(c.Gender))
	xmlField(bw, in, "custom_information", c.CustomInformation)
	xmlField(bw, in, "birth_day", itoaNZ(c.BirthDay))
	xmlField(bw, in, "birth_month", itoaNZ(c.BirthMonth))
	xmlField(bw, in, "birth_year", itoaNZ(c.BirthYear))
	xmlField(bw, in, "register_date", ts(c.RegisterDate))
	xmlField(bw, in, "accumulated_sales", c.AccumulatedSales.String())
	xmlField(bw, in, "send_push", strconv.Itoa(bit(c.SendPush)))
	xmlField(bw, in, "send_email", strconv.Itoa(bit(c.SendEmail)))
	xmlField(bw, in, "send_sms", strconv.Itoa(bit(c.SendSMS)))
	xmlField(bw, in, "group_id", itoaNZ(c.GroupID))
	xmlField(bw, in, "group_name", c.GroupName)
	if c.ExternalID != "" {
		xmlField(bw, in, "external_id", c.ExternalID)
	}
	xmlField(bw, in, "created_date", ts(c.CreatedDate))
	xmlField(bw, in, "created_by", strconv.FormatInt(c.CreatedBy, 10))
	xmlField(bw, in, "last_update_date", ts(c.LastUpdateDate))
	xmlField(bw, in, "last_update_by", strconv.FormatInt(c.LastUpdateBy, 10))
	bw.WriteString("\t\t</customer>\n")
}

func xmlField(bw *bufio.Writer, indent, name, value string) {
	bw.WriteString(indent)
	if value == "" {
		bw.WriteString("<" + name + "/>\n")
		return
	}
	bw.WriteString("<" + name + ">")
	xml.EscapeText(bw, []byte(value))
	bw.WriteString("</" + name + ">\n")
}

func itoaNZ[T int | int64](v T) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(int64(v), 10)
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(loyalty.TimeLayout)
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

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
	var withPhone, withEmail *bool
	for _, p := range []struct {
		name string
		dst  **bool
	}{{"with_phone", &withPhone}, {"with_email", &withEmail}} {
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

	a.mu.Lock()
	defer a.mu.Unlock()
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
	ans.page = make([]loyalty.Customer, len(match))
	for i, c := range match {
		ans.page[i] = *c
	}
	return ans, ""
}

// update answers POST /api/customer/update.
func (a *virtposAPI) update(r *http.Request) (answer, string) {
	q := r.URL.Query()
	create, ok := parseFlag(q.Get("create_if_not_exist"))
	if !ok {
		return answer{}, "Некорректный параметр create_if_not_exist"
	}
	f := r.Form
	if f.Has("age") {
		return answer{}, "Поле age нельзя передавать: оно рассчитывается автоматически"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
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
	if info := a.applyCustomer(&next, f); info != "" {
		if isNew {
			a.nextCust--
		}
		return answer{}, info
	}
	next.LastUpdateDate, next.LastUpdateBy = a.clock(), a.apiUserID
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
		g := loyalty.Gender(f.Get("gender"))
		if g != "" && !g.Known() {
			return "Некорректный пол (gender): " + string(g)
		}
		c.Gender = g
	}
	birth := []struct {
		name   string
		dst    *int
		lo, hi int
	}{{"birth_day", &c.BirthDay, 1, 31}, {"birth_month", &c.BirthMonth, 1, 12}, {"birth_year", &c.BirthYear, 1900, 9999}}
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
	switch {
	case f.Get("group_id") != "":
		id, err := strconv.ParseInt(f.Get("group_id"), 10, 64)
		name, ok := a.groups[id]
		if err != nil || !ok {
			return vpGroupMissing + ": " + f.Get("group_id")
		}
		c.GroupID, c.GroupName = id, name
	case f.Has("group_id"):
		c.GroupID, c.GroupName = 0, ""
	case f.Get("group_name") != "":
		c.GroupID, c.GroupName = a.group(f.Get("group_name")), f.Get("group_name")
	}
	return ""
}

// group returns the id of the group called name, creating it if needed.
func (a *virtposAPI) group(name string) int64 {
	for id, n := range a.groups {
		if n == name {
			return id
		}
	}
	a.nextGroup++
	a.groups[a.nextGroup] = name
	return a.nextGroup
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

// findCard looks a card up by card_id, uid, external_id, card_barcode, in
// that order; the first key that finds a card wins.
func (a *virtposAPI) findCard(q url.Values) (*loyalty.Card, bool) {
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
		get   func(*loyalty.Card) string
	}{
		{"uid", func(c *loyalty.Card) string { return c.UID }},
		{"external_id", func(c *loyalty.Card) string { return c.ExternalID }},
		{"card_barcode", func(c *loyalty.Card) string { return c.Barcode }},
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
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.createCard(r.Form.Get("uid"), r.Form.Get("external_id"), "", r.Form)
}

func (a *virtposAPI) updateCard(r *http.Request) (answer, string) {
	q := r.URL.Query()
	create, ok := parseFlag(q.Get("create_if_not_exist"))
	if !ok {
		return answer{}, "Некорректный параметр create_if_not_exist"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c, anyKey := a.findCard(q)
	if c == nil {
		switch {
		case !anyKey && !create:
			return answer{}, vpNoCardKey
		case !create:
			return answer{}, vpCardMissing
		}
		return a.createCard(q.Get("uid"), q.Get("external_id"), q.Get("card_barcode"), r.PostForm)
	}
	next := *c
	if info := a.applyCard(&next, r.PostForm); info != "" {
		return answer{}, info
	}
	*c = next
	return answer{id: c.ID, withIsNw: true}, ""
}

func (a *virtposAPI) deleteCard(r *http.Request) (answer, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, anyKey := a.findCard(r.URL.Query()) // lookup keys are get-only
	if !anyKey {
		return answer{}, vpNoCardKey
	}
	if c == nil {
		return answer{}, vpCardMissing
	}
	a.cards = slices.DeleteFunc(a.cards, func(x *loyalty.Card) bool { return x == c })
	return answer{id: c.ID}, ""
}

// createCard adds a card; the caller holds the lock.
func (a *virtposAPI) createCard(uid, ext, barcode string, f url.Values) (answer, string) {
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
	c := &loyalty.Card{UID: uid, ExternalID: ext, Barcode: barcode, Medium: loyalty.MediumPlastic, Status: loyalty.CardNew}
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
	return answer{id: c.ID, isNew: true, withIsNw: true}, ""
}

func (a *virtposAPI) cardByUID(uid string) *loyalty.Card {
	for _, c := range a.cards {
		if c.UID == uid {
			return c
		}
	}
	return nil
}

// applyCard sets the posted card fields on c; it returns an info text
// when a value is invalid.
func (a *virtposAPI) applyCard(c *loyalty.Card, f url.Values) string {
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
	switch {
	case f.Get("type_id") != "":
		id, err := strconv.ParseInt(f.Get("type_id"), 10, 64)
		name, ok := a.cardTypes[id]
		if err != nil || !ok {
			return vpTypeMissing + ": " + f.Get("type_id")
		}
		c.TypeID, c.TypeName = id, name
	case f.Get("type_name") != "":
		c.TypeID, c.TypeName = a.cardType(f.Get("type_name")), f.Get("type_name")
	}
	switch {
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

func (a *virtposAPI) cardType(name string) int64 {
	for id, n := range a.cardTypes {
		if n == name {
			return id
		}
	}
	a.nextType++
	a.cardTypes[a.nextType] = name
	return a.nextType
}

func parseDate(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{loyalty.TimeLayout, "2006-01-02", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// VirtPOS returns a client of the mock's VirtPOS side, with fast retries
// (3 retries, waits of 1–20 ms) followed by opts. It panics only when opts
// are invalid, which is a programming error.
func (s *Server) VirtPOS(opts ...loyalty.Option) *loyalty.VirtPOS {
	all := append([]loyalty.Option{loyalty.WithRetry(3, time.Millisecond, 20*time.Millisecond)}, opts...)
	vp, err := loyalty.NewVirtPOS(s.VirtPOSURL, s.APIKey, all...)
	if err != nil {
		panic("mock: Server.VirtPOS: " + err.Error())
	}
	return vp
}

// VirtPOSCustomer is a snapshot of the customer with id id.
func (s *Server) VirtPOSCustomer(id int64) (loyalty.Customer, bool) {
	s.vp.mu.Lock()
	defer s.vp.mu.Unlock()
	if c, ok := s.vp.byID[id]; ok {
		return *c, true
	}
	return loyalty.Customer{}, false
}

// VirtPOSCustomers is a snapshot of every customer, by ascending id.
func (s *Server) VirtPOSCustomers() []loyalty.Customer {
	s.vp.mu.Lock()
	defer s.vp.mu.Unlock()
	out := make([]loyalty.Customer, len(s.vp.customers))
	for i, c := range s.vp.customers {
		out[i] = *c
	}
	return out
}

// VirtPOSCards is a snapshot of every card, by ascending id.
func (s *Server) VirtPOSCards() []loyalty.Card {
	s.vp.mu.Lock()
	defer s.vp.mu.Unlock()
	out := make([]loyalty.Card, len(s.vp.cards))
	for i, c := range s.vp.cards {
		out[i] = *c
	}
	return out
}

// VirtPOSCard is a snapshot of the card with uid uid.
func (s *Server) VirtPOSCard(uid string) (loyalty.Card, bool) {
	s.vp.mu.Lock()
	defer s.vp.mu.Unlock()
	if c := s.vp.cardByUID(uid); c != nil {
		return *c, true
	}
	return loyalty.Card{}, false
}

// VirtPOSGroups is a snapshot of the customer groups, id to name.
func (s *Server) VirtPOSGroups() map[int64]string {
	s.vp.mu.Lock()
	defer s.vp.mu.Unlock()
	out := make(map[int64]string, len(s.vp.groups))
	for id, n := range s.vp.groups {
		out[id] = n
	}
	return out
}

// AddVirtPOSCustomers appends n generated customers (for benchmarks and
// paging tests) and returns the new total.
func (s *Server) AddVirtPOSCustomers(n int) int {
	s.vp.mu.Lock()
	defer s.vp.mu.Unlock()
	for range n {
		s.vp.addGenerated()
	}
	return len(s.vp.customers)
}
