package loyalty_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeExchanger is a cash register's exchanger written from
// docs/artix-field-notes.md §1–2, independently of the mock: it takes a
// load at POST /aifexchange/loaddicts, answers {"success":true}, then
// calls back the addressstatusserver from its own address, in the field's
// order: POST backOfficeState/{shop} (DURING; the JSON answer is the
// state id), PUT backOfficeState/{shop}/{state} (READY: queued), PUT
// cashLoad/{shop}/{cash}/{state} DURING and then the final status.
type fakeExchanger struct {
	URL string
	ip  string // it listens and calls back from this address

	cash    string        // its cash code
	delay   time.Duration // before the first callback and before the final one
	final   string        // the final status (default STATUS_READY)
	message string        // with a final status other than READY
	noPost  bool          // skips the back-office POST and PUTs the dictionaryid (server-less mode)
	silent  bool          // never calls back (a register whose status sending is off or dead)

	mu    sync.Mutex
	loads []url.Values // the query of each load
	got   chan url.Values
	wg    sync.WaitGroup
}

// newFakeExchanger starts an exchanger on ip (127.0.0.x) for cash code
// cash. It stops at the end of the test, after its callbacks.
func newFakeExchanger(t *testing.T, ip, cash string, configure func(*fakeExchanger)) *fakeExchanger {
	t.Helper()
	fx := &fakeExchanger{ip: ip, cash: cash, final: "STATUS_READY", got: make(chan url.Values, 16)}
	if configure != nil {
		configure(fx)
	}
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	hs := httptest.NewUnstartedServer(http.HandlerFunc(fx.serve))
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	fx.URL = hs.URL
	t.Cleanup(func() { fx.wg.Wait(); hs.Close() })
	return fx
}

func (fx *fakeExchanger) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/aifexchange/loaddicts" {
		http.NotFound(w, r)
		return
	}
	io.Copy(io.Discard, r.Body)
	q := r.URL.Query()
	fx.mu.Lock()
	fx.loads = append(fx.loads, q)
	fx.mu.Unlock()
	select {
	case fx.got <- q:
	default:
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"success":true}`)
	if addr := q.Get("addressstatusserver"); addr != "" && !fx.silent {
		fx.wg.Go(func() { fx.callBack(addr, q.Get("shopcode"), q.Get("dictionaryid")) })
	}
}

// client calls from the exchanger's own address.
func (fx *fakeExchanger) client() *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(fx.ip)}}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

func (fx *fakeExchanger) callBack(addr, shop, dictID string) {
	c := fx.client()
	base := "http://" + addr + "/CSrest/rest/dicts/"
	time.Sleep(fx.delay)
	state := dictID
	if !fx.noPost {
		reply := fakeCallback(c, http.MethodPost, base+"backOfficeState/"+shop,
			map[string]any{"status": "STATUS_DURING", "messageEn": "Loading", "messageRu": "Загрузка", "format": "ARTIXINTERCHANGE", "fileName": nil})
		var v any
		if json.Unmarshal(reply, &v) != nil {
			return
		}
		s, _ := v.(string)
		state = s
		fakeCallback(c, http.MethodPut, base+"backOfficeState/"+shop+"/"+state,
			map[string]any{"status": "STATUS_READY", "messageEn": "Queued", "messageRu": "В очереди"})
	}
	cash := base + "cashLoad/" + shop + "/" + fx.cash + "/" + state
	fakeCallback(c, http.MethodPut, cash, map[string]any{"status": "STATUS_DURING", "messageEn": "Loading", "messageRu": "Загрузка"})
	time.Sleep(fx.delay)
	final := map[string]any{"status": fx.final, "messageEn": "Loaded", "messageRu": "Загружено"}
	if fx.final != "STATUS_READY" {
		final["messageRu"], final["messageEn"] = fx.message, "Load failed"
	}
	fakeCallback(c, http.MethodPut, cash, final)
}

// fakeCallback sends one callback and returns the answer's body (nil when
// it is not a 200).
func fakeCallback(c *http.Client, method, u string, body any) []byte {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(context.Background(), method, u, bytes.NewReader(b))
	if err != nil {
		return nil
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return reply
}

// forger sends callbacks from ip as anyone on the network could.
type forger struct{ c *http.Client }

func newForger(ip string) *forger {
	return &forger{(&fakeExchanger{ip: ip}).client()}
}

// send sends a callback to the receiver at addr and returns the status
// code and the answer.
func (f *forger) send(t *testing.T, method, addr, path, status string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"status": status, "messageEn": "forged", "messageRu": "подделка"})
	req, _ := http.NewRequestWithContext(context.Background(), method, "http://"+addr+"/CSrest/rest/dicts/"+path, bytes.NewReader(b))
	resp, err := f.c.Do(req)
	if err != nil {
		t.Fatalf("forger: %v", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(reply))
}
