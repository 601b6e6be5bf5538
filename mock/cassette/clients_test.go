package cassette_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
	"github.com/loyaltykit/loyalty/mock/cassette"
)

const artixPassword = "artix-CANARY-pass"

// session drives the three clients the way an integration would and
// returns what they answered, as text.
func session(ctx context.Context, vp *loyalty.VirtPOS, crm *loyalty.CRM, ax *loyalty.Artix) (string, error) {
	var out bytes.Buffer
	c, err := vp.Customers.Get(ctx, 1)
	if err != nil {
		return "", fmt.Errorf("VirtPOS get: %w", err)
	}
	fmt.Fprintf(&out, "customer %d %s %s\n", c.ID, c.FirstName, c.LastName)
	res, err := vp.Customers.Update(ctx, 1, &loyalty.CustomerUpdate{Email: new("sergey@example.ru")})
	if err != nil {
		return "", fmt.Errorf("VirtPOS update: %w", err)
	}
	fmt.Fprintf(&out, "update %d new=%v\n", res.ID, res.IsNew)
	_, err = vp.Customers.Get(ctx, 999999)
	fmt.Fprintf(&out, "absent: not found=%v\n", errors.Is(err, loyalty.ErrNotFound))

	infos, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "79161234567"})
	if err != nil {
		return "", fmt.Errorf("CRM find: %w", err)
	}
	for _, in := range infos {
		fmt.Fprintf(&out, "contact %s %s, %d cards\n", in.Contact.ContactID, in.Contact.LastName, len(in.Cards))
	}
	regs, err := crm.Directory.Regions(ctx)
	if err != nil {
		return "", fmt.Errorf("CRM regions: %w", err)
	}
	fmt.Fprintf(&out, "%d regions\n", len(regs))

	if err := ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "4", FirstName: "Пётр", LastName: "Петров"}); err != nil {
		return "", fmt.Errorf("Artix add: %w", err)
	}
	out.WriteString("artix add ok\n")
	return out.String(), nil
}

// clients are the three clients of srv: VirtPOS and Artix send through
// rt, given with WithHTTPClient; the CRM, which refuses a WithHTTPClient
// transport it cannot give its certificate to, through the middleware
// crm (a Recorder's or a Replayer's Wrap).
func clients(t *testing.T, srv *mock.Server, rt http.RoundTripper, crm func(http.RoundTripper) http.RoundTripper) (*loyalty.VirtPOS, *loyalty.CRM, *loyalty.Artix) {
	t.Helper()
	hc := loyalty.WithHTTPClient(&http.Client{Transport: rt})
	ax, err := loyalty.NewArtix(srv.ArtixURL, loyalty.WithBasicAuth("admin", artixPassword), hc, loyalty.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return srv.VirtPOS(hc, loyalty.WithoutRetries()), srv.CRM(loyalty.WithTransportMiddleware(crm), loyalty.WithoutRetries()), ax
}

// Record a session of the real clients against the mock over sockets
// (the CRM over mutual TLS), then replay it with the mock gone: the
// answers are the same and no secret is in the file.
func TestRecordThenReplayTheClients(t *testing.T) {
	ctx := context.Background()
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.RequireArtixAuth("admin", artixPassword)

	path := filepath.Join(t.TempDir(), "session.jsonl")
	own := &http.Transport{}
	defer own.CloseIdleConnections()
	rec, err := cassette.Create(path, cassette.WithTransport(own))
	if err != nil {
		t.Fatal(err)
	}
	vp, crm, ax := clients(t, srv, rec, rec.Wrap)
	recorded, err := session(ctx, vp, crm, ax)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	basic := base64.StdEncoding.EncodeToString([]byte("admin:" + artixPassword))
	for _, secret := range []string{srv.APIKey, artixPassword, basic} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the cassette holds the secret %q", secret)
		}
	}

	rp, err := cassette.OpenReplayer(path)
	if err != nil {
		t.Fatal(err)
	}
	vp, crm, ax = clients(t, srv, rp, rp.Wrap)
	replayed, err := session(ctx, vp, crm, ax)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if replayed != recorded {
		t.Errorf("replayed session:\n%s\nrecorded session:\n%s", replayed, recorded)
	}
	if u := rp.Unused(); len(u) != 0 {
		t.Errorf("%d recorded exchanges were not replayed: first %s", len(u), u[0].String())
	}
}

// A request the cassette has no answer for reaches the caller as a
// *NoMatchError through the client's own error.
func TestReplayNoMatchThroughTheClient(t *testing.T) {
	rp, err := cassette.NewReplayer(nil)
	if err != nil {
		t.Fatal(err)
	}
	vp, err := loyalty.NewVirtPOS("http://vp.example", "replay-key", loyalty.WithHTTPClient(&http.Client{Transport: rp}), loyalty.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	_, err = vp.Customers.Get(context.Background(), 7)
	var nm *cassette.NoMatchError
	if !errors.As(err, &nm) || nm.Request.Method != http.MethodGet || nm.Request.Query.Get("id") != "7" {
		t.Fatalf("err = %v, want a *cassette.NoMatchError for GET ?id=7", err)
	}
	if strings.Contains(err.Error(), "replay-key") {
		t.Errorf("the error holds the apikey: %v", err)
	}
}

// An unrecorded request is not retried with the default retries: the
// *NoMatchError is permanent (loyalty.PermanentError), so the client sends
// once and returns it at once.
func TestReplayNoMatchIsNotRetried(t *testing.T) {
	rp, err := cassette.NewReplayer(nil)
	if err != nil {
		t.Fatal(err)
	}
	var sends int
	count := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) { sends++; return next.RoundTrip(r) })
	}
	vp, err := loyalty.NewVirtPOS("http://vp.example", "replay-key", loyalty.WithHTTPClient(&http.Client{Transport: rp}),
		loyalty.WithTransportMiddleware(count))
	if err != nil {
		t.Fatal(err)
	}
	_, err = vp.Customers.Get(context.Background(), 7)
	var nm *cassette.NoMatchError
	if !errors.As(err, &nm) {
		t.Fatalf("err = %v, want a *cassette.NoMatchError", err)
	}
	if sends != 1 || loyalty.Attempts(err) != 1 {
		t.Errorf("sent %d times (Attempts %d), want once", sends, loyalty.Attempts(err))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Recorder.Wrap with loyalty.WithTransportMiddleware records the CRM through
// the client's own transport, client certificate and all.
func TestRecorderWrapsTheCRMTransport(t *testing.T) {
	srv := mock.NewServer(t)
	var buf bytes.Buffer
	rec, err := cassette.NewRecorder(&buf, cassette.WithAPI("crm"))
	if err != nil {
		t.Fatal(err)
	}
	crm := srv.CRM(loyalty.WithTransportMiddleware(rec.Wrap))
	if _, err := crm.Directory.Regions(context.Background()); err != nil {
		t.Fatal(err)
	}
	exs, err := cassette.Read(&buf, "crm")
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 1 {
		t.Errorf("recorded %+v; want len(exs) == 1", exs)
	} else if exs[0].API != "crm" {
		t.Errorf("recorded %+v; want exs[0].API == \"crm\"", exs)
	} else if exs[0].Path != "/GetRegions" {
		t.Errorf("recorded %+v; want exs[0].Path == \"/GetRegions\"", exs)
	} else if exs[0].Status != http.StatusOK {
		t.Errorf("recorded %+v; want exs[0].Status == http.StatusOK", exs)
	} else if !bytes.Contains(exs[0].ResponseBody, []byte("regions")) {
		t.Errorf("recorded %+v; want bytes.Contains(exs[0].ResponseBody, []byte(\"regions\"))", exs)
	}
}
