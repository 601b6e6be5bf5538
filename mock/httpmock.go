package mock

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"syscall"

	"github.com/jarcoal/httpmock"
)

// RegisterResponders installs the three APIs of s on mt, for tests that
// must not open sockets. Requests to s.VirtPOSURL, s.CRMURL and s.ArtixURL
// reach the same state, faults and journal as the socket servers (a Server
// made by NewInMemory answers at FakeVirtPOSURL, FakeCRMURL and FakeArtixURL).
//
// Wire mt into a client with WithTransport(mt) (any client), or
// loyalty.WithHTTPClient(&http.Client{Transport: mt}) for VirtPOS and Artix
// (the CRM client refuses that: it could not give mt its certificate).
// httpmock.Activate replaces http.DefaultTransport only, and the loyalty
// clients use a transport of their own.
//
// A Fault's Reset becomes a "connection reset" error from the transport,
// and Truncate a body that ends with io.ErrUnexpectedEOF.
func (s *Server) RegisterResponders(mt *httpmock.MockTransport) {
	for api, base := range map[API]string{VirtPOSAPI: s.VirtPOSURL, CRMAPI: s.CRMURL, ArtixAPI: s.ArtixURL} {
		re := regexp.MustCompile("^" + regexp.QuoteMeta(base) + `(/|\?|$)`)
		h := s.rootServer().handlers[api] // a tenant's requests are routed by their credentials
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodPatch} {
			mt.RegisterRegexpResponder(m, re, responder(h))
		}
	}
}

// errConnReset is what a Reset fault looks like without a socket.
var errConnReset = fmt.Errorf("mock: connection reset by peer: %w", syscall.ECONNRESET)

// responder runs h in memory and turns its answer into a response.
func responder(h http.Handler) httpmock.Responder {
	return func(req *http.Request) (resp *http.Response, err error) {
		rec := httptest.NewRecorder()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					resp, err = nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: errConnReset}
					if cerr := req.Context().Err(); cerr != nil {
						err = cerr // the client gave up (a Delay fault)
					}
					return
				}
				panic(p)
			}
		}()
		// A RoundTripper closes the request body on every outcome (a
		// client streaming it through a pipe would block otherwise) and
		// leaves the request itself alone: the handler gets a shallow copy.
		if req.Body != nil {
			defer req.Body.Close()
		}
		hreq := req.WithContext(req.Context())
		if hreq.Body == nil {
			hreq.Body = http.NoBody
		}
		// A Reset fault cannot hijack a recorder: it panics with
		// http.ErrAbortHandler, recovered above as a reset connection.
		h.ServeHTTP(rec, hreq)
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		resp = rec.Result()
		resp.Request = req
		if cl, err := strconv.ParseInt(rec.Header().Get("Content-Length"), 10, 64); err == nil && cl > int64(rec.Body.Len()) {
			// A Truncate fault: the body ends before its announced length.
			resp.Body = io.NopCloser(io.MultiReader(resp.Body, errReader{io.ErrUnexpectedEOF}))
		}
		resp.ContentLength = int64(rec.Body.Len())
		return resp, nil
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
