package loyalty

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-querystring/query"
)

// Format is the wire format a [VirtPOS] server answers in.
type Format string

// [VirtPOS] wire formats.
const (
	FormatXML  Format = "xml" // the server's default
	FormatJSON Format = "json"
)

// virtposSettings are what the options only [NewVirtPOS] accepts set.
type virtposSettings struct {
	format    Format
	cardPaths [3]string // insert, update, delete
}

// WithFormat chooses the [VirtPOS] response format (default [FormatXML]).
func WithFormat(f Format) VirtPOSOption {
	return virtposOption(func(s *settings) error {
		if f != FormatXML && f != FormatJSON {
			return &ConfigError{Field: "WithFormat", Reason: "unknown format " + string(f) + " (want xml or json)"}
		}
		s.vp.format = f
		return nil
	})
}

// WithCardPaths overrides the card endpoints, relative to the base URL.
//
// The defaults, /api/customer/insertCard, /api/customer/updateCard and
// /api/customer/deleteCard, are a guess: the spec names the methods but
// not their URLs, and no public page or code shows them (see
// docs/protocol.md, "VirtPOS discount cards"). A card write that meets an
// HTTP 404 or an answer that is not a [VirtPOS] envelope (an HTML page)
// fails with an *[APIError] whose cause is [ErrCardPath]: check these paths
// against your server.
func WithCardPaths(insert, update, delete string) VirtPOSOption {
	return virtposOption(func(s *settings) error {
		for _, p := range []string{insert, update, delete} {
			if !strings.HasPrefix(p, "/") {
				return &ConfigError{Field: "WithCardPaths", Reason: "path " + p + " must start with /"}
			}
		}
		s.vp.cardPaths = [3]string{insert, update, delete}
		return nil
	})
}

// VirtPOSCompanyURL is the base URL of a company's [VirtPOS] account as the
// current docs give it: "https://<company>.myvirtualpos.ru" (since the
// customer page's 22.10.2025 revision). Older accounts live at
// "http://<company>.virtpos.ru" or on shard hosts such as
// "http://acme.m1.virtpos.ru"; pass those to [NewVirtPOS] directly. A
// redirect from such a host to a myvirtualpos.ru one is refused (it
// crosses origins) with a *[RedirectError] whose MovedTo is the URL to use.
func VirtPOSCompanyURL(company string) string {
	return "https://" + company + ".myvirtualpos.ru"
}

// VirtPOS is a client of the VirtPOS customer API. It is safe for
// concurrent use.
type VirtPOS struct {
	// Customers lists, reads, creates and updates customers.
	Customers *CustomerService
	// Cards inserts, updates and deletes discount cards.
	Cards *CardService

	core *core
	// key is behind a pointer so that printing a client (%+v, %#v)
	// shows an address, never the apikey.
	key    *virtposKey
	format Format
	paths  [3]string
}

// NewVirtPOS returns a [VirtPOS] client for baseURL (see [VirtPOSCompanyURL])
// authenticated with apiKey. It does not touch the network.
//
// Reads are GET {base}/api/customer with the apikey in the query (it is
// redacted from every error and log record). Writes are POST with the
// spec's get-only parameters (format, id, create_if_not_exist, card lookup
// keys) in the query and everything else, the apikey included, as a form
// body.
func NewVirtPOS(baseURL, apiKey string, opts ...VirtPOSOption) (*VirtPOS, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, &ConfigError{Field: "apiKey", Reason: "empty"}
	}
	s, err := applyOptions(opts, VirtPOSOption.applyVirtPOS)
	if err != nil {
		return nil, err
	}
	c, err := newCore("virtpos", baseURL, s)
	if err != nil {
		return nil, err
	}
	c.addSecret(apiKey)
	vp := &VirtPOS{core: c, key: &virtposKey{apiKey}, format: s.vp.format, paths: s.vp.cardPaths}
	if vp.format == "" {
		vp.format = FormatXML
	}
	if vp.paths[0] == "" {
		vp.paths = [3]string{"/api/customer/insertCard", "/api/customer/updateCard", "/api/customer/deleteCard"}
	}
	vp.Customers = &CustomerService{vp: vp}
	vp.Cards = &CardService{vp: vp}
	return vp, nil
}

// String is the client's base URL and format; printing a client (%v,
// %+v, %s) never shows its apikey.
func (vp VirtPOS) String() string {
	base := "<nil>"
	if vp.core != nil {
		base = vp.core.redactURL(vp.core.base.String())
	}
	return "loyalty.VirtPOS{URL: " + base + ", Format: " + string(vp.format) + "}"
}

// GoString is String, for %#v.
func (vp VirtPOS) GoString() string { return vp.String() }

// virtposKey holds the [VirtPOS] apikey.
type virtposKey struct{ v string }

// Format is the response format the client asks for.
func (vp *VirtPOS) Format() Format {
	if vp == nil {
		return ""
	}
	return vp.format
}

// accept is the Accept header for the client's format.
func (vp *VirtPOS) accept() string {
	if vp.format == FormatJSON {
		return "application/json"
	}
	return "application/xml, text/xml"
}

// encodeValues encodes a tagged struct with go-querystring.
func encodeValues(v any) (url.Values, error) {
	vals, err := query.Values(v)
	if err != nil {
		return nil, &ValidationError{Field: fmt.Sprintf("%T", v), Reason: err.Error()}
	}
	return vals, nil
}

// write POSTs form (plus the apikey) to path with q (plus the format) in
// the query, and reads the id/isnew answer.
func (vp *VirtPOS) write(ctx context.Context, path string, q, form url.Values, idempotent bool) (*UpdateResult, error) {
	q.Set("format", string(vp.format))
	form.Set("apikey", vp.key.v)
	r := &request{
		method:      http.MethodPost,
		path:        path,
		query:       q,
		body:        []byte(form.Encode()),
		contentType: "application/x-www-form-urlencoded",
		accept:      vp.accept(),
		idempotent:  idempotent,
	}
	resp, err := vp.core.do(ctx, r)
	if err != nil {
		return nil, err
	}
	env, derr := decodeResult(resp.body, resp.header.Get("Content-Type"))
	card := slices.Contains(vp.paths[:], path)
	subject := "customer"
	if card {
		subject = "card"
	}
	if err := vp.envelopeError(resp, subject, status{seen: env.Success != "", success: env.Success, info: env.Info}, derr); err != nil {
		if card {
			return nil, cardPathHint(err)
		}
		return nil, err
	}
	res := &UpdateResult{IDSent: env.ID.text() != "", IsNewSent: env.IsNew.text() != ""}
	if !res.IDSent && !card {
		// The spec: a customer update answers the id it touched. Without
		// one the caller would get a silent zero. Card writes have no
		// documented answer: a bare success=1 is theirs (IDSent false).
		return nil, resp.apiError("", errors.New("decode response: success without the record's id"))
	}
	var err1, err2 error
	res.ID, err1 = parseInt("id", env.ID)
	res.IsNew, err2 = parseBool("isnew", env.IsNew)
	if err := errors.Join(err1, err2); err != nil {
		return nil, resp.apiError("", fmt.Errorf("decode response: %w", err))
	}
	return res, nil
}

// ErrCardPath is the cause of an *APIError from a card write that did not
// reach a card method: an HTTP 404, or an answer that is not a [VirtPOS]
// envelope (an HTML page). The card paths are the library's guess (the
// spec names the methods, not their URLs): set the right ones with
// [WithCardPaths].
var ErrCardPath = errors.New("the card method's path may be wrong: the spec names insertCard, updateCard and deleteCard but not their URLs; set them with loyalty.WithCardPaths")

// cardPathHint adds [ErrCardPath] to the *APIError of a card write that
// got an HTTP 404 or no envelope at all.
func cardPathHint(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Info != "" {
		return err
	}
	if ae.StatusCode == http.StatusNotFound || (ae.Err != nil && !errors.Is(ae.Err, ErrResponseTooLarge)) {
		if ae.Err == nil {
			ae.Err = ErrCardPath
		} else {
			ae.Err = fmt.Errorf("%w (%w)", ErrCardPath, ae.Err)
		}
	}
	return err
}

// envelopeError maps a response to nil (2xx, success=1) or an error:
// *APIError for a non-2xx status, a body that is not an envelope (an HTML
// page from a proxy, say), or success=0 with the server's info. subject
// ("customer" or "card") is what the call addressed.
func (vp *VirtPOS) envelopeError(resp *response, subject string, st status, derr error) error {
	if !resp.ok() {
		if derr == nil && st.seen {
			return vp.failure(resp, subject, st)
		}
		// A 404 without an envelope is a wrong path or a proxy's page, not
		// a missing record: it does not match ErrNotFound.
		return resp.apiError("", nil)
	}
	if derr != nil {
		if errors.Is(derr, ErrResponseTooLarge) {
			return resp.apiError("", derr)
		}
		return resp.apiError("", fmt.Errorf("decode response: %w", derr))
	}
	ok, err := st.ok()
	if err != nil {
		return resp.apiError("", fmt.Errorf("decode response: %w", err))
	}
	if !ok {
		return vp.failure(resp, subject, st)
	}
	return nil
}

// failure is the *APIError for success=0. Its Info is the server's;
// errors.Is(err, [ErrNotFound]) holds when the info says "not found".
func (vp *VirtPOS) failure(resp *response, subject string, st status) error {
	info := resp.redact(st.info.text())
	if info == "" {
		info = "success=0 without info"
	}
	var cause error
	switch {
	case looksUnauthorized(info):
		cause = ErrUnauthorized
	case looksNotFound(info, subject):
		cause = ErrNotFound
	}
	return resp.apiError(info, cause)
}

// looksUnauthorized reports an info text about the apikey ("Неверный
// ключ API (apikey)", "Invalid API key"): the credentials, not the data.
func looksUnauthorized(info string) bool {
	l := strings.ToLower(info)
	return strings.Contains(l, "apikey") || strings.Contains(l, "api key") || strings.Contains(l, "api-key") ||
		strings.Contains(l, "ключ api") || strings.Contains(l, "api ключ")
}

// notFoundSubjects are the words that name the subject of a [VirtPOS] call,
// for telling "this record is absent" from "something it refers to is
// absent" in a success=0 info.
var notFoundSubjects = map[string][]string{
	"customer": {"клиент", "покупател", "customer", "client"},
	"card":     {"карт", "card"},
}

// looksNotFound reports an info text that says the record the call
// addressed does not exist ("Клиент не найден", "Card not found"), and not
// something it refers to ("Группа не найдена", "Тип карты не найден").
func looksNotFound(info, subject string) bool {
	l := strings.ToLower(info)
	if !strings.Contains(l, "не найден") && !strings.Contains(l, "not found") && !strings.Contains(l, "не существует") {
		return false
	}
	for _, other := range []string{"групп", "group", "тип", "type"} {
		if strings.Contains(l, other) {
			return false
		}
	}
	words := notFoundSubjects[subject]
	for _, w := range words {
		if strings.Contains(l, w) {
			return true
		}
	}
	// An info that names nothing ("Запись не найдена", "not found") is
	// taken to mean the record the call addressed.
	for _, ws := range notFoundSubjects {
		for _, w := range ws {
			if strings.Contains(l, w) {
				return false
			}
		}
	}
	return true
}

// decodeCustomers decodes a customers response (buffered or streaming),
// calling yield for each customer, and returns the envelope's count. A
// streamed body that fails to arrive whole is a *streamCut.
func (vp *VirtPOS) decodeCustomers(ctx context.Context, resp *response, yield func(Customer) bool) (int, error) {
	ctype := resp.header.Get("Content-Type")
	var src *bodyTracker
	if resp.stream != nil {
		defer resp.stream.Close()
		if !resp.ok() {
			// An error page: read it (bounded) for the error's snippet.
			b, err := io.ReadAll(resp.stream)
			resp.body = b
			if err != nil && ctx.Err() == nil {
				return 0, resp.apiError("", err)
			}
		} else {
			src = &bodyTracker{r: resp.stream}
		}
	}
	// A stream's size limit applies per customer: each one renews it.
	lb, _ := resp.stream.(*limitedBody)
	var convErr error
	// The decoder (1.4 kB with its scanner) comes from a pool: one per
	// call would be the largest allocation of a small read. It is zeroed
	// before it goes back, so it keeps nothing of this answer alive.
	d := customerDecoders.Get().(*customerDecoder)
	defer func() {
		*d = customerDecoder{}
		customerDecoders.Put(d)
	}()
	*d = customerDecoder{done: ctx.Done(), yield: func(w *customerWire) bool {
		if lb != nil {
			lb.renew()
		}
		c, err := w.customer()
		if err != nil {
			convErr = err
			return false
		}
		return yield(c)
	}}
	var derr error
	if src != nil {
		derr = d.decodeStream(src, ctype)
	} else {
		derr = d.decodeBytes(resp.body, ctype)
	}
	if convErr != nil {
		derr = convErr
	}
	if errors.Is(derr, errStop) {
		return 0, nil
	}
	if derr != nil && ctx.Err() != nil {
		return 0, &RequestError{API: resp.api, Method: resp.method, URL: resp.url(), Attempts: resp.attempts, Err: ctx.Err()}
	}
	if derr != nil && src != nil && src.cut() {
		return 0, &streamCut{resp: resp, err: src.err}
	}
	if err := vp.envelopeError(resp, "customer", d.st, derr); err != nil {
		return 0, err
	}
	count, _ := parseInt("count", d.count)
	return int(count), nil
}

// customerDecoders holds zeroed decoders for decodeCustomers.
var customerDecoders = sync.Pool{New: func() any { return new(customerDecoder) }}

// bodyTracker remembers the error a streamed body failed with.
type bodyTracker struct {
	r   io.Reader
	err error
}

func (b *bodyTracker) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// cut reports a body that stopped arriving: a transport failure, not an
// oversized body.
func (b *bodyTracker) cut() bool {
	return b.err != nil && !errors.Is(b.err, ErrResponseTooLarge)
}

// streamCut is a streamed answer cut off by the transport.
type streamCut struct {
	resp *response
	err  error
}

func (e *streamCut) Error() string { return e.err.Error() }
