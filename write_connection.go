package loyalty

import (
	"crypto/tls"
	"net/http"
)

// writeSplit sends a request marked Close (a write that is not safe to
// repeat: newRequest marks it) over a connection of its own, dialled for
// it and closed after it, and every other request over the pooled
// connections of the same transport.
//
// A server (or a PHP/CGI bug) that writes bytes past Content-Length
// leaves them on a kept-alive connection, where they are read as the
// answer to the next request: a Create could get another answer's id with
// a nil error. Req.Close alone keeps a write's connection from being
// reused, but the write may still take a pooled connection that carries a
// previous answer's excess; a connection of its own carries none. The
// cost is a dial (and for TLS a handshake) per such write: see
// docs/reliability.md for the numbers.
type writeSplit struct {
	pooled http.RoundTripper
	fresh  *http.Transport // pooled's settings, keep-alives disabled
}

// freshWrites is rt with non-repeatable writes split off to unpooled
// connections when rt is an *http.Transport; any other RoundTripper gets
// Request.Close only.
func freshWrites(rt http.RoundTripper) http.RoundTripper {
	t, ok := rt.(*http.Transport)
	if !ok {
		return rt
	}
	fresh := t.Clone()
	fresh.DisableKeepAlives = true
	// Resume TLS sessions: a write's handshake then costs a round trip and
	// no certificate exchange.
	if fresh.TLSClientConfig == nil {
		fresh.TLSClientConfig = &tls.Config{}
	}
	if fresh.TLSClientConfig.ClientSessionCache == nil {
		fresh.TLSClientConfig.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return writeSplit{pooled: t, fresh: fresh}
}

func (w writeSplit) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Close {
		return w.fresh.RoundTrip(r)
	}
	return w.pooled.RoundTrip(r)
}

// CloseIdleConnections closes the pooled transport's idle connections (the
// other has none).
func (w writeSplit) CloseIdleConnections() {
	if c, ok := w.pooled.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
