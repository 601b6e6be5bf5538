package mock_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// The ready clients of a Server made by NewInMemory answer in memory: one
// line gives a socket-free client of each API, the CRM included.
func TestInMemoryServerClientsAreSocketFree(t *testing.T) {
	mem, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if c, err := mem.VirtPOS().Customers.Get(ctx, 1); err != nil {
		t.Fatalf("VirtPOS: %+v, %v; want err == nil", c, err)
	} else if c.FirstName == "" {
		t.Fatalf("VirtPOS: %+v, %v; want c.FirstName != \"\"", c, err)
	}
	if regs, err := mem.CRM().Directory.Regions(ctx); err != nil {
		t.Fatalf("CRM: %v, %v; want err == nil", regs, err)
	} else if len(regs) == 0 {
		t.Fatalf("CRM: %v, %v; want len(regs) != 0", regs, err)
	}
	if err := mem.Artix().Customers.Delete(ctx, "1"); err != nil {
		t.Fatalf("Artix: %v", err)
	}
	if _, err := mem.ArtixCashServer().Customers.Get(ctx, "2"); err != nil && !errors.Is(err, loyalty.ErrNotFound) {
		t.Fatalf("Artix cash server: %v", err)
	}
	if n := len(mem.Requests()); n != 4 {
		t.Fatalf("the journal has %d requests, want 4", n)
	}
}

// mock.WithTransport serves any client, the CRM included, from a
// transport that answers in memory; loyalty.WithHTTPClient with such a
// transport is refused for the CRM, whose TLS settings it cannot take, and
// Server.CRM's panic says what to use instead.
func TestWithTransportServesTheCRM(t *testing.T) {
	ctx := context.Background()
	srv := mock.NewServer(t)
	before := len(srv.Requests())
	crm := srv.CRM(mock.WithTransport(srv.Transport()))
	if _, err := crm.Directory.Regions(ctx); err != nil {
		t.Fatalf("srv.Transport(): %v", err)
	}
	if n := len(srv.Requests()) - before; n != 1 {
		t.Fatalf("the journal has %d new requests, want 1", n)
	}

	mem, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mt := httpmock.NewMockTransport()
	mem.RegisterResponders(mt)
	for name, c := range map[string]*loyalty.CRM{
		"Server.CRM": mem.CRM(mock.WithTransport(mt)),
		"NewCRM":     newCRM(t, mem, mock.WithTransport(mt)),
	} {
		if _, err := c.Directory.Partners(ctx); err != nil {
			t.Fatalf("%s through httpmock: %v", name, err)
		}
	}
	if _, err := mem.VirtPOS(mock.WithTransport(mt)).Customers.Get(ctx, 1); err != nil {
		t.Fatalf("VirtPOS through httpmock: %v", err)
	}
	if err := mem.Artix(mock.WithTransport(mt)).Customers.Delete(ctx, "1"); err != nil {
		t.Fatalf("Artix through httpmock: %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 4 {
		t.Fatalf("httpmock served %d requests, want 4", n)
	}

	msg := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		srv.CRM(loyalty.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
		return "no panic"
	}()
	if !strings.Contains(msg, "mock.WithTransport") {
		t.Fatalf("Server.CRM with an in-memory WithHTTPClient: %s; want strings.Contains(msg, \"mock.WithTransport\")", msg)
	} else if !strings.Contains(msg, "WithTransportMiddleware") {
		t.Fatalf("Server.CRM with an in-memory WithHTTPClient: %s; want strings.Contains(msg, \"WithTransportMiddleware\")", msg)
	}
}

func newCRM(t *testing.T, srv *mock.Server, opts ...loyalty.CRMOption) *loyalty.CRM {
	t.Helper()
	c, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
		append([]loyalty.CRMOption{loyalty.WithClientCertificate(srv.ClientCertificate())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFakeURLsAreReservedNames: the in-memory server's base URLs are under
// .invalid, which never resolves (RFC 2606, RFC 6761), so the documented
// mistake (a client built without the mock's transport) cannot reach a
// real host of that name; it fails with a *loyalty.RequestError.
func TestFakeURLsAreReservedNames(t *testing.T) {
	for _, raw := range []string{mock.FakeVirtPOSURL, mock.FakeCRMURL, mock.FakeArtixURL} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(u.Hostname(), ".invalid") {
			t.Errorf("fake URL %s: host %q, want a name under .invalid", raw, u.Hostname())
		}
	}
	srv, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	vp, err := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey, loyalty.WithoutRetries()) // the mistake: no mock transport
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = vp.Customers.Get(ctx, 1)
	var re *loyalty.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("a client without the mock's transport got %v, want a *loyalty.RequestError", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the mock journaled %d requests from a client without its transport, want none", n)
	}
}
