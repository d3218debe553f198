package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/coderhost/coderhost/sdk/coder"
)

// action runs POST /v1/workspaces/{id}/{action}: start, stop, restart,
// update or cancel. It answers with the resulting build (201 when a build
// was created, 200 for cancel), or with Coder's error and status.
func (h *handler) action(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	id, action := r.PathValue("id"), r.PathValue("action")
	timeout := h.cfg.settings.UpstreamTimeout
	if action == "restart" {
		timeout = h.cfg.settings.RestartTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	var (
		b      coder.WorkspaceBuild
		err    error
		status = http.StatusCreated
	)
	switch action {
	case "start":
		b, err = c.client.StartWorkspace(ctx, id)
	case "stop":
		b, err = c.client.StopWorkspace(ctx, id)
	case "restart":
		b, err = h.restart(ctx, c.client, id)
	case "update":
		b, err = h.update(ctx, c.client, id)
	case "cancel":
		b, err = h.cancelBuild(ctx, c.client, id)
		status = http.StatusOK
	default:
		writeAPIError(w, &apiError{Status: http.StatusNotFound, Message: fmt.Sprintf("Unknown workspace action %q.", action),
			Detail: "Use start, stop, restart, update or cancel (POST), or DELETE the workspace."})
		return
	}
	h.finish(w, r, c, status, b, err)
}

// remove runs DELETE /v1/workspaces/{id}: a delete build.
func (h *handler) remove(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.settings.UpstreamTimeout)
	defer cancel()
	b, err := c.client.DeleteWorkspace(ctx, r.PathValue("id"))
	h.finish(w, r, c, http.StatusCreated, b, err)
}

func (h *handler) finish(w http.ResponseWriter, r *http.Request, c caller, status int, v any, err error) {
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		writeAPIError(w, h.fromCoder(err))
		return
	}
	h.changed(c)
	writeJSON(w, status, v)
}

// restart stops the workspace, waits for the stop build, and starts it
// again; the answer is the start build.
func (h *handler) restart(ctx context.Context, client *coder.Client, id string) (coder.WorkspaceBuild, error) {
	stop, err := client.StopWorkspace(ctx, id)
	if err != nil {
		return stop, err
	}
	done, err := client.WaitForBuild(ctx, stop.ID, h.cfg.settings.BuildPollInterval)
	if errors.Is(err, context.DeadlineExceeded) {
		return done, &apiError{Status: http.StatusGatewayTimeout,
			Message: fmt.Sprintf("The workspace did not stop within %s, so it was not started again.", h.cfg.settings.RestartTimeout),
			Detail:  "Start it once the stop build has finished, or raise restart_timeout in the workspaces plugin's config block."}
	}
	if err != nil {
		return done, err
	}
	if done.Job.Status != coder.JobSucceeded {
		return done, &apiError{Status: http.StatusConflict,
			Message: fmt.Sprintf("The stop build ended %s, so the workspace was not started again.", done.Job.Status),
			Detail:  done.Job.Error}
	}
	return client.StartWorkspace(ctx, id)
}

// update starts the workspace on its template's active version, as the
// Coder dashboard's "Update" does.
func (h *handler) update(ctx context.Context, client *coder.Client, id string) (coder.WorkspaceBuild, error) {
	ws, err := client.Workspace(ctx, id)
	if err != nil {
		return coder.WorkspaceBuild{}, err
	}
	if !ws.Outdated {
		return coder.WorkspaceBuild{}, &apiError{Status: http.StatusConflict,
			Message: fmt.Sprintf("Workspace %q is already on the active version of template %q.", ws.Name, ws.TemplateName)}
	}
	b, err := client.CreateWorkspaceBuild(ctx, id, coder.CreateWorkspaceBuildRequest{
		Transition: coder.TransitionStart, TemplateVersionID: ws.TemplateActiveVersionID,
	})
	if err != nil || b.TemplateVersionName != "" {
		return b, err
	}
	// Coder answers a new build without its version's name; the build read
	// back has it, and it is what an update is about.
	if named, err := client.WorkspaceBuild(ctx, b.ID); err == nil {
		return named, nil
	}
	return b, nil
}

// cancelBuild cancels the workspace's latest build and returns it as it is
// after the cancel. The job's current state is sent as expect_status, so the
// cancel never hits a build the caller did not see.
func (h *handler) cancelBuild(ctx context.Context, client *coder.Client, id string) (coder.WorkspaceBuild, error) {
	ws, err := client.Workspace(ctx, id)
	if err != nil {
		return coder.WorkspaceBuild{}, err
	}
	b := ws.LatestBuild
	var expect coder.JobStatus
	if b.Job.Status == coder.JobPending || b.Job.Status == coder.JobRunning {
		expect = b.Job.Status
	}
	if err := client.CancelWorkspaceBuild(ctx, b.ID, expect); err != nil {
		return b, err
	}
	return client.WorkspaceBuild(ctx, b.ID)
}

// ---- creation ----------------------------------------------------------------

// createRequest is the optional body of a creation.
type createRequest struct {
	// Name of the new workspace; derived from the entity's name when empty.
	Name string `json:"name"`
	// Params override the entity's compiled parameters.
	Params map[string]string `json:"params"`
}

// createResponse is the new workspace and what was left out.
type createResponse struct {
	workspaceView
	// IgnoredParams are compiled parameters the template does not have
	// (typically the repo URL keys of other templates).
	IgnoredParams []string `json:"ignoredParams,omitempty"`
}

const maxCreateBody = 64 << 10

// create runs POST /v1/entities/{kind}/{namespace}/{name}/workspaces: a new
// workspace of the caller, from the entity's template (its active version)
// and compiled parameters, with the body's overrides.
func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	var body createRequest
	if aerr := readBody(r, &body); aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	t, aerr := h.entity(r.Context(), entityRef(r))
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	if !t.compatible || t.templateName == "" {
		reasons := t.reasons
		if len(reasons) == 0 {
			reasons = []string{"No template: set spec.coder.templateName on the entity or default_template in the plugin's config block."}
		}
		writeAPIError(w, &apiError{Status: http.StatusUnprocessableEntity,
			Message: fmt.Sprintf("Entity %q cannot create Coder workspaces.", t.ref), Detail: strings.Join(reasons, " ")})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.settings.UpstreamTimeout)
	defer cancel()
	ws, ignored, err := h.createWorkspace(ctx, c.client, t, body)
	if err != nil {
		if r.Context().Err() == nil {
			writeAPIError(w, h.fromCoder(err))
		}
		return
	}
	h.changed(c)
	writeJSON(w, http.StatusCreated, createResponse{workspaceView: h.view(ws), IgnoredParams: ignored})
}

func readBody(r *http.Request, v any) *apiError {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxCreateBody+1))
	if err != nil {
		return &apiError{Status: http.StatusBadRequest, Message: "Could not read the request body.", Detail: err.Error()}
	}
	if len(data) > maxCreateBody {
		return &apiError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("The request body is larger than %d bytes.", maxCreateBody)}
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil // every field is optional
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &apiError{Status: http.StatusBadRequest, Message: "Request body must be valid JSON.",
			Detail: err.Error() + `; send {"name": "...", "params": {"name": "value"}}, both optional`}
	}
	return nil
}

func (h *handler) createWorkspace(ctx context.Context, client *coder.Client, t target, body createRequest) (coder.Workspace, []string, error) {
	org, name := "default", t.templateName
	if o, n, ok := strings.Cut(t.templateName, "/"); ok {
		org, name = o, n
	}
	tmpl, err := client.TemplateByName(ctx, org, name)
	if coder.IsNotFound(err) {
		return coder.Workspace{}, nil, &apiError{Status: http.StatusNotFound,
			Message: fmt.Sprintf("Template %q of entity %q was not found in Coder.", t.templateName, t.ref),
			Detail:  "Check spec.coder.templateName on the entity, or default_template in the plugin's config block; the caller must be allowed to use the template."}
	}
	if err != nil {
		return coder.Workspace{}, nil, err
	}
	tparams, err := client.TemplateVersionRichParameters(ctx, tmpl.ActiveVersionID)
	if err != nil {
		return coder.Workspace{}, nil, err
	}
	values, ignored, aerr := mergeParams(tmpl, tparams, t.params, body.Params)
	if aerr != nil {
		return coder.Workspace{}, nil, aerr
	}
	wsName := body.Name
	if wsName == "" {
		wsName = workspaceName(t.ref)
	}
	ws, err := client.CreateWorkspace(ctx, "me", coder.CreateWorkspaceRequest{
		TemplateID: tmpl.ID, Name: wsName, RichParameterValues: values,
	})
	return ws, ignored, err
}

// mergeParams lays the caller's overrides over the entity's compiled
// parameters and keeps those the template's active version declares. A
// required parameter left without a value, or an override the template
// does not have, is a 400 naming each one.
func mergeParams(tmpl coder.Template, tparams []coder.TemplateVersionParameter, compiled, overrides map[string]string) ([]coder.WorkspaceBuildParameter, []string, *apiError) {
	declared := map[string]bool{}
	for _, p := range tparams {
		declared[p.Name] = true
	}
	var problems []coder.ValidationError
	for _, name := range sortedKeys(overrides) {
		if !declared[name] {
			problems = append(problems, coder.ValidationError{Field: name,
				Detail: fmt.Sprintf("Template %q has no parameter %q.", tmpl.Name, name)})
		}
	}
	if len(problems) > 0 {
		return nil, nil, &apiError{Status: http.StatusBadRequest, Message: "Unknown template parameters.", Validations: problems}
	}
	var ignored []string
	for _, name := range sortedKeys(compiled) {
		if !declared[name] {
			ignored = append(ignored, name)
		}
	}
	var (
		values  []coder.WorkspaceBuildParameter
		missing []string
	)
	for _, p := range tparams {
		v, ok := overrides[p.Name]
		if !ok {
			v, ok = compiled[p.Name]
			ok = ok && v != "" // an empty compiled value means "not set"
		}
		switch {
		case ok:
			values = append(values, coder.WorkspaceBuildParameter{Name: p.Name, Value: v})
		case p.Required:
			missing = append(missing, p.Name)
			problems = append(problems, coder.ValidationError{Field: p.Name,
				Detail: fmt.Sprintf("Required by template %q and not set by the entity; pass it in params.", tmpl.Name)})
		}
	}
	if len(missing) > 0 {
		return nil, nil, &apiError{Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Missing required parameters: %s.", strings.Join(missing, ", ")), Validations: problems}
	}
	return values, ignored, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// workspaceName derives a workspace name Coder accepts (1–32 characters of
// [a-z0-9] in dash-separated groups) from an entity ref, with a random
// suffix so repeated creations do not collide.
func workspaceName(ref string) string {
	_, name, _ := strings.Cut(ref, "/")
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	base := strings.Trim(b.String(), "-")
	if len(base) > 27 {
		base = strings.TrimRight(base[:27], "-")
	}
	if base == "" {
		base = "ws"
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	for i := range suffix {
		suffix[i] = alphabet[int(suffix[i])%len(alphabet)]
	}
	return base + "-" + string(suffix)
}
