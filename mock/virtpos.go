package mock

import "net/http"

// virtposAPI is the VirtPOS side of the mock.
type virtposAPI struct{ srv *Server }

func newVirtPOSAPI(s *Server) *virtposAPI { return &virtposAPI{srv: s} }

func (a *virtposAPI) reset() {}

func (a *virtposAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
