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
// not journaled and faults do not touch them:
//
//	POST   /_mock/faults    body: a Fault as JSON    install a fault (400 naming the field it cannot honour)
//	GET    /_mock/faults                             the installed faults, in the POST form ("delay":"250ms")
//	DELETE /_mock/faults                             remove every fault
//	POST   /_mock/reset                              restore the seed data, clear faults and journal
//	GET    /_mock/requests[?api=virtpos]             the journal as a JSON array, streamed
//	GET    /_mock/state                              the data as JSON (Snapshot)
//	PUT    /_mock/state     body: a state as JSON    replace the data of the APIs it names (Restore)
//	GET    /_mock/health                             200 "ok"
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
