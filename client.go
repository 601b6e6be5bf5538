package loyalty

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Version is the library version reported in the default User-Agent. A
// tree between releases says which release it leads to, with "-dev": no
// version has been tagged yet.
const Version = "0.2.0-dev"

// Defaults of the shared options.
const (
	// DefaultMaxResponseBytes is the largest response body a client reads
	// unless WithMaxResponseBytes says otherwise.
	DefaultMaxResponseBytes int64 = 64 << 20
	// DefaultRetries is how many times a retryable request is repeated
	// after its first attempt unless WithRetry says otherwise.
	DefaultRetries = 3
	// MaxRetries is the most retries WithRetry accepts: more would hammer
	// a server that is down rather than wait for it.
	MaxRetries = 100
	// DefaultRetryWaitMin is the shortest wait between two attempts.
	DefaultRetryWaitMin = 250 * time.Millisecond
	// DefaultRetryWaitMax caps every wait between two attempts, including
	// a server's Retry-After.
	DefaultRetryWaitMax = 10 * time.Second
)

// DefaultUserAgent is sent when [WithUserAgent] is not given. It is a
// constant: an importer cannot change what every other importer sends.
const DefaultUserAgent = "loyalty-go/" + Version + " (+https://github.com/loyaltykit/loyalty)"

// settings is what the options fill in. Service constructors read the
// fields that concern them.
type settings struct {
	httpClient       *http.Client
	retries          int
	retryWaitMin     time.Duration
	retryWaitMax     time.Duration
	logger           *slog.Logger
	userAgent        string
	maxResponseBytes int64
	responseTimeout  time.Duration
	attemptTimeout   time.Duration
	observer         Observer
	middleware       []func(http.RoundTripper) http.RoundTripper

	// Per-API settings, defined beside each client.
	vp    virtposSettings
	crm   crmSettings
	artix artixSettings
}

func defaultSettings() *settings {
	return &settings{
		retries:          DefaultRetries,
		retryWaitMin:     DefaultRetryWaitMin,
		retryWaitMax:     DefaultRetryWaitMax,
		userAgent:        DefaultUserAgent,
		maxResponseBytes: DefaultMaxResponseBytes,
		responseTimeout:  DefaultResponseTimeout,
		attemptTimeout:   DefaultAttemptTimeout,
	}
}

// applyOptions runs opts in order on the defaults, apply being the
// constructor's method of its option interface (e.g.
// [VirtPOSOption].applyVirtPOS). A nil option is skipped.
func applyOptions[O any](opts []O, apply func(O, *settings) error) (*settings, error) {
	s := defaultSettings()
	for _, o := range opts {
		if any(o) == nil {
			continue
		}
		if err := apply(o, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ConfigError reports an invalid constructor argument or option.
type ConfigError struct {
	Field  string // the argument or option at fault, e.g. "apiKey" or "WithRetry"
	Reason string // what is wrong with it
}

// Error names the argument or option and what is wrong with it.
func (e *ConfigError) Error() string {
	return "loyalty: invalid " + e.Field + ": " + e.Reason
}

// WithHTTPClient sends requests through hc instead of a client made for the
// purpose. Its Transport is used as it is (so httpmock can be wired into
// [VirtPOS] and Artix clients). The CRM client clones an *http.Transport to
// add its TLS settings; since it needs a client certificate, it refuses any
// other Transport with a *[ConfigError]: give wrappers and test doubles to
// [WithTransportMiddleware] instead.
func WithHTTPClient(hc *http.Client) HTTPOption {
	return func(s *settings) error {
		if hc == nil {
			return &ConfigError{Field: "WithHTTPClient", Reason: "nil *http.Client"}
		}
		s.httpClient = hc
		return nil
	}
}

// WithRetry sets how many times a retryable request is repeated after its
// first attempt (retries, at most [MaxRetries]; default [DefaultRetries]),
// and the shortest and longest wait between attempts.
// The longest wait also caps a server's Retry-After.
func WithRetry(retries int, minWait, maxWait time.Duration) HTTPOption {
	return func(s *settings) error {
		switch {
		case retries < 0:
			return &ConfigError{Field: "WithRetry", Reason: "negative retry count " + strconv.Itoa(retries)}
		case retries > MaxRetries:
			return &ConfigError{Field: "WithRetry", Reason: fmt.Sprintf("%d retries is more than MaxRetries (%d)", retries, MaxRetries)}
		case minWait < 0 || maxWait < 0:
			return &ConfigError{Field: "WithRetry", Reason: "negative wait"}
		case maxWait < minWait:
			return &ConfigError{Field: "WithRetry", Reason: fmt.Sprintf("maxWait %s is below minWait %s", maxWait, minWait)}
		}
		s.retries, s.retryWaitMin, s.retryWaitMax = retries, minWait, maxWait
		return nil
	}
}

// WithoutRetries makes every request a single attempt.
func WithoutRetries() HTTPOption {
	return func(s *settings) error {
		s.retries = 0
		return nil
	}
}

// WithLogger logs each attempt, retry and outcome at debug level (retries
// at warn) to l, and the exchange directory's pickup waits. Secrets are
// redacted from every record. Default: no logging. Every constructor
// accepts it.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		s.logger = l
		return nil
	}
}

// WithUserAgent replaces the User-Agent header. It must be a valid header
// value that is not blank (omit the option for [DefaultUserAgent]).
func WithUserAgent(ua string) HTTPOption {
	return func(s *settings) error {
		switch {
		case strings.ContainsAny(ua, "\r\n"):
			return &ConfigError{Field: "WithUserAgent", Reason: "contains a line break"}
		case strings.TrimSpace(ua) == "":
			return &ConfigError{Field: "WithUserAgent", Reason: "empty; omit the option for DefaultUserAgent"}
		case strings.ContainsFunc(ua, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }):
			return &ConfigError{Field: "WithUserAgent", Reason: "contains a control character"}
		}
		s.userAgent = ua
		return nil
	}
}

// WithMaxResponseBytes limits how many bytes of one response body are read
// (default [DefaultMaxResponseBytes]). A larger body fails with an error that
// matches [ErrResponseTooLarge]. Streaming reads (Customers.All, Stream)
// apply the limit to each customer record instead (the bytes read since
// the previous one), so an export of any size streams while one oversized
// record still fails.
func WithMaxResponseBytes(n int64) HTTPOption {
	return func(s *settings) error {
		if n <= 0 {
			return &ConfigError{Field: "WithMaxResponseBytes", Reason: "must be positive, got " + strconv.FormatInt(n, 10)}
		}
		s.maxResponseBytes = n
		return nil
	}
}

// core is the one request path every service uses: URL building, retries,
// bounded reading, redaction and logging.
type core struct {
	api       string
	base      *url.URL
	rc        *retryablehttp.Client
	logger    *slog.Logger
	userAgent []string // the User-Agent header's value
	maxBytes  int64
	header    http.Header    // sent with every request (Artix basic auth)
	secrets   []string       // redacted from URLs, errors and logs
	secretRE  *regexp.Regexp // matches secrets and their escaped forms (secretPattern)
	observer  Observer       // WithObserver's, or nil
}

// newCore validates baseURL and builds the request core from s.
func newCore(api, baseURL string, s *settings) (*core, error) {
	if strings.TrimSpace(baseURL) == "" {
		return nil, &ConfigError{Field: "baseURL", Reason: "empty"}
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		// *url.Error quotes the whole URL, a password in it included: keep
		// only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &ConfigError{Field: "baseURL", Reason: "not a URL: " + err.Error()}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &ConfigError{Field: "baseURL", Reason: fmt.Sprintf("scheme must be http or https, got %q", u.Scheme)}
	}
	if u.Host == "" {
		return nil, &ConfigError{Field: "baseURL", Reason: "no host"}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""

	hc := s.httpClient
	if hc == nil {
		hc = &http.Client{Transport: newTransport()}
	}
	c := &core{
		api:       api,
		base:      u,
		logger:    s.logger,
		userAgent: []string{s.userAgent},
		maxBytes:  s.maxResponseBytes,
		header:    http.Header{},
		observer:  s.observer,
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		c.addSecret(pw)
	}
	// retryablehttp closes the client's idle connections after every failed
	// request; with a shared client that would drop every other caller's
	// (and every bulk worker's) pooled connections. Hide that method.
	rhc := *hc
	rt, err := wrapTransport(freshWrites(transport(hc)), s.middleware)
	if err != nil {
		return nil, err
	}
	rhc.Transport = keepIdle{stallGuard{rt: rt, d: s.responseTimeout, whole: s.attemptTimeout,
		w: newWatchdog(s.responseTimeout, s.attemptTimeout)}}
	rhc.CheckRedirect = c.checkRedirect(hc.CheckRedirect)
	c.rc = &retryablehttp.Client{
		HTTPClient:     &rhc,
		Logger:         nil, // our own slog records, written by the hooks
		RetryWaitMin:   s.retryWaitMin,
		RetryWaitMax:   s.retryWaitMax,
		RetryMax:       s.retries,
		CheckRetry:     c.checkRetry,
		Backoff:        backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: c.onAttempt,
		PrepareRetry:   rewindBody,
	}
	return c, nil
}

// transport is hc's round tripper, as http.Client would use it.
func transport(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

// keepIdle is a RoundTripper without CloseIdleConnections, so that
// http.Client.CloseIdleConnections called by retryablehttp is a no-op.
type keepIdle struct{ rt http.RoundTripper }

func (k keepIdle) RoundTrip(r *http.Request) (*http.Response, error) { return k.rt.RoundTrip(r) }

// newTransport is the default transport: pooled, with enough idle
// connections per host for concurrent bulk workers.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
}
