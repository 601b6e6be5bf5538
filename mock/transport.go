package mock

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/loyaltykit/loyalty"
)

// Transport is an http.RoundTripper that serves the three APIs of s in
// memory: no sockets, no TLS, no httpmock and no registration step. Give
// it to any client with WithTransport(srv.Transport()) (VirtPOS and Artix
// clients also take it through loyalty.WithHTTPClient; the CRM client
// refuses that, see WithTransport); requests to s.VirtPOSURL, s.CRMURL and
// s.ArtixURL reach the same state, faults and journal as the socket
// servers (a Server made by NewInMemory answers at FakeVirtPOSURL,
// FakeCRMURL and FakeArtixURL, and its ready clients use this transport
// already). A request to another origin is an error naming it.
//
// As with RegisterResponders, a Fault's Reset becomes a "connection reset"
// error and Truncate a body that ends with io.ErrUnexpectedEOF.
//
// A Tenant's Transport is its Server's: requests reach the tenant by
// their credentials, as over sockets.
func (s *Server) Transport() http.RoundTripper { return memTransport{s.rootServer()} }

// memTransport routes a request by its origin to the API's handler.
type memTransport struct{ s *Server }

// RoundTrip serves req with the handler of the API at its origin.
func (t memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for api, base := range map[API]string{VirtPOSAPI: t.s.VirtPOSURL, CRMAPI: t.s.CRMURL, ArtixAPI: t.s.ArtixURL} {
		if u, err := url.Parse(base); err == nil && u.Scheme == req.URL.Scheme && u.Host == req.URL.Host {
			return responder(t.s.handlers[api])(req)
		}
	}
	if req.Body != nil {
		req.Body.Close()
	}
	return nil, fmt.Errorf("mock: Transport: no mock API at %s://%s (VirtPOS %s, CRM %s, Artix %s)",
		req.URL.Scheme, req.URL.Host, t.s.VirtPOSURL, t.s.CRMURL, t.s.ArtixURL)
}

// WithTransport is a client option that sends every request to rt, a
// transport that answers without the network (srv.Transport(), an httpmock
// transport given to RegisterResponders, a cassette replayer), for any of
// the three clients:
//
//	crm := mem.CRM(mock.WithTransport(mt))
//	crm, err := loyalty.NewCRM(mem.CRMURL, mem.CommercialFirmID,
//		loyalty.WithClientCertificate(mem.ClientCertificate()), mock.WithTransport(mem.Transport()))
//
// It is a loyalty.WithTransportMiddleware whose RoundTripper ignores the
// transport it wraps, so the CRM client's TLS settings (which
// loyalty.WithHTTPClient with such a transport refuses with a
// *loyalty.ConfigError) are left unused: nothing dials. Give it before any
// middleware that should see the requests, such as a Recorder's Wrap. A
// nil rt makes the constructor fail with a *loyalty.ConfigError.
func WithTransport(rt http.RoundTripper) loyalty.HTTPOption {
	return loyalty.WithTransportMiddleware(func(http.RoundTripper) http.RoundTripper { return rt })
}

// inMemory is the option that makes a ready client of a Server made by
// NewInMemory answer in memory (nil, which a constructor skips, for one
// that listens). VirtPOS and Artix clients get the transport through
// WithHTTPClient, which a caller's own WithHTTPClient replaces; the CRM,
// through WithTransport.
func (s *Server) inMemory(api API) loyalty.HTTPOption {
	if len(s.rootServer().listeners()) > 0 {
		return nil
	}
	if api == CRMAPI {
		return WithTransport(s.Transport())
	}
	return loyalty.WithHTTPClient(&http.Client{Transport: s.Transport()})
}
