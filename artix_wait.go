package loyalty

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
)

// ArtixMaxCashCodes is the most cash registers one batch waits for: the
// most codes [WithArtixCashCodes] takes, the largest count
// [WithLoadConfirmation] takes, and the most cash codes whose reports a
// batch keeps.
const ArtixMaxCashCodes = 1024

// artixMaxUnmatched is how many notes of callbacks that did not count a
// batch keeps for its error.
const artixMaxUnmatched = 8

// artixPutEnded is matchPut's answer for a callback of an ended wait.
const artixPutEnded = "its wait ended"

// artixWait is one batch waiting for its load to be confirmed. Its
// fields after changed are guarded by the receiver's mu.
type artixWait struct {
	r       *ArtixStatusReceiver
	shop    string
	id      string // the dictionaryid
	state   string // the state id a matched back-office POST is answered with
	host    string // the host the load is posted to
	cashes  int    // how many cash registers must report (codes nil)
	codes   []string
	changed chan struct{} // a token when a callback arrived

	addrs     []netip.Addr // the register's addresses
	posted    bool         // its back-office POST or a PUT came: a batch held behind it may go
	gotPost   bool         // its back-office POST came
	ended     bool
	back      *ArtixCashStatus
	cash      map[string]ArtixCashStatus
	unmatched []string
}

// fromRegister reports a source among the register's addresses.
func (wt *artixWait) fromRegister(src netip.Addr) bool {
	return src.IsValid() && slices.Contains(wt.addrs, src)
}

// sameRegister reports two waits whose loads go to the same register,
// as far as can be told: the same host or a shared address.
func (wt *artixWait) sameRegister(o *artixWait) bool {
	if wt.host == o.host {
		return true
	}
	for _, a := range wt.addrs {
		if o.fromRegister(a) {
			return true
		}
	}
	return false
}

// note keeps why a callback that may have been wt's did not count.
func (wt *artixWait) note(s string) {
	if len(wt.unmatched) < artixMaxUnmatched {
		wt.unmatched = append(wt.unmatched, s)
	}
}

// expect registers a batch before it is sent, so callbacks that beat the
// load's reply are kept. host is where the load goes; codes (or cashes)
// say which cash registers must report. A batch of a shop whose earlier
// batch to the same register still waits for its back-office POST is held
// here until that one's POST or PUT comes or its wait ends (or ctx ends:
// nothing is sent then). A batch id already waiting for the same shop and
// register is refused: its callbacks could not be told apart.
func (r *ArtixStatusReceiver) expect(ctx context.Context, shop, id, host string, cashes int, codes []string) (*artixWait, error) {
	if r == nil || r.mux == nil {
		return nil, errZeroReceiver()
	}
	wt := &artixWait{r: r, shop: shop, id: id, state: newArtixDictionaryID(), host: host,
		cashes: max(cashes, 1), codes: codes, changed: make(chan struct{}, 1), cash: map[string]ArtixCashStatus{}}
	if len(codes) > 0 {
		wt.cashes = len(codes)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		wt.addrs = []netip.Addr{ip.Unmap()}
	} else if ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host); err == nil {
		for _, ip := range ips {
			wt.addrs = append(wt.addrs, ip.Unmap())
		}
	}
	for {
		r.mu.Lock()
		var held *artixWait
		for _, o := range r.byShop[shop] {
			if !o.sameRegister(wt) {
				continue
			}
			if o.id == id {
				r.mu.Unlock()
				return nil, &ValidationError{Field: "ArtixBatch.ID", Reason: "batch " + strconv.Quote(id) +
					" of shop " + strconv.Quote(shop) + " is already waiting for its confirmation from this register: its callbacks could not be told apart"}
			}
			if !o.posted && held == nil {
				held = o
			}
		}
		if held == nil {
			r.byID[wt.id] = append(r.byID[wt.id], wt)
			r.byID[wt.state] = append(r.byID[wt.state], wt)
			r.byShop[shop] = append(r.byShop[shop], wt)
			r.mu.Unlock()
			return wt, nil
		}
		moved := r.moved
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("loyalty: artix batch not sent: batch %s of shop %s to the same register still waits for its back-office state, and the context ended: %w",
				held.id, shop, ctx.Err())
		case <-moved:
		}
	}
}

// addPeer adds the address a connection of the load reached.
func (wt *artixWait) addPeer(a net.Addr) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return
	}
	ip = ip.Unmap()
	r := wt.r
	r.mu.Lock()
	if !slices.Contains(wt.addrs, ip) {
		wt.addrs = append(wt.addrs, ip)
	}
	r.mu.Unlock()
}

// kickLocked wakes the held batches. r.mu is held.
func (r *ArtixStatusReceiver) kickLocked() {
	close(r.moved)
	r.moved = make(chan struct{})
}

// done unregisters the batch; later callbacks are answered 200.
func (wt *artixWait) done() {
	r := wt.r
	r.mu.Lock()
	defer r.mu.Unlock()
	wt.ended = true
	for _, k := range []string{wt.id, wt.state} {
		if q := slices.DeleteFunc(r.byID[k], func(o *artixWait) bool { return o == wt }); len(q) > 0 {
			r.byID[k] = q
		} else {
			delete(r.byID, k)
		}
		r.endLocked(k)
	}
	if q := slices.DeleteFunc(r.byShop[wt.shop], func(o *artixWait) bool { return o == wt }); len(q) > 0 {
		r.byShop[wt.shop] = q
	} else {
		delete(r.byShop, wt.shop)
	}
	r.kickLocked()
}

// endLocked remembers id as ended. r.mu is held.
func (r *ArtixStatusReceiver) endLocked(id string) {
	if r.ended[id] {
		return
	}
	if len(r.endedIDs) >= artixEndedIDs {
		delete(r.ended, r.endedIDs[0])
		r.endedIDs = r.endedIDs[1:]
	}
	r.ended[id] = true
	r.endedIDs = append(r.endedIDs, id)
}

// matchPost gives a back-office POST of shop from src to the one batch of
// that shop waiting for its POST from that register, and returns the id
// to answer with: the batch's state id, or a fresh id no batch has when
// none or more than one batch matches (the receiver does not guess).
func (r *ArtixStatusReceiver) matchPost(shop string, src netip.Addr, st ArtixCashStatus) (id string, matched bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var cands, others []*artixWait
	for _, o := range r.byShop[shop] {
		switch {
		case o.gotPost:
		case o.fromRegister(src):
			cands = append(cands, o)
		default:
			others = append(others, o)
		}
	}
	if len(cands) == 1 {
		wt := cands[0]
		wt.posted, wt.gotPost = true, true
		wt.back = &st
		wt.notify()
		r.kickLocked()
		return wt.state, true
	}
	for _, o := range cands {
		o.note(fmt.Sprintf("a back-office state from %s matched %d waiting batches of shop %s; none was chosen", src, len(cands), shop))
	}
	for _, o := range others {
		if len(cands) > 0 {
			break // a POST of another register of the shop
		}
		o.note(fmt.Sprintf("a back-office state from %s, not an address of %s, was not counted", src, o.host))
	}
	return "unmatched-" + newArtixDictionaryID(), false
}

// matchPut gives a PUT naming id to its batch: the one whose state id it
// is (from any source), or the one of that dictionaryid whose register
// sent it. The shop must be the batch's; a cash code must be one the
// batch waits for. It returns "" when the PUT counted, else why not.
func (r *ArtixStatusReceiver) matchPut(shop, id string, src netip.Addr, st ArtixCashStatus) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var wt *artixWait
	n := 0
	for _, o := range r.byID[id] {
		if o.state == id || o.fromRegister(src) {
			wt = o
			n++
		}
	}
	switch {
	case n == 0 && len(r.byID[id]) > 0:
		for _, o := range r.byID[id] {
			o.note(fmt.Sprintf("a status naming the dictionaryid from %s, not an address of %s, was not counted", src, o.host))
		}
		return "not from the batch's register"
	case n == 0 && r.ended[id]:
		return artixPutEnded
	case n == 0:
		return "unknown id"
	case n > 1:
		return "more than one batch waits with that id"
	case wt.shop != shop:
		wt.note(fmt.Sprintf("a status for shop %s was not counted", strconv.Quote(firstLine(shop, 64))))
		return "not the batch's shop"
	}
	if !wt.posted {
		wt.posted = true
		r.kickLocked()
	}
	if st.Cash == "" {
		wt.back = &st
		wt.notify()
		return ""
	}
	if _, known := wt.cash[st.Cash]; !known {
		switch {
		case wt.codes != nil && !slices.Contains(wt.codes, st.Cash):
			wt.note("cash " + strconv.Quote(st.Cash) + ", not one of the batch's cash codes, was not counted")
			return "not one of the batch's cash codes"
		case len(wt.cash) >= ArtixMaxCashCodes:
			wt.note("more than " + strconv.Itoa(ArtixMaxCashCodes) + " cash codes reported; the others were not counted")
			return "too many cash codes"
		}
	}
	if old, ok := wt.cash[st.Cash]; ok && old.Status.Final() && !st.Status.Final() {
		return "" // a late DURING never undoes a final state
	}
	wt.cash[st.Cash] = st
	wt.notify()
	return ""
}

func (wt *artixWait) notify() {
	select {
	case wt.changed <- struct{}{}:
	default:
	}
}

// wait returns when the load has ended (see snapshot), or when ctx ends.
func (wt *artixWait) wait(ctx context.Context, res *ArtixLoadResult) (*ArtixLoadResult, error) {
	for {
		finished, failed, _ := wt.snapshot(res)
		if finished {
			if len(failed) == 0 {
				res.Loaded = true
				return res, nil
			}
			return res, &ArtixLoadError{Shop: wt.shop, ID: wt.id, Failed: failed, Result: res}
		}
		select {
		case <-ctx.Done():
			_, _, unmatched := wt.snapshot(res)
			le := &ArtixLoadError{Shop: wt.shop, ID: wt.id, Result: res, Failed: failedOf(res),
				Missing: max(wt.cashes-len(res.Cashes), 0), Unmatched: unmatched,
				Err: fmt.Errorf("%w: %w", ErrArtixNotConfirmed, ctx.Err())}
			for _, c := range res.Cashes {
				if !c.Status.Final() {
					le.Pending = append(le.Pending, c)
				}
			}
			for _, code := range wt.codes {
				if !slices.ContainsFunc(res.Cashes, func(c ArtixCashStatus) bool { return c.Cash == code }) {
					le.NotReported = append(le.NotReported, code)
				}
			}
			if wt.codes != nil {
				le.Missing = len(le.NotReported)
			}
			return res, le
		case <-wt.changed:
		}
	}
}

// snapshot copies the reported states into res and says whether the load
// has ended and which parts failed. It has ended when the back office
// reported STATUS_ERROR, or when every cash code waited for (with codes)
// or that many cash registers (with a count) reported a final state.
func (wt *artixWait) snapshot(res *ArtixLoadResult) (finished bool, failed []ArtixCashStatus, unmatched []string) {
	wt.r.mu.Lock()
	res.BackOffice = nil
	if wt.back != nil {
		res.BackOffice = new(*wt.back)
	}
	res.Cashes = res.Cashes[:0]
	for _, c := range wt.cash {
		res.Cashes = append(res.Cashes, c)
	}
	unmatched = slices.Clone(wt.unmatched)
	wt.r.mu.Unlock()
	sortCashes(res.Cashes)
	if res.BackOffice != nil && res.BackOffice.Status == ArtixStatusError {
		return true, failedOf(res), unmatched
	}
	final := 0
	for _, c := range res.Cashes {
		if c.Status.Final() {
			final++
		}
	}
	if final < wt.cashes {
		return false, nil, unmatched
	}
	return true, failedOf(res), unmatched
}

// failedOf lists the failed states of res.
func failedOf(res *ArtixLoadResult) []ArtixCashStatus {
	var failed []ArtixCashStatus
	if res.BackOffice != nil && res.BackOffice.Status == ArtixStatusError {
		failed = append(failed, *res.BackOffice)
	}
	for _, c := range res.Cashes {
		if c.Status == ArtixStatusError || c.Status == ArtixStatusReadyWithError {
			failed = append(failed, c)
		}
	}
	return failed
}
