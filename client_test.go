package loyalty_test

import (
	"errors"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
)

// Tests of the shared options (client.go).

// An option refuses a value it cannot honour, with a *ConfigError naming
// it, for every constructor.
func TestOptionsRefuseValuesTheyCannotHonour(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  loyalty.HTTPOption
	}{
		{"WithRetry negative", loyalty.WithRetry(-1, 0, 0)},
		{"WithRetry 1000 retries", loyalty.WithRetry(1000, 0, 0)},
		{"WithRetry above MaxRetries", loyalty.WithRetry(loyalty.MaxRetries+1, time.Millisecond, time.Second)},
		{"WithRetry maxWait below minWait", loyalty.WithRetry(1, time.Second, time.Millisecond)},
		{"WithUserAgent empty", loyalty.WithUserAgent("")},
		{"WithUserAgent blank", loyalty.WithUserAgent("  \t")},
		{"WithUserAgent line break", loyalty.WithUserAgent("a\r\nX-Evil: 1")},
		{"WithUserAgent control character", loyalty.WithUserAgent("agent\x00")},
		{"WithMaxResponseBytes zero", loyalty.WithMaxResponseBytes(0)},
		{"WithResponseTimeout zero", loyalty.WithResponseTimeout(0)},
		{"WithHTTPClient nil", loyalty.WithHTTPClient(nil)},
	} {
		_, err := loyalty.NewVirtPOS("https://x.example", "key-1234", tc.opt)
		var ce *loyalty.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: got %v, want a *ConfigError", tc.name, err)
		}
	}
	for _, ok := range []loyalty.HTTPOption{
		loyalty.WithRetry(loyalty.MaxRetries, 0, 0), loyalty.WithRetry(0, 0, 0), loyalty.WithUserAgent("my-app/1.0 (+https://example.ru)"),
	} {
		if _, err := loyalty.NewVirtPOS("https://x.example", "key-1234", ok); err != nil {
			t.Errorf("a valid option is refused: %v", err)
		}
	}
}

// Version and DefaultUserAgent are constants: this only compiles if they
// are.
const (
	_ = loyalty.Version
	_ = loyalty.DefaultUserAgent
)
