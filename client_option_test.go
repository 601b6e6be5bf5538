package loyalty_test

import (
	"fmt"
	"go/types"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/testutil"
)

// The constructors, by the option interface each takes, as a snippet
// calls them.
var optionConstructors = []struct {
	iface, call string
}{
	{"VirtPOSOption", `loyalty.NewVirtPOS("https://x.example", "key", %s)`},
	{"CRMOption", `loyalty.NewCRM("https://x.example", "firm-1", %s)`},
	{"ArtixOption", `loyalty.NewArtix("http://kassa-1:28080", %s)`},
	{"ArtixExchangeDirOption", `loyalty.NewArtixExchangeDir("/linuxcash/exchange/in", %s)`},
	{"ArtixCashServerOption", `loyalty.NewArtixCashServer("http://cs:8080", %s)`},
}

// Every option, with the constructors that accept it (by option
// interface). Shared options are accepted by every client they mean
// something to; an option of one API by its constructors only.
var optionScopes = []struct {
	option   string
	accepted []string
}{
	{`loyalty.WithLogger(nil)`, []string{"VirtPOSOption", "CRMOption", "ArtixOption", "ArtixExchangeDirOption", "ArtixCashServerOption"}},
	{`loyalty.WithHTTPClient(nil)`, httpClients},
	{`loyalty.WithRetry(1, 0, 0)`, httpClients},
	{`loyalty.WithoutRetries()`, httpClients},
	{`loyalty.WithUserAgent("a/1")`, httpClients},
	{`loyalty.WithMaxResponseBytes(1)`, httpClients},
	{`loyalty.WithResponseTimeout(time.Second)`, httpClients},
	{`loyalty.WithAttemptTimeout(time.Second)`, httpClients},
	{`loyalty.WithObserver(nil)`, httpClients},
	{`loyalty.WithTransportMiddleware(nil)`, httpClients},
	{`loyalty.WithFormat(loyalty.FormatJSON)`, []string{"VirtPOSOption"}},
	{`loyalty.WithCardPaths("/i", "/u", "/d")`, []string{"VirtPOSOption"}},
	{`loyalty.WithClientCertificate(tls.Certificate{})`, []string{"CRMOption"}},
	{`loyalty.WithClientCertificateFiles("c.crt", "c.key")`, []string{"CRMOption"}},
	{`loyalty.WithRootCAs(nil)`, []string{"CRMOption"}},
	{`loyalty.WithParamStyle(loyalty.ParamsDotted)`, []string{"CRMOption"}},
	{`loyalty.WithArtixShopCode("111")`, []string{"ArtixOption"}},
	{`loyalty.WithLoadConfirmation(nil, 1)`, []string{"ArtixOption"}},
	{`loyalty.WithArtixCashCodes("1")`, []string{"ArtixOption"}},
	{`loyalty.WithBasicAuth("admin", "pw")`, []string{"ArtixOption", "ArtixCashServerOption"}},
	{`loyalty.WithMillisecondNames()`, []string{"ArtixExchangeDirOption"}},
	{`loyalty.WithPickupWait(time.Second)`, []string{"ArtixExchangeDirOption"}},
	{`loyalty.WithPollInterval(time.Second)`, []string{"ArtixExchangeDirOption"}},
	{`loyalty.WithArtixPaging(loyalty.ArtixPaging{})`, []string{"ArtixCashServerOption"}},
	{`loyalty.WithoutArtixPaging()`, []string{"ArtixCashServerOption"}},
}

// httpClients are the option interfaces of the clients that speak HTTP.
var httpClients = []string{"VirtPOSOption", "CRMOption", "ArtixOption", "ArtixCashServerOption"}

// TestOptionScopeIsCheckedByTheCompiler type-checks every option with
// every constructor: an option given to a constructor it does not apply
// to (NewVirtPOS with WithArtixShopCode, NewArtixCashServer with
// WithLoadConfirmation, the exchange directory with WithRetry) does not
// compile, and the compiler names the option interface it fails;
// everywhere else the call compiles.
func TestOptionScopeIsCheckedByTheCompiler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds export data with go list")
	}
	c := testutil.NewCompiler(t, "github.com/loyaltykit/loyalty")
	// Every function of the package that returns a constructor's option
	// is in the table, so a new option cannot escape the check.
	inTable := map[string]bool{}
	for _, o := range optionScopes {
		inTable[strings.TrimPrefix(o.option[:strings.Index(o.option, "(")], "loyalty.")] = true
	}
	pkg := c.Package(t, "github.com/loyaltykit/loyalty")
	var ifaces []*types.Interface
	for _, ctor := range optionConstructors {
		ifaces = append(ifaces, pkg.Scope().Lookup(ctor.iface).Type().Underlying().(*types.Interface))
	}
	for _, name := range pkg.Scope().Names() {
		fn, ok := pkg.Scope().Lookup(name).(*types.Func)
		if !ok || !fn.Exported() {
			continue
		}
		res := fn.Signature().Results()
		if res.Len() != 1 {
			continue
		}
		for _, iface := range ifaces {
			if types.Implements(res.At(0).Type(), iface) && !inTable[name] {
				t.Errorf("%s returns a constructor option but is not in optionScopes: add it with the constructors that accept it", name)
				break
			}
		}
	}
	for _, o := range optionScopes {
		for _, ctor := range optionConstructors {
			call := fmt.Sprintf(ctor.call, o.option)
			src := "package p\n\nimport (\n\t\"crypto/tls\"\n\t\"time\"\n\n\t\"github.com/loyaltykit/loyalty\"\n)\n\n" +
				"var _ = tls.Certificate{}\nvar _ time.Duration\n\nfunc f() { _, _ = " + call + " }\n"
			err := c.Check(t, src)
			accepted := false
			for _, a := range o.accepted {
				accepted = accepted || a == ctor.iface
			}
			switch {
			case accepted && err != nil:
				t.Errorf("%s: want it to compile, got: %v", call, err)
			case !accepted && err == nil:
				t.Errorf("%s: compiles, want a type error (the option is not a loyalty.%s)", call, ctor.iface)
			case !accepted && !strings.Contains(err.Error(), "does not implement loyalty."+ctor.iface):
				t.Errorf("%s: want the error to say the option does not implement loyalty.%s, got: %v", call, ctor.iface, err)
			}
		}
	}
}

// Compile-time checks of the shared option types: an Option is accepted
// by every constructor, an HTTPOption by every HTTP client.
var (
	_ loyalty.VirtPOSOption          = loyalty.Option(nil)
	_ loyalty.CRMOption              = loyalty.Option(nil)
	_ loyalty.ArtixOption            = loyalty.Option(nil)
	_ loyalty.ArtixExchangeDirOption = loyalty.Option(nil)
	_ loyalty.ArtixCashServerOption  = loyalty.Option(nil)
	_ loyalty.VirtPOSOption          = loyalty.HTTPOption(nil)
	_ loyalty.CRMOption              = loyalty.HTTPOption(nil)
	_ loyalty.ArtixOption            = loyalty.HTTPOption(nil)
	_ loyalty.ArtixCashServerOption  = loyalty.HTTPOption(nil)
	_ loyalty.ArtixOption            = loyalty.ArtixHTTPOption(nil)
	_ loyalty.ArtixCashServerOption  = loyalty.ArtixHTTPOption(nil)
)

// A nil option, typed or not, is skipped, as before the options were
// typed: a caller may build a list with holes.
func TestNilOptionsAreSkipped(t *testing.T) {
	var typed loyalty.HTTPOption
	if _, err := loyalty.NewVirtPOS("https://x.example", "key-1234", nil, typed); err != nil {
		t.Errorf("NewVirtPOS with nil options: got %v, want no error", err)
	}
	if _, err := loyalty.NewArtixExchangeDir(t.TempDir(), nil, loyalty.Option(nil)); err != nil {
		t.Errorf("NewArtixExchangeDir with nil options: got %v, want no error", err)
	}
}
