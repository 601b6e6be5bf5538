package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
)

// TestRunArtixCashServerAuth: the exchanger's login and the Cash Server
// REST login are separate, each optional.
func TestRunArtixCashServerAuth(t *testing.T) {
	t.Setenv(artixPasswordEnv, "load-pw")
	t.Setenv(artixCSPasswordEnv, "cs-pw")
	s := startRun(t, "-artix-user", "admin", "-artix-cs-user", "reader")
	ctx := context.Background()
	cs := func(user, pass string) error {
		opts := []loyalty.ArtixCashServerOption{loyalty.WithoutRetries()}
		if user != "" {
			opts = append(opts, loyalty.WithBasicAuth(user, pass))
		}
		c, err := loyalty.NewArtixCashServer(s.ready.ArtixURL, opts...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Customers.Get(ctx, "1")
		return err
	}
	var apiErr *loyalty.APIError
	if err := cs("", ""); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Errorf("CSrest without a login: %v, want 401", err)
	}
	if err := cs("admin", "load-pw"); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Errorf("CSrest with the exchanger's login: %v, want 401", err)
	}
	if err := cs("reader", "cs-pw"); !errors.Is(err, loyalty.ErrNotFound) {
		t.Errorf("CSrest with its login: %v, want ErrNotFound for an absent client", err)
	}
	ax, _ := loyalty.NewArtix(s.ready.ArtixURL, loyalty.WithoutRetries(), loyalty.WithBasicAuth("admin", "load-pw"))
	if err := ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "1"}); err != nil {
		t.Errorf("load with the exchanger's login: %v", err)
	}
}

// TestArtixCallbackFlags: -artix-cashload-gap and -artix-callback-net
// reach the mock's Config; bad values are refused.
func TestArtixCallbackFlags(t *testing.T) {
	o, err := parseFlags([]string{"-artix-cashload-gap", "0", "-artix-callback-net", "10.1.2.3/8", "-artix-callback-net", "fd00::/8"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.cfg.ArtixCashLoadGap >= 0 {
		t.Errorf("-artix-cashload-gap 0 gave ArtixCashLoadGap %v, want a negative value (none)", o.cfg.ArtixCashLoadGap)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	if len(o.cfg.ArtixCallbackNets) != 2 || o.cfg.ArtixCallbackNets[0] != want[0] || o.cfg.ArtixCallbackNets[1] != want[1] {
		t.Errorf("-artix-callback-net gave %v, want %v", o.cfg.ArtixCallbackNets, want)
	}
	if o, err := parseFlags([]string{"-artix-cashload-gap", "250ms"}, io.Discard); err != nil {
		t.Errorf("-artix-cashload-gap 250ms: %v, %v; want err == nil", o, err)
	} else if o.cfg.ArtixCashLoadGap != 250*time.Millisecond {
		t.Errorf("-artix-cashload-gap 250ms: %v, %v; want o.cfg.ArtixCashLoadGap == 250 * time.Millisecond", o, err)
	}
	for _, args := range [][]string{{"-artix-cashload-gap", "-1s"}, {"-artix-cashload-gap", "soon"}, {"-artix-callback-net", "10.0.0.1"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}
