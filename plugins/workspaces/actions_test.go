package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/coder"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// build is the part of a WorkspaceBuild the tests read.
type build struct {
	ID                string `json:"id"`
	WorkspaceID       string `json:"workspace_id"`
	BuildNumber       int    `json:"build_number"`
	Transition        string `json:"transition"`
	TemplateVersionID string `json:"template_version_id"`
	Status            string `json:"status"`
	Job               struct {
		Status string `json:"status"`
	} `json:"job"`
}

func (e *env) client(user string) *coder.Client {
	c, err := coder.New(e.fake.URL(), coder.WithSessionToken(e.token(user)))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func TestActionsHappyPath(t *testing.T) {
	e := startEnv(t, withFake(fakecoder.WithBuildDelays(0, 30*time.Millisecond)))
	alice := e.client("alice")
	wait := func(t *testing.T, id string) coder.Workspace {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			w, err := alice.Workspace(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !w.LatestBuild.Job.Status.Active() {
				return w
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, tc := range []struct {
		name, method, workspace, action string
		status                          int
		transition                      string
		after                           coder.WorkspaceStatus
	}{
		{"start", http.MethodPost, "api-slash", "start", 201, "start", coder.WorkspaceStatusRunning},
		{"stop", http.MethodPost, "api-main", "stop", 201, "stop", coder.WorkspaceStatusStopped},
		{"restart", http.MethodPost, "api-git", "restart", 201, "start", coder.WorkspaceStatusRunning},
		{"update", http.MethodPost, "api-old", "update", 201, "start", coder.WorkspaceStatusRunning},
		{"delete", http.MethodDelete, "web", "", 201, "delete", coder.WorkspaceStatusDeleted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := e.workspaceID("alice", tc.workspace)
			before, _ := alice.Workspace(context.Background(), id)
			path := "/v1/workspaces/" + id
			if tc.action != "" {
				path += "/" + tc.action
			}
			r := e.do(tc.method, path, e.token("alice"), nil)
			if r.status != tc.status {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var b build
			r.decode(t, &b)
			if b.WorkspaceID != id || b.Transition != tc.transition || b.ID == "" {
				t.Errorf("answered build %+v, want a %s build of %s", b, tc.transition, id)
			}
			if tc.action == "delete" || tc.transition == "delete" {
				time.Sleep(100 * time.Millisecond)
				if _, err := alice.Workspace(context.Background(), id); !coder.IsGone(err) {
					t.Errorf("after delete: %v, want 410", err)
				}
				return
			}
			after := wait(t, id)
			if after.LatestBuild.ID != b.ID || after.Status() != tc.after {
				t.Errorf("workspace is %s at build %s, want %s at %s", after.Status(), after.LatestBuild.ID, tc.after, b.ID)
			}
			switch tc.action {
			case "restart":
				builds, _ := alice.WorkspaceBuilds(context.Background(), id)
				if len(builds) < 2 || builds[1].Transition != coder.TransitionStop || builds[1].Job.Status != coder.JobSucceeded ||
					int(builds[1].BuildNumber) != int(before.LatestBuild.BuildNumber)+1 {
					t.Errorf("restart did not stop first: builds %v", builds)
				}
			case "update":
				if b.TemplateVersionID != before.TemplateActiveVersionID || after.Outdated {
					t.Errorf("update built version %s (outdated %v), want the active %s", b.TemplateVersionID, after.Outdated, before.TemplateActiveVersionID)
				}
			}
		})
	}
	t.Run("cancel", func(t *testing.T) {
		// Builds wait in the queue long enough to be canceled there.
		e := startEnv(t, withFake(fakecoder.WithBuildDelays(time.Minute, 0)))
		id := e.workspaceID("alice", "api-slash")
		if r := e.do(http.MethodPost, "/v1/workspaces/"+id+"/start", e.token("alice"), nil); r.status != 201 {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		r := e.do(http.MethodPost, "/v1/workspaces/"+id+"/cancel", e.token("alice"), nil)
		var b build
		r.decode(t, &b)
		if r.status != 200 || b.Job.Status != "canceled" || b.Status != "canceled" {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		if w, _ := e.fake.Workspace("alice", "api-slash"); w.LatestBuild.Status != "canceled" {
			t.Errorf("after cancel the workspace is %s", w.LatestBuild.Status)
		}
	})
}

// TestActionsPassCoderErrorsThrough: Coder's refusals reach the caller with
// Coder's status and body.
func TestActionsPassCoderErrorsThrough(t *testing.T) {
	e := startEnv(t, withFake(fakecoder.WithBuildDelays(0, time.Minute)))
	busy := e.workspaceID("alice", "api-main")
	if r := e.do(http.MethodPost, "/v1/workspaces/"+busy+"/stop", e.token("alice"), nil); r.status != 201 {
		t.Fatalf("stop: %d %s", r.status, r.body)
	}
	nodeBusy := e.workspaceID("alice", "api-git")
	if r := e.do(http.MethodPost, "/v1/workspaces/"+nodeBusy+"/stop", e.token("alice"), nil); r.status != 201 {
		t.Fatalf("stop: %d %s", r.status, r.body)
	}
	for _, tc := range []struct {
		name, method, path, user string
		status                   int
		message                  string
		field                    string
	}{
		{"start during a build", http.MethodPost, "/v1/workspaces/" + busy + "/start", "alice", 409, "A workspace build is already active.", ""},
		{"stop during a build", http.MethodPost, "/v1/workspaces/" + busy + "/stop", "alice", 409, "A workspace build is already active.", ""},
		{"restart during a build", http.MethodPost, "/v1/workspaces/" + busy + "/restart", "alice", 409, "A workspace build is already active.", ""},
		{"delete during a build", http.MethodDelete, "/v1/workspaces/" + busy, "alice", 409, "A workspace build is already active.", ""},
		{"cancel not allowed by the template", http.MethodPost, "/v1/workspaces/" + nodeBusy + "/cancel", "alice", 403, "User is not allowed to cancel workspace builds. Owner role is required.", ""},
		{"cancel a finished build", http.MethodPost, "/v1/workspaces/" + e.workspaceID("alice", "web") + "/cancel", "alice", 400, "Job has already completed!", ""},
		{"update needing a new required parameter", http.MethodPost, "/v1/workspaces/" + e.workspaceID("alice", "py-old") + "/update", "alice", 400, "", "region"},
		{"another user's workspace", http.MethodPost, "/v1/workspaces/" + e.workspaceID("alice", "web") + "/stop", "bob", 404, "Resource not found or you do not have access to this resource", ""},
		{"not a workspace id", http.MethodDelete, "/v1/workspaces/not-a-uuid", "alice", 400, `Invalid UUID "not-a-uuid".`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, e.token(tc.user), nil)
			ce := r.coderError(t)
			if r.status != tc.status || (tc.message != "" && ce.Message != tc.message) {
				t.Errorf("%d %s; want %d %q", r.status, r.body, tc.status, tc.message)
			}
			if tc.field != "" && (len(ce.Validations) == 0 || ce.Validations[0].Field != tc.field) {
				t.Errorf("validations %+v, want one on %s", ce.Validations, tc.field)
			}
		})
	}
	t.Run("update of a workspace on the active version", func(t *testing.T) {
		r := e.do(http.MethodPost, "/v1/workspaces/"+e.workspaceID("alice", "web")+"/update", e.token("alice"), nil)
		if ce := r.coderError(t); r.status != 409 || !strings.Contains(ce.Message, "already on the active version") {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
	t.Run("unknown action", func(t *testing.T) {
		r := e.do(http.MethodPost, "/v1/workspaces/"+busy+"/explode", e.token("alice"), nil)
		if ce := r.coderError(t); r.status != 404 || !strings.Contains(ce.Detail, "start, stop, restart, update or cancel") {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
}

func TestRestartReportsAFailedStop(t *testing.T) {
	e := startEnv(t, withFake(fakecoder.WithBuildDelays(0, 20*time.Millisecond)))
	e.fake.FailNextBuilds(1, "terraform destroy: boom")
	r := e.do(http.MethodPost, "/v1/workspaces/"+e.workspaceID("alice", "api-main")+"/restart", e.token("alice"), nil)
	if ce := r.coderError(t); r.status != 409 || !strings.Contains(ce.Message, "ended failed") || !strings.Contains(ce.Detail, "boom") {
		t.Errorf("%d %s", r.status, r.body)
	}
}

type createBody struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	OwnerName     string   `json:"owner_name"`
	TemplateName  string   `json:"template_name"`
	TemplateIcon  string   `json:"template_icon"`
	URL           string   `json:"url"`
	DisplayStatus string   `json:"display_status"`
	IgnoredParams []string `json:"ignoredParams"`
	LatestBuild   build    `json:"latest_build"`
}

func TestCreateFromTheEntity(t *testing.T) {
	e := startEnv(t)
	alice := e.client("alice")
	params := func(t *testing.T, buildID string) map[string]string {
		t.Helper()
		ps, err := alice.WorkspaceBuildParameters(context.Background(), buildID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, p := range ps {
			out[p.Name] = p.Value
		}
		return out
	}
	before := e.list(entityAPI, e.token("alice")).Count

	r := e.do(http.MethodPost, entityAPI, e.token("alice"), map[string]any{"name": "api-new"})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var ws createBody
	r.decode(t, &ws)
	if ws.Name != "api-new" || ws.OwnerName != "alice" || ws.TemplateName != "go" || ws.LatestBuild.Transition != "start" ||
		ws.URL != e.fake.URL()+"/@alice/api-new" || ws.TemplateIcon != proxyURL+"/icon/go.svg" {
		t.Errorf("created %+v", ws)
	}
	if len(ws.IgnoredParams) != 1 || ws.IgnoredParams[0] != "custom_repo" {
		t.Errorf("ignoredParams %v, want [custom_repo] (the go template has no such parameter)", ws.IgnoredParams)
	}
	if p := params(t, ws.LatestBuild.ID); p["repo_url"] != repo || p["go_version"] != "1.26" {
		t.Errorf("build parameters %v", p)
	}
	if after := e.list(entityAPI, e.token("alice")); after.Count != before+1 || !after.Fresh {
		t.Errorf("the new workspace is not listed at once: %d → %d (fresh %v)", before, after.Count, after.Fresh)
	}

	t.Run("name derived from the entity, overrides applied", func(t *testing.T) {
		r := e.do(http.MethodPost, entityAPI, e.token("alice"), map[string]any{"params": map[string]string{"go_version": "1.25"}})
		var ws createBody
		r.decode(t, &ws)
		if r.status != 201 || !strings.HasPrefix(ws.Name, "api-") || len(ws.Name) != len("api-")+4 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if p := params(t, ws.LatestBuild.ID); p["go_version"] != "1.25" {
			t.Errorf("override not applied: %v", p)
		}
	})
	for _, tc := range []struct {
		name, path string
		body       any
		status     int
		message    string
		field      string
	}{
		{"missing required parameter", "/v1/entities/component/default/py/workspaces", nil, 400, "Missing required parameters: region.", "region"},
		{"unknown override", entityAPI, map[string]any{"params": map[string]string{"nope": "x"}}, 400, "Unknown template parameters.", "nope"},
		{"Coder's parameter validation", entityAPI, map[string]any{"params": map[string]string{"repo_url": "ftp://example.com/x"}}, 400, "", "repo_url"},
		{"Coder's name conflict", entityAPI, map[string]any{"name": "api-main"}, 409, `Workspace "api-main" already exists.`, "name"},
		{"Coder's name validation", entityAPI, map[string]any{"name": "Not A Name!"}, 400, "Validation failed.", "name"},
		{"entity that opted out", "/v1/entities/component/default/optout/workspaces", nil, 422, `Entity "component:default/optout" cannot create Coder workspaces.`, ""},
		{"bad body", entityAPI, "not json", 400, "Request body must be valid JSON.", ""},
		{"unknown body field", entityAPI, map[string]any{"template": "x"}, 400, "Request body must be valid JSON.", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(http.MethodPost, tc.path, e.token("alice"), tc.body)
			ce := r.coderError(t)
			if r.status != tc.status || (tc.message != "" && ce.Message != tc.message) {
				t.Errorf("%d %s; want %d %q", r.status, r.body, tc.status, tc.message)
			}
			if tc.field != "" && (len(ce.Validations) == 0 || ce.Validations[0].Field != tc.field) {
				t.Errorf("validations %+v, want one on %s", ce.Validations, tc.field)
			}
		})
	}
}

func TestWorkspaceName(t *testing.T) {
	for ref, prefix := range map[string]string{
		"component:default/api":                                         "api-",
		"component:default/Payments_API.v2":                             "payments-api-v2-",
		"component:default/___":                                         "ws-",
		"component:default/a-very-long-entity-name-that-goes-on-and-on": "a-very-long-entity-name-tha-",
	} {
		n := workspaceName(ref)
		if !strings.HasPrefix(n, prefix) || len(n) > 32 || !validName(n) {
			t.Errorf("workspaceName(%q) = %q, want %q… and a valid Coder name", ref, n, prefix)
		}
	}
}

func validName(n string) bool {
	if n == "" || strings.HasPrefix(n, "-") || strings.HasSuffix(n, "-") || strings.Contains(n, "--") {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
