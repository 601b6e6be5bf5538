package mock

import (
	"bufio"
	"encoding/json"
	"net/http"

	"github.com/loyaltykit/loyalty"
)

// crmMemo keeps the JSON of contacts and cards between reads: encoding a
// card (its money written with every digit) was a fifth of the CPU of a
// GetByContactId over mutual TLS (issue 15, BenchmarkMockThroughput). An
// entry is used only while the record still equals (==) the value it was
// encoded from; the mock replaces a record's values (pointers included),
// never changes them through a pointer, so equal means unchanged. It lives
// in crmState, under crmAPI.mu, and goes with it on Reset and Restore.
type crmMemo struct {
	contacts map[*crmContact]encoded[loyalty.Contact]
	cards    map[*crmCard]encoded[loyalty.BonusCard]
}

// encoded is the JSON of src.
type encoded[T comparable] struct {
	src  T
	json []byte
}

// memoJSON is json.Marshal(v), from memo[key] while it was made from v.
func memoJSON[K, T comparable](memo *map[K]encoded[T], key K, v T) ([]byte, error) {
	if e, ok := (*memo)[key]; ok && e.src == v {
		return e.json, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if *memo == nil {
		*memo = map[K]encoded[T]{}
	}
	(*memo)[key] = encoded[T]{v, b}
	return b, nil
}

// appendInfo appends ct's loyalty.ContactInfo as json.Marshal writes it:
// {"contact":{...},"cards":[...]}.
func (a *crmAPI) appendInfo(b []byte, ct *crmContact) ([]byte, error) {
	m := &a.st.memo
	contact, err := memoJSON(&m.contacts, ct, ct.Contact)
	if err != nil {
		return nil, err
	}
	b = append(append(append(b, `{"contact":`...), contact...), `,"cards":[`...)
	for i, n := range ct.cards {
		card := a.st.cards[n]
		cj, err := memoJSON(&m.cards, card, card.BonusCard)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, cj...)
	}
	return append(b, "]}"...), nil
}

// infoJSON is ct's loyalty.ContactInfo, in JSON (a json.RawMessage).
func (a *crmAPI) infoJSON(ct *crmContact) any {
	b, err := a.appendInfo(nil, ct)
	if err != nil {
		return a.info(ct) // json.Marshal meets the error again: HTTP 500
	}
	return json.RawMessage(b)
}

// infosJSON is the []loyalty.ContactInfo of cts, in JSON.
func (a *crmAPI) infosJSON(cts []*crmContact) any {
	b := []byte{'['}
	for i, ct := range cts {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = a.appendInfo(b, ct); err != nil {
			out := []loyalty.ContactInfo{}
			for _, ct := range cts {
				out = append(out, a.info(ct))
			}
			return out // json.Marshal meets the error again: HTTP 500
		}
	}
	return json.RawMessage(append(b, ']'))
}

// writeCRMAnswer writes the envelope {field: result, "errors": errs} as
// json.Marshal writes a map (keys sorted), errs as [] when none; no field
// when field is "". A json.RawMessage result is written as it is (it is
// compact JSON from json.Marshal).
func writeCRMAnswer(w http.ResponseWriter, status int, field string, result any, errs []loyalty.CRMErrorDetail) {
	var res []byte
	if field != "" {
		var err error
		if raw, ok := result.(json.RawMessage); ok && raw != nil {
			res = raw
		} else if res, err = json.Marshal(result); err != nil {
			http.Error(w, "mock: encoding the answer: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	errJSON := []byte("[]")
	if errs != nil {
		var err error
		if errJSON, err = json.Marshal(errs); err != nil {
			http.Error(w, "mock: encoding the answer: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	bufferedAnswer(w, func(bw *bufio.Writer) {
		bw.WriteByte('{')
		if field != "" && field < "errors" {
			writeJSONField(bw, field, res)
			bw.WriteByte(',')
		}
		writeJSONField(bw, "errors", errJSON)
		if field != "" && field > "errors" {
			bw.WriteByte(',')
			writeJSONField(bw, field, res)
		}
		bw.WriteByte('}')
	})
}

// writeJSONField writes "name":value; name needs no escaping.
func writeJSONField(bw *bufio.Writer, name string, value []byte) {
	bw.WriteByte('"')
	bw.WriteString(name)
	bw.WriteString(`":`)
	bw.Write(value)
}
