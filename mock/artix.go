package mock

import "net/http"

// artixAPI is the Artix side of the mock.
type artixAPI struct{ srv *Server }

func newArtixAPI(s *Server) *artixAPI { return &artixAPI{srv: s} }

func (a *artixAPI) reset() {}

func (a *artixAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
