package fakecoder

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
)

// listTemplatesLocked returns the templates in org ("" for all) that match
// the request's q, or writes the 400.
func (s *Server) listTemplatesLocked(w http.ResponseWriter, r *http.Request, a actor, orgID string) ([]Template, bool) {
	f, errs := s.parseTemplateQueryLocked(r.URL.Query().Get("q"), a.user.id)
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, Response{Message: msgBadTemplateQ, Validations: errs})
		return nil, false
	}
	out := []Template{}
	for _, t := range s.st.templates {
		if orgID != "" && t.orgID != orgID {
			continue
		}
		if !s.canReadOrg(a, s.st.orgByID(t.orgID)) || !s.matchTemplateLocked(f, t) {
			continue
		}
		out = append(out, s.convertTemplate(t))
	}
	// GetTemplatesWithFilter orders by name, then id.
	slices.SortStableFunc(out, func(x, y Template) int {
		if c := strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out, true
}

func (s *Server) orgTemplates(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	o, ok := s.orgParamLocked(w, r, a)
	if !ok {
		s.mu.Unlock()
		return
	}
	out, ok := s.listTemplatesLocked(w, r, a, o.id)
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) allTemplates(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	out, ok := s.listTemplatesLocked(w, r, a, "")
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) orgTemplateByName(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgParamLocked(w, r, a)
	if !ok {
		return
	}
	name := mux.Vars(r)["templatename"]
	for _, t := range s.st.templates {
		if t.orgID == o.id && strings.EqualFold(t.name, name) {
			writeJSON(w, http.StatusOK, s.convertTemplate(t))
			return
		}
	}
	writeNotFound(w)
}

func (s *Server) templateByID(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.templateParamLocked(w, r, a)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.convertTemplate(t))
}

func (s *Server) templateVersions(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	t, ok := s.templateParamLocked(w, r, a)
	s.mu.Unlock()
	if !ok {
		return
	}
	page, ok := parsePagination(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var versions []TemplateVersion
	for _, id := range t.versionIDs {
		if v := s.st.versions[id]; !v.archived || r.URL.Query().Get("include_archived") == "true" {
			versions = append(versions, s.convertVersion(v))
		}
	}
	out := []TemplateVersion{}
	out = append(out, paginate(versions, page)...)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) templateVersion(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.versionParamLocked(w, r, a)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.convertVersion(v))
}

func (s *Server) richParameters(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.versionParamLocked(w, r, a)
	if !ok {
		return
	}
	if !jobDone(v.importStatus) {
		writeResponse(w, http.StatusTooEarly, "Template version job has not finished")
		return
	}
	out := make([]TemplateVersionParameter, 0, len(v.params))
	for _, p := range v.params {
		p.Options = slices.Clone(p.Options)
		out = append(out, p)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) presets(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.versionParamLocked(w, r, a); !ok {
		return
	}
	writeJSON(w, http.StatusOK, []struct{}{})
}
