package loyalty

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// Create writes the client c to the Cash Server's directory as field
// clients do: POST {base}/CSrest/rest/dictionaries/clients with the
// client object, unset attributes (empty strings, nil pointers) left out
// rather than sent as null or "". c is validated first, as for
// Customers.Add.
//
// What a real Cash Server answers is not public. Create takes every
// plausible success: a 2xx with the stored client (returned, as the
// server has it), an empty body, true, or an id (c is returned as sent).
// A 2xx with false, or with an {"errorCode", "message"} object and no
// idclient, is an *APIError carrying the message, as is any other
// status. The record carries its own key, so a retry after an ambiguous
// failure writes the same client again: Create is retried like a read.
func (s *ArtixCustomerRecordService) Create(ctx context.Context, c ArtixCustomer) (*ArtixCustomerRecord, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	resp, err := s.cs.core.do(ctx, &request{
		method:      http.MethodPost,
		path:        artixwire.CSClientsPath,
		body:        appendArtixCSClient(nil, &c),
		contentType: "application/json",
		accept:      "application/json",
		idempotent:  true,
	})
	if err != nil {
		return nil, err
	}
	raw, err := artixCSWriteReply(resp, "creating artix client "+quoteID(c.ID))
	if err != nil {
		return nil, err
	}
	if len(raw) > 0 && raw[0] == '{' {
		rec, err := decodeArtixClientObject(resp, raw, c.ID)
		if err != nil {
			return nil, err
		}
		if rec.ID != "" {
			return rec, nil
		}
	}
	return &ArtixCustomerRecord{ArtixCustomer: c.Clone()}, nil
}

// Delete removes the client id from the Cash Server's directory as field
// clients do: DELETE {base}/CSrest/rest/dictionaries/clients/id/{id}. A
// client the server reports absent (404 with its {"errorCode", "message"}
// object) is an *APIError matching [ErrNotFound]; any 2xx but false or an
// error object is success. Deleting is harmless to repeat, so it is
// retried like a read.
func (s *ArtixCustomerRecordService) Delete(ctx context.Context, id string) error {
	if err := s.ready(); err != nil {
		return err
	}
	if err := validateArtixID("idclient", id); err != nil {
		return err
	}
	resp, err := s.cs.core.do(ctx, &request{
		method:     http.MethodDelete,
		path:       artixwire.CSClientByIDPath + url.PathEscape(id),
		escaped:    true,
		accept:     "application/json",
		idempotent: true,
	})
	if err != nil {
		return err
	}
	_, err = artixCSWriteReply(resp, "deleting artix client "+quoteID(id))
	return err
}

// quoteID quotes an idclient for an error message, cut to 100 bytes.
func quoteID(id string) string { return fmt.Sprintf("%q", firstLine(id, 100)) }

// errArtixCSFalse is a write the Cash Server answered with false.
var errArtixCSFalse = errors.New("the cash server answered false")

// artixCSWriteReply checks a CSrest write's reply and returns its JSON
// value (nil for an empty body): an error for a status other than 2xx
// ([ErrNotFound] for a 404 with the server's error object), for false, for
// an error object without idclient, and for a body that is not JSON.
func artixCSWriteReply(resp *response, what string) (json.RawMessage, error) {
	text, err := toUTF8(resp.body, resp.header.Get("Content-Type"), guess1251)
	if err != nil {
		return nil, resp.apiError("", err)
	}
	body := bytes.TrimSpace(bytes.TrimPrefix(text, bom))
	var obj map[string]json.RawMessage
	isObj := json.Unmarshal(body, &obj) == nil
	if !resp.ok() {
		if resp.statusCode == http.StatusNotFound && isObj && artixCSHasError(obj) {
			return nil, resp.apiError(artixReplyInfo(body), fmt.Errorf("%s: %w", what, ErrNotFound))
		}
		return nil, artixCSError(resp)
	}
	if len(body) == 0 {
		return nil, nil
	}
	if looksLikeHTML(body) {
		return nil, resp.apiError("", errArtixHTMLReply)
	}
	if !json.Valid(body) {
		return nil, resp.apiError("", fmt.Errorf("%s: the reply is not JSON", what))
	}
	if string(body) == "false" {
		return nil, resp.apiError("", fmt.Errorf("%s: %w", what, errArtixCSFalse))
	}
	if isObj && artixCSHasError(obj) {
		if _, hasID := lookupKey(obj, "idclient"); !hasID {
			return nil, resp.apiError(artixReplyInfo(body), nil)
		}
	}
	return body, nil
}

// appendArtixCSClient appends c as a CSrest client object: idclient and
// only the attributes that are set (field clients exclude nulls).
func appendArtixCSClient(buf []byte, c *ArtixCustomer) []byte {
	u := c.asUpdate()
	for _, p := range u.strs() {
		if *p != nil && **p == "" {
			*p = nil
		}
	}
	for _, p := range u.dates() {
		if *p != nil && **p == "" {
			*p = nil
		}
	}
	return u.appendJSON(buf)
}
