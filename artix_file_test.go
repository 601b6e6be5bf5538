package loyalty_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
	"github.com/loyaltykit/loyalty/mock"
)

func TestArtixExchangeDirEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := mock.NewServer(t)
	dir := t.TempDir()
	done := make(chan error, 1)
	go func() { done <- srv.ServeArtixExchangeDir(ctx, dir) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("loader: %v", err)
		}
	})

	ax, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(30*time.Second), loyalty.WithPollInterval(2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := ax.Send(ctx, specAddClient(), loyalty.AddClient(loyalty.ArtixCustomer{ID: "12"}), loyalty.DeleteClient("12")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if c, ok := srv.ArtixCustomer("4"); !ok {
		t.Fatalf("directory after the file batch: %+v; want ok", srv.ArtixCustomers())
	} else if c.Occupation != "Сантехник" {
		t.Fatalf("directory after the file batch: %+v; want c.Occupation == \"Сантехник\"", srv.ArtixCustomers())
	} else if srv.ArtixCustomerCount() != 1 {
		t.Fatalf("directory after the file batch: %+v; want srv.ArtixCustomerCount() == 1", srv.ArtixCustomers())
	}
	if err := ax.Customers.Update(ctx, loyalty.ArtixCustomerUpdate{ID: "4", Email: new("new@example.ru")}); err != nil {
		t.Fatal(err)
	}
	if c, _ := srv.ArtixCustomer("4"); c.Email != "new@example.ru" {
		t.Errorf("update through the file: %+v", c)
	}
	// HTTP and files share one directory.
	if err := srv.Artix().Customers.Clear(ctx); err != nil {
		t.Errorf("clear over HTTP: %v; want err == nil", err)
	} else if srv.ArtixCustomerCount() != 0 {
		t.Errorf("clear over HTTP: %v; want srv.ArtixCustomerCount() == 0", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
	if errs := srv.ArtixLoadErrors(); len(errs) != 0 {
		t.Errorf("load errors: %v", errs)
	}

	// A batch the loader refuses is deleted and its error kept.
	os.WriteFile(filepath.Join(dir, "pos20000101000000.aif"), []byte("{\"command\":\"updateClient\",\"client\":{\"idclient\":\"nobody\"}}\n---\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "pos20000101000000.flz"), nil, 0o644)
	for range 2000 {
		if len(srv.ArtixLoadErrors()) > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if errs := srv.ArtixLoadErrors(); len(errs) != 1 {
		t.Errorf("load errors: %v; want len(errs) == 1", errs)
	} else if !strings.Contains(errs[0].Error(), "nobody") {
		t.Errorf("load errors: %v; want strings.Contains(errs[0].Error(), \"nobody\")", errs)
	}
}

func TestArtixExchangeDirSameSecond(t *testing.T) {
	dir := t.TempDir()
	ax, err := loyalty.NewArtixExchangeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A stale batch already waiting under the current second's name.
	stale := artixwire.BatchName(time.Now().Add(time.Second))
	os.WriteFile(filepath.Join(dir, stale+".aif"), []byte("stale"), 0o644)
	const batches = 5
	for i := range batches {
		if err := ax.Customers.Delete(context.Background(), fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	var aifs, flzs []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".aif":
			aifs = append(aifs, e.Name())
		case ".flz":
			flzs = append(flzs, e.Name())
		default:
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	if len(aifs) != batches+1 {
		t.Fatalf("aif %v flz %v; want len(aifs) == batches + 1", aifs, flzs)
	} else if len(flzs) != batches {
		t.Fatalf("aif %v flz %v; want len(flzs) == batches", aifs, flzs)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, stale+".aif")); string(b) != "stale" {
		t.Error("the stale batch was overwritten")
	}
	seen := map[string]bool{}
	for _, f := range flzs {
		base := strings.TrimSuffix(f, ".flz")
		if len(base) != len("pos20060102150405") {
			t.Errorf("flag %s; want len(base) == len(\"pos20060102150405\")", f)
		} else if seen[base] {
			t.Errorf("flag %s; want !seen[base]", f)
		} else if base == stale {
			t.Errorf("flag %s; want base != stale", f)
		}
		seen[base] = true
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("flag %s not empty; want err == nil", f)
		} else if fi.Size() != 0 {
			t.Errorf("flag %s not empty; want fi.Size() == 0", f)
		}
		b, err := os.ReadFile(filepath.Join(dir, base+".aif"))
		if err != nil {
			t.Errorf("%s.aif: %q %v; want err == nil", base, b, err)
		} else if !bytes.HasPrefix(b, []byte(`{"command":"deleteClient","idclient":"`)) {
			t.Errorf("%s.aif: %q %v; want bytes.HasPrefix(b, []byte(`{\"command\":\"deleteClient\",\"idclient\":\"`))", base, b, err)
		} else if !bytes.HasSuffix(b, []byte("\"}\n---\n")) {
			t.Errorf("%s.aif: %q %v; want bytes.HasSuffix(b, []byte(\"\\\"}\\n---\\n\"))", base, b, err)
		}
	}
	// The files sort in the order the batches were sent.
	if !slices.IsSorted(flzs) {
		t.Errorf("flags out of order: %v", flzs)
	}
	for i, f := range flzs {
		b, _ := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(f, ".flz")+".aif"))
		if !bytes.Contains(b, []byte(fmt.Sprintf(`"idclient":"%d"`, i))) {
			t.Errorf("%s holds %s", f, b)
		}
	}
}

func TestArtixExchangeDirPickupTimeout(t *testing.T) {
	dir := t.TempDir()
	ax, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(20*time.Millisecond), loyalty.WithPollInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	err = ax.Customers.Clear(context.Background())
	var fe *loyalty.ArtixFileError
	if !errors.Is(err, loyalty.ErrArtixNotPickedUp) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &fe) || !strings.Contains(err.Error(), "may still load later") {
		t.Fatalf("want a pickup timeout, got %v", err)
	}
	if _, err := os.Stat(fe.Path); err != nil {
		t.Errorf("the batch file is gone: %v", err)
	}
	// A cancelled context stops the wait too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ax.Customers.Clear(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestArtixExchangeDirUnwritable(t *testing.T) {
	dir := t.TempDir()
	ax, err := loyalty.NewArtixExchangeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The directory disappears after the constructor: a send error.
	os.Remove(dir)
	var fe *loyalty.ArtixFileError
	if err := ax.Customers.Clear(context.Background()); !errors.As(err, &fe) || fe.Op != "write" {
		t.Errorf("want an *ArtixFileError, got %v", err)
	}
	if os.Geteuid() == 0 {
		t.Skip("root can write to a read-only directory")
	}
	ro := t.TempDir()
	os.Chmod(ro, 0o555)
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	var ce *loyalty.ConfigError
	if _, err := loyalty.NewArtixExchangeDir(ro); !errors.As(err, &ce) {
		t.Errorf("read-only dir: %v", err)
	}
}

func TestArtixExchangeDir100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k records")
	}
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := mock.NewServer(t)
	dir := t.TempDir()
	go srv.ServeArtixExchangeDir(ctx, dir)
	ax, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(5*time.Minute), loyalty.WithPollInterval(5*time.Millisecond)) // generous: a loaded machine
	if err != nil {
		t.Fatal(err)
	}
	n := artixBigBatch()
	if err := ax.SendSeq(ctx, artixAdds(n)); err != nil {
		t.Fatal(err)
	}
	if got := srv.ArtixCustomerCount(); got != n {
		t.Fatalf("%d clients, want %d (load errors %v)", got, n, srv.ArtixLoadErrors())
	}
}

func BenchmarkArtixEncode(b *testing.B) {
	ax, err := loyalty.NewArtixExchangeDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := ax.SendSeq(context.Background(), artixAdds(1000)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestArtixExchangeDirFileModes: the batch is as readable as its flag, for
// a cash server running as another user (both are made 0644 under the
// process umask; the .aif was 0600).
func TestArtixExchangeDirFileModes(t *testing.T) {
	dir := t.TempDir()
	ax, err := loyalty.NewArtixExchangeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ax.Customers.Delete(context.Background(), "1"); err != nil {
		t.Fatal(err)
	}
	aifs, _ := filepath.Glob(filepath.Join(dir, "*.aif"))
	flzs, _ := filepath.Glob(filepath.Join(dir, "*.flz"))
	if len(aifs) != 1 {
		t.Fatalf("files %v %v; want len(aifs) == 1", aifs, flzs)
	} else if len(flzs) != 1 {
		t.Fatalf("files %v %v; want len(flzs) == 1", aifs, flzs)
	}
	aif, err1 := os.Stat(aifs[0])
	flz, err2 := os.Stat(flzs[0])
	if err1 != nil {
		t.Fatal(err1, err2, "; want err1 == nil")
	} else if err2 != nil {
		t.Fatal(err1, err2, "; want err2 == nil")
	}
	if aif.Mode().Perm() != flz.Mode().Perm() || aif.Mode().Perm()&0o400 == 0 {
		t.Errorf(".aif mode %v, .flz mode %v: want the same, 0644 under the umask", aif.Mode().Perm(), flz.Mode().Perm())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".loyalty-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestArtixExchangeDirCancelledContext: a context cancelled before Send is
// an *ArtixFileError like a cancel during the write, and matches
// context.Canceled; nothing is written.
func TestArtixExchangeDirCancelledContext(t *testing.T) {
	dir := t.TempDir()
	ax, err := loyalty.NewArtixExchangeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = ax.Customers.Clear(ctx)
	var fe *loyalty.ArtixFileError
	if !errors.As(err, &fe) || fe.Op != "write" || !errors.Is(err, context.Canceled) {
		t.Errorf("want an *ArtixFileError matching context.Canceled, got %T %v", err, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
}

// TestArtixExchangeDirMillisecondNames: WithMillisecondNames names batches
// pos<yyyyMMddHHmmssSSS>; many in one second need no stamps a second
// apart, names still sort in sending order, and the player loads them.
func TestArtixExchangeDirMillisecondNames(t *testing.T) {
	dir := t.TempDir()
	ax, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithMillisecondNames())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range 5 {
		res, err := ax.SendBatch(context.Background(), loyalty.ArtixBatch{Commands: artixAdds(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, res.ID)
	}
	for i, n := range names {
		if len(n) != len("pos")+17 {
			t.Errorf("name %q; want len(n) == len(\"pos\") + 17", n)
		} else if !strings.HasPrefix(n, "pos") {
			t.Errorf("name %q; want strings.HasPrefix(n, \"pos\")", n)
		}
		if i > 0 && n <= names[i-1] {
			t.Errorf("names out of order: %v", names)
		}
	}
	srv := mock.NewServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.ServeArtixExchangeDir(ctx, dir)
	deadline := time.Now().Add(30 * time.Second)
	for srv.ArtixCustomerCount() != 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.ArtixCustomerCount() != 5 {
		t.Errorf("%d clients loaded, errors %v; want srv.ArtixCustomerCount() == 5", srv.ArtixCustomerCount(), srv.ArtixLoadErrors())
	} else if len(srv.ArtixLoadErrors()) != 0 {
		t.Errorf("%d clients loaded, errors %v; want len(srv.ArtixLoadErrors()) == 0", srv.ArtixCustomerCount(), srv.ArtixLoadErrors())
	}
}

// TestArtixExchangeDirPickupSaysRemoved: files that anything but the cash
// server deletes (a cleanup job here) look like a pickup; the result says
// what is known, the files were removed (PickedUp), and not that the
// batch was loaded (issue 20 item 19).
func TestArtixExchangeDirPickupSaysRemoved(t *testing.T) {
	dir := t.TempDir()
	ax, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(30*time.Second), loyalty.WithPollInterval(2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // the cleanup job
		for ctx.Err() == nil {
			fs, _ := filepath.Glob(filepath.Join(dir, "pos*.flz"))
			for _, f := range fs {
				os.Remove(f)
				os.Remove(strings.TrimSuffix(f, ".flz") + ".aif")
			}
			time.Sleep(time.Millisecond)
		}
	}()
	res, err := ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: artixAdds(1)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.PickedUp || res.Loaded {
		t.Errorf("result PickedUp %v, Loaded %v; want the files' removal reported, no load claimed", res.PickedUp, res.Loaded)
	}
}

// TestArtixExchangeDirPickupEndsOnRefusal: a batch the cash server
// refuses ends WithPickupWait at once with ErrArtixRefused, the file and
// the server's reason (the line it appended to error.txt naming the
// file), not after the timeout as if it were slow. Lines about other
// files, or written before the batch, refuse nothing.
func TestArtixExchangeDirPickupEndsOnRefusal(t *testing.T) {
	srv := mock.NewServer(t)
	dir := t.TempDir()
	// An old refusal of another batch, and of a name this one cannot take.
	old := "2026-12-01 10:00:00 pos20261201100000.aif: command 0: something old\n"
	if err := os.WriteFile(filepath.Join(dir, mock.ArtixErrorFile), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.ServeArtixExchangeDir(ctx, dir)
	const wait = 30 * time.Second
	ax, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(wait), loyalty.WithPollInterval(2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// Loaded: both files go, no error.
	if res, err := ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: artixAdds(1)}); err != nil {
		t.Fatalf("a batch the server loads: %v; want no error", err)
	} else if !res.PickedUp {
		t.Fatalf("a batch the server loads: %+v; want PickedUp", res)
	}
	start := time.Now()
	res, err := ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: slices.Values([]loyalty.ArtixCommand{
		loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: "nobody", Email: new("a@b.ru")})})})
	took := time.Since(start)
	if !errors.Is(err, loyalty.ErrArtixRefused) {
		t.Fatalf("a refused batch: %v; want an error matching ErrArtixRefused", err)
	}
	if errors.Is(err, loyalty.ErrArtixNotPickedUp) {
		t.Errorf("a refused batch: %v; want it not to match ErrArtixNotPickedUp (it will not load later)", err)
	}
	if took > wait/2 {
		t.Errorf("a refused batch ended the wait after %v; want well before the %v timeout", took, wait)
	}
	var fe *loyalty.ArtixFileError
	if !errors.As(err, &fe) {
		t.Fatalf("a refused batch: %T %v; want an *ArtixFileError", err, err)
	}
	if res == nil || fe.Path != res.File {
		t.Errorf("ArtixFileError.Path %q, result %+v; want the batch's .aif", fe.Path, res)
	}
	if want := `command 0: updateClient: no client with idclient "nobody"`; !strings.Contains(fe.Reason, want) {
		t.Errorf("ArtixFileError.Reason %q; want the server's reason, %q", fe.Reason, want)
	}
	if strings.Contains(fe.Reason, "something old") {
		t.Errorf("ArtixFileError.Reason %q; want only a line written after the batch", fe.Reason)
	}
	if msg := err.Error(); !strings.Contains(msg, filepath.Base(res.File)) || !strings.Contains(msg, "nobody") {
		t.Errorf("error %q; want it to name the file %s and the reason", msg, filepath.Base(res.File))
	}
	if res.PickedUp {
		t.Errorf("a refused batch: %+v; want PickedUp false", res)
	}
}
