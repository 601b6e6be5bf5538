package loyalty_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// The calls of the chaos matrix: one of each kind for each API, and the
// environment (mock and clients) a cell runs them in.

// chaosEnv is one cell's mock server and clients.
type chaosEnv struct {
	srv  *mock.Server
	vp   *loyalty.VirtPOS
	vpJS *loyalty.VirtPOS
	crm  *loyalty.CRM
	ax   *loyalty.Artix
	cs   *loyalty.ArtixCashServer
	logs *logCapture
	// before is state the op's applied count is measured against.
	before int
}

// chaosOp is one call of one API.
type chaosOp struct {
	name string
	api  mock.API
	kind string // read, idem, once, batch
	// prepare runs before the fault is installed (seed what the op needs).
	prepare func(t *testing.T, e *chaosEnv)
	run     func(ctx context.Context, e *chaosEnv) (any, error)
	// applied counts the op's records in the mock afterwards (writes).
	applied func(t *testing.T, e *chaosEnv) int
}

const (
	chaosPhone   = "79990001122"
	chaosCardUID = "7700123"
)

func chaosOps() []chaosOp {
	countCustomers := func(t *testing.T, e *chaosEnv) int {
		n := 0
		for _, c := range e.srv.VirtPOSCustomers() {
			if c.FirstName == "Хаос" {
				n++
			}
		}
		return n
	}
	countCards := func(t *testing.T, e *chaosEnv) int {
		n := 0
		for _, c := range e.srv.VirtPOSCards() {
			if c.UID == chaosCardUID {
				n++
			}
		}
		return n
	}
	contactCards := func(t *testing.T, e *chaosEnv) int {
		t.Helper()
		info, err := e.srv.CRM().Contacts.Get(context.Background(), mock.CRMContactID)
		if err != nil {
			t.Fatalf("reading the contact back: %v", err)
		}
		return len(info.Cards)
	}
	return []chaosOp{
		{name: "virtpos Customers.Get (xml)", api: mock.VirtPOSAPI, kind: "read",
			run: func(ctx context.Context, e *chaosEnv) (any, error) { return e.vp.Customers.Get(ctx, 1) }},
		{name: "virtpos Customers.Get (json)", api: mock.VirtPOSAPI, kind: "read",
			run: func(ctx context.Context, e *chaosEnv) (any, error) { return e.vpJS.Customers.Get(ctx, 1) }},
		{name: "virtpos Customers.All (streamed)", api: mock.VirtPOSAPI, kind: "stream",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				var n int
				for _, err := range e.vp.Customers.All(ctx, &loyalty.CustomerQuery{PageSize: 40}) {
					if err != nil {
						return n, err
					}
					n++
				}
				if n != mock.DefaultCustomers {
					return n, fmt.Errorf("All yielded %d customers, want %d", n, mock.DefaultCustomers)
				}
				return n, nil
			}},
		{name: "crm Contacts.Get", api: mock.CRMAPI, kind: "read",
			run: func(ctx context.Context, e *chaosEnv) (any, error) { return e.crm.Contacts.Get(ctx, mock.CRMContactID) }},
		{name: "crm Contacts.Find", api: mock.CRMAPI, kind: "read",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "+7 916 123-45-67"})
			}},

		{name: "virtpos Customers.Update", api: mock.VirtPOSAPI, kind: "idem",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.vp.Customers.Update(ctx, 2, &loyalty.CustomerUpdate{FirstName: new("Хаос")})
			}, applied: countCustomers},
		{name: "virtpos Cards.Update CreateIfNotExist by uid", api: mock.VirtPOSAPI, kind: "idem",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.vp.Cards.Update(ctx, loyalty.CardRef{UID: chaosCardUID},
					&loyalty.CardUpdate{Medium: loyalty.MediumPlastic, CustomerID: new(int64(3))}, loyalty.CreateIfNotExist())
			}, applied: countCards},

		{name: "virtpos Customers.Create", api: mock.VirtPOSAPI, kind: "once",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Хаос"), Phone: new("+" + chaosPhone)})
			}, applied: countCustomers},
		{name: "virtpos Cards.Insert", api: mock.VirtPOSAPI, kind: "once",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: chaosCardUID, Medium: loyalty.MediumPlastic, CustomerID: new(int64(3))})
			}, applied: countCards},
		{name: "crm Contacts.Create", api: mock.CRMAPI, kind: "once",
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.crm.Contacts.Create(ctx, loyalty.NewContact{
					Contact:      loyalty.PersonalData{MobilePhone: "8 999 000-11-22", FirstName: "Хаос"},
					Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID},
				})
			},
			applied: func(t *testing.T, e *chaosEnv) int {
				t.Helper()
				found, err := e.srv.CRM().Contacts.Find(context.Background(), loyalty.ContactFilter{MobilePhone: chaosPhone})
				if err != nil {
					t.Fatalf("finding the contact: %v", err)
				}
				return len(found)
			}},
		{name: "crm Contacts.BindVirtualCard", api: mock.CRMAPI, kind: "once",
			prepare: func(t *testing.T, e *chaosEnv) { e.before = contactCards(t, e) },
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return e.crm.Contacts.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: mock.CRMContactID, CardTypeID: mock.CRMVirtualCardTypeID})
			},
			applied: func(t *testing.T, e *chaosEnv) int { return contactCards(t, e) - e.before }},

		{name: "artix Customers.Get (Cash Server REST)", api: mock.ArtixAPI, kind: "read",
			prepare: loadChaosClients,
			run:     func(ctx context.Context, e *chaosEnv) (any, error) { return e.cs.Customers.Get(ctx, "c1") }},
		{name: "artix Customers.All (Cash Server REST, streamed)", api: mock.ArtixAPI, kind: "stream",
			prepare: loadChaosClients,
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				var n int
				for _, err := range e.cs.Customers.All(ctx) {
					if err != nil {
						return n, err
					}
					n++
				}
				if n != 3 {
					return n, fmt.Errorf("All yielded %d clients, want 3", n)
				}
				return n, nil
			}},
		{name: "artix Customers.Add", api: mock.ArtixAPI, kind: "batch",
			prepare: func(t *testing.T, e *chaosEnv) { e.before = e.srv.ArtixCustomerCount() },
			run: func(ctx context.Context, e *chaosEnv) (any, error) {
				return nil, e.ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "chaos-1", FirstName: "Хаос"})
			},
			applied: func(t *testing.T, e *chaosEnv) int {
				if _, ok := e.srv.ArtixCustomer("chaos-1"); !ok {
					return 0
				}
				return e.srv.ArtixCustomerCount() - e.before
			}},
	}
}

// loadChaosClients puts three clients on the mock's tills for the
// read-back.
func loadChaosClients(t *testing.T, e *chaosEnv) {
	t.Helper()
	err := e.srv.Artix().Send(context.Background(), loyalty.AddClient(loyalty.ArtixCustomer{ID: "c1"}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "c2"}), loyalty.AddClient(loyalty.ArtixCustomer{ID: "c3"}))
	if err != nil {
		t.Fatal(err)
	}
}

func newChaosEnv(t *testing.T, extra ...loyalty.HTTPOption) *chaosEnv {
	srv := mock.NewServer(t, mock.Config{APIKey: canaryAPIKey})
	srv.RequireArtixAuth(canaryUser, canaryPassword)
	logs := &logCapture{}
	opts := []any{
		loyalty.WithRetry(chaosRetries, time.Millisecond, chaosMaxWait),
		loyalty.WithMaxResponseBytes(chaosMaxBytes),
		loyalty.WithLogger(slog.New(logs.handler())),
	}
	for _, o := range extra {
		opts = append(opts, o)
	}
	return &chaosEnv{
		srv:  srv,
		vp:   srv.VirtPOS(optionsFor[loyalty.VirtPOSOption](opts...)...),
		vpJS: srv.VirtPOS(append(optionsFor[loyalty.VirtPOSOption](opts...), loyalty.WithFormat(loyalty.FormatJSON))...),
		crm:  srv.CRM(optionsFor[loyalty.CRMOption](opts...)...),
		ax:   srv.Artix(optionsFor[loyalty.ArtixOption](opts...)...),
		cs:   srv.ArtixCashServer(append(optionsFor[loyalty.ArtixCashServerOption](opts...), loyalty.WithArtixPaging(loyalty.ArtixPaging{Size: 2}))...),
		logs: logs,
	}
}
