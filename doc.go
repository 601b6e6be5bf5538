// Package loyalty is a client library for the three systems a Russian
// retail integrator syncs customers between:
//
//   - VirtPOS, a cloud POS: customers and discount cards, authenticated by
//     an apikey, answering in XML or JSON ([NewVirtPOS]).
//   - A loyalty CRM: contacts, bonus cards, personal campaigns, sales
//     outlets, regions, card types and partners, over HTTPS with TLS 1.2+
//     and a client certificate, with numeric error codes ([NewCRM]).
//   - Artix, the POS software on the tills: the client-directory commands
//     addClient, updateClient, deleteClient and clearClient, posted over
//     HTTP ([NewArtix]) or written as exchange files
//     ([NewArtixExchangeDir]), and the directory read back from the Cash
//     Server ([NewArtixCashServer]).
//
// # One request core
//
// Every client shares one request core. A call returns nil or one typed
// error ([*ConfigError], [*ValidationError], [*RequestError], [*APIError],
// [*CRMError]; match records with [ErrNotFound]); [Attempts] says how often
// it was sent. Reads and writes that are harmless to repeat are retried
// after a 5xx or a dropped connection; other writes never are
// ([WithRetry], [WithoutRetries]). Response bodies are bounded
// ([WithMaxResponseBytes]; streamed reads per record), the apikey and
// passwords are redacted from every error, %v and log record
// ([WithLogger]), and every method takes a [context.Context] first and
// returns when it is done. Every client is safe for concurrent use.
//
// # A short tour
//
// Against the embedded mock (package mock), so it runs anywhere; with real
// servers only the constructors' arguments change (see Example for the
// runnable version):
//
//	srv, err := mock.Start(mock.Config{})           // the three fake APIs on loopback
//	if err != nil {
//		return err
//	}
//	defer srv.Close()
//
//	vp, err := loyalty.NewVirtPOS(srv.VirtPOSURL, srv.APIKey)
//	c, err := vp.Customers.Get(ctx, 1)               // errors.Is(err, loyalty.ErrNotFound) when absent
//	for c, err := range vp.Customers.All(ctx, &loyalty.CustomerQuery{WithPhone: new(true)}) { … }
//
//	crm, err := loyalty.NewCRM(srv.CRMURL, srv.CommercialFirmID,
//		loyalty.WithClientCertificate(srv.ClientCertificate()), loyalty.WithRootCAs(srv.RootCAs()))
//	infos, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "+7 (916) 123-45-67"})
//
//	ax, err := loyalty.NewArtix(srv.ArtixURL)
//	err = ax.Send(ctx, loyalty.AddClient(loyalty.ArtixCustomer{ID: "4", FirstName: "Пётр"}))
//
// # Testing against the mock
//
// Package mock is a stateful fake of all three APIs with the specs'
// envelopes and error codes, a request journal and fault injection. It
// runs in-process over loopback sockets (mock.NewServer in a test,
// mock.Start elsewhere), without sockets (mock.NewInMemory, whose ready
// clients answer in memory; mock.WithTransport gives its transport, or an
// httpmock one, to clients of your own), or as the standalone binary
// cmd/loyalty-mock.
//
// The repository's docs/ pages have the guide to each API (guide.md), the
// retry policy (reliability.md), the protocol notes on how the specs'
// ambiguities are resolved (protocol.md) and testing with the mock
// (testing.md); ARCHITECTURE.md says which file holds what.
package loyalty
