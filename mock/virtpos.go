package mock

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	cards      []*Card // ascending id
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
	a := &virtposAPI{srv: s, seedConfig: s.cfg.Customers, apiUserID: 2, clock: s.now}
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

// maxVirtPOSForm is the largest request body the VirtPOS side reads (the
// limit of net/http's own form parsing).
const maxVirtPOSForm = 10 << 20

// virtposHandlers are the spec's methods by path. Each runs under the
// side's lock and returns the envelope's content: an answer, or the info
// text of success=0.
var virtposHandlers = map[string]func(*virtposAPI, *http.Request) (answer, string){
	"/api/customer":            (*virtposAPI).list,
	"/api/customer/update":     (*virtposAPI).update,
	"/api/customer/insertCard": (*virtposAPI).insertCard,
	"/api/customer/updateCard": (*virtposAPI).updateCard,
	"/api/customer/deleteCard": (*virtposAPI).deleteCard,
}

// ServeHTTP checks the path, the method and the apikey (get or post),
// then answers with the handler of the path in the requested format.
func (a *virtposAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxVirtPOSForm)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("request body too large: over %d bytes", tooBig.Limit), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "malformed query or form: "+err.Error(), http.StatusBadRequest)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "json" {
		format = "xml"
	}
	h, ok := virtposHandlers[strings.TrimRight(r.URL.Path, "/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, r.Method+" not allowed: the API takes GET, POST", http.StatusMethodNotAllowed)
		return
	}
	// apikey: get or post.
	if r.Form.Get("apikey") != a.srv.APIKey {
		writeAnswer(w, format, answer{}, vpBadKey)
		return
	}
	a.mu.Lock()
	ans, info := h(a, r)
	a.mu.Unlock()
	writeAnswer(w, format, ans, info)
}

// createFlag reads the get-only create_if_not_exist of the write methods.
func createFlag(q url.Values) (create bool, info string) {
	create, ok := parseFlag(q.Get("create_if_not_exist"))
	if !ok {
		return false, "Некорректный параметр create_if_not_exist"
	}
	return create, ""
}

// namedRef resolves a pair of posted fields that name one record of
// table (id → name) either way: by idKey (an unknown id is the info text
// missing) or by nameKey, which adds the name under ++*next when the table
// lacks it. Either field sent empty clears the reference (id 0, name "").
// set is false when neither field was sent.
func namedRef(f url.Values, idKey, nameKey string, table map[int64]string, next *int64, missing string) (id int64, name string, set bool, info string) {
	if f.Has(idKey) {
		v := f.Get(idKey)
		if v == "" {
			return 0, "", true, ""
		}
		id, err := strconv.ParseInt(v, 10, 64)
		name, ok := table[id]
		if err != nil || !ok {
			return 0, "", false, missing + ": " + v
		}
		return id, name, true, ""
	}
	if !f.Has(nameKey) {
		return 0, "", false, ""
	}
	name = f.Get(nameKey)
	if name == "" {
		return 0, "", true, ""
	}
	for id, n := range table {
		if n == name {
			return id, name, true, ""
		}
	}
	*next++
	table[*next] = name
	return *next, name, true, ""
}

// values copies the records ps point to, in order.
func values[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// VirtPOS returns a client of the mock's VirtPOS side, with fast retries
// (3 retries, waits of 1–20 ms) followed by opts; a Server made by
// NewInMemory gives it s.Transport(). It panics only when opts are
// invalid, which is a programming error.
func (s *Server) VirtPOS(opts ...loyalty.VirtPOSOption) *loyalty.VirtPOS {
	all := append([]loyalty.VirtPOSOption{loyalty.WithRetry(3, time.Millisecond, 20*time.Millisecond), s.inMemory(VirtPOSAPI)}, opts...)
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
	return values(s.vp.customers)
}

// VirtPOSCards is a snapshot of every card, by ascending id.
func (s *Server) VirtPOSCards() []Card {
	s.vp.mu.Lock()
	defer s.vp.mu.Unlock()
	return values(s.vp.cards)
}

// VirtPOSCard is a snapshot of the card with uid uid.
func (s *Server) VirtPOSCard(uid string) (Card, bool) {
	s.vp.mu.Lock()
	defer s.vp.mu.Unlock()
	if c := s.vp.cardByUID(uid); c != nil {
		return *c, true
	}
	return Card{}, false
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
