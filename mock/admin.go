package mock

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
//	POST   /_mock/reset                   204 the seed data restored, faults and journal cleared
//	GET    /_mock/requests[?api=virtpos]  200 the journal, a JSON array of entries, oldest first, streamed
//	GET    /_mock/state                   200 the data as JSON (Snapshot): "virtpos", "crm", "artix"
//	PUT    /_mock/state                   204 the data of the APIs the request body names replaced (Restore)
//	GET    /_mock/health                  200 {"status": "ok"}
//
// A request the endpoint cannot honour is answered with a 4xx and
// {"error": "what is wrong"}: 400 for a malformed body or query value (a
// fault naming the field it cannot honour, an unknown "api"), 404 for a
// path that is no endpoint, 405 for a method the path does not take,
// 413 for a body over the endpoint's limit.
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
// "never"), each left out when zero.
const AdminPrefix = "/_mock/"

// maxAdminState is the largest state PUT /_mock/state reads.
const maxAdminState = 256 << 20

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	switch {
	case path == "health" && r.Method == http.MethodGet:
		writeAdminJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case path == "faults" && r.Method == http.MethodPost:
		var f Fault
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		err := dec.Decode(&f)
		if err == nil {
			err = f.Validate()
		}
		if err != nil {
			writeAdminJSON(w, http.StatusBadRequest, map[string]string{"error": "bad fault: " + err.Error()})
			return
		}
		s.Fail(f)
		writeAdminJSON(w, http.StatusCreated, f)
	case path == "faults" && r.Method == http.MethodGet:
		writeAdminJSON(w, http.StatusOK, s.Faults())
	case path == "faults" && r.Method == http.MethodDelete:
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case path == "reset" && r.Method == http.MethodPost:
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	case path == "state" && r.Method == http.MethodGet:
		data, err := s.Snapshot()
		if err != nil {
			writeAdminJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(data)
	case path == "state" && r.Method == http.MethodPut:
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminState))
		if err == nil {
			err = s.Restore(data)
		}
		if err != nil {
			writeAdminJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case path == "requests" && r.Method == http.MethodGet:
		s.serveJournal(w, r)
	default:
		writeAdminJSON(w, http.StatusNotFound, map[string]string{"error": "no admin endpoint " + r.Method + " " + r.URL.Path})
	}
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
			writeAdminJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("unknown api %q: want virtpos, crm or artix", v)})
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
