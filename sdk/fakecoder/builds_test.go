package fakecoder_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

type buildRequest struct {
	Transition          string                              `json:"transition"`
	TemplateVersionID   string                              `json:"template_version_id,omitempty"`
	RichParameterValues []fakecoder.WorkspaceBuildParameter `json:"rich_parameter_values,omitempty"`
	Orphan              bool                                `json:"orphan,omitempty"`
}

func postBuild(t *testing.T, s *fakecoder.Server, token, workspaceID string, req any) result {
	t.Helper()
	return send(t, http.MethodPost, s.URL()+"/api/v2/workspaces/"+workspaceID+"/builds", req, withToken(token))
}

func getWorkspace(t *testing.T, s *fakecoder.Server, token, id string) fakecoder.Workspace {
	t.Helper()
	r := get(t, s.URL()+"/api/v2/workspaces/"+id+"?include_deleted=true", withToken(token))
	wantStatus(t, r, http.StatusOK)
	var w fakecoder.Workspace
	r.decode(t, &w)
	return w
}

func TestBuildLifecycleWithoutDelays(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithBuildDelays(0, 0))
	demo := s.Token("demo")
	ws := workspaceByName(t, s, demo, "demo", "storefront")
	if ws.LatestBuild.Status != "running" {
		t.Fatalf("seeded status = %s", ws.LatestBuild.Status)
	}

	steps := []struct {
		transition string
		status     string // after the build
		resources  int
	}{
		{"stop", "stopped", 1},
		{"start", "running", 2},
		{"stop", "stopped", 1},
		{"delete", "deleted", 0},
	}
	number := ws.LatestBuild.BuildNumber
	for _, step := range steps {
		r := postBuild(t, s, demo, ws.ID, buildRequest{Transition: step.transition})
		wantStatus(t, r, http.StatusCreated)
		var b fakecoder.WorkspaceBuild
		r.decode(t, &b)
		number++
		// The response shows the build as created, like Coder's.
		if b.BuildNumber != number || b.Transition != step.transition || b.Status != "pending" || b.Job.Status != "pending" || b.Job.StartedAt != nil || len(b.Resources) != 0 {
			t.Fatalf("%s: created build = %+v", step.transition, b)
		}
		got := getWorkspace(t, s, demo, ws.ID)
		lb := got.LatestBuild
		if lb.ID != b.ID || lb.Status != step.status || lb.Job.Status != "succeeded" || lb.Job.CompletedAt == nil || len(lb.Resources) != step.resources {
			t.Fatalf("%s: latest build = %+v", step.transition, lb)
		}
		if step.transition == "start" {
			agent := lb.Resources[0].Agents[0]
			if agent.Status != "connected" || agent.LifecycleState != "ready" || !got.Health.Healthy {
				t.Errorf("agent after start = %+v", agent)
			}
		}
	}

	// Deleted: gone from reads and lists, and cannot start again.
	r := get(t, s.URL()+"/api/v2/workspaces/"+ws.ID, withToken(demo))
	wantStatus(t, r, http.StatusGone)
	names, _ := listWorkspaces(t, s, demo, "owner:me")
	for _, n := range names {
		if n == "demo/storefront" {
			t.Error("deleted workspace is still listed")
		}
	}
	r = postBuild(t, s, demo, ws.ID, buildRequest{Transition: "start"})
	wantStatus(t, r, http.StatusConflict)
	if msg := r.response(t).Message; msg != "Cannot start a deleted workspace!" {
		t.Errorf("message = %q", msg)
	}

	var builds []fakecoder.WorkspaceBuild
	get(t, s.URL()+"/api/v2/workspaces/"+ws.ID+"/builds", withToken(demo)).decode(t, &builds)
	if len(builds) != int(number) || builds[0].BuildNumber != number || builds[len(builds)-1].BuildNumber != 1 {
		t.Errorf("builds listed %d, newest first expected", len(builds))
	}
}

func TestBuildLifecycleWithDelays(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithBuildDelays(10*time.Millisecond, 10*time.Millisecond))
	demo := s.Token("demo")
	ws := workspaceByName(t, s, demo, "demo", "payments-api-hotfix") // stopped
	wantStatus(t, postBuild(t, s, demo, ws.ID, buildRequest{Transition: "start"}), http.StatusCreated)

	seen := map[string]bool{}
	var final fakecoder.Workspace
	waitFor(t, "the workspace to run with its agent connected", func() bool {
		final = getWorkspace(t, s, demo, ws.ID)
		seen[final.LatestBuild.Status] = true
		res := final.LatestBuild.Resources
		return final.LatestBuild.Status == "running" && len(res) > 0 && res[0].Agents[0].Status == "connected"
	})
	for status := range seen {
		switch status {
		case "pending", "starting", "running":
		default:
			t.Errorf("unexpected status %q on the way to running", status)
		}
	}
	j := final.LatestBuild.Job
	if j.StartedAt == nil || j.CompletedAt == nil || j.StartedAt.Before(j.CreatedAt) || j.CompletedAt.Before(*j.StartedAt) {
		t.Errorf("job timestamps out of order: %+v", j)
	}
	if final.LatestBuild.Deadline == nil {
		t.Error("a running workspace of a template with a default TTL has no deadline")
	}

	wantStatus(t, postBuild(t, s, demo, ws.ID, buildRequest{Transition: "stop"}), http.StatusCreated)
	waitFor(t, "the workspace to stop", func() bool {
		return getWorkspace(t, s, demo, ws.ID).LatestBuild.Status == "stopped"
	})
}

func TestBuildInProgress(t *testing.T) {
	t.Run("starting, then canceling", func(t *testing.T) {
		// The job starts at once and then runs for an hour.
		s := codertest.NewServer(t, fakecoder.WithBuildDelays(0, time.Hour))
		demo := s.Token("demo")
		ws := workspaceByName(t, s, demo, "demo", "payments-api-hotfix")
		r := postBuild(t, s, demo, ws.ID, buildRequest{Transition: "start"})
		wantStatus(t, r, http.StatusCreated)
		var b fakecoder.WorkspaceBuild
		r.decode(t, &b)

		got := getWorkspace(t, s, demo, ws.ID).LatestBuild
		if got.Status != "starting" || got.Job.Status != "running" || got.Job.StartedAt == nil {
			t.Fatalf("latest build = %+v", got)
		}
		for _, transition := range []string{"start", "stop", "delete"} {
			r := postBuild(t, s, demo, ws.ID, buildRequest{Transition: transition})
			wantStatus(t, r, http.StatusConflict)
			if msg := r.response(t).Message; msg != "A workspace build is already active." {
				t.Errorf("%s: message = %q", transition, msg)
			}
		}
		names, _ := listWorkspaces(t, s, demo, "status:starting")
		if !equalStrings(names, []string{"demo/payments-api-hotfix"}) {
			t.Errorf("status:starting = %v", names)
		}

		cancel := s.URL() + "/api/v2/workspacebuilds/" + b.ID + "/cancel"
		r = send(t, http.MethodPatch, cancel+"?expect_status=pending", nil, withToken(demo))
		wantStatus(t, r, http.StatusPreconditionFailed)
		r = send(t, http.MethodPatch, cancel+"?expect_status=running", nil, withToken(demo))
		wantStatus(t, r, http.StatusOK)
		if got := getWorkspace(t, s, demo, ws.ID).LatestBuild; got.Status != "canceling" || got.Job.CanceledAt == nil {
			t.Errorf("after cancel: %+v", got)
		}
		r = send(t, http.MethodPatch, cancel, nil, withToken(demo))
		wantStatus(t, r, http.StatusBadRequest)
		if msg := r.response(t).Message; msg != "Job has already been marked as canceled!" {
			t.Errorf("second cancel: %q", msg)
		}
	})

	t.Run("pending, canceled at once", func(t *testing.T) {
		s := codertest.NewServer(t, fakecoder.WithBuildDelays(time.Hour, time.Hour))
		demo := s.Token("demo")
		ws := workspaceByName(t, s, demo, "demo", "payments-api-hotfix")
		var b fakecoder.WorkspaceBuild
		postBuild(t, s, demo, ws.ID, buildRequest{Transition: "start"}).decode(t, &b)
		if got := getWorkspace(t, s, demo, ws.ID).LatestBuild; got.Status != "pending" {
			t.Fatalf("status = %s", got.Status)
		}
		names, _ := listWorkspaces(t, s, demo, "status:pending")
		if !equalStrings(names, []string{"demo/payments-api-hotfix"}) {
			t.Errorf("status:pending = %v", names)
		}
		wantStatus(t, send(t, http.MethodPatch, s.URL()+"/api/v2/workspacebuilds/"+b.ID+"/cancel", nil, withToken(demo)), http.StatusOK)
		got := getWorkspace(t, s, demo, ws.ID).LatestBuild
		if got.Status != "canceled" || got.Job.CompletedAt == nil {
			t.Errorf("after cancel: %+v", got)
		}
		// A canceled build no longer blocks the next one.
		wantStatus(t, postBuild(t, s, demo, ws.ID, buildRequest{Transition: "stop"}), http.StatusCreated)
	})
}

func TestFailedBuilds(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithBuildDelays(0, 0))
	demo := s.Token("demo")
	ws := workspaceByName(t, s, demo, "demo", "payments-api-hotfix")
	s.FailNextBuilds(1, "Error: no space left on device")
	wantStatus(t, postBuild(t, s, demo, ws.ID, buildRequest{Transition: "start"}), http.StatusCreated)
	lb := getWorkspace(t, s, demo, ws.ID).LatestBuild
	if lb.Status != "failed" || lb.Job.Status != "failed" || lb.Job.Error != "Error: no space left on device" || lb.Job.CompletedAt == nil {
		t.Errorf("latest build = %+v", lb)
	}
	names, _ := listWorkspaces(t, s, demo, "status:failed")
	if !equalStrings(names, []string{"demo/inventory", "demo/payments-api-hotfix"}) {
		t.Errorf("status:failed = %v", names)
	}
	// The next build succeeds again.
	wantStatus(t, postBuild(t, s, demo, ws.ID, buildRequest{Transition: "start"}), http.StatusCreated)
	if lb := getWorkspace(t, s, demo, ws.ID).LatestBuild; lb.Status != "running" {
		t.Errorf("status = %s", lb.Status)
	}
}

func TestBuildParameters(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithBuildDelays(0, 0))
	demo := s.Token("demo")
	ws := workspaceByName(t, s, demo, "demo", "payments-api")
	params := func(buildID string) map[string]string {
		var list []fakecoder.WorkspaceBuildParameter
		r := get(t, s.URL()+"/api/v2/workspacebuilds/"+buildID+"/parameters", withToken(demo))
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &list)
		out := map[string]string{}
		for _, p := range list {
			out[p.Name] = p.Value
		}
		return out
	}
	got := params(ws.LatestBuild.ID)
	want := map[string]string{"repo_url": "https://github.com/acme/payments-api", "go_version": "1.26", "cpu": "4"}
	if len(got) != len(want) {
		t.Fatalf("parameters = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}

	t.Run("mutable values change, the rest carry forward", func(t *testing.T) {
		var b fakecoder.WorkspaceBuild
		r := postBuild(t, s, demo, ws.ID, buildRequest{Transition: "start", RichParameterValues: []fakecoder.WorkspaceBuildParameter{{Name: "go_version", Value: "1.25"}}})
		wantStatus(t, r, http.StatusCreated)
		r.decode(t, &b)
		got := params(b.ID)
		if got["go_version"] != "1.25" || got["repo_url"] != want["repo_url"] || got["cpu"] != "4" {
			t.Errorf("parameters = %v", got)
		}
	})

	tests := []struct {
		name      string
		workspace string
		values    []fakecoder.WorkspaceBuildParameter
		field     string
		detail    string
	}{
		{"immutable", "payments-api", []fakecoder.WorkspaceBuildParameter{{Name: "repo_url", Value: "https://github.com/acme/other"}},
			"repo_url", `Immutable parameter changed; Parameter "repo_url" is not mutable, so it can't be updated after creating a workspace.`},
		{"option", "payments-api", []fakecoder.WorkspaceBuildParameter{{Name: "go_version", Value: "1.18"}},
			"go_version", `Value must be a valid option; the value "1.18" must be defined as one of options`},
		{"range", "payments-api", []fakecoder.WorkspaceBuildParameter{{Name: "cpu", Value: "64"}},
			"cpu", `Paramater validation failed for value "64"; CPU cores must be between 1 and 8`},
		{"monotonic", "storefront", []fakecoder.WorkspaceBuildParameter{{Name: "home_disk_gb", Value: "5"}},
			"home_disk_gb", `Parameter "home_disk_gb" monotonicity; parameter value '5' must be equal or greater than previous value: 10`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := workspaceByName(t, s, demo, "demo", tt.workspace)
			r := postBuild(t, s, demo, w.ID, buildRequest{Transition: "start", RichParameterValues: tt.values})
			wantStatus(t, r, http.StatusBadRequest)
			resp := r.response(t)
			if resp.Message != "Unable to validate parameters" || len(resp.Validations) != 1 || resp.Validations[0].Field != tt.field || resp.Validations[0].Detail != tt.detail {
				t.Errorf("body = %+v", resp)
			}
		})
	}
}

func TestUpdateToActiveVersion(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithBuildDelays(0, 0))
	demo := s.Token("demo")
	ws := workspaceByName(t, s, demo, "demo", "payments-api-hotfix")
	if !ws.Outdated {
		t.Fatal("the hotfix workspace should start out outdated")
	}
	r := postBuild(t, s, demo, ws.ID, buildRequest{Transition: "start", TemplateVersionID: ws.TemplateActiveVersionID})
	wantStatus(t, r, http.StatusCreated)
	got := getWorkspace(t, s, demo, ws.ID)
	if got.Outdated || got.LatestBuild.TemplateVersionName != "v2" {
		t.Errorf("after update: outdated=%v version=%s", got.Outdated, got.LatestBuild.TemplateVersionName)
	}
	var list []fakecoder.WorkspaceBuildParameter
	get(t, s.URL()+"/api/v2/workspacebuilds/"+got.LatestBuild.ID+"/parameters", withToken(demo)).decode(t, &list)
	if len(list) != 3 {
		t.Errorf("parameters after update = %v, want the new cpu default too", list)
	}
}

func TestBuildRequestErrors(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithBuildDelays(0, 0))
	demo, admin := s.Token("demo"), s.Token("admin")
	mine := workspaceByName(t, s, demo, "demo", "payments-api").ID
	theirs := workspaceByName(t, s, admin, "admin", "payments-oncall").ID
	tests := []struct {
		name      string
		token     string
		workspace string
		body      any
		status    int
		message   string
		valid     *fakecoder.ValidationError
	}{
		{"bad transition", demo, mine, buildRequest{Transition: "restart"}, 400, "Validation failed.",
			&fakecoder.ValidationError{Field: "transition", Detail: `Validation failed for tag "oneof" with value: "restart"`}},
		{"no transition", demo, mine, map[string]any{}, 400, "Validation failed.",
			&fakecoder.ValidationError{Field: "transition", Detail: `Validation failed for tag "oneof" with value: ""`}},
		{"not JSON", demo, mine, "{", 400, "Request body must be valid JSON.", nil},
		{"orphan without delete", demo, mine, buildRequest{Transition: "start", Orphan: true}, 400, "Orphan is only permitted when deleting a workspace.", nil},
		{"someone else's workspace", demo, theirs, buildRequest{Transition: "stop"}, 404, "Resource not found or you do not have access to this resource", nil},
		{"bad uuid", demo, "nope", buildRequest{Transition: "stop"}, 400, `Invalid UUID "nope".`, nil},
		{"version of another template", demo, mine, buildRequest{Transition: "start", TemplateVersionID: "00000000-0000-4000-8000-000000000001"}, 400, "Template version not found.", nil},
		{"owners act on any workspace", admin, mine, buildRequest{Transition: "stop"}, 201, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postBuild(t, s, tt.token, tt.workspace, tt.body)
			wantStatus(t, r, tt.status)
			if tt.message == "" {
				return
			}
			resp := r.response(t)
			if resp.Message != tt.message {
				t.Errorf("message = %q, want %q", resp.Message, tt.message)
			}
			if tt.valid != nil && (len(resp.Validations) != 1 || resp.Validations[0] != *tt.valid) {
				t.Errorf("validations = %+v, want %+v", resp.Validations, *tt.valid)
			}
		})
	}
}

func TestFavorites(t *testing.T) {
	s := codertest.NewServer(t)
	demo := s.Token("demo")
	ws := workspaceByName(t, s, demo, "demo", "inventory")
	wantStatus(t, send(t, http.MethodPut, s.URL()+"/api/v2/workspaces/"+ws.ID+"/favorite", nil, withToken(demo)), http.StatusNoContent)
	names, _ := listWorkspaces(t, s, demo, "owner:me")
	// Favorites first (running ones first among them), then the rest.
	if want := []string{"demo/payments-api", "demo/inventory", "demo/storefront", "demo/payments-api-hotfix"}; !equalStrings(names, want) {
		t.Errorf("order = %v, want %v", names, want)
	}
	// Favorites only count for their owner.
	if got := workspaceByName(t, s, s.Token("admin"), "demo", "inventory"); got.Favorite {
		t.Error("admin sees demo's favorite")
	}
	wantStatus(t, send(t, http.MethodDelete, s.URL()+"/api/v2/workspaces/"+ws.ID+"/favorite", nil, withToken(demo)), http.StatusNoContent)
	if got := workspaceByName(t, s, demo, "demo", "inventory"); got.Favorite {
		t.Error("still a favorite")
	}
}
