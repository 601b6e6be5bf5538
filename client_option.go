package loyalty

// Options are typed per constructor, so that an option given to a client
// it does not apply to is a compile error rather than a run-time one or,
// worse, an option silently ignored. Each constructor takes its own option
// interface; an option type has the unexported methods of every
// constructor that accepts it:
//
//	option type         NewVirtPOS  NewCRM  NewArtix  NewArtixExchangeDir  NewArtixCashServer
//	Option                  ✓         ✓        ✓              ✓                   ✓
//	HTTPOption              ✓         ✓        ✓                                  ✓
//	ArtixHTTPOption                            ✓                                  ✓
//	VirtPOSOption           ✓
//	CRMOption                         ✓
//	ArtixOption                                ✓
//	ArtixExchangeDirOption                                    ✓
//	ArtixCashServerOption                                                         ✓

// VirtPOSOption configures [NewVirtPOS]: an [Option], an [HTTPOption],
// [WithFormat] or [WithCardPaths].
type VirtPOSOption interface{ applyVirtPOS(*settings) error }

// CRMOption configures [NewCRM]: an [Option], an [HTTPOption],
// [WithClientCertificate], [WithClientCertificateFiles], [WithRootCAs] or
// [WithParamStyle].
type CRMOption interface{ applyCRM(*settings) error }

// ArtixOption configures [NewArtix], the loads over HTTP: an [Option], an
// [HTTPOption], [WithBasicAuth], [WithArtixShopCode], [WithLoadConfirmation]
// or [WithArtixCashCodes].
type ArtixOption interface{ applyArtix(*settings) error }

// ArtixExchangeDirOption configures [NewArtixExchangeDir], the loads
// through an exchange directory, which speaks no HTTP: an [Option]
// ([WithLogger]), [WithMillisecondNames], [WithPickupWait] or
// [WithPollInterval].
type ArtixExchangeDirOption interface{ applyArtixExchangeDir(*settings) error }

// ArtixCashServerOption configures [NewArtixCashServer]: an [Option], an
// [HTTPOption], [WithBasicAuth], [WithArtixPaging] or [WithoutArtixPaging].
type ArtixCashServerOption interface{ applyArtixCashServer(*settings) error }

// Option is an option every constructor accepts ([WithLogger]). An
// invalid option makes the constructor return a *[ConfigError].
type Option func(*settings) error

// HTTPOption is an option of the request core, which every client that
// speaks HTTP accepts: [NewVirtPOS], [NewCRM], [NewArtix] and
// [NewArtixCashServer] (not [NewArtixExchangeDir], which writes files).
// [WithHTTPClient], [WithRetry], [WithoutRetries], [WithUserAgent],
// [WithMaxResponseBytes], [WithResponseTimeout], [WithAttemptTimeout],
// [WithObserver] and
// [WithTransportMiddleware] are HTTPOptions.
type HTTPOption func(*settings) error

// ArtixHTTPOption is an option of both Artix HTTP clients, [NewArtix]
// and [NewArtixCashServer] ([WithBasicAuth]).
type ArtixHTTPOption func(*settings) error

// run applies f; a nil f (a typed nil option) does nothing.
func run(f func(*settings) error, s *settings) error {
	if f == nil {
		return nil
	}
	return f(s)
}

func (o Option) applyVirtPOS(s *settings) error          { return run(o, s) }
func (o Option) applyCRM(s *settings) error              { return run(o, s) }
func (o Option) applyArtix(s *settings) error            { return run(o, s) }
func (o Option) applyArtixExchangeDir(s *settings) error { return run(o, s) }
func (o Option) applyArtixCashServer(s *settings) error  { return run(o, s) }

func (o HTTPOption) applyVirtPOS(s *settings) error         { return run(o, s) }
func (o HTTPOption) applyCRM(s *settings) error             { return run(o, s) }
func (o HTTPOption) applyArtix(s *settings) error           { return run(o, s) }
func (o HTTPOption) applyArtixCashServer(s *settings) error { return run(o, s) }

func (o ArtixHTTPOption) applyArtix(s *settings) error           { return run(o, s) }
func (o ArtixHTTPOption) applyArtixCashServer(s *settings) error { return run(o, s) }

// The options of one constructor only, returned as its option interface.
type (
	virtposOption          func(*settings) error
	crmOption              func(*settings) error
	artixOption            func(*settings) error
	artixExchangeDirOption func(*settings) error
	artixCashServerOption  func(*settings) error
)

func (o virtposOption) applyVirtPOS(s *settings) error                   { return run(o, s) }
func (o crmOption) applyCRM(s *settings) error                           { return run(o, s) }
func (o artixOption) applyArtix(s *settings) error                       { return run(o, s) }
func (o artixExchangeDirOption) applyArtixExchangeDir(s *settings) error { return run(o, s) }
func (o artixCashServerOption) applyArtixCashServer(s *settings) error   { return run(o, s) }
