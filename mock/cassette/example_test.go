package cassette_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
	"github.com/loyaltykit/loyalty/mock/cassette"
)

// Record a session with the real VirtPOS server once (the snippet of
// docs/testing.md).
func ExampleCreate() {
	ctx := context.Background()
	apiKey := os.Getenv("VIRTPOS_APIKEY")
	record := func() error {
		rec, err := cassette.Create("virtpos.jsonl", cassette.WithAPI("virtpos"), cassette.WithSecrets(apiKey),
			cassette.WithLogger(slog.Default()))
		if err != nil {
			return err
		}
		vp, err := loyalty.NewVirtPOS(loyalty.VirtPOSCompanyURL("mycompany"), apiKey,
			loyalty.WithHTTPClient(&http.Client{Transport: rec}))
		if err != nil {
			return err
		}
		if _, err := vp.Customers.List(ctx, &loyalty.CustomerQuery{Page: 1, PageSize: 50}); err != nil {
			return err
		}
		return rec.Close()
	}
	_ = record
}

// The CRM speaks mutual TLS: the recorder wraps the client's own
// transport, which carries the client certificate.
func ExampleRecorder_Wrap() {
	rec, err := cassette.Create("crm.jsonl", cassette.WithAPI("crm"))
	if err != nil {
		return
	}
	defer rec.Close()
	crm, err := loyalty.NewCRM("https://crm.example.ru/api", "firm-1",
		loyalty.WithClientCertificateFiles("client.crt", "client.key"), loyalty.WithTransportMiddleware(rec.Wrap))
	_, _ = crm, err
}

// A recorder with a transport of its own (here through a proxy), for a
// VirtPOS or Artix client given through loyalty.WithHTTPClient. The CRM
// refuses such a client (it could not give the transport its certificate):
// record it with Recorder.Wrap.
func ExampleWithTransport() {
	proxy, _ := url.Parse("http://proxy.example:3128")
	rec, err := cassette.Create("virtpos.jsonl", cassette.WithTransport(&http.Transport{Proxy: http.ProxyURL(proxy)}))
	if err != nil {
		return
	}
	defer rec.Close()
	vp, err := loyalty.NewVirtPOS(loyalty.VirtPOSCompanyURL("mycompany"), os.Getenv("VIRTPOS_APIKEY"),
		loyalty.WithHTTPClient(&http.Client{Transport: rec}))
	_, _ = vp, err
}

// Replay a CRM cassette offline, as in CI: the replayer goes in as a
// middleware that ignores the client's TLS transport, since nothing is
// sent. NewCRM still wants a client certificate; an in-memory mock's
// throwaway one serves, so no key file is needed.
func ExampleReplayer_Wrap() {
	ctx := context.Background()
	rp, err := cassette.OpenReplayer("../../testdata/cassettes/crm.jsonl") // the spec's answers
	if err != nil {
		panic(err)
	}
	throwaway, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		panic(err)
	}
	crm, err := loyalty.NewCRM("https://crm.example.ru/api", "firm-1",
		loyalty.WithClientCertificate(throwaway.ClientCertificate()), loyalty.WithTransportMiddleware(rp.Wrap))
	if err != nil {
		panic(err)
	}
	infos, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "+7 916 123-45-67"})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(infos), infos[0].Contact.LastName)
	// Output: 1 Иванова
}

// Replay the cassette in a test, offline (docs/testing.md's snippet).
func ExampleOpenReplayer() {
	rp, err := cassette.OpenReplayer("virtpos.jsonl")
	if err != nil {
		return
	}
	vp, err := loyalty.NewVirtPOS(loyalty.VirtPOSCompanyURL("mycompany"), "any-key",
		loyalty.WithHTTPClient(&http.Client{Transport: rp}))
	_, _ = vp, err
}

// Record a call against a server (here the embedded mock), then answer the
// same call offline from the cassette. The apikey never reaches the
// cassette.
func ExampleNewRecorder() {
	ctx := context.Background()
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	var tape bytes.Buffer
	rec, err := cassette.NewRecorder(&tape, cassette.WithAPI("virtpos"), cassette.WithSecrets(srv.APIKey))
	if err != nil {
		panic(err)
	}
	vp, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey, loyalty.WithHTTPClient(&http.Client{Transport: rec}))
	live, err := vp.Customers.Get(ctx, 2)
	if err != nil {
		panic(err)
	}
	if err := rec.Close(); err != nil {
		panic(err)
	}
	fmt.Println("recorded:", live.FirstName, live.LastName, "apikey on tape:", strings.Contains(tape.String(), srv.APIKey))

	exchanges, err := cassette.Read(&tape, "tape")
	if err != nil {
		panic(err)
	}
	rp, _ := cassette.NewReplayer(exchanges)
	offline, _ := loyalty.NewVirtPOS(srv.VirtPOSURL, "any-key",
		loyalty.WithHTTPClient(&http.Client{Transport: rp}))
	c, err := offline.Customers.Get(ctx, 2)
	if err != nil {
		panic(err)
	}
	fmt.Println("replayed:", c.FirstName, c.LastName)
	// Output:
	// recorded: Елена Кузнецова apikey on tape: false
	// replayed: Елена Кузнецова
}
