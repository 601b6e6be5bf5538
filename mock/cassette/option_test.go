package cassette_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty/internal/testutil"
	"github.com/loyaltykit/loyalty/mock/cassette"
)

// TestOptionScopeIsCheckedByTheCompiler type-checks every option with a
// Recorder and a Replayer: a Replayer given an option only a Recorder
// uses (which it used to ignore) does not compile, and the compiler names
// the interface the option fails; everywhere else the call compiles.
func TestOptionScopeIsCheckedByTheCompiler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds export data with go list")
	}
	c := testutil.NewCompiler(t, "github.com/loyaltykit/loyalty/mock/cassette")
	ctors := []struct{ iface, call string }{
		{"RecorderOption", `cassette.NewRecorder(io.Discard, %s)`},
		{"RecorderOption", `cassette.Create("c.jsonl", %s)`},
		{"ReplayerOption", `cassette.NewReplayer(nil, %s)`},
		{"ReplayerOption", `cassette.OpenReplayer("c.jsonl", %s)`},
	}
	for _, o := range []struct {
		option        string
		replayerTakes bool
	}{
		{`cassette.WithSecrets("secret-123456")`, true},
		{`cassette.WithLogger(nil)`, false},
		{`cassette.WithTransport(nil)`, false},
		{`cassette.WithMaxBody(1)`, false},
		{`cassette.WithAPI("crm")`, false},
	} {
		for _, ctor := range ctors {
			call := fmt.Sprintf(ctor.call, o.option)
			err := c.Check(t, "package p\n\nimport (\n\t\"io\"\n\n\t\"github.com/loyaltykit/loyalty/mock/cassette\"\n)\n\n"+
				"var _ = io.Discard\n\nfunc f() { _, _ = "+call+" }\n")
			accepted := ctor.iface == "RecorderOption" || o.replayerTakes
			switch {
			case accepted && err != nil:
				t.Errorf("%s: want it to compile, got: %v", call, err)
			case !accepted && err == nil:
				t.Errorf("%s: compiles, want a type error (the option is not a cassette.%s)", call, ctor.iface)
			case !accepted && !strings.Contains(err.Error(), "does not implement cassette."+ctor.iface):
				t.Errorf("%s: want the error to say the option does not implement cassette.%s, got: %v", call, ctor.iface, err)
			}
		}
	}
}

// Compile-time checks: WithSecrets is an option of both.
var (
	_ cassette.RecorderOption = cassette.WithSecrets()
	_ cassette.ReplayerOption = cassette.WithSecrets()
)
