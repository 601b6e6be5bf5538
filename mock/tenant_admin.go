package mock

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// maxAdminTenant is the largest body POST /_mock/tenants reads.
const maxAdminTenant = 4 << 10

// adminNewTenant makes a tenant, named by the optional body
// {"name": "..."}, and answers its credentials.
func (s *Server) adminNewTenant(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	data, ok := readAdminBody(w, r, maxAdminTenant, true)
	if !ok {
		return
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := decodeStrict(data, &req); err != nil {
			adminError(w, http.StatusBadRequest, "bad tenant: "+err.Error())
			return
		}
	}
	t, err := s.NewTenant(req.Name)
	switch {
	case errors.Is(err, ErrTenantExists) || errors.Is(err, ErrTooManyTenants):
		adminError(w, http.StatusConflict, err.Error())
	case err != nil:
		adminError(w, http.StatusBadRequest, err.Error())
	default:
		writeAdminJSON(w, http.StatusCreated, t.Credentials())
	}
}

// adminListTenants answers every tenant's credentials, oldest first.
func (s *Server) adminListTenants(w http.ResponseWriter, _ *http.Request) {
	out := []TenantCredentials{}
	for _, t := range s.Tenants() {
		out = append(out, t.Credentials())
	}
	writeAdminJSON(w, http.StatusOK, out)
}

// adminGetTenant answers one tenant's credentials.
func (s *Server) adminGetTenant(w http.ResponseWriter, r *http.Request) {
	if t := s.adminTenant(w, r); t != nil {
		writeAdminJSON(w, http.StatusOK, t.Credentials())
	}
}

// adminDeleteTenant removes a tenant.
func (s *Server) adminDeleteTenant(w http.ResponseWriter, r *http.Request) {
	if t := s.adminTenant(w, r); t != nil {
		s.DeleteTenant(t.ID)
		w.WriteHeader(http.StatusNoContent)
	}
}

// adminTenant is the tenant the path names; when there is none it answers
// 404 and returns nil.
func (s *Server) adminTenant(w http.ResponseWriter, r *http.Request) *Tenant {
	id := r.PathValue("id")
	t, ok := s.Tenant(id)
	if !ok || strings.Contains(id, "/") {
		adminError(w, http.StatusNotFound, fmt.Sprintf("no tenant %q", id))
		return nil
	}
	return t
}
