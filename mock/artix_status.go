package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// ArtixCallbacks shapes the load-status callbacks the Artix side sends
// after a load that names an addressstatusserver. Put it in a Fault (with
// API ArtixAPI) to change the callbacks of the loads the fault matches;
// the load itself is answered as usual. Without a fault every load with
// an addressstatusserver gets callbacks from SetArtixCashes registers
// (default 1), each ending in STATUS_READY.
//
// The callbacks come in the order the field code sends them: POST
// backOfficeState/{shop} (DURING), answered with a JSON value used as the
// state id; PUT backOfficeState/{shop}/{id} (READY: queued); then, cash
// by cash, PUT cashLoad/{shop}/{cash}/{id} with DURING and then the final
// status. Cash codes are "1", "2", …; the shop is the load's shopcode ("0"
// when it has none). They never carry the basic-auth credentials.
type ArtixCallbacks struct {
	// Cashes is how many cash registers report (0: SetArtixCashes's).
	Cashes int `json:"cashes,omitempty"`
	// Status is the final status by cash code, e.g. {"2":
	// "STATUS_ERROR"}; unlisted cash registers report STATUS_READY.
	Status map[string]string `json:"status,omitempty"`
	// Message goes with a final status other than STATUS_READY (default
	// "Ошибка загрузки справочника").
	Message string `json:"message,omitempty"`
	// Delay waits before each callback (a number of nanoseconds or a Go
	// duration string in JSON).
	Delay time.Duration `json:"delay,omitempty"`
	// Never sends no callbacks at all.
	Never bool `json:"never,omitempty"`
	// Silent are cash codes that report STATUS_DURING and then nothing:
	// registers that never finish loading.
	Silent []string `json:"silent,omitempty"`
}

// UnmarshalJSON reads ArtixCallbacks with its delay as nanoseconds or as a
// Go duration string ("250ms").
func (c *ArtixCallbacks) UnmarshalJSON(b []byte) error {
	type plain ArtixCallbacks
	var aux struct {
		*plain
		Delay json.RawMessage `json:"delay,omitempty"`
	}
	aux.plain = (*plain)(c)
	if err := decodeStrict(b, &aux); err != nil {
		return err
	}
	if len(aux.Delay) == 0 {
		return nil
	}
	var n int64
	if json.Unmarshal(aux.Delay, &n) == nil {
		c.Delay = time.Duration(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(aux.Delay, &s); err != nil {
		return fmt.Errorf("mock: callbacks delay: want a number or a duration string")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("mock: callbacks delay: %w", err)
	}
	c.Delay = d
	return nil
}

// maxArtixCashes bounds the cash registers one load reports for.
const maxArtixCashes = 1000

// SetArtixCashes sets how many cash registers report the load status of
// a load with an addressstatusserver (default 1; at most 1000).
func (s *Server) SetArtixCashes(n int) {
	s.ax.mu.Lock()
	s.ax.cashes = min(max(n, 1), maxArtixCashes)
	s.ax.mu.Unlock()
}

// takeArtixCallbacks returns the callbacks of the first fault with
// Callbacks that matches r, counting it down (nil: none).
func (s *Server) takeArtixCallbacks(r *http.Request) *ArtixCallbacks {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Callbacks != nil && f.matches(ArtixAPI, r) {
			if f.left > 0 {
				f.left--
			}
			if f.left == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			cb := *f.Callbacks
			return &cb
		}
	}
	return nil
}

// Defaults of the Artix callback settings of Config.
const (
	// DefaultArtixCashLoadGap is the pause between a load's back-office
	// callbacks and its cash registers' reports: a till reports its load
	// after its loading step, not at once.
	DefaultArtixCashLoadGap = 100 * time.Millisecond
	// DefaultArtixCallbackRetry is how long a callback its receiver
	// refuses (no connection yet: field loaders start their receiver
	// right after sending) is tried again.
	DefaultArtixCallbackRetry = 10 * time.Second
)

// SetArtixCashLoadGap sets the pause before the cash registers' load
// reports of the loads that follow (Config.ArtixCashLoadGap); 0 reports at
// once, a negative d is 0.
func (s *Server) SetArtixCashLoadGap(d time.Duration) {
	s.ax.mu.Lock()
	s.ax.gap = max(d, 0)
	s.ax.mu.Unlock()
}

// callBack queues the load-status callbacks of an applied load, if it
// named an addressstatusserver that may be called (see
// Config.ArtixCallbackNets). It runs after the load's reply is written.
func (a *artixAPI) callBack(r *http.Request, q url.Values) {
	addr := q.Get(artixwire.ParamStatusAddress)
	if addr == "" {
		return
	}
	if err := a.srv.checkCallbackAddress(addr); err != nil {
		a.warn("mock artix status callbacks not sent", "addressstatusserver", addr, "error", err.Error())
		return
	}
	cb := a.srv.takeArtixCallbacks(r)
	if cb == nil {
		cb = &ArtixCallbacks{}
	}
	if cb.Never {
		return
	}
	a.mu.Lock()
	if cb.Cashes <= 0 {
		cb.Cashes = max(a.cashes, 1)
	}
	gap := a.gap
	a.mu.Unlock()
	cb.Cashes = min(cb.Cashes, maxArtixCashes)
	shop := q.Get(artixwire.ParamShopCode)
	if shop == "" {
		shop = "0"
	}
	id := q.Get(artixwire.ParamDictionaryID)
	if !a.cb.start(func(ctx context.Context) { a.runCallbacks(ctx, "http://"+addr, shop, id, gap, *cb) }) {
		a.warn("mock artix status callbacks dropped: too many loads waiting for their callbacks, or the server is closing",
			"addressstatusserver", addr, "dictionaryid", id, "queue", MaxArtixCallbackQueue)
	}
}

// backOfficeStart is the body of the back-office POST, which field code
// sends with "fileName": null.
type backOfficeStart struct {
	Status    string  `json:"status"`
	MessageEn string  `json:"messageEn"`
	MessageRu string  `json:"messageRu"`
	Format    string  `json:"format"`
	FileName  *string `json:"fileName"`
}

// runCallbacks sends the callbacks of one load; a receiver that fails
// does not stop the later ones (as the field code, which logs and goes on).
// A callback whose receiver refuses the connection is tried again for
// Config.ArtixCallbackRetry; a callback that fails in the end is logged
// at warning level. They end with ctx (Server.Close, DeleteTenant).
func (a *artixAPI) runCallbacks(ctx context.Context, base, shop, id string, gap time.Duration, cb ArtixCallbacks) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	pause := func(d time.Duration) bool {
		if d <= 0 {
			return ctx.Err() == nil
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	retryFor := a.srv.cfg.ArtixCallbackRetry
	client := a.cb.pool.client
	send := func(method, path string, body any) []byte {
		if !pause(cb.Delay) {
			return nil
		}
		b, _ := json.Marshal(body)
		deadline, wait := time.Now().Add(retryFor), 20*time.Millisecond
		for attempt := 1; ; attempt++ {
			req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(b))
			if err != nil {
				a.warn("mock artix status callback failed", "method", method, "path", path, "error", err.Error())
				return nil
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err == nil {
				defer resp.Body.Close()
				reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
				if resp.StatusCode != http.StatusOK {
					a.warn("mock artix status callback failed", "method", method, "path", path, "error", fmt.Sprintf("HTTP %d", resp.StatusCode))
					return nil
				}
				return reply
			}
			if ctx.Err() != nil {
				return nil
			}
			if !isDialError(err) || time.Now().Add(wait).After(deadline) {
				a.warn("mock artix status callback failed", "method", method, "path", path, "attempts", attempt, "error", err.Error())
				retryFor = 0 // the receiver is gone: the later callbacks get one try each
				return nil
			}
			a.debug("mock artix status callback refused, trying again", "method", method, "path", path, "attempt", attempt, "error", err.Error())
			if !pause(wait) {
				return nil
			}
			wait = min(2*wait, 500*time.Millisecond)
		}
	}
	state := id
	reply := send(http.MethodPost, artixwire.BackOfficeStatePath+url.PathEscape(shop), backOfficeStart{
		Status: "STATUS_DURING", MessageEn: "Loading dictionaries", MessageRu: "Загрузка справочников",
		Format: "ARTIXINTERCHANGE"})
	if v := stateID(reply); v != "" {
		state = v
	}
	send(http.MethodPut, artixwire.BackOfficeStatePath+url.PathEscape(shop)+"/"+url.PathEscape(state), artixwire.Callback{
		Status: "STATUS_READY", MessageEn: "Queued", MessageRu: "Поставлено в очередь"})
	if !pause(gap) {
		return
	}
	for i := 1; i <= cb.Cashes; i++ {
		cash := strconv.Itoa(i)
		path := artixwire.CashLoadPath + url.PathEscape(shop) + "/" + cash + "/" + url.PathEscape(state)
		send(http.MethodPut, path, artixwire.Callback{Status: "STATUS_DURING", MessageEn: "Loading", MessageRu: "Загрузка"})
		if slices.Contains(cb.Silent, cash) {
			continue
		}
		final := artixwire.Callback{Status: "STATUS_READY", MessageEn: "Loaded", MessageRu: "Загружено"}
		if st, ok := cb.Status[cash]; ok && st != "STATUS_READY" {
			msg := cb.Message
			if msg == "" {
				msg = "Ошибка загрузки справочника"
			}
			final = artixwire.Callback{Status: st, MessageEn: "Load failed", MessageRu: msg}
		}
		send(http.MethodPut, path, final)
	}
}

// isDialError reports a connection that was never made (refused,
// unreachable): the callback was not sent, so sending it again is safe.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && !errors.Is(err, errCallbackTarget)
}

// stateID reads the back-office POST's answer: a JSON string or number.
func stateID(reply []byte) string {
	var v any
	if json.Unmarshal(reply, &v) != nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func (a *artixAPI) warn(msg string, args ...any) {
	if l := a.srv.cfg.Logger; l != nil {
		l.Warn(msg, args...)
	}
}

func (a *artixAPI) debug(msg string, args ...any) {
	if l := a.srv.cfg.Logger; l != nil {
		l.Debug(msg, args...)
	}
}
