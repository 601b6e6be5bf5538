package loyalty

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// ArtixCustomerRecord is one client of the directory as the Cash Server's
// REST API returns it. Field code models these keys: idclient, name (the
// full name, «ФИО», in field models), text, sex, birthday,
// specialdate1name..specialdate3name, zipcode, address, email, webpage,
// phonenumber, inn, document, okpo, okpd, occupation, extendedoptions,
// codeword, organizationcode and subscriptionadj; they fill the embedded
// [ArtixCustomer]'s fields of the same keys (name is FirstName, phonenumber
// Phone, subscriptionadj Subscribed). Other keys the spec defines
// (lastname, options, …) are kept when a server returns them.
//
// Decoding is as tolerant as ArtixCustomer's: idclient, sex and the other
// numbers as numbers or strings, subscriptionadj as 0/1, "0"/"1" or a
// boolean, keys in any case, null as absent.
type ArtixCustomerRecord struct {
	ArtixCustomer
	// CodeWord is codeword, a password the cashier may ask the client for.
	// The client-commands spec does not list it; field models do.
	CodeWord string
}

// artixRecordIn is a client object as the Cash Server returns it.
type artixRecordIn struct {
	artixClientIn
	CodeWord json.RawMessage `json:"codeword"`
}

// record converts in, tolerating the variants [ArtixCustomerUpdate] lists.
func (in *artixRecordIn) record() (ArtixCustomerRecord, error) {
	var u ArtixCustomerUpdate
	if err := u.from(&in.artixClientIn); err != nil {
		return ArtixCustomerRecord{}, err
	}
	rec := ArtixCustomerRecord{ArtixCustomer: ArtixCustomer{ID: u.ID}}
	rec.apply(u)
	if !isNull(in.CodeWord) {
		s, err := flexString(in.CodeWord)
		if err != nil {
			return ArtixCustomerRecord{}, fmt.Errorf("artix client codeword: %w", err)
		}
		rec.CodeWord = s
	}
	return rec, nil
}

// UnmarshalJSON reads a client object as the Cash Server returns it.
func (c *ArtixCustomerRecord) UnmarshalJSON(b []byte) error {
	var in artixRecordIn
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	rec, err := in.record()
	if err != nil {
		return err
	}
	*c = rec
	return nil
}

// MarshalJSON writes the client object as [ArtixCustomer] does, with
// codeword when it is set.
func (c ArtixCustomerRecord) MarshalJSON() ([]byte, error) {
	u := c.asUpdate()
	buf := u.appendJSON(nil)
	if c.CodeWord != "" {
		buf = append(buf[:len(buf)-1], `,"codeword":`...)
		buf = appendJSONString(buf, c.CodeWord)
		buf = append(buf, '}')
	}
	return buf, nil
}

// artixPageMeta is what one read of the directory saw besides the clients.
type artixPageMeta struct {
	resp       *response
	n          int   // clients decoded
	last       *bool // "last"
	totalPages *int  // "totalPages"
	total      *int  // "totalElements"
	number     *int  // "number": the page the server answered
}

// pageMeta is m for the pager.
func (m *artixPageMeta) pageMeta() pageMeta {
	return pageMeta{resp: m.resp, number: m.number, last: m.last, totalPages: m.totalPages, total: m.total}
}

// decodeArtixClientPage decodes a streamed directory reply (an array of
// clients, or a page object whose "content" is one) and closes it,
// calling each for every client. It returns errStop when
// each returned false, and a *streamCut when the body stopped arriving.
func decodeArtixClientPage(ctx context.Context, resp *response, each func(ArtixCustomerRecord) bool) (artixPageMeta, error) {
	meta := artixPageMeta{resp: resp}
	defer resp.stream.Close()
	if !resp.ok() {
		b, err := io.ReadAll(resp.stream)
		resp.body = b
		if err != nil && ctx.Err() == nil {
			return meta, resp.apiError("", err)
		}
		return meta, artixCSError(resp)
	}
	src := &bodyTracker{r: resp.stream}
	text, err := utf8Reader(src, resp.header.Get("Content-Type"), guess1251)
	if err != nil {
		return meta, resp.apiError("", err)
	}
	br := bufio.NewReaderSize(text, 32<<10)
	if head, _ := br.Peek(3); bytes.Equal(head, bom) {
		br.Discard(len(bom))
	}
	if head, _ := br.Peek(1); len(head) == 1 && head[0] == '<' {
		resp.body, _ = io.ReadAll(io.LimitReader(br, snippetWindow))
		return meta, resp.apiError("", errArtixHTMLReply)
	}
	lb, _ := resp.stream.(*limitedBody)
	d := artixPageDecoder{dec: json.NewDecoder(br), meta: &meta, lb: lb, each: each}
	err = d.decode()
	switch {
	case err == nil, errors.Is(err, errStop):
		return meta, err
	case ctx.Err() != nil:
		return meta, &RequestError{API: resp.api, Method: resp.method, URL: resp.url(), Attempts: resp.attempts, Err: ctx.Err()}
	case src.cut():
		return meta, &streamCut{resp: resp, err: src.err}
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return meta, err
	}
	return meta, resp.apiError("", fmt.Errorf("decoding the client directory: %w", err))
}

// artixPageDecoder walks one reply token by token.
type artixPageDecoder struct {
	dec  *json.Decoder
	meta *artixPageMeta
	lb   *limitedBody
	each func(ArtixCustomerRecord) bool
}

// decode reads the reply: one JSON value (or none), then nothing but
// white space, so a reply padded or followed by more data fails.
func (d *artixPageDecoder) decode() error {
	if err := d.value(); err != nil {
		return err
	}
	switch _, err := d.dec.Token(); {
	case err == nil:
		return errors.New("data after the reply's JSON value")
	case err != io.EOF:
		return err
	}
	return nil
}

// value reads the reply's JSON value: an array of clients, a page object,
// null, or nothing.
func (d *artixPageDecoder) value() error {
	tok, err := d.dec.Token()
	switch {
	case err == io.EOF:
		return nil // an empty body: no clients
	case err != nil:
		return err
	case tok == json.Delim('['):
		return d.clients()
	case tok == nil:
		return nil // null
	case tok != json.Delim('{'):
		return fmt.Errorf("want a JSON array or object, got %v", tok)
	}
	errObj := map[string]json.RawMessage{} // the keys of an error object, if the reply is one
	for d.dec.More() {
		key, err := jsonKey(d.dec)
		if err != nil {
			return err
		}
		switch normKey(key) {
		case "content":
			err = d.content()
		case "last":
			var raw json.RawMessage
			if err = d.dec.Decode(&raw); err == nil && !isNull(raw) {
				d.meta.last, err = flexBool(raw)
			}
		case "totalpages":
			d.meta.totalPages, err = d.int()
		case "totalelements":
			d.meta.total, err = d.int()
		case "number":
			d.meta.number, err = d.int()
		case "errorcode", "message":
			var raw json.RawMessage
			err = d.dec.Decode(&raw)
			errObj[key] = raw
		default:
			err = skipJSON(d.dec)
		}
		if err != nil {
			return err
		}
	}
	if err := expectDelim(d.dec, '}'); err != nil {
		return err
	}
	if artixCSHasError(errObj) {
		// {"errorCode", "message"} with a 2xx status.
		b, _ := json.Marshal(errObj)
		return d.meta.resp.apiError(artixReplyInfo(b), nil)
	}
	return nil
}

// content reads the value of "content": an array of clients or null.
func (d *artixPageDecoder) content() error {
	tok, err := d.dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return nil
	case tok != json.Delim('['):
		return fmt.Errorf(`"content": want an array, got %v`, tok)
	}
	return d.clients()
}

// clients reads the elements of an array whose '[' has been consumed.
func (d *artixPageDecoder) clients() error {
	for d.dec.More() {
		var in artixRecordIn
		if err := d.dec.Decode(&in); err != nil {
			return fmt.Errorf("client %d: %w", d.meta.n, err)
		}
		if d.lb != nil {
			d.lb.renew() // the size limit applies per client
		}
		rec, err := in.record()
		if err == nil && rec.ID == "" {
			err = errors.New(`no "idclient"`)
		}
		if err != nil {
			return fmt.Errorf("client %d: %w", d.meta.n, err)
		}
		d.meta.n++
		if !d.each(rec) {
			return errStop
		}
	}
	return expectDelim(d.dec, ']')
}

// int reads a number or a numeric string; null is nil.
func (d *artixPageDecoder) int() (*int, error) {
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil || isNull(raw) {
		return nil, err
	}
	n, err := flexInt(raw)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// decodeArtixClientReply decodes the buffered answer to a request for the
// client id.
func decodeArtixClientReply(resp *response, id string) (*ArtixCustomerRecord, error) {
	text, err := toUTF8(resp.body, resp.header.Get("Content-Type"), guess1251)
	if err != nil {
		return nil, resp.apiError("", err)
	}
	body := bytes.TrimSpace(bytes.TrimPrefix(text, bom))
	notFound := func(info string) error {
		return resp.apiError(info, fmt.Errorf("artix client %q: %w", id, ErrNotFound))
	}
	if !resp.ok() {
		var obj map[string]json.RawMessage
		if resp.statusCode == http.StatusNotFound && json.Unmarshal(body, &obj) == nil && artixCSHasError(obj) {
			// The Cash Server's own error object: not a wrong path.
			return nil, notFound(artixReplyInfo(body))
		}
		return nil, artixCSError(resp)
	}
	if looksLikeHTML(body) {
		return nil, resp.apiError("", errArtixHTMLReply)
	}
	var raw json.RawMessage
	if len(body) > 0 {
		if err := json.Unmarshal(body, &raw); err != nil {
			return nil, resp.apiError("", fmt.Errorf("decoding artix client %q: %w", id, err))
		}
	}
	switch {
	case isNull(raw), string(raw) == "{}", string(raw) == "[]", string(raw) == `""`:
		return nil, notFound("") // field callers: an empty body is an absent client
	case raw[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, resp.apiError("", fmt.Errorf("decoding artix client %q: %w", id, err))
		}
		for _, item := range list {
			rec, err := decodeArtixClientObject(resp, item, id)
			if err != nil || rec.ID == id {
				return rec, err
			}
		}
		return nil, notFound("")
	}
	rec, err := decodeArtixClientObject(resp, raw, id)
	if err == nil && rec.ID != id {
		return nil, resp.apiError("", fmt.Errorf("asked for artix client %q, the reply is client %q", id, rec.ID))
	}
	return rec, err
}

// decodeArtixClientObject decodes one client object, or the error object
// a 2xx reply may carry instead.
func decodeArtixClientObject(resp *response, raw json.RawMessage, id string) (*ArtixCustomerRecord, error) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil && artixCSHasError(obj) {
		if _, hasID := lookupKey(obj, "idclient"); !hasID {
			return nil, resp.apiError(artixReplyInfo(raw), nil)
		}
	}
	var rec ArtixCustomerRecord
	if err := rec.UnmarshalJSON(raw); err != nil {
		return nil, resp.apiError("", fmt.Errorf("decoding artix client %q: %w", id, err))
	}
	return &rec, nil
}

// artixCSError is the *APIError of a non-2xx reply, with the server's
// message ("message (code N)" for {errorCode, message}) when the body
// carries one.
func artixCSError(resp *response) error {
	text, err := toUTF8(resp.body, resp.header.Get("Content-Type"), guess1251)
	if err != nil {
		return resp.apiError("", nil)
	}
	return resp.apiError(artixReplyInfo(bytes.TrimPrefix(text, bom)), nil)
}

// artixCSHasError reports an object with the Cash Server's errorCode.
func artixCSHasError(obj map[string]json.RawMessage) bool {
	v, ok := lookupKey(obj, "errorcode")
	return ok && !isNull(v)
}
