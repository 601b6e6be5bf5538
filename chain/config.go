package chain

import (
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chainsync"
)

// Defaults of Config.
const (
	DefaultWorkers        = 8
	DefaultMaxAttempts    = 5
	DefaultRetryBase      = time.Second
	DefaultRetryMax       = time.Minute
	DefaultConfirmTimeout = 2 * time.Minute
)

// Queue is the River queue the units run on.
const Queue = "chain"

// Config sets up an Engine.
type Config struct {
	// Topology is the chain; required.
	Topology *chainsync.Topology
	// Policy cuts the work into batches.
	Policy chainsync.Policy
	// Workers bounds the units in flight in this process, across all
	// registers (DefaultWorkers). A register never has more than one.
	Workers int
	// MaxAttempts is how often a unit is tried before its register is
	// marked failed (DefaultMaxAttempts).
	MaxAttempts int
	// RetryBase and RetryMax shape the backoff between attempts: base,
	// doubling each attempt, at most max (DefaultRetryBase,
	// DefaultRetryMax).
	RetryBase, RetryMax time.Duration
	// ConfirmTimeout bounds how long a batch waits for its register's
	// confirmation (DefaultConfirmTimeout); the job's timeout is a little
	// longer and River rescues a crashed worker's unit after twice that.
	ConfirmTimeout time.Duration
	// RescueAfter overrides when River re-runs a unit whose worker
	// vanished (default 2 × the job timeout; never less than it).
	RescueAfter time.Duration
	// StatusListen is where the status receiver listens for the
	// registers' load callbacks (default 127.0.0.1:0); StatusAddress is
	// where the registers reach it (default: the listener's address).
	StatusListen, StatusAddress string
	// Lookup reads the credentials' environment variables (os.LookupEnv).
	Lookup func(string) (string, bool)
	// ArtixOptions are added to the client of every register loaded
	// over HTTP (e.g. WithHTTPClient, WithLogger).
	ArtixOptions []loyalty.ArtixOption
	// Logger receives the engine's records (default: none).
	Logger *slog.Logger
	// FetchPollInterval is how often an idle worker looks for units
	// (default 50ms; the LISTEN/NOTIFY of PostgreSQL wakes it sooner).
	FetchPollInterval time.Duration
}

func (c *Config) defaults() error {
	if c.Topology == nil || len(c.Topology.Registers) == 0 {
		return errors.New("chain: Config.Topology: no register")
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryBase <= 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryMax <= 0 {
		c.RetryMax = DefaultRetryMax
	}
	if c.ConfirmTimeout <= 0 {
		c.ConfirmTimeout = DefaultConfirmTimeout
	}
	if c.StatusListen == "" {
		c.StatusListen = "127.0.0.1:0"
	}
	if c.Lookup == nil {
		c.Lookup = os.LookupEnv
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.FetchPollInterval <= 0 {
		c.FetchPollInterval = 50 * time.Millisecond
	}
	return nil
}

func (c *Config) jobTimeout() time.Duration { return c.ConfirmTimeout + 30*time.Second }

func (c *Config) rescueAfter() time.Duration {
	return max(c.RescueAfter, c.jobTimeout())
}
