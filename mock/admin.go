package mock

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// AdminPrefix is the path prefix of the admin endpoints, served on each of
// the three listeners (on the CRM one over the same mutual TLS). They are
// not journaled and faults do not touch them. Each answers with the status
// shown, JSON bodies with Content-Type application/json:
//
//	POST   /_mock/faults                  201 the fault installed, as JSON; the request body is a Fault as JSON
//	GET    /_mock/faults                  200 the installed faults, a JSON array in the POST form ("delay":"250ms", "times" left)
//	DELETE /_mock/faults                  204 every fault removed
//	POST   /_mock/reset                   204 the seed data and Config.Quirks restored, faults and journal cleared
//	GET    /_mock/quirks                  200 the quirks in force, as JSON (Quirks)
//	PUT    /_mock/quirks                  200 the quirks the body holds put in force (Server.SetQuirks), echoed
//	GET    /_mock/requests[?api=virtpos]  200 the journal, a JSON array of entries, oldest first, streamed
//	GET    /_mock/state                   200 the data as JSON (Snapshot): "virtpos", "crm", "artix"
//	PUT    /_mock/state                   204 the data of the APIs the request body names replaced (Restore)
//	GET    /_mock/health                  200 {"status": "ok"}
//	GET    /_mock/artix/errors            200 the exchange-directory batches refused, a JSON array of {"time", "file", "error"}, oldest first
//	POST   /_mock/tenants                 201 a new tenant's credentials; the request body is {"name": "..."} or empty
//	GET    /_mock/tenants                 200 every tenant's credentials, a JSON array, oldest first
//	GET    /_mock/tenants/{id}            200 the tenant's credentials
//	DELETE /_mock/tenants/{id}            204 the tenant removed: its credentials are refused from then on
//
// Tenants (see Tenant) share one mock between suites. faults, reset,
// requests and state act on the default tenant, or on one tenant when the
// query names it: ?tenant=ID (404 when there is none). A tenant's
// credentials are the JSON object {"id", "name", "apikey",
// "commercial_firm_id", "artix_shopcode", "artix_user", "artix_password",
// "virtpos_url", "crm_url", "artix_url"}: requests with them reach the
// tenant's own data.
//
// A request the endpoint cannot honour is answered with a 4xx and
// {"error": "what is wrong"}: 400 for a malformed body or query value (a
// fault naming the field it cannot honour, an unknown "api"), 404 for a
// path that is no endpoint or a tenant that does not exist, 405 for a
// method the path does not take, 409 for a tenant name in use, too many
// tenants or a full fault list (MaxFaults, MaxFaultBytes), 413 for a body
// over the endpoint's limit (PUT /_mock/state: 256 MiB or 500 000 JSON
// objects).
//
// The admin API trusts whoever reaches it: it installs faults, replaces
// data and lists every tenant's credentials. Keep the mock on loopback or
// a trusted network, or set Config.AdminToken (loyalty-mock:
// $LOYALTY_MOCK_ADMIN_TOKEN): then every admin request without
// "Authorization: Bearer <token>" is answered 401.
//
// A journal entry (Request) has the keys "api", "method", "path",
// "query", "header" (the apikey and credentials replaced by REDACTED),
// "body_size" (the whole body's size), "body_truncated" (only when true:
// the body is cut at MaxJournalBody or dropped for Config.JournalBytes),
// "status" (0: the connection was dropped), "faulted", "time", and the
// body in one of two keys: "body", the text, when it is valid UTF-8 (a
// cut text body ends at a whole character), or "body_base64", standard
// base64, when it is binary. A fault has the keys of Fault: "api",
// "method", "path", "times", "delay", "status", "retry_after", "body",
// "content_type", "body_size", "reset", "truncate", "malformed",
// "after_apply" and "callbacks" ("cashes", "status", "message", "delay",
// "never"), each left out when zero. Quirks have the keys
// "card_write_ids", "bind_physical_card_pin" and "virtual_card_pool",
// each left out when zero.
const AdminPrefix = "/_mock/"

// Limits of the admin request bodies: a state for PUT /_mock/state (in
// bytes, and in JSON objects, since a small object such as {} becomes a
// record of a few hundred bytes), a fault for POST /_mock/faults.
const (
	maxAdminState        = 256 << 20
	maxAdminStateObjects = 500_000
	maxAdminFault        = 1 << 20
)

// adminHandler serves one admin endpoint for one method.
type adminHandler func(s *Server, w http.ResponseWriter, r *http.Request)

// adminRoutes are the admin endpoints by path (under AdminPrefix) and
// method; the docs of AdminPrefix list them. (Set in init: the handlers
// reach serveAdmin through NewTenant's middleware.)
var adminRoutes map[string]map[string]adminHandler

func init() { adminRoutes = adminRouteTable() }

func adminRouteTable() map[string]map[string]adminHandler {
	return map[string]map[string]adminHandler{
		"health": {http.MethodGet: func(_ *Server, w http.ResponseWriter, _ *http.Request) {
			writeAdminJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}},
		"faults": {
			http.MethodPost: (*Server).adminFail,
			http.MethodGet: func(s *Server, w http.ResponseWriter, _ *http.Request) {
				writeAdminJSON(w, http.StatusOK, s.Faults())
			},
			http.MethodDelete: func(s *Server, w http.ResponseWriter, _ *http.Request) {
				s.ClearFaults()
				w.WriteHeader(http.StatusNoContent)
			},
		},
		"reset": {http.MethodPost: func(s *Server, w http.ResponseWriter, _ *http.Request) {
			s.Reset()
			w.WriteHeader(http.StatusNoContent)
		}},
		"state": {
			http.MethodGet: func(s *Server, w http.ResponseWriter, _ *http.Request) {
				data, err := s.Snapshot()
				if err != nil {
					adminError(w, http.StatusInternalServerError, err.Error())
					return
				}
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.Write(data)
			},
			http.MethodPut: (*Server).adminRestore,
		},
		"requests": {http.MethodGet: (*Server).serveJournal},
		"quirks":   {http.MethodGet: (*Server).adminQuirks, http.MethodPut: (*Server).adminQuirks},
		"tenants": {
			http.MethodGet:  (*Server).adminListTenants,
			http.MethodPost: (*Server).adminNewTenant,
		},
		"artix/errors": {http.MethodGet: func(s *Server, w http.ResponseWriter, _ *http.Request) {
			writeAdminJSON(w, http.StatusOK, s.ArtixLoadFailures())
		}},
		"tenants/{id}": {
			http.MethodGet:    (*Server).adminGetTenant,
			http.MethodDelete: (*Server).adminDeleteTenant,
		},
	}
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if tok := s.cfg.AdminToken; tok != "" {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="loyalty-mock admin"`)
			adminError(w, http.StatusUnauthorized, "the admin API needs Authorization: Bearer <the mock's admin token>")
			return
		}
	}
	key := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	if id, ok := strings.CutPrefix(key, "tenants/"); ok {
		key = "tenants/{id}"
		r.SetPathValue("id", id)
	}
	route, ok := adminRoutes[key]
	if !ok {
		adminError(w, http.StatusNotFound, "no admin endpoint "+r.Method+" "+r.URL.Path)
		return
	}
	h, ok := route[r.Method]
	if !ok {
		allow := strings.Join(slices.SortedFunc(maps.Keys(route), adminMethodOrder), ", ")
		w.Header().Set("Allow", allow)
		adminError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s takes %s, not %s", r.URL.Path, allow, r.Method))
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		adminError(w, http.StatusBadRequest, "malformed query: "+err.Error())
		return
	}
	target := s
	if id := q.Get("tenant"); id != "" && !strings.HasPrefix(key, "tenants") {
		t, ok := s.Tenant(id)
		if !ok {
			adminError(w, http.StatusNotFound, fmt.Sprintf("no tenant %q", id))
			return
		}
		target = t.srv
	}
	h(target, w, r)
}

// adminMethodOrder lists methods as the docs do: GET, POST, PUT, DELETE.
func adminMethodOrder(a, b string) int {
	order := func(m string) int { return strings.Index("GET POST PUT DELETE", m) }
	return order(a) - order(b)
}

// adminFail installs the fault the body holds.
func (s *Server) adminFail(w http.ResponseWriter, r *http.Request) {
	data, ok := readAdminBody(w, r, maxAdminFault, false)
	if !ok {
		return
	}
	var f Fault
	err := decodeStrict(data, &f)
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, "bad fault: "+err.Error())
		return
	}
	if err := s.Fail(f); err != nil {
		adminError(w, http.StatusConflict, err.Error())
		return
	}
	writeAdminJSON(w, http.StatusCreated, f)
}

// adminRestore replaces the data with the state the body holds.
func (s *Server) adminRestore(w http.ResponseWriter, r *http.Request) {
	data, ok := readAdminBody(w, r, maxAdminState, false)
	if !ok {
		return
	}
	if n := countJSONObjects(data, maxAdminStateObjects+1); n > maxAdminStateObjects {
		adminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("state too large: over %d JSON objects (records and their parts); load it with loyalty-mock -load or Server.Restore", maxAdminStateObjects))
		return
	}
	if err := s.Restore(data); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// countJSONObjects counts the objects ('{' outside strings) of a JSON
// text, stopping at limit.
func countJSONObjects(data []byte, limit int) int {
	n, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && c == '{':
			if n++; n >= limit {
				return n
			}
		}
	}
	return n
}

// readAdminBody reads a request body of at most limit bytes. An empty
// body unless allowEmpty (400), or one over limit (413), is answered
// here, and ok is false.
func readAdminBody(w http.ResponseWriter, r *http.Request, limit int64, allowEmpty bool) (data []byte, ok bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		adminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large: over %d bytes", tooBig.Limit))
	case err != nil:
		adminError(w, http.StatusBadRequest, "reading the request body: "+err.Error())
	case len(bytes.TrimSpace(data)) == 0 && !allowEmpty:
		adminError(w, http.StatusBadRequest, "empty request body: want a JSON object")
	default:
		return data, true
	}
	return nil, false
}

// decodeStrict decodes the one JSON value of data into v, refusing
// unknown keys and anything after the value; a syntax error says the
// JSON is malformed.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		return errors.New("data after the JSON value: want one JSON object")
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	return err
}

// adminError answers status with {"error": msg}.
func adminError(w http.ResponseWriter, status int, msg string) {
	writeAdminJSON(w, status, map[string]string{"error": msg})
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// serveJournal streams the journal (of one API with ?api=) as a JSON
// array, one entry at a time, so a large journal is never encoded whole.
func (s *Server) serveJournal(w http.ResponseWriter, r *http.Request) {
	reqs := s.Requests()
	if v := r.URL.Query().Get("api"); v != "" {
		api := API(v)
		if api != VirtPOSAPI && api != CRMAPI && api != ArtixAPI {
			adminError(w, http.StatusBadRequest, fmt.Sprintf("unknown api %q: want virtpos, crm or artix", v))
			return
		}
		reqs = slices.DeleteFunc(reqs, func(e Request) bool { return e.API != api })
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	bw.WriteString("[")
	for i := range reqs {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		if err := enc.Encode(&reqs[i]); err != nil {
			return
		}
		reqs[i] = Request{} // let the body go once written
	}
	bw.WriteString("]\n")
}
