// Package chainmock is a whole retail chain of fake Artix cash registers
// for the chain engine's tests, benchmarks and the loyalty-chain command's
// demo. Each register is its own in-memory mock.Server (package
// github.com/loyaltykit/loyalty/mock), so it has its own client
// directory, and listens on a loopback address of its own (127.0.0.2,
// 127.0.0.3, …: Linux routes all of 127.0.0.0/8 to the loopback
// interface), at /{shop}/{cash}/aifexchange/loaddicts, as registers of a
// real chain each have their host. On top of the mock each register has
// faults of its own (offline, slow answers, STATUS_ERROR, callbacks that
// never come, failures that pass), its own callback latency, and counts
// the batches it was sent more than once (by dictionaryid).
//
// Status callbacks: each register reports its load to the load's
// addressstatusserver from its own address, as a field exchanger does:
// the back-office POST (backOfficeState/{shop}, DURING), whose answer is
// the state id; PUT backOfficeState/{shop}/{id} READY (queued); then PUT
// cashLoad/{shop}/{cash}/{id} DURING and the final status, as its own
// cash code (or Fault.ReportAs). The library's receiver
// (loyalty.ArtixStatusReceiver) gives the POST to the batch by shop and
// source address, and counts a cash report only for a cash code the
// engine declares (loyalty.WithArtixCashCodes). The chain sends these
// reports rather than the register's mock.Server, whose reports would
// name the mock's cash codes ("1", "2", …), not the register's.
//
// Where the system refuses a listener on 127.0.0.2 (macOS without an
// alias, say), every register shares one listener on 127.0.0.1, routed by
// path. The receiver then cannot tell a shop's registers apart by
// address: the registers send no POST (it would match no one batch) but
// their cash reports by the batch's dictionaryid, and the receiver holds
// a shop's next batch until the previous one's first report comes, so a
// register that never reports holds its shop's others
// ([Chain.SharedAddress] says which way the chain runs).
package chainmock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/chainsync"
	"github.com/loyaltykit/loyalty/internal/artixwire"
	"github.com/loyaltykit/loyalty/mock"
)

// Fault is how a register misbehaves.
type Fault struct {
	// Offline drops every connection without an answer.
	Offline bool
	// Slow delays each load's answer.
	Slow time.Duration
	// Latency delays each of the register's cash reports (DURING and
	// the final status).
	Latency time.Duration
	// Status is the final status the register reports (default
	// STATUS_READY), e.g. "STATUS_ERROR"; Message goes with it.
	Status, Message string
	// NoCallbacks takes loads and never reports them.
	NoCallbacks bool
	// FailLoads answers the next FailLoads loads with HTTP 503 (nothing
	// applied), then works: a register that recovers.
	FailLoads int
	// ReportAs is the cash code its status callbacks name (default its
	// own): a register configured with another register's code, whose
	// reports must confirm nothing.
	ReportAs string
}

// Register is one fake cash register.
type Register struct {
	Shop, Cash string
	srv        *mock.Server
	base       string           // its exchanger's base URL
	hs         *httptest.Server // its own listener (nil: the chain's shared one)
	callbacks  *http.Client     // reports its loads, from its own address

	mu         sync.Mutex
	fault      Fault
	loads      map[string]int // dictionaryid → times received
	duplicates int
	order      []string // dictionaryids in the order first received
}

// ID is "shop/cash".
func (r *Register) ID() string { return r.Shop + "/" + r.Cash }

// URL is the register's exchanger base URL, as the topology gives it.
func (r *Register) URL() string { return r.base }

// SetFault replaces the register's fault (the zero Fault: none).
func (r *Register) SetFault(f Fault) {
	r.mu.Lock()
	r.fault = f
	r.mu.Unlock()
}

// Duplicates is how many loads repeated a dictionaryid the register had
// already received.
func (r *Register) Duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.duplicates
}

// LoadCount is how many times the register received the batch id.
func (r *Register) LoadCount(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loads[id]
}

// Loads are the dictionaryids received, each once, in order.
func (r *Register) Loads() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.order)
}

// Clients is the register's client directory.
func (r *Register) Clients() map[string]loyalty.ArtixCustomer { return r.srv.ArtixCustomers() }

// Chain is the fake chain and the head office's VirtPOS.
type Chain struct {
	// URL is the base URL of the chain's shared listener on 127.0.0.1,
	// which routes URL/{shop}/{cash} to each register too; a register's
	// own exchanger URL is [Register.URL].
	URL string
	// HeadOffice is the VirtPOS the chain's customers come from.
	HeadOffice *mock.Server

	hs   *httptest.Server
	regs map[string]*Register
	ids  []string
	cbs  sync.WaitGroup

	cashServers bool
	shared      bool // every register on the shared listener
	ctx         context.Context
	stop        context.CancelFunc
}

// Config sizes a chain.
type Config struct {
	Shops, Cashes int // shops, and cash registers in each
	Customers     int // VirtPOS customers at the head office
	// CashServers gives each shop a Cash Server in the topology: the
	// CSrest API of its first register (cash "1"), so its directory reads
	// back as that register's.
	CashServers bool
}

// Start starts a chain of cfg.Shops × cfg.Cashes registers on loopback,
// shops "s001"…, cash codes "1"…. Close it when done.
func Start(cfg Config) (*Chain, error) {
	head, err := mock.NewInMemory(mock.Config{Customers: max(cfg.Customers, 1)})
	if err != nil {
		return nil, err
	}
	c := &Chain{HeadOffice: head, regs: map[string]*Register{}, cashServers: cfg.CashServers}
	c.ctx, c.stop = context.WithCancel(context.Background())
	for s := 1; s <= cfg.Shops; s++ {
		for k := 1; k <= cfg.Cashes; k++ {
			srv, err := mock.NewInMemory(mock.Config{Customers: 1})
			if err != nil {
				return nil, err
			}
			r := &Register{Shop: fmt.Sprintf("s%03d", s), Cash: fmt.Sprint(k), srv: srv, loads: map[string]int{}}
			c.regs[r.ID()] = r
			c.ids = append(c.ids, r.ID())
		}
	}
	c.hs = httptest.NewServer(http.HandlerFunc(c.serve))
	c.URL = c.hs.URL
	for i, r := range c.Registers() {
		ip := loopback(i)
		ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
		if err != nil {
			if i == 0 { // no loopback address but 127.0.0.1: all share it
				c.shared = true
				break
			}
			c.Close()
			return nil, fmt.Errorf("chainmock: register %s on %s: %w", r.ID(), ip, err)
		}
		own := "/" + r.Shop + "/" + r.Cash + "/"
		r.hs = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if !strings.HasPrefix(req.URL.Path, own) { // its listener is its alone
				http.Error(w, "register "+r.ID()+" has no "+req.URL.Path, http.StatusNotFound)
				return
			}
			c.serve(w, req)
		}))
		r.hs.Listener.Close()
		r.hs.Listener = ln
		r.hs.Start()
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
		r.callbacks = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 2}}
	}
	for _, r := range c.Registers() {
		base := c.URL
		if r.hs != nil {
			base = r.hs.URL
		} else {
			r.callbacks = &http.Client{Timeout: 10 * time.Second}
		}
		r.base = base + "/" + r.Shop + "/" + r.Cash
	}
	return c, nil
}

// loopback is the i-th register's own loopback address: 127.0.0.2 on.
func loopback(i int) net.IP {
	n := i + 2
	return net.IPv4(127, byte(n>>16), byte(n>>8), byte(n))
}

// SharedAddress reports that the registers share the one listener on
// 127.0.0.1, the system refusing a loopback address of their own.
func (c *Chain) SharedAddress() bool { return c.shared }

// Close stops the listeners and the callbacks in flight.
func (c *Chain) Close() {
	c.stop()
	for _, r := range c.regs {
		if r.hs != nil {
			r.hs.CloseClientConnections()
			r.hs.Close()
		}
	}
	c.hs.CloseClientConnections()
	c.hs.Close()
	c.cbs.Wait()
	for _, r := range c.regs {
		if r.callbacks != nil {
			r.callbacks.CloseIdleConnections()
		}
	}
}

// Registers are the chain's registers in shop, cash order.
func (c *Chain) Registers() []*Register {
	out := make([]*Register, len(c.ids))
	for i, id := range c.ids {
		out[i] = c.regs[id]
	}
	return out
}

// CashServerURL is the base URL of shop's Cash Server when the chain has
// them (Config.CashServers): its first register's CSrest API.
func (c *Chain) CashServerURL(shop string) string {
	if r := c.regs[shop+"/1"]; r != nil {
		return r.base
	}
	return c.URL + "/" + shop + "/1"
}

// Register is the register id names ("shop/cash"), or nil.
func (c *Chain) Register(id string) *Register { return c.regs[id] }

// Duplicates is the duplicate loads of every register together.
func (c *Chain) Duplicates() int {
	n := 0
	for _, r := range c.regs {
		n += r.Duplicates()
	}
	return n
}

// TopologyText is the chain as a topology file (see
// chainsync.ParseTopology).
func (c *Chain) TopologyText() string {
	var b strings.Builder
	b.WriteString("# a chain of mock registers (chainmock)\n")
	shop := ""
	for _, r := range c.Registers() {
		if r.Shop != shop {
			shop = r.Shop
			if c.cashServers {
				fmt.Fprintf(&b, "shop %s cashserver=%s\n", shop, c.CashServerURL(shop))
			} else {
				fmt.Fprintf(&b, "shop %s\n", shop)
			}
		}
		fmt.Fprintf(&b, "register %s %s url=%s\n", r.Shop, r.Cash, r.base)
	}
	return b.String()
}

// Topology is the chain, parsed from TopologyText.
func (c *Chain) Topology() *chainsync.Topology {
	t, err := chainsync.ParseTopology(strings.NewReader(c.TopologyText()), "chainmock")
	if err != nil {
		panic("chainmock: its own topology does not parse: " + err.Error()) // a bug here, not bad input
	}
	return t
}

// serve routes /{shop}/{cash}/rest to the register.
func (c *Chain) serve(w http.ResponseWriter, req *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(req.URL.Path, "/"), "/", 3)
	if len(parts) < 3 {
		http.NotFound(w, req)
		return
	}
	r := c.regs[parts[0]+"/"+parts[1]]
	if r == nil {
		http.Error(w, "no register "+parts[0]+"/"+parts[1], http.StatusNotFound)
		return
	}
	r.serve(c, w, req, "/"+parts[2])
}

func (r *Register) serve(c *Chain, w http.ResponseWriter, req *http.Request, path string) {
	r.mu.Lock()
	f := r.fault
	if f.FailLoads > 0 {
		r.fault.FailLoads--
	}
	r.mu.Unlock()
	if f.Offline {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "offline", http.StatusServiceUnavailable)
		return
	}
	if f.Slow > 0 {
		select {
		case <-time.After(f.Slow):
		case <-req.Context().Done():
			return
		}
	}
	if f.FailLoads > 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"success":false,"error":"exchanger busy"}`)
		return
	}
	q := req.URL.Query()
	id := q.Get("dictionaryid")
	status := q.Get("addressstatusserver")
	q.Del("addressstatusserver") // the register reports itself, below
	fwd := req.Clone(req.Context())
	fwd.URL.Path, fwd.URL.RawPath, fwd.URL.RawQuery, fwd.RequestURI = path, "", q.Encode(), ""
	rec := httptest.NewRecorder()
	r.srv.Handler(mock.ArtixAPI).ServeHTTP(rec, fwd)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
	if rec.Code != http.StatusOK || id == "" {
		return
	}
	r.mu.Lock()
	r.loads[id]++
	if r.loads[id] > 1 {
		r.duplicates++
	} else {
		r.order = append(r.order, id)
	}
	r.mu.Unlock()
	if status != "" && !f.NoCallbacks {
		c.cbs.Add(1)
		go func() {
			defer c.cbs.Done()
			r.callback(c.ctx, status, id, f)
		}()
	}
}

// callback reports a load as the register. From an address of its own
// it reports as a field exchanger does: the back-office POST (DURING),
// whose answer is the state id; PUT back office READY (queued); then its
// cash's DURING and final status, by that state id. On the shared
// address it sends only its cash's two reports, by the dictionaryid.
// Latency comes before each of its cash's reports.
func (r *Register) callback(ctx context.Context, addr, id string, f Fault) {
	final := f.Status
	if final == "" {
		final = "STATUS_READY"
	}
	msg := f.Message
	if msg == "" && final != "STATUS_READY" {
		msg = "Ошибка загрузки справочника"
	}
	cash := r.Cash
	if f.ReportAs != "" {
		cash = f.ReportAs
	}
	base := "http://" + addr
	state := id
	if r.hs != nil {
		reply, ok := r.send(ctx, http.MethodPost, base+artixwire.BackOfficeStatePath+url.PathEscape(r.Shop), artixwire.Callback{
			Status: "STATUS_DURING", MessageEn: "Loading dictionaries", MessageRu: "Загрузка справочников", Format: "ARTIXINTERCHANGE"})
		if !ok {
			return
		}
		if err := json.Unmarshal(reply, &state); err != nil || state == "" {
			return // no state id: a field exchanger could not go on either
		}
		// A report that fails or does not count is not sent again, and the
		// later ones still go (as field code logs and goes on).
		r.send(ctx, http.MethodPut, base+artixwire.BackOfficeStatePath+url.PathEscape(r.Shop)+"/"+url.PathEscape(state),
			artixwire.Callback{Status: "STATUS_READY", MessageEn: "Queued", MessageRu: "Поставлено в очередь"})
	}
	u := base + artixwire.CashLoadPath + url.PathEscape(r.Shop) + "/" + url.PathEscape(cash) + "/" + url.PathEscape(state)
	for _, st := range []string{"STATUS_DURING", final} {
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-ctx.Done():
				return
			}
		}
		m := st
		if st == final && msg != "" {
			m = msg
		}
		r.send(ctx, http.MethodPut, u, artixwire.Callback{Status: st, MessageEn: st, MessageRu: m})
	}
}

// send sends one status callback from the register's address and returns
// the answer's body; false when it failed or was not answered 200.
func (r *Register) send(ctx context.Context, method, u string, cb artixwire.Callback) ([]byte, bool) {
	body, _ := json.Marshal(cb)
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.callbacks.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return reply, err == nil && resp.StatusCode == http.StatusOK
}
