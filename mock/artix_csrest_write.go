package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// The CSrest writes field clients make (docs/artix-field-notes.md §4, §5):
//
//   - POST /CSrest/rest/dictionaries/clients with a client object (nulls
//     left out): the client is written (replaced when its idclient
//     exists), validated as addClient is; codeword is not kept;
//   - DELETE .../clients/id/{idclient}: the client removed;
//   - POST /CSrest/rest/dictionaries/cards ({idcard, idcardgroup,
//     idclient, number}) and .../cardGroups: the card or group written to
//     the card dictionaries loads write.
//
// What a real Cash Server answers is not public; the mock answers a write
// with 200 and the stored object as GET shows it, a delete with 200 and
// an empty body, an absent client with 404 {"errorCode": 404,
// "message"}, a refused body with 400 and the same object. The SDK
// accepts these and the other plausible forms (see
// loyalty.ArtixCustomerRecordService.Create).
const (
	csCardsPath      = "/CSrest/rest/dictionaries/cards"
	csCardGroupsPath = "/CSrest/rest/dictionaries/cardGroups"
	maxCSBody        = 1 << 20
)

// serveCSWrite answers POST (path, without id) and DELETE (byID's id).
func (a *artixAPI) serveCSWrite(w http.ResponseWriter, r *http.Request, path, escapedID string) {
	if r.Method == http.MethodDelete {
		id, err := url.PathUnescape(escapedID)
		if err != nil || id == "" {
			writeCSError(w, http.StatusBadRequest, fmt.Sprintf("bad idclient %q", escapedID))
			return
		}
		a.mu.Lock()
		_, ok := a.clients[id]
		if ok {
			a.clients = cloneWithout(a.clients, id)
		}
		a.mu.Unlock()
		if !ok {
			writeCSError(w, http.StatusNotFound, fmt.Sprintf("no client with idclient %q", id))
			return
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCSBody))
	if err != nil {
		writeCSError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", maxCSBody))
		return
	}
	var cmd loyalty.ArtixCommand
	switch path {
	case artixwire.CSClientsPath:
		var rec loyalty.ArtixCustomerRecord
		err = json.Unmarshal(body, &rec)
		cmd = loyalty.AddClient(rec.ArtixCustomer)
	case csCardsPath:
		var c loyalty.ArtixCard
		err = json.Unmarshal(body, &c)
		if c.Number == "" {
			c.Number = c.ID
		}
		cmd = loyalty.AddCard(c)
	default:
		var g loyalty.ArtixCardGroup
		err = json.Unmarshal(body, &g)
		cmd = loyalty.AddCardGroup(g)
	}
	if err == nil {
		err = cmd.Validate()
	}
	if err == nil {
		err = a.apply([]loyalty.ArtixCommand{cmd})
	}
	if err != nil {
		writeCSError(w, http.StatusBadRequest, err.Error())
		return
	}
	switch {
	case cmd.Client != nil:
		writeCS(w, http.StatusOK, newCSClient(*cmd.Client))
	case cmd.Card != nil:
		writeCS(w, http.StatusOK, cmd.Card)
	default:
		writeCS(w, http.StatusOK, cmd.CardGroup)
	}
}

// cloneWithout is a copy of m without key k: the directory's maps are
// replaced, never changed, while readers may hold them.
func cloneWithout[V any](m map[string]V, k string) map[string]V {
	out := make(map[string]V, len(m))
	for key, v := range m {
		if key != k {
			out[key] = v
		}
	}
	return out
}
