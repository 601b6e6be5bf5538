package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
)

// writeAsTenant writes through every API as tn: a VirtPOS customer (form
// body apikey), a CRM card binding (JSON body commercial_firm_id) and an
// Artix client (shopcode), read back through the Cash Server (basic auth).
func writeAsTenant(ctx context.Context, tn *Tenant) error {
	if _, err := tn.VirtPOS().Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new(tn.ID)}); err != nil {
		return err
	}
	if _, err := tn.CRM().Contacts.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: CRMContact2ID, CardNumber: CRMFreeCardNumber}); err != nil {
		return err
	}
	if err := tn.Artix().Customers.Add(ctx, loyalty.ArtixCustomer{ID: tn.ID}); err != nil {
		return err
	}
	c, err := tn.ArtixCashServer().Customers.Get(ctx, tn.ID)
	if err == nil && c.ID != tn.ID {
		err = errors.New("the Cash Server read-back does not have the client")
	}
	return err
}

// TestTenantsDoNotSeeEachOther: two tenants written in parallel over real
// sockets keep their data, journals, faults and resets to themselves; the
// default tenant sees none of it.
func TestTenantsDoNotSeeEachOther(t *testing.T) {
	srv := NewServer(t)
	t1, err := srv.NewTenant("suite-1")
	if err != nil {
		t.Fatal(err)
	}
	t2, err := srv.NewTenant("suite-2")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, tn := range []*Tenant{t1, t2} {
		wg.Go(func() { errs[i] = writeAsTenant(t.Context(), tn) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	seed := len(srv.VirtPOSCustomers())
	for _, tn := range []*Tenant{t1, t2} {
		other := map[*Tenant]*Tenant{t1: t2, t2: t1}[tn]
		if n := len(tn.VirtPOSCustomers()); n != seed+1 {
			t.Errorf("%s: %d customers, want the seed's %d and its own", tn.ID, n, seed)
		}
		if _, ok := tn.ArtixCustomer(other.ID); ok {
			t.Errorf("%s sees %s's Artix client", tn.ID, other.ID)
		}
		for _, r := range tn.Requests() {
			if r.API == ArtixAPI && r.Query.Get("shopcode") != "" && r.Query.Get("shopcode") != tn.ArtixShopCode {
				t.Errorf("%s's journal has %s's request", tn.ID, other.ID)
			}
		}
		if n := len(tn.Requests()); n < 4 {
			t.Errorf("%s journaled %d requests, want its 4", tn.ID, n)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the default tenant journaled %d requests, has %d Artix clients; want n == 0", n, srv.ArtixCustomerCount())
	} else if srv.ArtixCustomerCount() != 0 {
		t.Fatalf("the default tenant journaled %d requests, has %d Artix clients; want srv.ArtixCustomerCount() == 0", n, srv.ArtixCustomerCount())
	}
	if _, err := srv.CRM().Contacts.BindPhysicalCard(t.Context(), loyalty.PhysicalCardRequest{ContactID: CRMContact2ID, CardNumber: CRMFreeCardNumber}); err != nil {
		t.Fatalf("the card the tenants bound is not free in the default tenant: %v", err)
	}

	t1.Fail(Fault{API: VirtPOSAPI, Status: http.StatusServiceUnavailable, Times: -1})
	if _, err := t1.VirtPOS(loyalty.WithoutRetries()).Customers.Get(t.Context(), 1); err == nil {
		t.Fatal("t1's fault did not answer t1's request")
	}
	for _, s := range []*Server{t2.srv, srv} {
		if _, err := s.VirtPOS().Customers.Get(t.Context(), 1); err != nil {
			t.Fatalf("t1's fault answered another tenant: %v", err)
		}
	}
	if len(t2.Faults()) != 0 {
		t.Fatal("t1's fault is listed elsewhere", "; want len(t2.Faults()) == 0")
	} else if len(srv.Faults()) != 0 {
		t.Fatal("t1's fault is listed elsewhere", "; want len(srv.Faults()) == 0")
	}

	t1.Reset()
	if t1.ArtixCustomerCount() != 0 {
		t.Fatal("t1.Reset left data, faults or journal", "; want t1.ArtixCustomerCount() == 0")
	} else if len(t1.Faults()) != 0 {
		t.Fatal("t1.Reset left data, faults or journal", "; want len(t1.Faults()) == 0")
	} else if len(t1.Requests()) != 0 {
		t.Fatal("t1.Reset left data, faults or journal", "; want len(t1.Requests()) == 0")
	}
	if _, ok := t2.ArtixCustomer(t2.ID); !ok {
		t.Fatal("t1.Reset reset t2", "; want ok")
	} else if len(t2.Requests()) == 0 {
		t.Fatal("t1.Reset reset t2", "; want len(t2.Requests()) != 0")
	}
}

// TestTenantCredentialsAreChecked: another tenant's or a made-up
// credential is refused as an unknown one always was; a deleted tenant's
// are refused from then on.
func TestTenantCredentialsAreChecked(t *testing.T) {
	srv := NewServer(t)
	tn, err := srv.NewTenant("")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	wrongKey, err := loyalty.NewVirtPOS(srv.VirtPOSURL, tn.APIKey+"x", loyalty.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrongKey.Customers.Get(ctx, 1); err == nil {
		t.Fatal("a wrong apikey was accepted")
	}
	wrongFirm, err := loyalty.NewCRM(srv.CRMURL, "firm-t1-nope", loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(srv.RootCAs()), loyalty.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	var crmErr *loyalty.CRMError
	if _, err := wrongFirm.Directory.Regions(ctx); !errors.As(err, &crmErr) || crmErr.StatusCode != http.StatusForbidden {
		t.Fatalf("a wrong commercial_firm_id: %v, want a 403 CRMError", err)
	}
	if err := srv.Artix(loyalty.WithArtixShopCode(TenantShopCodePrefix+"t9-nope"), loyalty.WithoutRetries()).Customers.Add(ctx, loyalty.ArtixCustomer{ID: "1"}); err == nil {
		t.Fatalf("a made-up tenant shop code reached the default tenant: %v; want err != nil", err)
	} else if srv.ArtixCustomerCount() != 0 {
		t.Fatalf("a made-up tenant shop code reached the default tenant: %v; want srv.ArtixCustomerCount() == 0", err)
	}
	if err := tn.Artix(loyalty.WithBasicAuth(tn.ArtixShopCode, "wrong"), loyalty.WithoutRetries()).Customers.Add(ctx, loyalty.ArtixCustomer{ID: "1"}); err == nil {
		t.Fatal("a wrong Artix password was accepted")
	}

	old := tn.Credentials()
	if !srv.DeleteTenant(tn.ID) {
		t.Fatal("DeleteTenant: want true once, then false", "; want srv.DeleteTenant(tn.ID)")
	} else if srv.DeleteTenant(tn.ID) {
		t.Fatal("DeleteTenant: want true once, then false", "; want !srv.DeleteTenant(tn.ID)")
	}
	if _, err := tn.VirtPOS(loyalty.WithoutRetries()).Customers.Get(ctx, 1); err == nil {
		t.Fatal("a deleted tenant's apikey was accepted")
	}
	if err := tn.Artix(loyalty.WithoutRetries()).Customers.Add(ctx, loyalty.ArtixCustomer{ID: "1"}); err == nil {
		t.Fatalf("a deleted tenant's shop code reached the default tenant: %v; want err != nil", err)
	} else if srv.ArtixCustomerCount() != 0 {
		t.Fatalf("a deleted tenant's shop code reached the default tenant: %v; want srv.ArtixCustomerCount() == 0", err)
	}
	if again, _ := srv.NewTenant(""); again.APIKey == old.APIKey {
		t.Fatal("a new tenant got a deleted one's credentials", "; want again.APIKey != old.APIKey")
	} else if again.ID == old.ID {
		t.Fatal("a new tenant got a deleted one's credentials", "; want again.ID != old.ID")
	}
}

// TestTenantsOverTheAdminAPI: what a non-Go suite does with curl: create
// a tenant, use its credentials, scope faults, journal, state and reset
// with ?tenant=, delete it.
func TestTenantsOverTheAdminAPI(t *testing.T) {
	srv := NewServer(t)
	st, body := adminDo(t, srv, http.MethodPost, "/_mock/tenants", `{"name":"suite-a"}`)
	var tc TenantCredentials
	if err := json.Unmarshal([]byte(body), &tc); err != nil {
		t.Fatalf("POST /_mock/tenants: HTTP %d %s; want err == nil", st, body)
	} else if st != http.StatusCreated {
		t.Fatalf("POST /_mock/tenants: HTTP %d %s; want st == http.StatusCreated", st, body)
	} else if tc.ID == "" {
		t.Fatalf("POST /_mock/tenants: HTTP %d %s; want tc.ID != \"\"", st, body)
	} else if tc.APIKey == "" {
		t.Fatalf("POST /_mock/tenants: HTTP %d %s; want tc.APIKey != \"\"", st, body)
	} else if tc.VirtPOSURL != srv.VirtPOSURL {
		t.Fatalf("POST /_mock/tenants: HTTP %d %s; want tc.VirtPOSURL == srv.VirtPOSURL", st, body)
	}
	if st, body := adminDo(t, srv, http.MethodPost, "/_mock/tenants", `{"name":"suite-a"}`); st != http.StatusConflict {
		t.Fatalf("the same name again: HTTP %d %s, want 409", st, body)
	}
	if st, _ := adminDo(t, srv, http.MethodPost, "/_mock/tenants", ``); st != http.StatusCreated {
		t.Fatalf("a tenant without a name: HTTP %d", st)
	}
	scoped := func(method, path, body string) (int, string) {
		t.Helper()
		return adminDo(t, srv, method, path+"?tenant="+tc.ID, body)
	}
	if st, body := scoped(http.MethodPost, "/_mock/faults", `{"api":"virtpos","status":502,"times":-1}`); st != http.StatusCreated {
		t.Fatalf("a tenant's fault: HTTP %d %s", st, body)
	}
	customer := func(key string) int {
		resp, _, err := get(t, http.DefaultClient, srv.VirtPOSURL+"/api/customer?id=1&format=json&apikey="+url.QueryEscape(key))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if st := customer(tc.APIKey); st != http.StatusBadGateway {
		t.Fatalf("the tenant's request: HTTP %d, want its fault's 502", st)
	}
	if st := customer(srv.APIKey); st != http.StatusOK {
		t.Fatalf("the default tenant's request: HTTP %d, want 200", st)
	}
	_, faults := adminDo(t, srv, http.MethodGet, "/_mock/faults", "")
	_, journal := scoped(http.MethodGet, "/_mock/requests", "")
	if strings.Contains(faults, "502") {
		t.Fatalf("default faults %s; tenant journal %s; want !strings.Contains(faults, \"502\")", faults, journal)
	} else if strings.Count(journal, `"path"`) != 1 {
		t.Fatalf("default faults %s; tenant journal %s; want strings.Count(journal, `\"path\"`) == 1", faults, journal)
	} else if !strings.Contains(journal, `"status": 502`) && !strings.Contains(journal, `"status":502`) {
		t.Fatalf("default faults %s; tenant journal %s; want !(!strings.Contains(journal, `\"status\": 502`) && !strings.Contains(journal, `\"status\":502`))", faults, journal)
	}
	if st, _ := scoped(http.MethodDelete, "/_mock/faults", ""); st != http.StatusNoContent {
		t.Fatal("the tenant's faults were not cleared", "; want st == http.StatusNoContent")
	} else if customer(tc.APIKey) != http.StatusOK {
		t.Fatal("the tenant's faults were not cleared", "; want customer(tc.APIKey) == http.StatusOK")
	}
	if st, body := scoped(http.MethodGet, "/_mock/state", ""); st != http.StatusOK {
		t.Fatalf("the tenant's state: HTTP %d; want st == http.StatusOK", st)
	} else if !strings.Contains(body, `"virtpos"`) {
		t.Fatalf("the tenant's state: HTTP %d; want strings.Contains(body, `\"virtpos\"`)", st)
	}
	if st, _ := scoped(http.MethodPost, "/_mock/reset", ""); st != http.StatusNoContent {
		t.Fatal("the tenant's reset")
	}
	if _, journal := scoped(http.MethodGet, "/_mock/requests", ""); strings.Contains(journal, `"path"`) {
		t.Fatalf("reset ?tenant= emptied the wrong journal: tenant %s, default %d entries; want !strings.Contains(journal, `\"path\"`)", journal, len(srv.Requests()))
	} else if len(srv.Requests()) != 1 {
		t.Fatalf("reset ?tenant= emptied the wrong journal: tenant %s, default %d entries; want len(srv.Requests()) == 1", journal, len(srv.Requests()))
	}
	if st, _ := adminDo(t, srv, http.MethodGet, "/_mock/requests?tenant=t99", ""); st != http.StatusNotFound {
		t.Fatalf("an unknown tenant: HTTP %d, want 404", st)
	}
	if st, body := adminDo(t, srv, http.MethodGet, "/_mock/tenants", ""); st != http.StatusOK {
		t.Fatalf("GET /_mock/tenants: HTTP %d %s; want st == http.StatusOK", st, body)
	} else if strings.Count(body, `"apikey"`) != 2 {
		t.Fatalf("GET /_mock/tenants: HTTP %d %s; want strings.Count(body, `\"apikey\"`) == 2", st, body)
	}
	if st, _ := adminDo(t, srv, http.MethodDelete, "/_mock/tenants/"+tc.ID, ""); st != http.StatusNoContent {
		t.Fatal("DELETE the tenant")
	}
	if st, _ := adminDo(t, srv, http.MethodGet, "/_mock/tenants/"+tc.ID, ""); st != http.StatusNotFound {
		t.Fatal("a deleted tenant is still served")
	}
	if _, body, _ := get(t, http.DefaultClient, srv.VirtPOSURL+"/api/customer?id=1&format=json&apikey="+url.QueryEscape(tc.APIKey)); !strings.Contains(body, `"success":0`) {
		t.Fatalf("a deleted tenant's apikey: %s, want the bad-key answer", body)
	}
}

// TestTenantsInMemory: a NewInMemory server routes to its tenants too;
// a tenant's ready clients go through the Server, so deleting the tenant
// cuts them off.
func TestTenantsInMemory(t *testing.T) {
	mem, err := NewInMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := mem.NewTenant("")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeAsTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	if mem.ArtixCustomerCount() != 0 {
		t.Fatalf("Artix clients: default %d, tenant %d; want mem.ArtixCustomerCount() == 0", mem.ArtixCustomerCount(), tn.ArtixCustomerCount())
	} else if tn.ArtixCustomerCount() != 1 {
		t.Fatalf("Artix clients: default %d, tenant %d; want tn.ArtixCustomerCount() == 1", mem.ArtixCustomerCount(), tn.ArtixCustomerCount())
	}
	mem.DeleteTenant(tn.ID)
	if _, err := tn.VirtPOS(loyalty.WithoutRetries()).Customers.Get(t.Context(), 1); err == nil {
		t.Fatal("a deleted tenant's client still reaches it")
	}
}

// TestTenantServesItsOwnExchangeDir: a tenant playing the cash server on
// an exchange directory loads the batches into its own directory only.
func TestTenantServesItsOwnExchangeDir(t *testing.T) {
	srv := NewServer(t)
	tn, err := srv.NewTenant("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- tn.ServeArtixExchangeDir(ctx, dir) }()
	ax, err := loyalty.NewArtixExchangeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ax.Customers.Add(t.Context(), loyalty.ArtixCustomer{ID: "x"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for tn.ArtixCustomerCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, ok := tn.ArtixCustomer("x"); !ok {
		t.Fatalf("tenant has x: %v; default tenant has %d clients; want ok", ok, srv.ArtixCustomerCount())
	} else if srv.ArtixCustomerCount() != 0 {
		t.Fatalf("tenant has x: %v; default tenant has %d clients; want srv.ArtixCustomerCount() == 0", ok, srv.ArtixCustomerCount())
	}
}

// serverOnly are the Server's methods a Tenant does not have: they act on
// the listeners, the Server's own credentials and quirks, or the tenants.
var serverOnly = []string{
	"Close", "Shutdown", "Handler", "RegisterResponders",
	"RequireArtixAuth", "RequireArtixCashServerAuth", "RequireArtixShopCode", // a tenant's credentials route its requests
	"Quirks", "SetQuirks",
	"NewTenant", "Tenant", "Tenants", "DeleteTenant", // a tenant makes no tenants
}

// A Tenant's method set is its own: each of its methods is the Server's
// method of the same name and signature, except Credentials; each Server
// method is on Tenant or listed in serverOnly, so a new Server method must
// be classified; none of serverOnly is on Tenant.
func TestTenantMethodSet(t *testing.T) {
	st, tt := reflect.TypeFor[*Server](), reflect.TypeFor[*Tenant]()
	only := map[string]bool{}
	for _, name := range serverOnly {
		only[name] = true
		if _, ok := st.MethodByName(name); !ok {
			t.Errorf("serverOnly lists %s, which Server does not have", name)
		}
		if _, ok := tt.MethodByName(name); ok {
			t.Errorf("Tenant has %s, which only the Server may have", name)
		}
	}
	for m := range st.Methods() {
		if tm, ok := tt.MethodByName(m.Name); ok {
			// Drop the receiver: the two types differ there.
			if got, want := funcSig(tm.Type), funcSig(m.Type); got != want {
				t.Errorf("Tenant.%s is %s, want Server.%s's %s", m.Name, got, m.Name, want)
			}
		} else if !only[m.Name] {
			t.Errorf("Server.%s is neither on Tenant nor in serverOnly: say whether it works on a tenant", m.Name)
		}
	}
	for m := range tt.Methods() {
		if _, ok := st.MethodByName(m.Name); !ok && m.Name != "Credentials" {
			t.Errorf("Tenant.%s has no Server method of that name", m.Name)
		}
	}
}

// funcSig is a method type's signature without its receiver.
func funcSig(f reflect.Type) string {
	var in, out []string
	for i := 1; i < f.NumIn(); i++ {
		in = append(in, f.In(i).String())
	}
	for i := range f.NumOut() {
		out = append(out, f.Out(i).String())
	}
	return fmt.Sprintf("func(%s) (%s) variadic=%v", strings.Join(in, ", "), strings.Join(out, ", "), f.IsVariadic())
}
