package loyalty_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
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

	for name, opts := range map[string][]loyalty.Option{
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
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "only spoken over https") || leaked.Load() != 0 {
			t.Fatalf("%s: got %v, %d requests reached the cleartext server; want a *RequestError and none", name, err, leaked.Load())
		}
		if loyalty.Attempts(err) != 1 {
			t.Errorf("%s: a refused redirect was retried: %d attempts", name, loyalty.Attempts(err))
		}
	}
}
