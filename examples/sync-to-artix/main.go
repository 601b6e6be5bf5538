// Command sync-to-artix loads VirtPOS customers into the Artix tills'
// client directory: every customer with a phone is mapped to an Artix
// client (see MapCustomer) and sent in batches, over HTTP or through the
// cash server's exchange directory. It reports how many clients were
// added, updated, left unchanged, deleted and failed, and exits 1 if any
// failed.
//
//	go run ./examples/sync-to-artix                        # embedded mock on both sides
//	go run ./examples/sync-to-artix -mock-transport dir    # ... through an exchange directory
//	LOYALTY_VIRTPOS_APIKEY=... LOYALTY_ARTIX_PASSWORD=... go run ./examples/sync-to-artix \
//	    -virtpos-url https://shop.myvirtualpos.ru \
//	    -artix-url http://cash-server:28080 -artix-user admin -state artix-sync.json
//	... -artix-dir /linuxcash/exchange/in -pickup-wait 1m   # exchange files instead of HTTP
//
// Added or updated? Artix has no API to read its directory, so the tool
// remembers what it sent: with -state FILE it keeps, per idclient, a hash
// of the record last loaded successfully. A client not in the file is
// added, one whose record changed is updated, an unchanged one is not sent
// again (-full sends it anyway), and one in the file that no longer has a
// phone in VirtPOS (or is gone) is deleted from the tills. Both add and
// update are sent as addClient, which replaces the whole record, so
// fields cleared in VirtPOS are cleared on the tills too. Without -state
// every client is sent and counted as added, and nothing is deleted.
// A failed batch is not recorded, so the next run sends it again.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the usage is printed
		}
		fmt.Fprintln(os.Stderr, "sync-to-artix:", err)
		os.Exit(1)
	}
}

type options struct {
	virtposURL, virtposKey string

	artixURL, artixDir, artixShop, artixUser, artixPassword string
	pickupWait                                              time.Duration
	mockTransport                                           string

	batch     int
	statePath string
	full      bool
	jsonOut   bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("sync-to-artix", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.virtposURL, "virtpos-url", os.Getenv("LOYALTY_VIRTPOS_URL"), "VirtPOS base URL (default: the embedded mock)")
	fs.StringVar(&o.virtposKey, "virtpos-apikey", "", "VirtPOS apikey (default $LOYALTY_VIRTPOS_APIKEY, which is better: flags show in the process list)")
	fs.StringVar(&o.artixURL, "artix-url", os.Getenv("LOYALTY_ARTIX_URL"), "Artix cash server URL")
	fs.StringVar(&o.artixDir, "artix-dir", os.Getenv("LOYALTY_ARTIX_DIR"), "Artix exchange directory (instead of -artix-url)")
	fs.StringVar(&o.artixShop, "artix-shopcode", os.Getenv("LOYALTY_ARTIX_SHOPCODE"), "Artix shopcode header")
	fs.StringVar(&o.artixUser, "artix-user", os.Getenv("LOYALTY_ARTIX_USER"), "Artix basic-auth user (password: $LOYALTY_ARTIX_PASSWORD)")
	fs.DurationVar(&o.pickupWait, "pickup-wait", 0, "with -artix-dir: wait this long for the cash server to take each batch (0: do not wait)")
	fs.StringVar(&o.mockTransport, "mock-transport", "http", "with no Artix target, reach the embedded mock over http or through an exchange dir")
	fs.IntVar(&o.batch, "batch", 500, "clients per batch")
	fs.StringVar(&o.statePath, "state", "", "JSON file remembering what the tills have (enables updated/unchanged/deleted)")
	fs.BoolVar(&o.full, "full", false, "send unchanged clients too")
	fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	// Read after parsing, so that -h never prints the secret as a default.
	if o.virtposKey == "" {
		o.virtposKey = os.Getenv("LOYALTY_VIRTPOS_APIKEY")
	}
	o.artixPassword = os.Getenv("LOYALTY_ARTIX_PASSWORD")
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.batch < 1:
		return nil, fmt.Errorf("-batch %d: want at least 1", o.batch)
	case o.artixURL != "" && o.artixDir != "":
		return nil, errors.New("give -artix-url or -artix-dir, not both")
	case o.mockTransport != "http" && o.mockTransport != "dir":
		return nil, fmt.Errorf("-mock-transport %q: want http or dir", o.mockTransport)
	case o.virtposURL != "" && o.virtposKey == "":
		return nil, errors.New("-virtpos-url needs -virtpos-apikey (or LOYALTY_VIRTPOS_APIKEY)")
	}
	return o, nil
}

// Report is what a sync did.
type Report struct {
	Read      int      `json:"read"` // customers with a phone
	Added     int      `json:"added"`
	Updated   int      `json:"updated"`
	Unchanged int      `json:"unchanged"`
	Deleted   int      `json:"deleted"`
	Failed    int      `json:"failed"`
	Errors    []string `json:"errors,omitempty"` // the first few
}

const maxReportedErrors = 20

func (r *Report) fail(n int, err error) {
	r.Failed += n
	if len(r.Errors) < maxReportedErrors {
		r.Errors = append(r.Errors, err.Error())
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	vp, ax, cleanup, err := connect(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer cleanup()

	st, err := loadState(o.statePath)
	if err != nil {
		return err
	}
	rep, syncErr := syncAll(ctx, vp, ax, st, o)
	if o.statePath != "" {
		if err := st.save(o.statePath); err != nil {
			syncErr = errors.Join(syncErr, err)
		}
	}
	printReport(stdout, rep, o.jsonOut)
	if syncErr != nil {
		return syncErr
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d clients failed", rep.Failed)
	}
	return nil
}

// connect makes the two clients, starting the embedded mock for a side
// without a real server.
func connect(ctx context.Context, o *options, stderr io.Writer) (*loyalty.VirtPOS, *loyalty.Artix, func(), error) {
	var srv *mock.Server
	var stops []func()
	cleanup := func() {
		for _, f := range slices.Backward(stops) {
			f()
		}
	}
	fail := func(err error) (*loyalty.VirtPOS, *loyalty.Artix, func(), error) {
		cleanup()
		return nil, nil, nil, err
	}
	if o.virtposURL == "" || o.artixURL == "" && o.artixDir == "" {
		var err error
		if srv, err = mock.Start(mock.Config{}); err != nil {
			return fail(err)
		}
		stops = append(stops, srv.Close)
		fmt.Fprintln(stderr, "using the embedded mock for", mockSides(o))
	}
	vpURL, vpKey := o.virtposURL, o.virtposKey
	if vpURL == "" {
		vpURL, vpKey = srv.VirtPOSURL, srv.APIKey
	}
	vp, err := loyalty.NewVirtPOS(vpURL, vpKey, loyalty.WithFormat(loyalty.FormatJSON))
	if err != nil {
		return fail(err)
	}

	var axOpts []loyalty.Option
	if o.artixShop != "" {
		axOpts = append(axOpts, loyalty.WithArtixShopCode(o.artixShop))
	}
	if o.artixUser != "" {
		axOpts = append(axOpts, loyalty.WithBasicAuth(o.artixUser, o.artixPassword))
	}
	var ax *loyalty.Artix
	switch {
	case o.artixURL != "":
		ax, err = loyalty.NewArtix(o.artixURL, axOpts...)
	case o.artixDir != "":
		if o.pickupWait > 0 {
			axOpts = append(axOpts, loyalty.WithPickupWait(o.pickupWait))
		}
		ax, err = loyalty.NewArtixExchangeDir(o.artixDir, axOpts...)
	case o.mockTransport == "dir":
		// The mock plays the cash server on a temporary exchange directory;
		// waiting for each pickup makes the counts exact.
		dir, derr := os.MkdirTemp("", "artix-exchange-")
		if derr != nil {
			return fail(derr)
		}
		stops = append(stops, func() { os.RemoveAll(dir) })
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { srv.ServeArtixExchangeDir(sctx, dir); close(done) }()
		stops = append(stops, func() { cancel(); <-done })
		ax, err = loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(30*time.Second), loyalty.WithPollInterval(10*time.Millisecond))
	default:
		ax = srv.Artix()
	}
	if err != nil {
		return fail(err)
	}
	return vp, ax, cleanup, nil
}

func mockSides(o *options) string {
	switch {
	case o.virtposURL == "" && o.artixURL == "" && o.artixDir == "":
		return "VirtPOS and Artix"
	case o.virtposURL == "":
		return "VirtPOS"
	}
	return "Artix"
}

// pending is one command of the batch being built.
type pending struct {
	kind string // "added", "updated", "unchanged" (with -full) or "deleted"
	id   string
	fp   string
	cmd  loyalty.ArtixCommand
}

// syncAll streams the customers, sends batches as they fill up and, when
// every customer was read, deletes the clients that are gone.
func syncAll(ctx context.Context, vp *loyalty.VirtPOS, ax *loyalty.Artix, st *state, o *options) (*Report, error) {
	rep := &Report{}
	var batch []pending
	flush := func() {
		if len(batch) == 0 {
			return
		}
		cmds := make([]loyalty.ArtixCommand, len(batch))
		for i, p := range batch {
			cmds[i] = p.cmd
		}
		if err := ax.Send(ctx, cmds...); err != nil {
			rep.fail(len(batch), fmt.Errorf("batch of %d (idclient %s…%s): %w", len(batch), batch[0].id, batch[len(batch)-1].id, err))
			batch = batch[:0]
			return
		}
		for _, p := range batch {
			switch p.kind {
			case "added":
				rep.Added++
			case "updated":
				rep.Updated++
			case "unchanged":
				rep.Unchanged++
			case "deleted":
				rep.Deleted++
			}
			if p.kind == "deleted" {
				delete(st.Clients, p.id)
			} else {
				st.Clients[p.id] = p.fp
			}
		}
		batch = batch[:0]
	}
	add := func(p pending) {
		batch = append(batch, p)
		if len(batch) >= o.batch {
			flush()
		}
	}

	seen := map[string]bool{}
	for c, err := range vp.Customers.All(ctx, &loyalty.CustomerQuery{WithPhone: new(true), PageSize: 200}) {
		if err != nil {
			flush()
			return rep, fmt.Errorf("reading VirtPOS (nothing deleted): %w", err)
		}
		if c.Phone == "" { // a server that ignores with_phone
			continue
		}
		rep.Read++
		a, err := MapCustomer(c)
		if err != nil {
			rep.fail(1, err)
			// Keep it on the tills as it was: a bad phone typed in VirtPOS
			// should not delete the client.
			seen[fmt.Sprint(c.ID)] = true
			continue
		}
		seen[a.ID] = true
		fp := fingerprint(a)
		kind := "added"
		if old, ok := st.Clients[a.ID]; ok {
			kind = "updated"
			if old == fp {
				if !o.full {
					rep.Unchanged++
					continue
				}
				kind = "unchanged"
			}
		}
		add(pending{kind: kind, id: a.ID, fp: fp, cmd: loyalty.AddClient(a)})
	}
	if o.statePath != "" {
		for _, id := range slices.Sorted(maps.Keys(st.Clients)) {
			if !seen[id] {
				add(pending{kind: "deleted", id: id, cmd: loyalty.DeleteClient(id)})
			}
		}
	}
	flush()
	return rep, ctx.Err()
}

func printReport(w io.Writer, r *Report, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(r)
		return
	}
	fmt.Fprintf(w, "read %d customers with a phone\n", r.Read)
	fmt.Fprintf(w, "added %d, updated %d, unchanged %d, deleted %d, failed %d\n", r.Added, r.Updated, r.Unchanged, r.Deleted, r.Failed)
	for _, e := range r.Errors {
		fmt.Fprintln(w, "  error:", e)
	}
	if r.Failed > len(r.Errors) {
		fmt.Fprintf(w, "  … and %d more failures\n", r.Failed-len(r.Errors))
	}
}

// state is what the tills were last sent: idclient → fingerprint.
type state struct {
	Clients map[string]string `json:"clients"`
}

func loadState(path string) (*state, error) {
	st := &state{Clients: map[string]string{}}
	if path == "" {
		return st, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	if st.Clients == nil {
		st.Clients = map[string]string{}
	}
	return st, nil
}

// save writes the state atomically: a crash leaves the old file.
func (st *state) save(path string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
