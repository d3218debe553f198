package fakecoder

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/mux"
)

// ---- lifecycle -------------------------------------------------------------

// startJobLocked sets a new build's job on its way: pending, running, then
// succeeded or failed, with the configured delays. With no delays at all the
// whole lifecycle runs before returning.
func (s *Server) startJobLocked(b *build) {
	if len(s.failBuilds) > 0 {
		b.failWith = s.failBuilds[0]
		s.failBuilds = s.failBuilds[1:]
	}
	s.scheduleLocked(b)
}

// scheduleLocked arranges the next lifecycle step of b, if any.
func (s *Server) scheduleLocked(b *build) {
	var delay time.Duration
	switch {
	case b.job.status == "pending":
		delay = s.cfg.pendingDelay
	case b.job.status == "running", b.job.status == "canceling":
		delay = s.cfg.runningDelay
	case b.job.status == "succeeded" && b.transition == "start" && b.agentStatus == "connecting":
		delay = s.cfg.runningDelay
	default:
		return
	}
	if delay == 0 {
		s.stepLocked(b)
		return
	}
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		delete(s.timers, t)
		s.stepLocked(b)
	})
	s.timers[t] = struct{}{}
}

// stepLocked moves b one step forward and schedules the next one.
func (s *Server) stepLocked(b *build) {
	now := s.now()
	w := s.st.workspaceByID(b.workspaceID)
	switch {
	case b.job.status == "pending":
		b.job.status = "running"
		b.job.startedAt = &now
	case b.job.status == "canceling":
		// A provisioner interrupted mid-job reports the interruption as
		// its error, so Coder records the job as failed (canceled_at set).
		// Only a job canceled before a provisioner took it is "canceled".
		b.job.status = "failed"
		b.job.err = "canceled"
		b.job.completedAt = &now
	case b.job.status == "running" && b.failWith != "":
		b.job.status = "failed"
		b.job.err = b.failWith
		b.job.completedAt = &now
	case b.job.status == "running":
		b.job.status = "succeeded"
		b.job.completedAt = &now
		switch b.transition {
		case "start":
			b.agentStatus, b.agentLifecycle = "connecting", "starting"
			b.deadline = buildDeadline(w, now)
		case "delete":
			w.deleted = true
		}
	case b.agentStatus == "connecting":
		b.agentStatus, b.agentLifecycle = "connected", "ready"
		b.agentConnectedAt, b.agentReadyAt = &now, &now
	default:
		return
	}
	b.updatedAt = now
	w.updatedAt = now
	s.cfg.logger.Debug("workspace build", slog.String("workspace", w.name), slog.Int("build", int(b.number)),
		slog.String("transition", b.transition), slog.String("status", buildStatus(b.transition, b.job.status)),
		slog.String("agent", b.agentStatus))
	s.scheduleLocked(b)
}

// ---- handlers --------------------------------------------------------------

// createBuildRequest is codersdk.CreateWorkspaceBuildRequest.
type createBuildRequest struct {
	TemplateVersionID       jsonUUID                  `json:"template_version_id"`
	Transition              string                    `json:"transition"`
	DryRun                  bool                      `json:"dry_run"`
	ProvisionerState        []byte                    `json:"state"`
	Orphan                  bool                      `json:"orphan"`
	RichParameterValues     []WorkspaceBuildParameter `json:"rich_parameter_values"`
	LogLevel                string                    `json:"log_level"`
	TemplateVersionPresetID jsonUUID                  `json:"template_version_preset_id"`
	Reason                  string                    `json:"reason"`
}

func (req createBuildRequest) validate() []ValidationError {
	var errs []ValidationError
	if !slices.Contains([]string{"start", "stop", "delete"}, req.Transition) {
		errs = append(errs, validationFailed("transition", "oneof", req.Transition))
	}
	if req.LogLevel != "" && req.LogLevel != "debug" {
		errs = append(errs, validationFailed("log_level", "oneof", req.LogLevel))
	}
	if req.Reason != "" && !slices.Contains([]string{"dashboard", "cli", "ssh_connection", "vscode_connection", "jetbrains_connection"}, req.Reason) {
		errs = append(errs, validationFailed("reason", "oneof", req.Reason))
	}
	return errs
}

func (s *Server) postWorkspaceBuild(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	ws, ok := s.workspaceParamLocked(w, r, a)
	s.mu.Unlock()
	if !ok {
		return
	}
	var req createBuildRequest
	if !readJSON(w, r, &req) {
		return
	}
	if errs := req.validate(); len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, Response{Message: msgValidation, Validations: errs})
		return
	}
	if req.Orphan && req.Transition != "delete" {
		writeResponse(w, http.StatusBadRequest, "Orphan is only permitted when deleting a workspace.")
		return
	}
	if req.Orphan && len(req.ProvisionerState) > 0 {
		writeResponse(w, http.StatusBadRequest, "ProvisionerState cannot be set alongside Orphan since state intent is unclear.")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if len(req.ProvisionerState) > 0 && !a.user.isOwner() {
		writeResponse(w, http.StatusForbidden, "Only template managers may provide custom state.")
		return
	}
	if req.LogLevel != "" && !a.user.isOwner() {
		writeResponse(w, http.StatusBadRequest, "Workspace builds with a custom log level are restricted to administrators only.")
		return
	}
	if ws.deleted && req.Transition != "delete" {
		writeResponse(w, http.StatusConflict, "Cannot start a deleted workspace!")
		return
	}
	t := st.templateByID(ws.templateID)
	prev := st.latestBuild(ws)
	version := st.versions[prev.versionID]
	if req.TemplateVersionID != "" {
		version = st.versions[string(req.TemplateVersionID)]
		if version == nil || version.templateID != t.id {
			writeJSON(w, http.StatusBadRequest, Response{
				Message: "Template version not found.",
				Detail:  fmt.Sprintf("template version %q does not belong to template %q", req.TemplateVersionID, t.name),
			})
			return
		}
		if t.requireActiveVersion && req.Transition == "start" && version.id != t.activeVersionID && !a.user.isOwner() {
			writeJSON(w, http.StatusForbidden, Response{
				Message: "Cannot use non-active version.",
				Detail:  fmt.Sprintf("The template %q requires its active version to be used.", t.name),
			})
			return
		}
	} else if req.Transition == "start" && (ws.automaticUpdates == "always" || t.requireActiveVersion) {
		version = st.versions[t.activeVersionID]
	}
	if !s.checkVersionImportedLocked(w, version) {
		return
	}
	if !jobDone(prev.job.status) {
		writeResponse(w, http.StatusConflict, msgBuildActive)
		return
	}
	var values []WorkspaceBuildParameter
	if req.Transition == "start" {
		var problems []paramProblem
		values, problems = resolveParameters(version.params, prev.params, req.RichParameterValues, false)
		if len(problems) > 0 {
			writeParamProblems(w, t.classicFlow, problems)
			return
		}
	} else {
		values = slices.Clone(prev.params)
		for _, v := range req.RichParameterValues {
			if i := slices.IndexFunc(values, func(p WorkspaceBuildParameter) bool { return p.Name == v.Name }); i >= 0 {
				values[i].Value = v.Value
			}
		}
	}
	reason := "initiator"
	if req.Transition == "start" && req.Reason != "" {
		reason = req.Reason
	}
	now := s.now()
	b := st.newBuild(ws, t, version, a.user, req.Transition, reason, values, now)
	if req.Transition == "start" && ws.dormantAt != nil {
		ws.dormantAt = nil
	}
	if ws.ownerID == a.user.id {
		ws.lastUsedAt = now
	}
	resp := s.convertBuild(b)
	// Coder answers a new build without its template version's name (it
	// converts the build with an empty version); reads of the build have it.
	resp.TemplateVersionName = ""
	s.startJobLocked(b)
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) workspaceBuilds(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	ws, ok := s.workspaceParamLocked(w, r, a)
	s.mu.Unlock()
	if !ok {
		return
	}
	page, ok := parsePagination(w, r)
	if !ok {
		return
	}
	var since time.Time
	if raw := r.URL.Query().Get("since"); raw != "" {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, Response{Message: "bad `since` format, must be RFC3339", Detail: err.Error()})
			return
		}
		since = t
	}
	s.mu.Lock()
	var builds []*build
	for i := len(ws.buildIDs) - 1; i >= 0; i-- {
		b := s.st.builds[ws.buildIDs[i]]
		if b.createdAt.After(since) {
			builds = append(builds, b)
		}
	}
	if page.afterID != "" {
		idx := slices.IndexFunc(builds, func(b *build) bool { return b.id == page.afterID })
		if idx < 0 {
			s.mu.Unlock()
			writeJSON(w, http.StatusBadRequest, Response{Message: fmt.Sprintf("Record at \"after_id\" (%q) does not exist.", page.afterID)})
			return
		}
		builds = builds[idx+1:]
	}
	out := []WorkspaceBuild{}
	for _, b := range paginate(builds, page) {
		out = append(out, s.convertBuild(b))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getBuild(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buildParamLocked(w, r, a)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.convertBuild(b))
}

func (s *Server) buildByOwnerNameNumber(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner, ok := s.userParamLocked(w, r, a)
	if !ok {
		return
	}
	raw := mux.Vars(r)["buildnumber"]
	number, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, Response{Message: "Failed to parse build number as integer.", Detail: err.Error()})
		return
	}
	ws := s.findWorkspaceLocked(owner.id, mux.Vars(r)["workspacename"], false)
	if ws == nil || !s.canReadWorkspace(a, ws) || number < 1 || int(number) > len(ws.buildIDs) {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.convertBuild(s.st.builds[ws.buildIDs[number-1]]))
}

func (s *Server) buildParameters(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buildParamLocked(w, r, a)
	if !ok {
		return
	}
	out := []WorkspaceBuildParameter{}
	out = append(out, b.params...)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) cancelBuild(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buildParamLocked(w, r, a)
	if !ok {
		return
	}
	expect := r.URL.Query().Get("expect_status")
	if expect != "" && expect != "running" && expect != "pending" {
		writeResponse(w, http.StatusBadRequest, fmt.Sprintf("Invalid expect_status %q. Only 'running' or 'pending' are allowed.", expect))
		return
	}
	ws := s.st.workspaceByID(b.workspaceID)
	// Canceling a job expected to be pending is always allowed: nothing has
	// been provisioned yet.
	if t := s.st.templateByID(ws.templateID); expect != "pending" && !t.allowUserCancel && !a.user.isOwner() {
		writeResponse(w, http.StatusForbidden, "User is not allowed to cancel workspace builds. Owner role is required.")
		return
	}
	switch {
	case b.job.completedAt != nil:
		writeResponse(w, http.StatusBadRequest, "Job has already completed!")
		return
	case b.job.canceledAt != nil:
		writeResponse(w, http.StatusBadRequest, "Job has already been marked as canceled!")
		return
	case expect != "" && b.job.status != expect:
		writeResponse(w, http.StatusPreconditionFailed, "Job is not in the expected state.")
		return
	}
	now := s.now()
	b.job.canceledAt = &now
	b.updatedAt = now
	if b.job.status == "pending" {
		// A job no provisioner picked up is canceled at once.
		b.job.status = "canceled"
		b.job.completedAt = &now
	} else {
		b.job.status = "canceling"
		s.scheduleLocked(b)
	}
	writeResponse(w, http.StatusOK, "Job has been marked as canceled...")
}
