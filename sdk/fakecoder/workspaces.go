package fakecoder

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
)

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request, a actor) {
	page, ok := parsePagination(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	f, errs := s.parseWorkspaceQueryLocked(r.URL.Query().Get("q"))
	if len(errs) > 0 {
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, Response{Message: msgBadWorkspaceQ, Validations: errs})
		return
	}
	ownerID := ""
	if f.owner == "me" {
		ownerID = a.user.id
	}
	var matches []*workspace
	for _, ws := range s.st.workspaces {
		if s.canReadWorkspace(a, ws) && s.matchWorkspaceLocked(f, ownerID, ws) {
			matches = append(matches, ws)
		}
	}
	s.sortWorkspacesLocked(matches, a.user.id)
	total := len(matches)
	out := []Workspace{}
	for _, ws := range paginate(matches, page) {
		out = append(out, s.convertWorkspace(ws, a.user.id))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, WorkspacesResponse{Workspaces: out, Count: total})
}

// sortWorkspacesLocked orders as GetWorkspaces does: the requester's
// favorites, then workspaces whose latest build is a successful start, then
// owner username and workspace name, case-insensitively.
func (s *Server) sortWorkspacesLocked(list []*workspace, requesterID string) {
	rank := func(ws *workspace) (int, int) {
		fav := 1
		if ws.favorite && ws.ownerID == requesterID {
			fav = 0
		}
		b := s.st.latestBuild(ws)
		running := 1
		if b.transition == "start" && b.job.status == "succeeded" && b.job.err == "" && b.job.canceledAt == nil {
			running = 0
		}
		return fav, running
	}
	slices.SortStableFunc(list, func(x, y *workspace) int {
		xf, xr := rank(x)
		yf, yr := rank(y)
		return cmp.Or(
			cmp.Compare(xf, yf),
			cmp.Compare(xr, yr),
			strings.Compare(strings.ToLower(s.st.userByID(x.ownerID).username), strings.ToLower(s.st.userByID(y.ownerID).username)),
			strings.Compare(strings.ToLower(x.name), strings.ToLower(y.name)),
		)
	})
}

func parseIncludeDeleted(w http.ResponseWriter, r *http.Request, field string) (bool, bool) {
	raw := r.URL.Query().Get("include_deleted")
	if raw == "" {
		return false, true
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, Response{
			Message:     fmt.Sprintf("Invalid boolean value %q for \"include_deleted\" query param.", raw),
			Validations: []ValidationError{{Field: field, Detail: "Must be a valid boolean"}},
		})
		return false, false
	}
	return v, true
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, ok := s.workspaceParamLocked(w, r, a)
	if !ok {
		return
	}
	includeDeleted, ok := parseIncludeDeleted(w, r, "deleted")
	if !ok {
		return
	}
	if ws.deleted && !includeDeleted {
		writeResponse(w, http.StatusGone, fmt.Sprintf("Workspace %q was deleted, you can view this workspace by specifying '?deleted=true' and trying again.", ws.id))
		return
	}
	writeJSON(w, http.StatusOK, s.convertWorkspace(ws, a.user.id))
}

// findWorkspaceLocked looks a workspace up by owner and name,
// case-insensitively, preferring one that is not deleted.
func (s *Server) findWorkspaceLocked(ownerID, name string, includeDeleted bool) *workspace {
	var deleted *workspace
	for _, ws := range s.st.workspaces {
		if ws.ownerID != ownerID || !strings.EqualFold(ws.name, name) {
			continue
		}
		if !ws.deleted {
			return ws
		}
		if includeDeleted {
			deleted = ws // the most recent deleted one
		}
	}
	return deleted
}

func (s *Server) workspaceByOwnerAndName(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner, ok := s.userParamLocked(w, r, a)
	if !ok {
		return
	}
	includeDeleted, ok := parseIncludeDeleted(w, r, "include_deleted")
	if !ok {
		return
	}
	ws := s.findWorkspaceLocked(owner.id, mux.Vars(r)["workspacename"], includeDeleted)
	if ws == nil || !s.canReadWorkspace(a, ws) {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.convertWorkspace(ws, a.user.id))
}

func (s *Server) setFavorite(favorite bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a actor) {
		s.mu.Lock()
		defer s.mu.Unlock()
		ws, ok := s.workspaceParamLocked(w, r, a)
		if !ok {
			return
		}
		if ws.ownerID != a.user.id {
			writeResponse(w, http.StatusForbidden, "You can only favorite workspaces that you own.")
			return
		}
		ws.favorite = favorite
		w.WriteHeader(http.StatusNoContent)
	}
}

// createWorkspaceRequest is codersdk.CreateWorkspaceRequest.
type createWorkspaceRequest struct {
	TemplateID              jsonUUID                  `json:"template_id"`
	TemplateVersionID       jsonUUID                  `json:"template_version_id"`
	Name                    string                    `json:"name"`
	AutostartSchedule       *string                   `json:"autostart_schedule"`
	TTLMillis               *int64                    `json:"ttl_ms"`
	RichParameterValues     []WorkspaceBuildParameter `json:"rich_parameter_values"`
	AutomaticUpdates        string                    `json:"automatic_updates"`
	TemplateVersionPresetID jsonUUID                  `json:"template_version_preset_id"`
}

// validate applies the request's validator tags, in field order.
func (req createWorkspaceRequest) validate() []ValidationError {
	var errs []ValidationError
	switch {
	case req.TemplateID == "" && req.TemplateVersionID == "":
		errs = append(errs,
			validationFailed("template_id", "required_without", req.TemplateID),
			validationFailed("template_version_id", "required_without", req.TemplateVersionID))
	case req.TemplateID != "" && req.TemplateVersionID != "":
		errs = append(errs,
			validationFailed("template_id", "excluded_with", req.TemplateID),
			validationFailed("template_version_id", "excluded_with", req.TemplateVersionID))
	}
	if nameValid(req.Name) != nil {
		errs = append(errs, validationFailed("name", "workspace_name", req.Name))
	}
	return errs
}

func (s *Server) postUserWorkspaces(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	owner, ok := s.userParamLocked(w, r, a)
	s.mu.Unlock()
	if !ok {
		return
	}
	s.createWorkspace(w, r, a, owner)
}

func (s *Server) postOrgMemberWorkspaces(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	o, ok := s.orgParamLocked(w, r, a)
	if !ok {
		s.mu.Unlock()
		return
	}
	owner, ok := s.userParamLocked(w, r, a)
	if ok && !slices.Contains(owner.orgIDs, o.id) {
		writeNotFound(w)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	s.createWorkspace(w, r, a, owner)
}

// createWorkspace is coderd's createWorkspace, checks in the same order.
func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request, a actor, owner *user) {
	var req createWorkspaceRequest
	if !readJSON(w, r, &req) {
		return
	}
	if errs := req.validate(); len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, Response{Message: msgValidation, Validations: errs})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st

	// requestTemplate
	templateID := string(req.TemplateID)
	var version *templateVersion
	if templateID == "" {
		version = st.versions[string(req.TemplateVersionID)]
		if version == nil || !s.canReadOrg(a, st.orgByID(version.orgID)) {
			writeJSON(w, http.StatusBadRequest, Response{
				Message:     fmt.Sprintf("Template version %q doesn't exist.", req.TemplateVersionID),
				Validations: []ValidationError{{Field: "template_version_id", Detail: "template not found"}},
			})
			return
		}
		if version.archived {
			writeJSON(w, http.StatusInternalServerError, Response{
				Message:     "Archived template versions cannot be used to make a workspace.",
				Validations: []ValidationError{{Field: "template_version_id", Detail: "template version archived"}},
			})
			return
		}
		templateID = version.templateID
	}
	t := st.templateByID(templateID)
	if t == nil || !s.canReadOrg(a, st.orgByID(t.orgID)) {
		writeJSON(w, http.StatusBadRequest, Response{
			Message:     fmt.Sprintf("Template %q doesn't exist.", templateID),
			Validations: []ValidationError{{Field: "template_id", Detail: "template not found"}},
		})
		return
	}
	if !slices.Contains(owner.orgIDs, t.orgID) {
		writeNotFound(w)
		return
	}
	if owner.id != a.user.id && !a.user.isOwner() {
		writeJSON(w, http.StatusForbidden, Response{
			Message: "Unauthorized to create workspace.",
			Detail: "You are unable to create a workspace in this organization. " +
				"It is possible to have access to the template, but not be able to create a workspace. " +
				"Please contact an administrator about your permissions if you feel this is an error.",
		})
		return
	}
	if t.deprecationMessage != "" {
		writeJSON(w, http.StatusBadRequest, Response{
			Message: fmt.Sprintf("Template %q has been deprecated, and cannot be used to create a new workspace.", t.name),
			Detail:  t.deprecationMessage,
		})
		return
	}
	var autostart *string
	if req.AutostartSchedule != nil && *req.AutostartSchedule != "" {
		if err := validSchedule(*req.AutostartSchedule); err != nil {
			writeJSON(w, http.StatusBadRequest, Response{Message: "Invalid Autostart Schedule.", Validations: []ValidationError{{Field: "schedule", Detail: err.Error()}}})
			return
		}
		sched := *req.AutostartSchedule
		autostart = &sched
	}
	ttl, err := validTTL(req.TTLMillis, t.defaultTTL)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, Response{Message: "Invalid Workspace Time to Shutdown.", Validations: []ValidationError{{Field: "ttl_ms", Detail: err.Error()}}})
		return
	}
	automaticUpdates := "never"
	if req.AutomaticUpdates != "" {
		if req.AutomaticUpdates != "always" && req.AutomaticUpdates != "never" {
			writeJSON(w, http.StatusBadRequest, Response{
				Message:     "Invalid Workspace Automatic Updates setting.",
				Validations: []ValidationError{{Field: "automatic_updates", Detail: fmt.Sprintf("%q is not a valid value, use always or never", req.AutomaticUpdates)}},
			})
			return
		}
		automaticUpdates = req.AutomaticUpdates
	}
	if s.findWorkspaceLocked(owner.id, req.Name, false) != nil {
		writeJSON(w, http.StatusConflict, Response{
			Message:     fmt.Sprintf("Workspace %q already exists.", req.Name),
			Validations: []ValidationError{{Field: "name", Detail: "This value is already in use and should be unique."}},
		})
		return
	}
	if version == nil {
		version = st.versions[t.activeVersionID]
	}
	if !s.checkVersionImportedLocked(w, version) {
		return
	}
	values, problems := resolveParameters(version.params, nil, req.RichParameterValues, true)
	if len(problems) > 0 {
		writeParamProblems(w, t.classicFlow, problems)
		return
	}

	now := s.now()
	ws := &workspace{
		id: newUUID(), ownerID: owner.id, orgID: t.orgID, templateID: t.id, name: req.Name,
		createdAt: now, updatedAt: now, lastUsedAt: now,
		autostart: autostart, ttlMillis: ttl, automaticUpdates: automaticUpdates,
	}
	st.workspaces = append(st.workspaces, ws)
	b := st.newBuild(ws, t, version, a.user, "start", "initiator", values, now)
	resp := s.convertWorkspace(ws, a.user.id)
	// As for a new build, Coder leaves the first build's version name out.
	resp.LatestBuild.TemplateVersionName = ""
	s.startJobLocked(b)
	writeJSON(w, http.StatusCreated, resp)
}

// checkVersionImportedLocked answers 406 for a version whose import job has
// not completed, as wsbuilder does.
func (s *Server) checkVersionImportedLocked(w http.ResponseWriter, v *templateVersion) bool {
	switch v.importStatus {
	case "pending", "running":
		writeJSON(w, http.StatusNotAcceptable, Response{Message: "The provided template version is " + v.importStatus + ". Wait for it to complete importing!"})
		return false
	case "failed":
		writeJSON(w, http.StatusBadRequest, Response{Message: "The provided template version has failed to import. You cannot build workspaces with it!"})
		return false
	}
	return true
}

// validTTL is coderd's validWorkspaceTTLMillis.
func validTTL(millis *int64, templateDefault time.Duration) (*int64, error) {
	if millis == nil || *millis == 0 {
		if templateDefault == 0 {
			return nil, nil
		}
		ms := templateDefault.Milliseconds()
		return &ms, nil
	}
	truncated := (time.Duration(*millis) * time.Millisecond).Truncate(time.Minute)
	if truncated < time.Minute {
		return nil, errors.New("time until shutdown must be at least one minute")
	}
	if truncated > 30*24*time.Hour {
		return nil, errors.New("time until shutdown must be less than 30 days")
	}
	ms := *millis
	return &ms, nil
}

// validSchedule checks an autostart schedule of the form
// "CRON_TZ=<zone> <minute> <hour> * * <days of week>".
func validSchedule(spec string) error {
	fields := strings.Fields(spec)
	if len(fields) > 0 && strings.HasPrefix(fields[0], "CRON_TZ=") {
		if _, err := time.LoadLocation(strings.TrimPrefix(fields[0], "CRON_TZ=")); err != nil {
			return fmt.Errorf("parse schedule: provided bad location %s: %v", strings.TrimPrefix(fields[0], "CRON_TZ="), err)
		}
		fields = fields[1:]
	}
	if len(fields) != 5 {
		return fmt.Errorf("expected schedule to consist of 5 fields with an optional CRON_TZ=<timezone> prefix")
	}
	if fields[2] != "*" || fields[3] != "*" {
		return fmt.Errorf("expected day-of-month and month values to be *")
	}
	for i, bound := range []int{59, 23} {
		n, err := strconv.Atoi(fields[i])
		if err != nil || n < 0 || n > bound {
			return fmt.Errorf("parse schedule: failed to parse int from %s", fields[i])
		}
	}
	return nil
}
