package loyalty

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// RedirectError is a redirect the client refused: to another origin
// (scheme, host or port), from https to http, or past the tenth hop.
// Nothing was sent to Location. Repeating the request meets it again, so
// it is never retried.
type RedirectError struct {
	API        string // "virtpos", "crm" or "artix"
	StatusCode int    // the redirect's HTTP status (301, 302, 303, 307, 308)
	Location   string // where the server pointed, with secrets redacted
	Reason     string // why it was refused
	// MovedTo is set when a VirtPOS account has moved: the redirect left
	// an old host (http://<company>.virtpos.ru, a shard such as
	// acme.m1.virtpos.ru) for the current https://<company>.myvirtualpos.ru.
	// It is the new base URL, VirtPOSCompanyURL(company): give it to
	// NewVirtPOS. Empty otherwise.
	MovedTo string
}

// Error reads "loyalty: <api>: refused a <status> redirect to <location>: <reason>".
func (e *RedirectError) Error() string {
	return fmt.Sprintf("loyalty: %s: refused a %d redirect to %s: %s", e.API, e.StatusCode, e.Location, e.Reason)
}

// maxRedirects is how many redirects one attempt follows.
const maxRedirects = 10

// checkRedirect is the redirect policy of every client: a redirect is
// followed only within the request's origin (same scheme, host and port),
// so the apikey, basic-auth credentials, form bodies and client
// certificates never travel anywhere the caller did not configure, and
// https is never downgraded to http. A caller's own CheckRedirect (from
// [WithHTTPClient]) is consulted after this policy.
//
// A redirect means the origin answered: the request reached it. A write
// that reached the origin is then never repeated by a retry (see
// checkRetry), whatever the target answers.
func (c *core) checkRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if st := stateOf(req.Context()); st != nil {
			st.redirected = true
		}
		status := 0
		if req.Response != nil {
			status = req.Response.StatusCode
		}
		refuse := func(reason string) error {
			e := &RedirectError{API: c.api, StatusCode: status, Location: c.redactURL(req.URL.String()), Reason: reason}
			if c.api == "virtpos" {
				if company, ok := movedVirtPOSAccount(via[0].URL, req.URL); ok {
					e.MovedTo = VirtPOSCompanyURL(company)
					e.Reason = "the VirtPOS account moved to " + e.MovedTo + ": pass loyalty.VirtPOSCompanyURL(" + strconv.Quote(company) + ") to NewVirtPOS (" + reason + ")"
				}
			}
			return e
		}
		from := via[0].URL
		switch {
		case from.Scheme == "https" && req.URL.Scheme != "https":
			return refuse("a redirect from https to " + req.URL.Scheme + " is never followed")
		case !sameOrigin(from, req.URL):
			return refuse("another origin than " + from.Scheme + "://" + from.Host + "; only redirects within the origin are followed")
		case len(via) >= maxRedirects:
			return refuse(fmt.Sprintf("stopped after %d redirects", maxRedirects))
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// myVirtualPOSDomain is the domain of current [VirtPOS] accounts.
const myVirtualPOSDomain = ".myvirtualpos.ru"

// movedVirtPOSAccount reports a redirect from another host to a
// <company>.myvirtualpos.ru account host, and the company.
func movedVirtPOSAccount(from, to *url.URL) (company string, ok bool) {
	host := strings.ToLower(to.Hostname())
	company, ok = strings.CutSuffix(host, myVirtualPOSDomain)
	if !ok || company == "" || strings.Contains(company, ".") || strings.EqualFold(from.Hostname(), host) {
		return "", false
	}
	return company, true
}

// sameOrigin reports whether a and b share scheme, host and port (the
// scheme's default port when none is given).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
