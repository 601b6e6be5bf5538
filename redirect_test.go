package loyalty_test

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func TestCRMRefusesARedirectToCleartext(t *testing.T) {
	m, err := mock.NewInMemory(mock.Config{}) // for a client certificate
	if err != nil {
		t.Fatal(err)
	}
	var leaked atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		w.Write([]byte(`{"contacts":[],"errors":[]}`))
	}))
	defer plain.Close()
	redirector := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	defer redirector.Close()
	roots := x509.NewCertPool()
	roots.AddCert(redirector.Certificate())

	for name, opts := range map[string][]loyalty.CRMOption{
		"default client": nil,
		"WithHTTPClient": {loyalty.WithHTTPClient(&http.Client{Transport: &http.Transport{}})},
	} {
		crm, err := loyalty.NewCRM(redirector.URL, m.CommercialFirmID, append(opts,
			loyalty.WithClientCertificate(m.ClientCertificate()), loyalty.WithRootCAs(roots))...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = crm.Contacts.Find(context.Background(), loyalty.ContactFilter{MobilePhone: "79161234567"})
		var re *loyalty.RequestError
		var rde *loyalty.RedirectError
		if !errors.As(err, &re) || !errors.As(err, &rde) || !strings.Contains(err.Error(), "from https to http") || leaked.Load() != 0 {
			t.Fatalf("%s: got %v, %d requests reached the cleartext server; want a *RequestError wrapping a *RedirectError and none", name, err, leaked.Load())
		}
		if loyalty.Attempts(err) != 1 {
			t.Errorf("%s: a refused redirect was retried: %d attempts", name, loyalty.Attempts(err))
		}
	}
}

// hits counts the requests a test server received and what reached it.
type hits struct {
	mu     sync.Mutex
	n      int
	bodies []string
	auths  []string
}

func (h *hits) record(r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	h.bodies = append(h.bodies, r.URL.RawQuery+" "+string(b))
	h.auths = append(h.auths, r.Header.Get("Authorization"))
}

func (h *hits) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// A write the origin answered with a redirect reached the origin: no retry
// repeats it, whatever the redirect's target answers or whether it answers.
func TestRedirectedWriteIsNeverRepeated(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close() // a port that refuses connections
	for _, tc := range []struct {
		name   string
		status int
		target func(origin string) string
	}{
		{"303 to a refused port", http.StatusSeeOther, func(string) string { return refusedURL + "/x" }},
		{"307 to a refused port", http.StatusTemporaryRedirect, func(string) string { return refusedURL + "/x" }},
		{"307 to a path answering 429", http.StatusTemporaryRedirect, func(o string) string { return o + "/busy" }},
		{"303 to a path answering 429", http.StatusSeeOther, func(o string) string { return o + "/busy" }},
		{"307 to a path answering 503", http.StatusTemporaryRedirect, func(o string) string { return o + "/down" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var writes hits
			var origin string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/busy":
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusTooManyRequests)
				case "/down":
					w.WriteHeader(http.StatusServiceUnavailable)
				default:
					writes.record(r)
					w.Header().Set("Location", tc.target(origin))
					w.WriteHeader(tc.status)
				}
			}))
			defer srv.Close()
			origin = srv.URL
			vp, err := loyalty.NewVirtPOS(srv.URL, "redirect-key-1234", fast)
			if err != nil {
				t.Fatal(err)
			}
			_, err = vp.Customers.Create(context.Background(), &loyalty.CustomerUpdate{FirstName: new("Пётр")})
			if err == nil {
				t.Fatal("want an error")
			}
			if n := writes.count(); n != 1 {
				t.Fatalf("the write reached the origin %d times, want once: %v", n, err)
			}
		})
	}
}

// One redirect policy for all three clients: a redirect to another origin
// (scheme, host or port) or from https to http is refused with a
// *RedirectError naming the redacted Location, and the target receives
// nothing: no apikey, no credentials, no form body.
func TestRedirectToAnotherOriginIsRefused(t *testing.T) {
	const key = "redirect-apikey-5678"
	var elsewhere hits
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.record(r)
		w.Write([]byte(`<?xml version="1.0"?><root><success>1</success><count>0</count><customers/></root>`))
	}))
	defer other.Close()
	redirector := func(status int, to func(*http.Request) string) *httptest.Server {
		return httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", to(r))
			w.WriteHeader(status)
		}))
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		status int
		call   func(t *testing.T, base string, hc *http.Client) error
	}{
		{"virtpos write 307 to another host", http.StatusTemporaryRedirect, func(t *testing.T, base string, hc *http.Client) error {
			vp, err := loyalty.NewVirtPOS(base, key, loyalty.WithHTTPClient(hc), loyalty.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			_, err = vp.Customers.Update(ctx, 11, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
			return err
		}},
		{"virtpos write 308 to another host", http.StatusPermanentRedirect, func(t *testing.T, base string, hc *http.Client) error {
			vp, err := loyalty.NewVirtPOS(base, key, loyalty.WithHTTPClient(hc), loyalty.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			_, err = vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: "1000123"})
			return err
		}},
		{"virtpos read 302 from https to http", http.StatusFound, func(t *testing.T, base string, hc *http.Client) error {
			vp, err := loyalty.NewVirtPOS(base, key, loyalty.WithHTTPClient(hc), loyalty.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			_, err = vp.Customers.List(ctx, nil)
			return err
		}},
		{"artix basic auth 307 from https to http", http.StatusTemporaryRedirect, func(t *testing.T, base string, hc *http.Client) error {
			ax, err := loyalty.NewArtix(base, loyalty.WithHTTPClient(hc), loyalty.WithBasicAuth("admin", "artix-secret-pw"), loyalty.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			return ax.Customers.Delete(ctx, "12")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := elsewhere.count()
			src := redirector(tc.status, func(r *http.Request) string { return other.URL + r.URL.RequestURI() })
			defer src.Close()
			err := tc.call(t, src.URL, src.Client())
			var re *loyalty.RedirectError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a *RedirectError", err)
			}
			if n := elsewhere.count() - before; n != 0 {
				t.Fatalf("%d requests reached the other origin: %q", n, elsewhere.bodies)
			}
			if !strings.HasPrefix(re.Location, other.URL) || strings.Contains(err.Error(), key) {
				t.Errorf("Location %q (want the redacted target), error %v", re.Location, err)
			}
			if loyalty.Attempts(err) != 1 {
				t.Errorf("a refused redirect was retried: %d attempts", loyalty.Attempts(err))
			}
		})
	}
}

// A redirect within the origin is followed.
func TestRedirectWithinTheOriginIsFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/customer" {
			http.Redirect(w, r, "/v2/api/customer?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		w.Write([]byte(`<?xml version="1.0"?><root><success>1</success><count>0</count><customers/></root>`))
	}))
	defer srv.Close()
	vp, err := loyalty.NewVirtPOS(srv.URL, "k-123456")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vp.Customers.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

// An old VirtPOS host redirecting to its account's myvirtualpos.ru host:
// refused (another origin), with an error that says the account moved and
// where to point the client.
func TestVirtPOSRedirectToMyVirtualPOSSaysTheAccountMoved(t *testing.T) {
	for _, tc := range []struct {
		location, wantMoved string
	}{
		{"https://acme.myvirtualpos.ru/api/customer?format=xml", "https://acme.myvirtualpos.ru"},
		{"https://ACME.MyVirtualPOS.ru/api/customer", "https://acme.myvirtualpos.ru"},
		{"https://acme.example.ru/api/customer", ""},
	} {
		old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, tc.location, http.StatusMovedPermanently)
		}))
		vp, err := loyalty.NewVirtPOS(old.URL, "secret-key", loyalty.WithRetry(0, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = vp.Customers.Get(context.Background(), 1)
		old.Close()
		var rde *loyalty.RedirectError
		if !errors.As(err, &rde) {
			t.Fatalf("%s: got %v, want a *RedirectError", tc.location, err)
		}
		if rde.MovedTo != tc.wantMoved {
			t.Errorf("%s: MovedTo %q, want %q", tc.location, rde.MovedTo, tc.wantMoved)
		}
		says := strings.Contains(err.Error(), `VirtPOSCompanyURL("acme")`) && strings.Contains(err.Error(), "moved")
		if says != (tc.wantMoved != "") {
			t.Errorf("%s: the message names the move and VirtPOSCompanyURL: %v, want %v: %v", tc.location, says, tc.wantMoved != "", err)
		}
		if strings.Contains(err.Error(), "secret-key") {
			t.Errorf("the apikey leaked: %v", err)
		}
	}
}
