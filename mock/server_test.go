package mock

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, c *http.Client, url string) (*http.Response, string, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func TestStartListensOnLoopback(t *testing.T) {
	start := time.Now()
	srv := NewServer(t)
	// Not a timing assert: only logged. BenchmarkStart measures it.
	t.Logf("started in %s", time.Since(start))
	for _, u := range []string{srv.VirtPOSURL, srv.ArtixURL} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Errorf("URL %q is not loopback http", u)
		}
	}
	if !strings.HasPrefix(srv.CRMURL, "https://127.0.0.1:") {
		t.Errorf("CRM URL %q is not loopback https", srv.CRMURL)
	}
}

func TestFaultsCountDownAndJournal(t *testing.T) {
	srv := NewServer(t)
	srv.Fail(Fault{API: ArtixAPI, Path: "/aif*", Status: 503, RetryAfter: "2", Times: 2})
	c := &http.Client{}
	for i, want := range []int{503, 503, 404} {
		resp, body, err := get(t, c, srv.ArtixURL+"/aifexchange/loaddicts")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, want)
		}
		if want == 503 && (resp.Header.Get("Retry-After") != "2" || !strings.Contains(body, "503 Service Unavailable")) {
			t.Errorf("request %d: Retry-After %q body %q", i, resp.Header.Get("Retry-After"), body)
		}
	}
	// Another API is not affected.
	srv.Fail(Fault{API: CRMAPI})
	if resp, _, err := get(t, c, srv.VirtPOSURL+"/x"); err != nil {
		t.Fatalf("virtpos got the CRM fault: %v; want err == nil", err)
	} else if resp.StatusCode == 500 {
		t.Fatalf("virtpos got the CRM fault: %v; want resp.StatusCode != 500", err)
	}
	j := srv.RequestsTo(ArtixAPI)
	if len(j) != 3 {
		t.Fatalf("journal %+v; want len(j) == 3", j)
	} else if !j[0].Faulted {
		t.Fatalf("journal %+v; want j[0].Faulted", j)
	} else if j[2].Faulted {
		t.Fatalf("journal %+v; want !j[2].Faulted", j)
	} else if j[0].StatusCode != 503 {
		t.Fatalf("journal %+v; want j[0].StatusCode == 503", j)
	}
	srv.Reset()
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("journal after Reset has %d entries", n)
	}
}

func TestFaultResetAndTruncateBreakTheAnswer(t *testing.T) {
	srv := NewServer(t)
	c := &http.Client{}
	srv.Fail(Fault{Reset: true})
	if _, _, err := get(t, c, srv.VirtPOSURL+"/api/customer"); err == nil {
		t.Fatal("reset fault: want a transport error")
	}
	srv.Fail(Fault{Truncate: true})
	_, _, err := get(t, c, srv.VirtPOSURL+"/api/customer")
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncate fault: got %v, want unexpected EOF", err)
	}
}

func TestCRMRequiresClientCertificate(t *testing.T) {
	srv := NewServer(t)
	noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs()}}}
	if _, _, err := get(t, noCert, srv.CRMURL+"/GetRegions"); err == nil {
		t.Fatal("handshake without a client certificate succeeded")
	}
	withCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: srv.RootCAs(), Certificates: []tls.Certificate{srv.ClientCertificate()},
	}}}
	if _, _, err := get(t, withCert, srv.CRMURL+"/GetRegions"); err != nil {
		t.Fatalf("mTLS request failed: %v", err)
	}
}

func BenchmarkStart(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := Start(Config{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

func TestZeroFaultIsA500(t *testing.T) {
	srv := NewServer(t)
	srv.Fail(Fault{})
	srv.Fail(Fault{API: VirtPOSAPI, Method: "GET"})
	c := &http.Client{}
	for i := range 2 {
		resp, _, err := get(t, c, srv.VirtPOSURL+"/api/customer?apikey="+srv.APIKey)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("fault %d: status %d, want 500", i, resp.StatusCode)
		}
	}
}

func TestJournalHasTheRequestBeforeTheClientHasItsAnswer(t *testing.T) {
	srv := NewServer(t)
	c := &http.Client{}
	for i := range 30 {
		srv.Fail(Fault{Reset: true})
		if _, _, err := get(t, c, srv.VirtPOSURL+"/api/customer"); err == nil {
			t.Fatal("reset fault: want a transport error")
		}
		if n := len(srv.Requests()); n != 2*i+1 {
			t.Fatalf("after a dropped connection: %d journaled, want %d", n, 2*i+1)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.ArtixURL+"/aifexchange/loaddicts", nil)
		req.SetBasicAuth("admin", "s3cret")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if n := len(srv.Requests()); n != 2*i+2 {
			t.Fatalf("after an answer: %d journaled, want %d", n, 2*i+2)
		}
	}
	for _, r := range srv.RequestsTo(ArtixAPI) {
		if got := r.Header.Get("Authorization"); got != "Basic REDACTED" {
			t.Fatalf("journaled Authorization %q: credentials must not reach the admin endpoint", got)
		}
	}
}

// TestCloseIsSafeOnNilAndTwice: Close on a nil *Server (a failed Start),
// an in-memory one, or one already closed does nothing.
func TestCloseIsSafeOnNilAndTwice(t *testing.T) {
	var s *Server
	s.Close()
	mem, err := NewInMemory(Config{})
	if err != nil {
		t.Fatal(err)
	}
	mem.Close()
	srv, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv.Close()
}

// A client that gives up during a Delay fault gets nothing back: the mock
// used to return from the handler, and net/http then wrote an empty 200
// that a client closing its connection a moment late read as the answer
// (a CI run saw a retried read end that way). The client here half-closes
// its side, as a late close does, and keeps reading.
func TestDelayAnswersNothingToAClientThatGaveUp(t *testing.T) {
	srv := NewServer(t)
	srv.Fail(Fault{API: VirtPOSAPI, Delay: time.Minute})
	addr := strings.TrimPrefix(srv.VirtPOSURL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /api/customer?apikey="+srv.APIKey+"&id=1 HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the request reaches the Delay
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(conn)
	if len(got) > 0 {
		t.Errorf("the mock answered a client that gave up: %q", got)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Error("the mock still holds the connection 10 s after the client gave up")
	}
	for end := time.Now().Add(5 * time.Second); len(srv.RequestsTo(VirtPOSAPI)) == 0 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if rs := srv.RequestsTo(VirtPOSAPI); len(rs) != 1 || rs[0].StatusCode != 0 {
		t.Errorf("journal %+v, want the request with status 0 (nothing answered)", rs)
	}
}
