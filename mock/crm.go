package mock

import "net/http"

// crmAPI is the CRM side of the mock.
type crmAPI struct{ srv *Server }

func newCRMAPI(s *Server) *crmAPI { return &crmAPI{srv: s} }

func (a *crmAPI) reset() {}

func (a *crmAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
