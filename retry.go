package loyalty

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// checkRetry is the retry policy (retryPolicy). An answer it keeps of a
// buffered request has its body read here, inside the retry loop, and a
// read that fails is judged like a transport error: a body cut off
// mid-way is retried like a dropped connection when the request is safe
// to repeat.
func (c *core) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, cerr := c.retryPolicy(ctx, resp, err)
	if retry || cerr != nil || err != nil || resp == nil {
		return retry, cerr
	}
	st := stateOf(ctx)
	if st == nil || !st.buffered || st.read {
		return false, nil
	}
	if rerr := st.readAnswer(c, resp); rerr != nil {
		return c.retryPolicy(ctx, resp, rerr)
	}
	return false, nil
}

// retryPolicy: 429 is always retried (the server did not process the
// request); 5xx and transport errors only when the request is idempotent;
// a failed dial is retried for every request since nothing was sent;
// nothing is retried once the caller's context is done. An attempt the
// watchdog ended is retried like any timeout: its answer may have raced
// the ending (headers just in time, a body that then fails).
func (c *core) retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateOf(ctx)
	if cerr := callerErr(ctx, st); cerr != nil {
		return false, cerr
	}
	idempotent := st != nil && st.idempotent
	if st != nil && st.redirected && !idempotent {
		// The origin answered with a redirect: the write reached it, and
		// repeating it could apply it twice.
		return false, nil
	}
	if err != nil {
		if !retryableTransportError(err) {
			return false, nil
		}
		retry := idempotent || isDialError(err)
		if retry {
			rerr := c.redactErr(err)
			c.log(ctx, slog.LevelWarn, "loyalty retry", st, slog.String("error", rerr.Error()))
			c.observe(ctx, EventRetry, st, 0, rerr)
		}
		return retry, nil
	}
	retry := resp.StatusCode == http.StatusTooManyRequests ||
		(idempotent && resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented)
	if retry {
		c.log(ctx, slog.LevelWarn, "loyalty retry", st, slog.Int("status", resp.StatusCode))
		c.observe(ctx, EventRetry, st, resp.StatusCode, nil)
	}
	return retry, nil
}

// retryableTransportError is false for errors that the same request will
// meet again: certificate problems, bad URLs, redirect loops, and errors
// that say so ([PermanentError]).
func retryableTransportError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &recordErr), errors.As(err, &alert):
		return false
	case errors.Is(err, ErrResponseTooLarge):
		return false
	}
	var pe PermanentError
	if errors.As(err, &pe) && pe.Permanent() {
		return false
	}
	// A TLS alert from the peer (an old protocol version, a client
	// certificate it does not accept) will be sent again.
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return false
	}
	var ue *url.Error
	var re *RedirectError
	if errors.As(err, &re) || errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "stopped after") {
		return false // a refused redirect or a redirect loop
	}
	return true
}

// isDialError reports a connection that was never made, so nothing of the
// request reached the server.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// backoff waits for Retry-After on 429 and 503 (seconds or HTTP-date),
// capped at max; otherwise exponentially from min with jitter.
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return clamp(d, 0, hi)
		}
	}
	d := lo << min(attempt, 30)
	if d <= 0 || d > hi {
		d = hi
	}
	// Full jitter over the upper half keeps retries of many clients apart.
	if half := int64(d / 2); half > 0 {
		d = time.Duration(half + rand.Int64N(half+1))
	}
	return clamp(d, lo, hi)
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// rewindBody gives a request with a body a fresh one before a retry.
func rewindBody(req *http.Request) error {
	if req.GetBody == nil || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	b, err := req.GetBody()
	if err != nil {
		return err
	}
	req.Body = b
	return nil
}

// onAttempt counts attempts and logs each one.
func (c *core) onAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	st := stateOf(req.Context())
	if st == nil {
		return
	}
	st.attempts = i + 1
	st.read, st.body, st.readErr = false, nil, nil
	c.log(req.Context(), slog.LevelDebug, "loyalty attempt", st, slog.Int("attempt", i+1))
	c.observe(req.Context(), EventAttempt, st, 0, nil)
}

// retryCut decides about a streamed read cut off by the transport after
// attempts earlier attempts: nil, once the retry policy's backoff has
// passed, when it may be read again (nothing of it was handed out and the
// policy allows another attempt); else the *[RequestError] to report.
func (c *core) retryCut(ctx context.Context, cut *streamCut, attempts *int, handed bool) error {
	*attempts += cut.resp.attempts
	if handed || *attempts > c.rc.RetryMax || !c.wait(ctx, *attempts) {
		r := cut.resp
		return &RequestError{API: r.api, Method: r.method, URL: r.url(), Attempts: *attempts, Err: c.redactErr(cut.err)}
	}
	return nil
}

// wait sleeps the retry policy's backoff before attempt+1 (a retry the
// core could not make itself); false when ctx ends first.
func (c *core) wait(ctx context.Context, attempt int) bool {
	t := time.NewTimer(backoff(c.rc.RetryWaitMin, c.rc.RetryWaitMax, attempt, nil))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// streamed runs r as a streaming request and hands the open answer to
// decode, the one loop behind every streamed read (Customers.All and
// Stream, Customers.All). An answer that decode reports cut off by the
// transport (a *streamCut) is read again, after the retry policy's
// backoff and within its budget, as long as *handed is false: nothing
// of it reached the caller, so repeating the read (a GET) shows the
// caller nothing twice. The response of the last attempt is returned with
// decode's error.
func (c *core) streamed(ctx context.Context, r *request, handed *bool, decode func(*response) error) (*response, error) {
	r.stream = true
	attempts := 0
	for {
		resp, err := c.do(ctx, r)
		if err != nil {
			return nil, err
		}
		err = decode(resp)
		var cut *streamCut
		if !errors.As(err, &cut) {
			return resp, err
		}
		if err := c.retryCut(ctx, cut, &attempts, *handed); err != nil {
			return nil, err
		}
	}
}

// callerErr is the error of the caller's context: the one a call's
// context (reqState) follows, without the watchdog's ending of the
// current attempt, which makes the call's context done for that attempt
// only.
func callerErr(ctx context.Context, st *reqState) error {
	if st != nil {
		return st.Context.Err()
	}
	return ctx.Err()
}
