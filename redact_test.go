package loyalty_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// The chaos matrix (chaos_test.go) runs every fault with canary secrets
// and checks every error, log record and printed value. These are the
// paths it does not reach: servers that echo secrets back, printing the
// clients themselves, and configuration errors.

// leaks returns the secrets (or their first 8+ characters, the rest cut
// off by a snippet) found in text.
func leaks(text string, secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		for n := len(s); n >= 8; n-- {
			if strings.Contains(text, s[:n]) {
				out = append(out, s[:n])
				break
			}
		}
	}
	return out
}

func TestSecretsNotInPrintedClients(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{APIKey: canaryAPIKey})
	srv.RequireArtixAuth(canaryUser, canaryPassword)
	vp, ax, crm := srv.VirtPOS(), srv.Artix(), srv.CRM()
	for _, v := range []any{vp, *vp, vp.Customers, *vp.Customers, vp.Cards, ax, *ax, ax.Customers, crm, *crm, crm.Contacts} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%q"} {
			text := fmt.Sprintf(verb, v)
			if l := leaks(text, secretsOf(srv)...); l != nil {
				t.Errorf("%s of %T shows %q: %s", verb, v, l, text)
			}
		}
	}
}

// TestSecretsEchoedByTheServer: a server (or a proxy) that quotes the
// request back must not get the secret into the error, even where the
// body's snippet is cut in the middle of it.
func TestSecretsEchoedByTheServer(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{APIKey: canaryAPIKey})
	srv.RequireArtixAuth(canaryUser, canaryPassword)
	logs := &logCapture{}
	opts := []any{loyalty.WithoutRetries(), loyalty.WithLogger(slog.New(logs.handler()))}
	vp, ax := srv.VirtPOS(optionsFor[loyalty.VirtPOSOption](opts...)...), srv.Artix(optionsFor[loyalty.ArtixOption](opts...)...)
	ctx := context.Background()

	for _, pad := range []int{0, 100, 470, 480, 490, 495, 500, 505, 512, 600} {
		body := strings.Repeat("x", pad) + " apikey=" + canaryAPIKey + " password=" + canaryPassword + " tail"
		srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 502, Body: body})
		_, err := vp.Customers.Get(ctx, 1)
		var ae *loyalty.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("pad %d: want *APIError, got %v", pad, err)
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), ae.Body} {
			if l := leaks(text, canaryAPIKey); l != nil {
				t.Errorf("pad %d: the error shows %q: %s", pad, l, text)
			}
		}
	}

	// Artix's error text is surfaced as Info: a reply quoting the
	// credentials must not carry them into the error.
	for _, reply := range []string{
		`{"error":"authorization ` + canaryUser + `:` + canaryPassword + ` refused"}`,
		`{"message":"bad header Basic ` + secretsOf(srv)[2] + `"}`,
	} {
		srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 400, ContentType: "application/json", Body: reply})
		err := ax.Customers.Delete(ctx, "1")
		var ae *loyalty.APIError
		if !errors.As(err, &ae) || ae.Info == "" {
			t.Fatalf("want *APIError with Info, got %v", err)
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), ae.Info, ae.Body} {
			if l := leaks(text, secretsOf(srv)...); l != nil {
				t.Errorf("the Artix error shows %q: %s", l, text)
			}
		}
	}
	if l := leaks(logs.String(), secretsOf(srv)...); l != nil {
		t.Errorf("the log shows %q:\n%s", l, logs.String())
	}
}

// TestSecretsInTheBaseURL: a password in the base URL's user info is
// redacted from errors and logs.
func TestSecretsInTheBaseURL(t *testing.T) {
	srv := mock.NewServer(t)
	logs := &logCapture{}
	base := strings.Replace(srv.ArtixURL, "http://", "http://admin:"+canaryPassword+"@", 1)
	ax, err := loyalty.NewArtix(base, loyalty.WithoutRetries(), loyalty.WithLogger(slog.New(logs.handler())))
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 500})
	err = ax.Customers.Delete(context.Background(), "1")
	if err == nil {
		t.Fatal("want an error")
	}
	for name, text := range map[string]string{"error": err.Error(), "%+v": fmt.Sprintf("%+v", err), "log": logs.String(), "client": fmt.Sprintf("%+v", ax)} {
		if l := leaks(text, canaryPassword); l != nil {
			t.Errorf("%s shows %q: %s", name, l, text)
		}
	}
	if !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("the error does not say the password was redacted: %v", err)
	}
}

// TestSecretsNotInConfigErrors: a bad key file is named, never quoted.
func TestSecretsNotInConfigErrors(t *testing.T) {
	srv := mock.NewServer(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	os.WriteFile(certFile, srv.ClientCertPEM(), 0o600)
	// A key that is not this certificate's, and a key file that is garbage
	// around a real key.
	other := mock.NewServer(t)
	for name, key := range map[string][]byte{
		"mismatched": other.ClientKeyPEM(),
		"corrupt":    append([]byte("junk "), other.ClientKeyPEM()[:len(other.ClientKeyPEM())/2]...),
	} {
		os.WriteFile(keyFile, key, 0o600)
		_, err := loyalty.NewCRM(srv.CRMURL, "firm-1", loyalty.WithClientCertificateFiles(certFile, keyFile))
		var ce *loyalty.ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: want *ConfigError, got %v", name, err)
		}
		if l := leaks(err.Error(), secretsOf(other)...); l != nil {
			t.Errorf("%s: the error quotes the key: %v", name, err)
		}
		if !strings.Contains(err.Error(), keyFile) {
			t.Errorf("%s: the error does not name the key file: %v", name, err)
		}
	}
}

// The apikey never shows: not in errors (including the *url.Error of a
// failed GET, whose URL carries it), not in log records.
func TestAPIKeyRedactedFromErrorsAndLogs(t *testing.T) {
	const key = "s3cr3t+key/with=chars"
	srv := mock.NewServer(t, mock.Config{APIKey: key})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	vp := srv.VirtPOS(loyalty.WithLogger(logger), fast)
	ctx := context.Background()
	var errs []error
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Reset: true, Times: -1})
	_, err := vp.Customers.Get(ctx, 1)
	errs = append(errs, err)
	srv.ClearFaults()
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 500, Body: "debug: apikey=" + key, Times: -1})
	_, err = vp.Customers.List(ctx, nil)
	errs = append(errs, err)
	srv.ClearFaults()
	_, err = vp.Customers.Create(ctx, &loyalty.CustomerUpdate{Gender: new(loyalty.GenderMale)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Delay: time.Second})
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = vp.Customers.List(tctx, nil)
	cancel()
	errs = append(errs, err)
	// A bad key: the server echoes nothing, but the URL had it.
	for _, e := range errs {
		if e == nil {
			t.Fatal("want an error")
		}
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			for _, form := range []string{key, url.QueryEscape(key)} {
				if strings.Contains(s, form) {
					t.Errorf("error shows the key: %s", s)
				}
			}
		}
		if !strings.Contains(e.Error(), "REDACTED") && !strings.Contains(e.Error(), "apikey") {
			t.Logf("note: %v", e)
		}
	}
	var ue *url.Error
	if errors.As(errs[0], &ue) {
		t.Errorf("a *url.Error with the full URL is reachable: %v", ue)
	}
	if logs.Len() == 0 {
		t.Fatal("no log records")
	}
	for _, form := range []string{key, url.QueryEscape(key)} {
		if strings.Contains(logs.String(), form) {
			t.Errorf("log shows the key:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "apikey=REDACTED") {
		t.Errorf("log lacks the redacted URL:\n%s", logs.String())
	}
}

func TestShortSecretDoesNotGarbleErrors(t *testing.T) {
	srv := mock.NewServer(t)
	srv.RequireArtixAuth("admin", "1")
	ax := srv.Artix(loyalty.WithBasicAuth("admin", "1"))
	err := ax.Customers.Update(context.Background(), loyalty.ArtixCustomerUpdate{ID: "10", Email: new("x@y.ru")})
	if err == nil {
		t.Fatal("updating an unknown client: want an error")
	}
	if !strings.Contains(err.Error(), strings.TrimPrefix(srv.ArtixURL, "http://")) {
		t.Fatalf("the error lost its URL to redaction of a one-letter password: %v", err)
	}
}

// escapedForms is key as servers echo it back: JSON-escaped (PHP's `\/`
// and `\uXXXX`, Go's HTML-safe `\u0026`), every character as `\u`,
// XML/HTML entities (named, decimal, hex, and decimal without the ';'
// that HTML parsers forgive), percent-encoded once or twice (either hex
// case), upper-cased, and base64-encoded alone.
func escapedForms(key string) []string {
	var php, allU, xmlNamed, xmlNum, xmlHex, xmlNumBare strings.Builder
	for _, r := range key {
		switch {
		case r == '/':
			php.WriteString(`\/`)
		case r > 0x7f:
			fmt.Fprintf(&php, `\u%04x`, r)
		default:
			php.WriteRune(r)
		}
		fmt.Fprintf(&allU, `\u%04X`, r)
		switch r {
		case '&':
			xmlNamed.WriteString("&amp;")
		case '<':
			xmlNamed.WriteString("&lt;")
		case '>':
			xmlNamed.WriteString("&gt;")
		default:
			xmlNamed.WriteRune(r)
		}
		fmt.Fprintf(&xmlNum, "&#%d;", r)
		fmt.Fprintf(&xmlHex, "&#x%x;", r)
		fmt.Fprintf(&xmlNumBare, "&#%d", r)
	}
	goJSON, _ := json.Marshal(key)
	once := url.QueryEscape(key)
	return []string{php.String(), allU.String(), string(goJSON[1 : len(goJSON)-1]), xmlNamed.String(), xmlNum.String(), xmlHex.String(),
		xmlNumBare.String(), once, strings.ToLower(once), url.QueryEscape(once), strings.ToUpper(key),
		base64.StdEncoding.EncodeToString([]byte(key)), base64.RawURLEncoding.EncodeToString([]byte(key))}
}

// A server that echoes the apikey escaped (JSON or XML/HTML) must not get
// it into APIError.Body or Error(), an HTML page included.
func TestEscapedSecretsAreRedacted(t *testing.T) {
	const key = "Esc/ключ&<x>9"
	srv := mock.NewServer(t, mock.Config{APIKey: key})
	vp := srv.VirtPOS(loyalty.WithoutRetries())
	forms := escapedForms(key)
	for _, form := range forms {
		for _, body := range []string{
			`{"success":0,"info":"bad request","echo":"apikey=` + form + `"}`,
			`<html><body><h1>502 Bad Gateway</h1><p>` + form + `</p></body></html>`,
		} {
			srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Status: 502, Body: body})
			_, err := vp.Customers.Get(context.Background(), 1)
			var ae *loyalty.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want *APIError, got %v", err)
			}
			for _, text := range []string{ae.Body, err.Error(), fmt.Sprintf("%+v", err)} {
				if strings.Contains(text, form) {
					t.Errorf("%q survives redaction: %s; want !strings.Contains(text, form)", form, text)
				} else if strings.Contains(strings.ToLower(text), "esc") {
					t.Errorf("%q survives redaction: %s; want !strings.Contains(strings.ToLower(text), \"esc\")", form, text)
				}
			}
		}
	}
}

// A key under 4 characters is not replaced wherever it appears (that would
// garble every message), so it must not reach a log record or an error
// through the *url.Error whose URL carries it.
func TestShortAPIKeyNotInRetryLogs(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{APIKey: "q7z"})
	logs := &logCapture{}
	vp := srv.VirtPOS(fast, loyalty.WithLogger(slog.New(logs.handler())))
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Reset: true, Times: 1})
	if _, err := vp.Customers.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	srv.Fail(mock.Fault{API: mock.VirtPOSAPI, Reset: true, Times: -1})
	_, err := vp.Customers.Get(context.Background(), 1)
	if err == nil {
		t.Fatal("want an error")
	}
	if !strings.Contains(logs.String(), "loyalty retry") {
		t.Fatalf("no retry was logged:\n%s", logs.String())
	}
	for name, text := range map[string]string{"log": logs.String(), "error": err.Error(), "%+v": fmt.Sprintf("%+v", err)} {
		if strings.Contains(text, "apikey=q7z") {
			t.Errorf("%s shows the short key: %s; want !strings.Contains(text, \"apikey=q7z\")", name, text)
		} else if strings.Contains(text, "q7z") {
			t.Errorf("%s shows the short key: %s; want !strings.Contains(text, \"q7z\")", name, text)
		}
	}
}

// A base URL that does not parse must not quote its password.
func TestMalformedBaseURLPasswordNotInConfigError(t *testing.T) {
	for _, base := range []string{
		"http://admin:pw@cash server:28080",
		"http://admin:" + canaryPassword + "@cash server:28080",
		"http://admin:" + canaryPassword + "@cash-server:28080x/",
		"http://admin:" + canaryPassword + "@[::1:28080",
		"ht tp://admin:" + canaryPassword + "@cash:28080",
	} {
		_, err := loyalty.NewArtix(base)
		var ce *loyalty.ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: want *ConfigError, got %v", base, err)
		}
		if strings.Contains(err.Error(), "pw@") {
			t.Errorf("the ConfigError quotes the password: %v; want !strings.Contains(err.Error(), \"pw@\")", err)
		} else if strings.Contains(err.Error(), ":pw") {
			t.Errorf("the ConfigError quotes the password: %v; want !strings.Contains(err.Error(), \":pw\")", err)
		} else if leaks(err.Error(), canaryPassword) != nil {
			t.Errorf("the ConfigError quotes the password: %v; want leaks(err.Error(), canaryPassword) == nil", err)
		}
	}
}
