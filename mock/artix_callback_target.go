package mock

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// errCallbackTarget is a callback address the mock may not call.
var errCallbackTarget = errors.New("not on loopback nor in Config.ArtixCallbackNets (loyalty-mock -artix-callback-net)")

// callbackAllowed reports whether the mock may call back to ip: loopback,
// or a network of nets.
func callbackAllowed(ip netip.Addr, nets []netip.Prefix) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || slices.ContainsFunc(nets, func(p netip.Prefix) bool { return p.Contains(ip) })
}

// checkCallbackAddress checks a load's addressstatusserver (host:port, no
// scheme) before any callback: an IP address must be allowed, a name is
// checked when dialled (localhost always passes).
func (s *Server) checkCallbackAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port: %w", err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	if host == "" {
		return errors.New("no host")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !callbackAllowed(ip, s.cfg.ArtixCallbackNets) {
			return fmt.Errorf("%s is %w", host, errCallbackTarget)
		}
		return nil
	}
	if host != "localhost" && len(s.cfg.ArtixCallbackNets) == 0 {
		return fmt.Errorf("the name %s is %w", host, errCallbackTarget)
	}
	return nil
}

// newCallbackClient is the HTTP client of the status callbacks: each
// connection is checked against nets when it is dialled, so a name that
// resolves elsewhere is refused too.
func newCallbackClient(nets []netip.Prefix) *http.Client {
	d := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			if !callbackAllowed(ap.Addr(), nets) {
				return fmt.Errorf("%s is %w", ap.Addr(), errCallbackTarget)
			}
			return nil
		},
	}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		Proxy:               nil, // never through a proxy: the address is checked as dialled
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}
}
