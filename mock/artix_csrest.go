package mock

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// The Cash Server REST read-back (CSrest) of the mock's Artix directory,
// served beside loaddicts on the Artix address (a real installation
// serves it on the Cash Server, port 8080, and loads on each cash
// register, port 28080):
//
//   - GET /CSrest/rest/dictionaries/clients: every client, as a JSON array
//     ordered by idclient;
//   - GET .../clients/id/{idclient}: one client; an absent one is 200 with
//     an empty body, as field callers expect;
//   - GET .../clients/bypage?page=N&size=M: a Spring Data page, pages
//     numbered from 0, size 20 when not given: {"content": [...],
//     "number", "size", "numberOfElements", "totalElements", "totalPages",
//     "first", "last", "empty"}.
//
// Records have the keys field code reads (idclient, name, text, sex,
// birthday, specialdate1name..3name, zipcode, address, email, webpage,
// phonenumber, inn, document, okpo, okpd, occupation, extendedoptions,
// codeword, organizationcode, subscriptionadj), empty values as null.
// Errors are {"errorCode": n, "message": text}: 400 for bad page
// parameters, 401 without the basic auth RequireArtixCashServerAuth set
// (none by default; RequireArtixAuth is the exchanger's), 405 for
// another method. Writes are in artix_csrest_write.go. Faults (Server.Fail) apply to these paths as to any.

// csRestPrefix is the path prefix the CSrest routes share.
const csRestPrefix = "/CSrest/"

// csDefaultPageSize is the page size when the request gives none.
const csDefaultPageSize = 20

// csClient is a client as the Cash Server returns it.
type csClient struct {
	IDClient         string  `json:"idclient"`
	Name             *string `json:"name"`
	Text             *string `json:"text"`
	Gender           *int    `json:"sex"`
	BirthDate        *string `json:"birthday"`
	SpecialDate1Name *string `json:"specialdate1name"`
	SpecialDate2Name *string `json:"specialdate2name"`
	SpecialDate3Name *string `json:"specialdate3name"`
	ZipCode          *string `json:"zipcode"`
	Address          *string `json:"address"`
	Email            *string `json:"email"`
	WebPage          *string `json:"webpage"`
	PhoneNumber      *string `json:"phonenumber"`
	INN              *string `json:"inn"`
	Document         *string `json:"document"`
	OKPO             *string `json:"okpo"`
	OKPD             *string `json:"okpd"`
	Occupation       *string `json:"occupation"`
	ExtendedOptions  *string `json:"extendedoptions"`
	CodeWord         *string `json:"codeword"`
	OrganizationCode *string `json:"organizationcode"`
	SubscriptionAdj  *int    `json:"subscriptionadj"`
}

// csPage is a Spring Data page of clients.
type csPage struct {
	Content          []csClient `json:"content"`
	Number           int        `json:"number"`
	Size             int        `json:"size"`
	NumberOfElements int        `json:"numberOfElements"`
	TotalElements    int        `json:"totalElements"`
	TotalPages       int        `json:"totalPages"`
	First            bool       `json:"first"`
	Last             bool       `json:"last"`
	Empty            bool       `json:"empty"`
}

// csError is the Cash Server's error object.
type csError struct {
	ErrorCode int    `json:"errorCode"`
	Message   string `json:"message"`
}

func newCSClient(c loyalty.ArtixCustomer) csClient {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	out := csClient{
		IDClient: c.ID, Name: str(c.FirstName), Text: str(c.Text), BirthDate: str(string(c.BirthDate)),
		SpecialDate1Name: str(c.SpecialDate1Name), SpecialDate2Name: str(c.SpecialDate2Name), SpecialDate3Name: str(c.SpecialDate3Name),
		ZipCode: str(c.ZipCode), Address: str(c.Address), Email: str(c.Email), WebPage: str(c.WebPage), PhoneNumber: str(c.Phone),
		INN: str(c.INN), Document: str(c.Document), OKPO: str(c.OKPO), OKPD: str(c.OKPD), Occupation: str(c.Occupation),
		ExtendedOptions: str(c.ExtendedOptions), OrganizationCode: str(c.OrganizationCode),
	}
	if c.Gender != nil {
		out.Gender = new(int(*c.Gender))
	}
	if c.Subscribed != nil {
		out.SubscriptionAdj = new(0)
		if *c.Subscribed {
			*out.SubscriptionAdj = 1
		}
	}
	return out
}

func writeCS(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeCSError(w http.ResponseWriter, status int, msg string) {
	writeCS(w, status, csError{ErrorCode: status, Message: msg})
}

// serveCSRest answers the CSrest routes; it reports false for other paths.
func (a *artixAPI) serveCSRest(w http.ResponseWriter, r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, csRestPrefix) {
		return false
	}
	a.mu.Lock()
	user, pass, auth := a.csUser, a.csPass, a.csAuth
	a.mu.Unlock()
	if auth && !basicAuthOK(r, user, pass) {
		w.Header().Set("WWW-Authenticate", `Basic realm="CSrest"`)
		writeCSError(w, http.StatusUnauthorized, "unauthorized")
		return true
	}
	path := r.URL.EscapedPath()
	id, byID := strings.CutPrefix(path, artixwire.CSClientByIDPath)
	allow := http.MethodGet
	switch {
	case path == artixwire.CSClientsPath:
		allow = "GET, POST"
	case byID:
		allow = "GET, DELETE"
	case path == csCardsPath || path == csCardGroupsPath:
		allow = http.MethodPost
	}
	switch {
	case path != artixwire.CSClientsPath && path != artixwire.CSClientsByPagePath && !byID && path != csCardsPath && path != csCardGroupsPath:
		writeCSError(w, http.StatusNotFound, "no such endpoint "+r.URL.Path)
	case !strings.Contains(allow, r.Method):
		w.Header().Set("Allow", allow)
		writeCSError(w, http.StatusMethodNotAllowed, r.Method+" is not supported here ("+allow+" only)")
	case r.Method == http.MethodPost || r.Method == http.MethodDelete:
		a.serveCSWrite(w, r, path, id)
	case byID:
		a.serveCSClient(w, id)
	case path == artixwire.CSClientsPath:
		all, _ := a.csClients(0, -1)
		writeCS(w, http.StatusOK, all)
	default:
		a.serveCSPage(w, r.URL.Query())
	}
	return true
}

// serveCSClient answers one client; an absent one is an empty 200.
func (a *artixAPI) serveCSClient(w http.ResponseWriter, escaped string) {
	id, err := url.PathUnescape(escaped)
	if err != nil || id == "" {
		writeCSError(w, http.StatusBadRequest, fmt.Sprintf("bad idclient %q", escaped))
		return
	}
	a.mu.Lock()
	c, ok := a.clients[id]
	a.mu.Unlock()
	if !ok {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	writeCS(w, http.StatusOK, newCSClient(c))
}

// serveCSPage answers one Spring Data page.
func (a *artixAPI) serveCSPage(w http.ResponseWriter, q url.Values) {
	for k := range q {
		if k != "page" && k != "size" {
			// Answering page 0 to a parameter it does not know would
			// silently repeat it to a client paging by another name.
			writeCSError(w, http.StatusBadRequest, fmt.Sprintf("unknown parameter %q: the pages are asked for with page (from 0) and size", firstN(k, 100)))
			return
		}
	}
	num := func(key string, def, lo int) (int, bool) {
		v := q.Get(key)
		if v == "" {
			return def, true
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo {
			writeCSError(w, http.StatusBadRequest, fmt.Sprintf("bad %s %q: want an integer of at least %d", key, v, lo))
			return 0, false
		}
		return n, true
	}
	page, ok := num("page", 0, 0)
	if !ok {
		return
	}
	size, ok := num("size", csDefaultPageSize, 1)
	if !ok {
		return
	}
	size = min(size, 10000)
	content, total := a.csClients(page, size)
	pages := (total + size - 1) / size
	writeCS(w, http.StatusOK, csPage{
		Content: content, Number: page, Size: size, NumberOfElements: len(content),
		TotalElements: total, TotalPages: pages, First: page == 0, Last: page >= pages-1, Empty: len(content) == 0,
	})
}

// firstN is s cut to n bytes.
func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// csClients is page number page of size clients ordered by idclient (all
// of them when size < 0), and how many clients the directory holds.
func (a *artixAPI) csClients(page, size int) ([]csClient, int) {
	a.mu.Lock()
	ids := slices.Sorted(maps.Keys(a.clients))
	total := len(ids)
	if size > 0 {
		start := min(min(page, total)*size, total)
		ids = ids[start:min(start+size, total)]
	}
	recs := make([]loyalty.ArtixCustomer, len(ids))
	for i, id := range ids {
		recs[i] = a.clients[id] // records are never changed in place
	}
	a.mu.Unlock()
	out := make([]csClient, len(recs))
	for i, c := range recs {
		out[i] = newCSClient(c)
	}
	return out, total
}

// ArtixCashServer returns a client for the mock's Cash Server REST API
// (the read-back), with fast retries (3, 1–20 ms) and the basic auth
// RequireArtixCashServerAuth set, followed by opts; a Server made by NewInMemory
// gives it s.Transport(). It panics only if opts are invalid.
func (s *Server) ArtixCashServer(opts ...loyalty.ArtixCashServerOption) *loyalty.ArtixCashServer {
	base := []loyalty.ArtixCashServerOption{loyalty.WithRetry(3, time.Millisecond, 20*time.Millisecond), s.inMemory(ArtixAPI)}
	s.ax.mu.Lock()
	if s.ax.csAuth {
		base = append(base, loyalty.WithBasicAuth(s.ax.csUser, s.ax.csPass))
	}
	s.ax.mu.Unlock()
	cs, err := loyalty.NewArtixCashServer(s.ArtixURL, append(base, opts...)...)
	if err != nil {
		panic("mock: Server.ArtixCashServer: " + err.Error())
	}
	return cs
}
