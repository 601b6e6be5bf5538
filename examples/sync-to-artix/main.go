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
//	    -artix-url http://kassa-1:28080 -artix-user admin -state artix-sync.json
//	... -artix-dir /linuxcash/exchange/in -pickup-wait 1m   # exchange files instead of HTTP
//	... -artix-url http://kassa-1:28080 -reconcile -cs-url http://cash-server:8080 # no state file
//	... -artix-url http://kassa-1:28080 -artix-shopcode 111 -confirm-timeout 10m -cashes 3 \
//	    -status-listen :15080 -status-address 10.0.0.5:15080  # wait until the registers loaded
//
// Added or updated? With -reconcile the tool reads the tills' directory
// back from the Cash Server's REST API (-cs-url, usually port 8080) and
// compares it with VirtPOS: only clients missing on the tills or whose
// record differs are sent, and no local state is kept (see reconcileAll;
// -prune also deletes the clients VirtPOS does not have). Where that API
// is closed, the tool remembers what it sent: with -state FILE it keeps, per idclient, a hash
// of the record last loaded successfully. A client not in the file is
// added, one whose record changed is updated, an unchanged one is not sent
// again (-full sends it anyway), and one in the file that no longer has a
// phone in VirtPOS (or is gone) is deleted from the tills. Both add and
// update are sent as addClient, which replaces the whole record, so
// fields cleared in VirtPOS are cleared on the tills too. Without -state
// every client is sent and counted as added, and nothing is deleted.
// A failed batch is not recorded, so the next run sends it again.
//
// Loaded or only queued? An exchanger's "success" means the batch was
// queued. With -confirm-timeout D (over HTTP) the tool names a status
// receiver in each load and waits up to D per batch for the -cashes cash
// registers to report it; the report then lists, per shop and per cash
// register, the batches loaded, failed (with the register's message) and
// left without an answer. A batch a register failed counts as failed, one
// not confirmed in time as unconfirmed (it is queued and may still load);
// neither is recorded in -state, so the next run sends it again.
//
// -h lists every flag and environment variable; -timeout (default 1h)
// bounds the whole run.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
	"github.com/loyaltykit/loyalty/mock"
)

func main() { exampleenv.Main("sync-to-artix", run) }

type options struct {
	virtpos       exampleenv.VirtPOS
	artix         exampleenv.Artix
	pickupWait    time.Duration
	confirm       confirmOptions
	mockTransport string
	artixName     string

	batch     int
	statePath string
	full      bool
	reconcile bool
	prune     bool
	cs        csOptions
	jsonOut   bool
	logEvery  time.Duration
	timeout   time.Duration
	// progress starts a report of label on stderr (nil: none, as in
	// tests that call syncAll directly).
	progress func(label string, total int) *exampleenv.Progress
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := exampleenv.NewFlagSet("sync-to-artix", stderr)
	fs.Description = "sync-to-artix loads VirtPOS customers with a phone into the Artix tills' client directory and reports what changed."
	o := &options{}
	fs.VirtPOS(&o.virtpos)
	fs.Artix(&o.artix)
	fs.Secret(&o.artix.Password, "", "LOYALTY_ARTIX_PASSWORD", "Artix basic-auth password")
	fs.DurationVar(&o.pickupWait, "pickup-wait", 0, "with -artix-dir: wait this long for the cash server to take each batch (0: do not wait)")
	defineConfirmFlags(fs, &o.confirm)
	fs.StringVar(&o.mockTransport, "mock-transport", "http", "with no Artix target, reach the embedded mock over http or through an exchange dir")
	fs.StringVar(&o.artixName, "artix-name", string(NameFirst), "what Artix's name gets: first (the first name, as the spec's addClient example) or full («Фамилия Имя Отчество», as the spec's table); lastname and patronymic are sent either way")
	fs.IntVar(&o.batch, "batch", 500, "clients per batch")
	fs.StringVar(&o.statePath, "state", "", "JSON file remembering what the tills have (enables updated/unchanged/deleted)")
	fs.BoolVar(&o.full, "full", false, "send unchanged clients too (reported as re-sent)")
	fs.BoolVar(&o.reconcile, "reconcile", false, "compare the tills' directory, read back from the Cash Server (-cs-url), with VirtPOS and send only the difference; no state file")
	fs.BoolVar(&o.prune, "prune", false, "with -reconcile: delete clients on the tills that VirtPOS does not have")
	fs.String(&o.cs.URL, "cs-url", "LOYALTY_ARTIX_CS_URL", "", "Artix Cash Server REST API, e.g. http://cash-server:8080 (with -reconcile; default: the embedded mock)")
	fs.String(&o.cs.User, "cs-user", "LOYALTY_ARTIX_CS_USER", "", "Cash Server basic-auth user, if it asks (password: $LOYALTY_ARTIX_CS_PASSWORD)")
	fs.Secret(&o.cs.Password, "", "LOYALTY_ARTIX_CS_PASSWORD", "Cash Server basic-auth password")
	fs.IntVar(&o.cs.PageSize, "cs-page-size", loyalty.DefaultArtixPageSize, "clients per page read from the Cash Server (0: the whole directory in one streamed request)")
	fs.StringVar(&o.cs.PageParam, "cs-page-param", loyalty.DefaultArtixPageParam, "the Cash Server's page number parameter (pages from 0)")
	fs.StringVar(&o.cs.SizeParam, "cs-size-param", loyalty.DefaultArtixSizeParam, "the Cash Server's page size parameter")
	fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
	fs.LogEvery(&o.logEvery)
	fs.Timeout(&o.timeout, time.Hour)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case o.batch < 1:
		return nil, fmt.Errorf("-batch %d: want at least 1", o.batch)
	case o.artix.URL != "" && o.artix.Dir != "":
		return nil, errors.New("give -artix-url or -artix-dir, not both")
	case o.artix.Dir != "" && (o.artix.ShopCode != "" || o.artix.User != ""):
		return nil, errors.New("-artix-shopcode and -artix-user go with -artix-url: an exchange directory takes neither")
	case o.artixName != string(NameFirst) && o.artixName != string(NameFull):
		return nil, fmt.Errorf("-artix-name %q: want first or full", o.artixName)
	case o.mockTransport != "http" && o.mockTransport != "dir":
		return nil, fmt.Errorf("-mock-transport %q: want http or dir", o.mockTransport)
	case o.reconcile && o.statePath != "":
		return nil, errors.New("give -reconcile (the tills' directory read back) or -state FILE, not both")
	case !o.reconcile && (o.prune || o.cs.URL != ""):
		return nil, errors.New("-prune and -cs-url go with -reconcile")
	case o.reconcile && o.cs.URL == "" && (o.artix.URL != "" || o.artix.Dir != ""):
		return nil, errors.New("-reconcile with a real Artix target needs -cs-url, the Cash Server to read its directory from")
	case o.cs.URL != "" && o.artix.URL == "" && o.artix.Dir == "":
		return nil, errors.New("-cs-url reads a real Cash Server: give the -artix-url or -artix-dir its tills load from")
	case o.cs.PageSize < 0:
		return nil, fmt.Errorf("-cs-page-size %d: want 0 or more", o.cs.PageSize)
	}
	if err := o.confirm.check(o); err != nil {
		return nil, err
	}
	if err := o.virtpos.Check(); err != nil {
		return nil, err
	}
	return o, nil
}

// Report is what a sync did.
type Report struct {
	Read      int `json:"read"` // customers with a phone
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"` // not sent: the tills have them as they are
	// Resent are unchanged clients sent again because of -full.
	Resent  int `json:"resent,omitempty"`
	Deleted int `json:"deleted"`
	Extra   int `json:"extra"` // -reconcile: on the tills, not in VirtPOS, left alone (no -prune)
	Failed  int `json:"failed"`
	// Unconfirmed are the clients of batches queued whose load no cash
	// register confirmed in time (-confirm-timeout): not counted above.
	Unconfirmed int        `json:"unconfirmed,omitempty"`
	Loads       []ShopLoad `json:"loads,omitempty"`  // -confirm-timeout: per shop, per cash register
	Errors      []string   `json:"errors,omitempty"` // the first few
	// MoreErrors counts the errors past the first few, not listed.
	MoreErrors int `json:"more_errors,omitempty"`
}

const maxReportedErrors = 20

func (r *Report) fail(n int, err error) {
	r.Failed += n
	r.note(err)
}

func (r *Report) unconfirmed(n int, err error) {
	r.Unconfirmed += n
	r.note(err)
}

// note keeps err's text among the first few, and counts the others.
func (r *Report) note(err error) {
	if len(r.Errors) < maxReportedErrors {
		r.Errors = append(r.Errors, err.Error())
	} else {
		r.MoreErrors++
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	o.progress = func(label string, total int) *exampleenv.Progress {
		p := exampleenv.NewProgress(stderr, label, int64(total))
		p.LogEvery = o.logEvery
		return p
	}
	e, err := connect(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer e.close()
	if o.reconcile {
		rep, err := reconcileAll(e.ctx, e.vp, e.ax, e.cs, o)
		return report(stdout, rep, err, o.jsonOut)
	}

	st, err := loadState(o.statePath)
	if err != nil {
		return err
	}
	rep, syncErr := syncAll(e.ctx, e.vp, e.ax, st, o)
	if o.statePath != "" {
		if err := st.save(o.statePath); err != nil {
			syncErr = errors.Join(syncErr, err)
		}
	}
	return report(stdout, rep, syncErr, o.jsonOut)
}

// report prints rep and says how the run ended: err, else an error when
// some clients failed or their load was not confirmed.
func report(stdout io.Writer, rep *Report, err error, asJSON bool) error {
	printReport(stdout, rep, asJSON)
	switch {
	case err != nil:
		return err
	case rep.Failed > 0 || rep.Unconfirmed > 0:
		return fmt.Errorf("%d clients failed, %d not confirmed loaded", rep.Failed, rep.Unconfirmed)
	}
	return nil
}

// env is what a run works with: its context (with the -timeout deadline),
// the clients, and close, which ends them all (the embedded mock, the
// status receiver, the deadline).
type env struct {
	ctx   context.Context
	vp    *loyalty.VirtPOS
	ax    *loyalty.Artix
	cs    *loyalty.ArtixCashServer // the Cash Server to read the tills' directory back from (-reconcile)
	close func()
}

// connect makes the clients, starting the embedded mock for a side
// without a real server.
func connect(ctx context.Context, o *options, stderr io.Writer) (e *env, err error) {
	noArtix := o.artix.URL == "" && o.artix.Dir == ""
	srv, stopMock, err := exampleenv.StartMockIf(o.virtpos.URL == "" || noArtix, mock.Config{})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	stops := []func(){stopMock, cancel} // run last to first
	e = &env{ctx: ctx, close: func() {
		for _, stop := range slices.Backward(stops) {
			stop()
		}
	}}
	// A failed connect stops what it started. close is taken now: every
	// "return nil, err" below sets e to nil before this runs.
	closeAll := e.close
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	if srv != nil {
		fmt.Fprintln(stderr, "using the embedded mock for", mockSides(o))
	}
	if e.vp, err = o.virtpos.Client(srv, loyalty.WithFormat(loyalty.FormatJSON)); err != nil {
		return nil, err
	}
	opts := o.artix.Options()
	if o.confirm.timeout > 0 {
		rcv, err := o.confirm.receiver(noArtix)
		if err != nil {
			return nil, err
		}
		// Closed after the mock, whose callbacks stop with it.
		stops = slices.Insert(stops, 0, func() { rcv.Close() })
		opts = append(opts, loyalty.WithLoadConfirmation(rcv, o.confirm.cashes))
	}
	switch {
	case o.artix.URL != "":
		e.ax, err = loyalty.NewArtix(o.artix.URL, opts...)
	case o.artix.Dir != "":
		var dirOpts []loyalty.ArtixExchangeDirOption
		if o.pickupWait > 0 {
			dirOpts = append(dirOpts, loyalty.WithPickupWait(o.pickupWait))
		}
		e.ax, err = loyalty.NewArtixExchangeDir(o.artix.Dir, dirOpts...)
	case o.mockTransport == "dir":
		// The mock plays the cash server on a temporary exchange directory;
		// waiting for each pickup makes the counts exact.
		dir, stopDir, derr := exampleenv.ServeExchangeDir(ctx, srv)
		if derr != nil {
			return nil, derr
		}
		stops = append(stops, stopDir)
		e.ax, err = loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(30*time.Second), loyalty.WithPollInterval(10*time.Millisecond))
	case o.confirm.timeout > 0:
		srv.SetArtixCashes(o.confirm.cashes)
		e.ax = srv.Artix(append(opts, loyalty.WithArtixShopCode(cmp.Or(o.artix.ShopCode, "1")))...)
	default:
		e.ax = srv.Artix()
	}
	if err != nil {
		return nil, err
	}
	if o.reconcile {
		if e.cs, err = cashServer(o, srv); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func mockSides(o *options) string {
	switch {
	case o.virtpos.URL == "" && o.artix.URL == "" && o.artix.Dir == "":
		return "VirtPOS and Artix"
	case o.virtpos.URL == "":
		return "VirtPOS"
	}
	return "Artix"
}

// syncAll streams the customers, sends batches as they fill up and, when
// every customer was read, deletes the clients that are gone.
func syncAll(ctx context.Context, vp *loyalty.VirtPOS, ax *loyalty.Artix, st *state, o *options) (*Report, error) {
	rep := &Report{}
	b := &batcher{ctx: ctx, ax: ax, size: o.batch, confirm: o.confirm.timeout, rep: rep, progress: o.progress, name: ArtixName(o.artixName), sent: func(p pending) {
		if p.kind == "deleted" {
			delete(st.Clients, p.id)
		} else {
			st.Clients[p.id] = p.fp
		}
	}}
	gone, err := diff(ctx, vp, b, st.Clients, fingerprint, o.full)
	if err != nil {
		return rep, err
	}
	if o.statePath != "" {
		for _, id := range gone {
			b.add(pending{kind: "deleted", id: id, cmd: loyalty.DeleteClient(id)})
		}
	}
	b.flush()
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
	resent := ""
	if r.Resent > 0 {
		resent = fmt.Sprintf(", re-sent unchanged %d (-full)", r.Resent)
	}
	fmt.Fprintf(w, "added %d, updated %d%s, unchanged %d, deleted %d, failed %d\n", r.Added, r.Updated, resent, r.Unchanged, r.Deleted, r.Failed)
	if r.Unconfirmed > 0 {
		fmt.Fprintf(w, "%d clients queued but not confirmed loaded in time; sent again next run\n", r.Unconfirmed)
	}
	printLoads(w, r.Loads)
	if r.Extra > 0 {
		fmt.Fprintf(w, "%d clients on the tills are not in VirtPOS; left alone (-prune deletes them)\n", r.Extra)
	}
	for _, e := range r.Errors {
		fmt.Fprintln(w, "  error:", e)
	}
	if r.MoreErrors > 0 {
		fmt.Fprintf(w, "  … and %d more errors\n", r.MoreErrors)
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
	return exampleenv.WriteFile(path, data, 0o600)
}
