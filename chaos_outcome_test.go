package loyalty_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// What a chaos cell must end with, and the checks every cell makes (no
// secret in an error, a log record or a returned value).

// outcome is what a call must end with.
type outcome struct {
	ok       bool             // success
	check    func(error) bool // the error (when !ok): its type and cause
	what     string           // says what check wants, for failures
	attempts int              // loyalty.Attempts(err), or requests seen on success
	// applied is how many records the write left in the mock afterwards:
	// 0 or 1 (never 2: nothing duplicated), or -1 for "0 or 1".
	applied int
	// mayNotArrive: the last attempt may end before the mock sees it.
	mayNotArrive bool
}

func succeeds(attempts int) outcome { return outcome{ok: true, attempts: attempts, applied: 1} }

func apiErr(status, attempts, applied int) outcome {
	return outcome{attempts: attempts, applied: applied, what: fmt.Sprintf("*APIError HTTP %d", status),
		check: func(err error) bool {
			var ae *loyalty.APIError
			return errors.As(err, &ae) && ae.StatusCode == status
		}}
}

// apiErrSays is an *APIError whose message says what.
func apiErrSays(status int, what string) outcome {
	return outcome{attempts: 1, applied: 0, what: fmt.Sprintf("*APIError HTTP %d saying %q", status, what),
		check: func(err error) bool {
			var ae *loyalty.APIError
			return errors.As(err, &ae) && ae.StatusCode == status && strings.Contains(err.Error(), what)
		}}
}

func apiErrIs(status int, target error, attempts, applied int) outcome {
	o := apiErr(status, attempts, applied)
	inner := o.check
	o.what += " matching " + target.Error()
	o.check = func(err error) bool { return inner(err) && errors.Is(err, target) }
	return o
}

func requestErr(attempts, applied int) outcome {
	return outcome{attempts: attempts, applied: applied, what: "*RequestError",
		check: func(err error) bool {
			var re *loyalty.RequestError
			return errors.As(err, &re)
		}}
}

// stalled is an attempt the response timeout ended: a *RequestError
// matching loyalty.ErrResponseTimeout, not retried (a write not safe to
// repeat).
func stalled(applied int) outcome {
	return outcome{attempts: 1, applied: applied, what: "*RequestError matching ErrResponseTimeout",
		check: func(err error) bool {
			var re *loyalty.RequestError
			return errors.As(err, &re) && errors.Is(err, loyalty.ErrResponseTimeout)
		}}
}

func deadlineErr() outcome {
	return outcome{attempts: 1, applied: -1, mayNotArrive: true, what: "*RequestError matching context.DeadlineExceeded",
		check: func(err error) bool {
			var re *loyalty.RequestError
			return errors.As(err, &re) && errors.Is(err, context.DeadlineExceeded)
		}}
}

// refusal is the API's own "no" with HTTP 200 (VirtPOS success=0, CRM
// errors[]) or, for Artix, its 400 error reply: never retried.
func refusal() outcome {
	return outcome{attempts: 1, applied: 0, what: "the API's refusal: *APIError with Info, or *CRMError",
		check: func(err error) bool {
			var ae *loyalty.APIError
			var ce *loyalty.CRMError
			switch {
			case errors.As(err, &ce):
				return ce.StatusCode == 200 && errors.Is(err, loyalty.CodeContactNotFound) && errors.Is(err, loyalty.ErrNotFound)
			case errors.As(err, &ae):
				// VirtPOS: "Клиент не найден" is ErrNotFound for a customer
				// call, not for a card call that names a customer.
				return ae.Info != "" && (ae.API == "artix" && ae.StatusCode == 400 ||
					ae.StatusCode == 200 && errors.Is(err, loyalty.ErrNotFound) == !strings.Contains(ae.URL, "Card"))
			}
			return false
		}}
}

// logCapture keeps every slog record as text.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) handler() slog.Handler {
	return slog.NewTextHandler(lockedWriter{l}, &slog.HandlerOptions{Level: slog.LevelDebug})
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type lockedWriter struct{ l *logCapture }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.l.buf.Write(p)
}

// assertNoSecrets looks for the canaries in err, in every log record and
// in %v, %+v and %#v of the returned value, the error and the clients.
func assertNoSecrets(t *testing.T, e *chaosEnv, err error, got any) {
	t.Helper()
	if e.logs.String() == "" {
		t.Errorf("no log records captured")
	}
	texts := map[string]string{"log records": e.logs.String()}
	if err != nil {
		texts["error"] = err.Error()
		texts["%+v of the error"] = fmt.Sprintf("%+v", err)
		texts["%#v of the error"] = fmt.Sprintf("%#v", err)
	}
	texts["%+v of the result"] = fmt.Sprintf("%+v", got)
	for name, c := range map[string]any{"VirtPOS": e.vp, "CRM": e.crm, "Artix": e.ax} {
		texts["%+v of the "+name+" client"] = fmt.Sprintf("%+v", c)
		texts["%#v of the "+name+" client"] = fmt.Sprintf("%#v", c)
		texts["%v of the "+name+" client"] = fmt.Sprintf("%v", c)
	}
	for name, text := range texts {
		for _, s := range secretsOf(e.srv) {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the secret %q:\n%s", name, s, text)
			}
		}
	}
}

// secretsOf is every canary of a chaos server: the apikey, the Artix
// password (and its basic-auth encoding), and pieces of the CRM client key.
func secretsOf(srv *mock.Server) []string {
	out := []string{canaryAPIKey, canaryPassword, base64.StdEncoding.EncodeToString([]byte(canaryUser + ":" + canaryPassword))}
	for _, line := range strings.Split(string(srv.ClientKeyPEM()), "\n") {
		if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
			out = append(out, line[:40])
		}
	}
	return out
}
