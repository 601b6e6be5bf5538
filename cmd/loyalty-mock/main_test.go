package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/testutil"
	"github.com/loyaltykit/loyalty/mock"
)

// started is a run in a goroutine: its ready line and its result.
type started struct {
	ready  ready
	stderr *bytes.Buffer
	cancel context.CancelFunc
	done   chan struct{} // closed when run returned
	err    error         // what run returned
}

// startRun calls run in-process and waits for its ready line.
func startRun(t *testing.T, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &started{stderr: &bytes.Buffer{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		s.err = run(ctx, args, pw, s.stderr)
		pw.CloseWithError(errors.New("run returned"))
		close(s.done)
	}()
	line, err := bufio.NewReader(pr).ReadBytes('\n')
	if err != nil {
		cancel()
		<-s.done
		t.Fatalf("no ready line: %v (run: %v)", err, s.err)
	}
	go io.Copy(io.Discard, pr)
	if err := json.Unmarshal(line, &s.ready); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

// stop cancels the run and returns its result.
func (s *started) stop() error {
	s.cancel()
	<-s.done
	return s.err
}

func TestRunServesAndDumps(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "state.json")
	ex := filepath.Join(dir, "exchange")
	s := startRun(t, "-customers", "5", "-apikey", "test-key", "-firm", "firm-9",
		"-cert-dir", filepath.Join(dir, "certs"), "-dump", dump, "-artix-exchange-dir", ex)
	r := s.ready
	if r.APIKey != "test-key" {
		t.Fatalf("ready line %+v; want r.APIKey == \"test-key\"", r)
	} else if r.CommercialFirmID != "firm-9" {
		t.Fatalf("ready line %+v; want r.CommercialFirmID == \"firm-9\"", r)
	} else if r.AdminPrefix != mock.AdminPrefix {
		t.Fatalf("ready line %+v; want r.AdminPrefix == mock.AdminPrefix", r)
	} else if r.PID == 0 {
		t.Fatalf("ready line %+v; want r.PID != 0", r)
	}
	if r.ArtixExchangeDir != ex {
		t.Fatalf("paths in the ready line: %+v; want r.ArtixExchangeDir == ex", r)
	} else if r.Dump != dump {
		t.Fatalf("paths in the ready line: %+v; want r.Dump == dump", r)
	} else if !filepath.IsAbs(r.ClientKey) {
		t.Fatalf("paths in the ready line: %+v; want filepath.IsAbs(r.ClientKey)", r)
	}
	for _, u := range []string{r.VirtPOSURL, r.ArtixURL} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") || strings.HasSuffix(u, ":0") {
			t.Fatalf("URL %q: want a chosen loopback port", u)
		}
	}
	if fi, err := os.Stat(r.ClientKey); err != nil {
		t.Fatalf("client key file: %v %v; want err == nil", fi, err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("client key file: %v %v; want !(runtime.GOOS != \"windows\" && fi.Mode().Perm() != 0o600)", fi, err)
	}
	ctx := context.Background()

	vp, err := loyalty.NewVirtPOS(r.VirtPOSURL, r.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	page, err := vp.Customers.List(ctx, nil)
	if err != nil || len(page.Customers) != 5 {
		t.Fatalf("customers: %v, %v; want the 5 seeded", page, err)
	}

	crm, err := loyalty.NewCRM(r.CRMURL, r.CommercialFirmID,
		loyalty.WithClientCertificateFiles(r.ClientCert, r.ClientKey), withCAFile(t, r.CACert))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crm.Contacts.Get(ctx, mock.CRMContactID); err != nil {
		t.Fatalf("CRM over mTLS with the written files: %v", err)
	}

	// The exchange directory feeds the same directory as HTTP.
	axf, err := loyalty.NewArtixExchangeDir(ex, loyalty.WithPickupWait(10*time.Second), loyalty.WithPollInterval(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := axf.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "f1", FirstName: "Файловый"}); err != nil {
		t.Fatalf("exchange batch: %v", err)
	}
	ax, err := loyalty.NewArtix(r.ArtixURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: "h1", FirstName: "Сетевой"}); err != nil {
		t.Fatal(err)
	}

	if err := s.stop(); err != nil {
		t.Fatalf("run after cancel: %v (stderr %s)", err, s.stderr)
	}
	data, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"f1"`, `"h1"`, "Файловый", "Сетевой"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Fatalf("dump lacks %s", want)
		}
	}

	// -load brings it back in a new process.
	s2 := startRun(t, "-load", dump, "-apikey", "k2")
	srv2 := adminState(t, s2.ready.ArtixURL)
	if !bytes.Contains(srv2, []byte("Файловый")) {
		t.Fatal("loaded state lacks the exchange-directory client")
	}
	vp2, _ := loyalty.NewVirtPOS(s2.ready.VirtPOSURL, "k2")
	if page, err := vp2.Customers.List(ctx, nil); err != nil || len(page.Customers) != 5 {
		t.Fatalf("loaded customers: %v %v, want the 5 dumped", page, err)
	}
}

func withCAFile(t *testing.T, path string) loyalty.CRMOption {
	t.Helper()
	pem, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("ca.pem holds no certificate")
	}
	return loyalty.WithRootCAs(pool)
}

func adminState(t *testing.T, base string) []byte {
	t.Helper()
	resp, err := http.Get(base + mock.AdminPrefix + "state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET state: %d %v; want err == nil", resp.StatusCode, err)
	} else if resp.StatusCode != 200 {
		t.Fatalf("GET state: %d %v; want resp.StatusCode == 200", resp.StatusCode, err)
	}
	return b
}

func TestRunArtixAuth(t *testing.T) {
	t.Setenv(artixPasswordEnv, "s3cret")
	s := startRun(t, "-artix-user", "admin", "-artix-shopcode", "111", "-log")
	ctx := context.Background()
	c := loyalty.ArtixCustomer{ID: "1", FirstName: "Пётр"}
	noAuth, _ := loyalty.NewArtix(s.ready.ArtixURL, loyalty.WithoutRetries(), loyalty.WithArtixShopCode("111"))
	var apiErr *loyalty.APIError
	if err := noAuth.Customers.Add(ctx, c); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without auth: %v, want 401", err)
	}
	ok, _ := loyalty.NewArtix(s.ready.ArtixURL, loyalty.WithBasicAuth("admin", "s3cret"), loyalty.WithArtixShopCode("111"))
	if err := ok.Customers.Add(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.stderr.String(), "mock request") {
		t.Fatalf("-log wrote no request records: %q", s.stderr)
	}
	if strings.Contains(s.stderr.String(), "s3cret") {
		t.Fatal("the password reached the log")
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"virtpos": 1}`), 0o644)
	for name, args := range map[string][]string{
		"unknown flag":    {"-nosuch"},
		"extra argument":  {"extra"},
		"missing load":    {"-load", filepath.Join(dir, "none.json")},
		"bad load":        {"-load", bad},
		"address in use?": {"-virtpos-addr", "256.0.0.1:1"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, &out, &errOut); err == nil {
				t.Fatal("run succeeded")
			}
			if out.Len() != 0 {
				t.Fatalf("a failed start printed a ready line: %q", out.String())
			}
		})
	}
}

// TestBinary builds the command, starts it on free ports, drives it over
// HTTP as a non-Go test suite would, and stops it with SIGINT.
func TestBinary(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGINT cannot be sent on windows")
	}
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump.json")
	cmd, r, stderr := startBinary(t, "-virtpos-addr", "127.0.0.1:0", "-cert-dir", filepath.Join(dir, "certs"), "-dump", dump, "-customers", "3")

	// VirtPOS with the apikey, as curl would.
	body := testutil.Get(t, http.DefaultClient, r.VirtPOSURL+"/api/customer?format=json&apikey="+r.APIKey)
	if !strings.Contains(body, `"success":1`) {
		t.Fatalf("VirtPOS answer %s; want strings.Contains(body, `\"success\":1`)", body)
	} else if !strings.Contains(body, "Сергей") {
		t.Fatalf("VirtPOS answer %s; want strings.Contains(body, \"Сергей\")", body)
	}
	// The CRM over mutual TLS with the written files.
	cert, err := tls.LoadX509KeyPair(r.ClientCert, r.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(r.CACert)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	crmHTTP := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
	body = testutil.Get(t, crmHTTP, r.CRMURL+"/GetPartners?commercial_firm_id="+r.CommercialFirmID)
	if !strings.Contains(body, "Продукты у дома") {
		t.Fatalf("CRM answer %s", body)
	}
	// A fault through the admin endpoint.
	resp, err := http.Post(r.ArtixURL+"/_mock/faults", "application/json", strings.NewReader(`{"api":"virtpos","status":503,"retry_after":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("install fault: HTTP %d", resp.StatusCode)
	}
	resp, err = http.Get(r.VirtPOSURL + "/api/customer?apikey=" + r.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("faulted answer: HTTP %d Retry-After %q; want resp.StatusCode == http.StatusServiceUnavailable", resp.StatusCode, resp.Header.Get("Retry-After"))
	} else if resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("faulted answer: HTTP %d Retry-After %q; want resp.Header.Get(\"Retry-After\") == \"1\"", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v; stderr: %s", err, stderr.String())
	}
	data, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]json.RawMessage
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("dump: %v %.200s; want err == nil", err, data)
	} else if st["virtpos"] == nil {
		t.Fatalf("dump: %v %.200s; want st[\"virtpos\"] != nil", err, data)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binDir holds the built command, removed by TestMain.
var binDir string

// builtBinary is the command built once for the tests that run it.
var builtBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "loyalty-mock-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "loyalty-mock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// startBinary builds the command (once), starts it with args and reads
// its ready line; the process is killed when the test ends, unless the
// test waited for it.
func startBinary(t *testing.T, args ...string) (*exec.Cmd, ready, *bytes.Buffer) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signals cannot be sent on windows")
	}
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin, err := builtBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		t.Fatalf("ready line: %v; stderr: %s", err, stderr.String())
	}
	var r ready
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	if r.PID != cmd.Process.Pid {
		t.Fatalf("pid %d, want %d", r.PID, cmd.Process.Pid)
	}
	return cmd, r, stderr
}

// TestBinaryDumpHoldsEveryConfirmedWriteAfterSIGTERM: writers hammer the
// binary (some answers slowed by a delay fault, so requests are in flight)
// while it gets SIGTERM; every create it confirmed is in the -dump file.
func TestBinaryDumpHoldsEveryConfirmedWriteAfterSIGTERM(t *testing.T) {
	dump := filepath.Join(t.TempDir(), "dump.json")
	cmd, r, stderr := startBinary(t, "-dump", dump, "-customers", "1")
	resp, err := http.Post(r.ArtixURL+"/_mock/faults", "application/json",
		strings.NewReader(`{"api":"virtpos","path":"/api/customer/update","delay":"50ms","times":40}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	var mu sync.Mutex
	var confirmed []int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: time.Minute}
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				form := url.Values{"apikey": {r.APIKey}, "fname": {fmt.Sprintf("w%d-%d", w, i)}}
				resp, err := client.PostForm(r.VirtPOSURL+"/api/customer/update?format=json&create_if_not_exist=1", form)
				if err != nil {
					return // the server is gone
				}
				var ans struct {
					Success int   `json:"success"`
					ID      int64 `json:"id"`
				}
				err = json.NewDecoder(resp.Body).Decode(&ans)
				resp.Body.Close()
				if err == nil && ans.Success == 1 {
					mu.Lock()
					confirmed = append(confirmed, ans.ID)
					mu.Unlock()
				}
			}
		})
	}
	// Signal once the writers are well under way.
	for {
		mu.Lock()
		n := len(confirmed)
		mu.Unlock()
		if n >= 100 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v; stderr: %s", err, stderr.String())
	}
	data, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		VirtPOS struct {
			Customers []struct {
				ID int64 `json:"id"`
			} `json:"customers"`
		} `json:"virtpos"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("dump: %v", err)
	}
	have := map[int64]bool{}
	for _, c := range st.VirtPOS.Customers {
		have[c.ID] = true
	}
	missing := 0
	for _, id := range confirmed {
		if !have[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d confirmed creates are missing from the dump", missing, len(confirmed))
	}
}

// TestParseClock: -clock takes spec, now or an RFC 3339 start that runs.
func TestParseClock(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := t0
	now := func() time.Time { return tick }
	if c, err := parseClock("spec", now); err != nil {
		t.Fatalf("spec: %v %v; want err == nil", c != nil, err)
	} else if c != nil {
		t.Fatalf("spec: %v %v; want c == nil", c != nil, err)
	}
	if c, err := parseClock("now", now); err != nil {
		t.Fatalf("now: %v; want err == nil", err)
	} else if !c().Equal(t0) {
		t.Fatalf("now: %v; want c().Equal(t0)", err)
	}
	c, err := parseClock("2027-01-02T03:04:05Z", now)
	if err != nil {
		t.Fatal(err)
	}
	tick = t0.Add(time.Minute)
	if want := time.Date(2027, 1, 2, 3, 5, 5, 0, time.UTC); !c().Equal(want) {
		t.Fatalf("started clock reads %v, want %v", c(), want)
	}
	if _, err := parseClock("yesterday", now); err == nil {
		t.Fatalf("bad clock: %v; want err != nil", err)
	} else if !strings.Contains(err.Error(), "RFC 3339") {
		t.Fatalf("bad clock: %v; want strings.Contains(err.Error(), \"RFC 3339\")", err)
	}
}
