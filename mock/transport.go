package mock

import (
	"fmt"
	"net/http"
	"net/url"
)

// Transport is an http.RoundTripper that serves the three APIs of s in
// memory: no sockets, no TLS, no httpmock and no registration step. Give
// it to a client with loyalty.WithHTTPClient(&http.Client{Transport:
// srv.Transport()}); requests to s.VirtPOSURL, s.CRMURL and s.ArtixURL
// reach the same state, faults and journal as the socket servers (a
// Server made by NewInMemory answers at FakeVirtPOSURL, FakeCRMURL and
// FakeArtixURL). A request to another origin is an error naming it.
//
// As with RegisterResponders, a Fault's Reset becomes a "connection reset"
// error and Truncate a body that ends with io.ErrUnexpectedEOF.
func (s *Server) Transport() http.RoundTripper { return memTransport{s} }

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
