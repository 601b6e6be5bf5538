package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/testutil"
)

// TestRunTenants: -tenant and -tenants make tenants whose credentials are
// in the ready line; a write with one tenant's credentials lands in its
// own data and journal only; -log names the tenant of each request.
func TestRunTenants(t *testing.T) {
	s := startRun(t, "-tenant", "suite-a", "-tenants", "1", "-log")
	ts := s.ready.Tenants
	if len(ts) != 2 {
		t.Fatalf("ready line tenants %+v; want len(ts) == 2", ts)
	} else if ts[0].Name != "suite-a" {
		t.Fatalf("ready line tenants %+v; want ts[0].Name == \"suite-a\"", ts)
	} else if ts[1].Name != "" {
		t.Fatalf("ready line tenants %+v; want ts[1].Name == \"\"", ts)
	} else if ts[0].APIKey == ts[1].APIKey {
		t.Fatalf("ready line tenants %+v; want ts[0].APIKey != ts[1].APIKey", ts)
	} else if ts[0].APIKey == s.ready.APIKey {
		t.Fatalf("ready line tenants %+v; want ts[0].APIKey != s.ready.APIKey", ts)
	}
	ctx := context.Background()
	vp, err := loyalty.NewVirtPOS(ts[0].VirtPOSURL, ts[0].APIKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Тенант")}); err != nil {
		t.Fatal(err)
	}
	ax, err := loyalty.NewArtix(ts[0].ArtixURL, loyalty.WithArtixShopCode(ts[0].ArtixShopCode), loyalty.WithBasicAuth(ts[0].ArtixUser, ts[0].ArtixPassword))
	if err != nil {
		t.Fatal(err)
	}
	if err := ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "1"}); err != nil {
		t.Fatal(err)
	}
	admin := s.ready.VirtPOSURL + s.ready.AdminPrefix
	if body := testutil.Get(t, nil, admin+"requests?tenant="+ts[0].ID); strings.Count(body, `"path"`) != 2 {
		t.Fatalf("the tenant's journal: %s", body)
	}
	for _, u := range []string{admin + "requests", admin + "requests?tenant=" + ts[1].ID} {
		if body := testutil.Get(t, nil, u); strings.Contains(body, `"path"`) {
			t.Fatalf("%s holds the tenant's requests: %s", u, body)
		}
	}
	if st, _ := testutil.Do(t, nil, http.MethodGet, admin+"tenants/"+ts[1].ID, ""); st != http.StatusOK {
		t.Fatalf("GET tenants/%s: HTTP %d", ts[1].ID, st)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if log := s.stderr.String(); !strings.Contains(log, "tenant="+ts[0].ID) {
		t.Fatalf("-log does not name the tenant or prints its password:\n%s; want strings.Contains(log, \"tenant=\"+ts[0].ID)", log)
	} else if strings.Contains(log, ts[0].ArtixPassword) {
		t.Fatalf("-log does not name the tenant or prints its password:\n%s; want !strings.Contains(log, ts[0].ArtixPassword)", log)
	}
}

// TestRunRefusesBadTenantFlags: a negative count, too many tenants or a
// name twice fail the start, with no ready line.
func TestRunRefusesBadTenantFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-tenants", "-1"},
		{"-tenants", "100000"},
		{"-tenant", "a", "-tenant", "a"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err == nil || out.Len() != 0 {
			t.Errorf("%q: %v, ready line %q; want an error and none", args, err, out.String())
		}
	}
}
