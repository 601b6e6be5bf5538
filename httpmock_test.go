package loyalty_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// side is one way of reaching the mock: over sockets or through httpmock.
type side struct {
	name string
	srv  *mock.Server
	vp   *loyalty.VirtPOS
	crm  *loyalty.CRM
	ax   *loyalty.Artix
}

// fastRetry keeps retried scenarios quick on both sides.
var fastRetry = loyalty.WithRetry(2, time.Millisecond, 2*time.Millisecond)

// bothSides returns the socket mock, an in-memory mock wired through an
// httpmock.MockTransport and one served by its own srv.Transport(), with
// clients configured the same way.
func bothSides(t *testing.T) []side {
	t.Helper()
	sock := mock.NewServer(t)
	mem, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mt := httpmock.NewMockTransport()
	mem.RegisterResponders(mt)

	// rt (nil for sockets) goes to VirtPOS and Artix with WithHTTPClient and
	// to the CRM, which refuses that for a transport it cannot give its
	// certificate to, with mock.WithTransport.
	mk := func(name string, srv *mock.Server, rt http.RoundTripper) side {
		var hc, via loyalty.HTTPOption
		if rt != nil {
			hc = loyalty.WithHTTPClient(&http.Client{Transport: rt})
			via = mock.WithTransport(rt)
		}
		vp, err := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey, fastRetry, loyalty.WithFormat(loyalty.FormatJSON), hc)
		if err != nil {
			t.Fatal(err)
		}
		crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID, fastRetry,
			loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(srv.RootCAs()), via)
		if err != nil {
			t.Fatal(err)
		}
		ax, err := loyalty.NewArtix(srv.ArtixURL, fastRetry, hc)
		if err != nil {
			t.Fatal(err)
		}
		return side{name, srv, vp, crm, ax}
	}
	own, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return []side{mk("sockets", sock, nil), mk("httpmock", mem, mt), mk("transport", own, own.Transport())}
}

// observed is what a caller can observe of a call, with the base URL
// (which differs between the two sides) taken out.
type observed struct {
	Value    string
	ErrType  string
	ErrText  string
	Attempts int
	NotFound bool
}

var artixBatchIDs = regexp.MustCompile(`dictionaryid=[^&:\s]+`)

func observe(s side, v any, err error) observed {
	o := observed{Attempts: loyalty.Attempts(err), NotFound: errors.Is(err, loyalty.ErrNotFound)}
	if err == nil {
		b, jerr := json.Marshal(v)
		if jerr != nil {
			o.Value = "marshal: " + jerr.Error()
		}
		o.Value = string(b)
		return o
	}
	o.ErrType = fmt.Sprintf("%T", err)
	var re *loyalty.RequestError
	if errors.As(err, &re) {
		// A transport failure's text is the transport's own (a socket error
		// vs the responder's); the type and the attempt count must agree.
		o.ErrType = "*loyalty.RequestError"
		return o
	}
	// Every Artix batch has its own dictionaryid.
	text := artixBatchIDs.ReplaceAllString(err.Error(), "dictionaryid=ID")
	for _, base := range []string{s.srv.VirtPOSURL, s.srv.CRMURL, s.srv.ArtixURL} {
		text = strings.ReplaceAll(text, base, "BASE")
	}
	o.ErrText = text
	return o
}

func TestHTTPMockAnswersLikeSockets(t *testing.T) {
	ctx := context.Background()
	scenarios := []struct {
		name string
		run  func(s side) (any, error)
	}{
		{"virtpos list page", func(s side) (any, error) {
			return s.vp.Customers.List(ctx, &loyalty.CustomerQuery{Page: 2, PageSize: 7, WithPhone: new(true)})
		}},
		{"virtpos stream all", func(s side) (any, error) {
			var ids []int64
			for c, err := range s.vp.Customers.All(ctx, &loyalty.CustomerQuery{PageSize: 25}) {
				if err != nil {
					return ids, err
				}
				ids = append(ids, c.ID)
			}
			return ids, nil
		}},
		{"virtpos xml sample", func(s side) (any, error) {
			vp, _ := loyalty.NewVirtPOS(s.srv.VirtPOSURL, s.srv.APIKey, httpClientOf(s)...)
			return vp.Customers.Get(ctx, 1)
		}},
		{"virtpos not found", func(s side) (any, error) { return s.vp.Customers.Get(ctx, 999999) }},
		{"virtpos wrong apikey", func(s side) (any, error) {
			vp, _ := loyalty.NewVirtPOS(s.srv.VirtPOSURL, "wrong", httpClientOf(s)...)
			return vp.Customers.Get(ctx, 1)
		}},
		{"virtpos create then card", func(s side) (any, error) {
			res, err := s.vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Ольга"), Phone: new("89161234500")})
			if err != nil {
				return nil, err
			}
			return s.vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "42424242", CustomerID: new(res.ID), Medium: loyalty.MediumApp})
		}},
		{"virtpos duplicate card", func(s side) (any, error) {
			return s.vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "42424242"})
		}},
		{"virtpos 503 then success", func(s side) (any, error) {
			s.srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: http.StatusServiceUnavailable})
			return s.vp.Customers.Get(ctx, 2)
		}},
		{"virtpos 429 always", func(s side) (any, error) {
			s.srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: http.StatusTooManyRequests, Times: -1})
			defer s.srv.ClearFaults()
			return s.vp.Customers.Get(ctx, 2)
		}},
		{"virtpos reset on a read is retried", func(s side) (any, error) {
			s.srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Reset: true})
			return s.vp.Customers.Get(ctx, 3)
		}},
		{"virtpos reset on a create is not", func(s side) (any, error) {
			s.srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Method: http.MethodPost, Reset: true})
			return s.vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Никто")})
		}},
		{"virtpos malformed body", func(s side) (any, error) {
			s.srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Malformed: true, Times: 3})
			defer s.srv.ClearFaults()
			return s.vp.Customers.Get(ctx, 4)
		}},
		{"crm find", func(s side) (any, error) {
			return s.crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "8 (916) 123-45-67"})
		}},
		{"crm campaigns", func(s side) (any, error) { return s.crm.Campaigns.ByContact(ctx, mock.CRMContactID) }},
		{"crm card already owned", func(s side) (any, error) {
			return s.crm.Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: mock.CRMContact2ID, CardNumber: mock.CRMOwnedCardNumber})
		}},
		{"crm create and bind virtual", func(s side) (any, error) {
			id, err := s.crm.Contacts.Create(ctx, loyalty.NewContact{
				Contact:      loyalty.PersonalData{MobilePhone: "89265550102", FirstName: "Анна"},
				Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID},
			})
			if err != nil {
				return nil, err
			}
			card, err := s.crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: id, CardTypeID: mock.CRMVirtualCardTypeID})
			if err != nil {
				return nil, err
			}
			return []any{id, card.Number, card.ID}, nil
		}},
		{"crm directory", func(s side) (any, error) { return s.crm.Directory.SalesOutlets(ctx, mock.CRMPartnerID) }},
		{"artix batch", func(s side) (any, error) {
			return nil, s.ax.Send(ctx, loyalty.ClearClient(),
				loyalty.AddClient(loyalty.ArtixCustomer{ID: "1", FirstName: "Пётр", BirthDate: "1966-05-20", Subscribed: new(true)}),
				loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "1", Phone: new("88005559999")}))
		}},
		{"artix update unknown", func(s side) (any, error) {
			return nil, s.ax.Customers.Update(ctx, loyalty.ArtixCustomerUpdate{ID: "nobody", Phone: new("1")})
		}},
		{"artix 500 retried", func(s side) (any, error) {
			s.srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 500})
			return nil, s.ax.Customers.Delete(ctx, "1")
		}},
	}
	sides := bothSides(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got := make([]observed, len(sides))
			for i, s := range sides {
				v, err := sc.run(s)
				got[i] = observe(s, v, err)
			}
			for i := 1; i < len(sides); i++ {
				if !reflect.DeepEqual(got[0], got[i]) {
					t.Fatalf("sockets and %s disagree:\nsockets:  %+v\n%s: %+v", sides[i].name, got[0], sides[i].name, got[i])
				}
			}
			t.Logf("%.160s %s %s attempts=%d", got[0].Value, got[0].ErrType, got[0].ErrText, got[0].Attempts)
		})
	}

	// The two servers end in the same state and saw the same requests.
	a, _ := sides[0].srv.Snapshot()
	if !strings.Contains(string(a), "42424242") {
		t.Fatal("the scenarios did not change the state", "; want strings.Contains(string(a), \"42424242\")")
	} else if !strings.Contains(string(a), "9990000000001") {
		t.Fatal("the scenarios did not change the state", "; want strings.Contains(string(a), \"9990000000001\")")
	}
	for _, other := range sides[1:] {
		// Timestamps of created records come from the clock; compare the rest.
		if b, _ := other.srv.Snapshot(); stripTimes(a) != stripTimes(b) {
			t.Fatalf("the socket and %s servers ended in different states", other.name)
		}
	}
	journal := func(s side) []string {
		var out []string
		for _, r := range s.srv.Requests() {
			out = append(out, fmt.Sprintf("%s %s %s %d %v", r.API, r.Method, r.Path, r.StatusCode, r.Faulted))
		}
		return out
	}
	for _, other := range sides[1:] {
		if ja, jb := journal(sides[0]), journal(other); !reflect.DeepEqual(ja, jb) {
			t.Fatalf("journals of sockets and %s differ:\n%v\n%v", other.name, ja, jb)
		}
	}
}

// httpClientOf is the transport option of s (none for sockets).
func httpClientOf(s side) []loyalty.VirtPOSOption {
	opts := []loyalty.VirtPOSOption{fastRetry}
	switch s.name {
	case "httpmock":
		mt := httpmock.NewMockTransport()
		s.srv.RegisterResponders(mt)
		opts = append(opts, loyalty.WithHTTPClient(&http.Client{Transport: mt}))
	case "transport":
		opts = append(opts, loyalty.WithHTTPClient(&http.Client{Transport: s.srv.Transport()}))
	}
	return opts
}

// stripTimes drops "2006-01-02 15:04:05"-like values of records made during the test.
func stripTimes(snap []byte) string {
	var v any
	json.Unmarshal(snap, &v)
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case string:
			if _, err := time.Parse(time.DateTime, x); err == nil && x >= "2025" {
				return "TIME"
			}
			if _, err := time.Parse("2006-01-02T15:04:05", x); err == nil && x >= "2025" {
				return "TIME"
			}
		}
		return x
	}
	b, _ := json.Marshal(walk(v))
	return string(b)
}

// TestHTTPMockNeedsWithHTTPClient documents the pitfall: the clients have
// a transport of their own (go-retryablehttp's, over a tuned
// *http.Transport), so replacing http.DefaultTransport as httpmock.Activate
// does is not seen by them. The mock transport must be passed in.
func TestHTTPMockNeedsWithHTTPClient(t *testing.T) {
	mem, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mt := httpmock.NewMockTransport()
	mem.RegisterResponders(mt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	// Without WithHTTPClient the client dials the fake host for real and
	// fails; the mock never sees the request.
	vp, _ := loyalty.NewVirtPOS(mem.VirtPOSURL, mem.APIKey, loyalty.WithoutRetries())
	var re *loyalty.RequestError
	if _, err := vp.Customers.Get(ctx, 1); !errors.As(err, &re) {
		t.Fatalf("without WithHTTPClient: %v, want a *loyalty.RequestError", err)
	}
	if n := len(mem.Requests()); n != 0 {
		t.Fatalf("the mock saw %d requests", n)
	}
	if mt.GetTotalCallCount() != 0 {
		t.Fatal("the mock transport was used")
	}

	vp, _ = loyalty.NewVirtPOS(mem.VirtPOSURL, mem.APIKey, loyalty.WithHTTPClient(&http.Client{Transport: mt}))
	c, err := vp.Customers.Get(ctx, 1)
	if err != nil {
		t.Fatalf("with WithHTTPClient: %+v, %v; want err == nil", c, err)
	} else if c.FirstName != "Сергей" {
		t.Fatalf("with WithHTTPClient: %+v, %v; want c.FirstName == \"Сергей\"", c, err)
	}
	if mt.GetTotalCallCount() != 1 {
		t.Fatalf("mock transport calls: %d", mt.GetTotalCallCount())
	}
}
