package fakecoder_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

type createRequest struct {
	TemplateID          string                              `json:"template_id,omitempty"`
	TemplateVersionID   string                              `json:"template_version_id,omitempty"`
	Name                string                              `json:"name"`
	AutostartSchedule   *string                             `json:"autostart_schedule,omitempty"`
	TTLMillis           *int64                              `json:"ttl_ms,omitempty"`
	RichParameterValues []fakecoder.WorkspaceBuildParameter `json:"rich_parameter_values,omitempty"`
	AutomaticUpdates    string                              `json:"automatic_updates,omitempty"`
}

func templateByName(t *testing.T, s *fakecoder.Server, token, name string) fakecoder.Template {
	t.Helper()
	r := get(t, s.URL()+"/api/v2/organizations/default/templates/"+name, withToken(token))
	wantStatus(t, r, http.StatusOK)
	var tpl fakecoder.Template
	r.decode(t, &tpl)
	return tpl
}

func param(name, value string) fakecoder.WorkspaceBuildParameter {
	return fakecoder.WorkspaceBuildParameter{Name: name, Value: value}
}

func TestCreateWorkspace(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithBuildDelays(0, 0))
	demo := s.Token("demo")
	goTpl := templateByName(t, s, demo, "docker-go")

	r := send(t, http.MethodPost, s.URL()+"/api/v2/users/me/workspaces", createRequest{
		TemplateID: goTpl.ID, Name: "checkout",
		RichParameterValues: []fakecoder.WorkspaceBuildParameter{param("repo_url", "https://github.com/acme/checkout")},
	}, withToken(demo))
	wantStatus(t, r, http.StatusCreated)
	var ws fakecoder.Workspace
	r.decode(t, &ws)
	lb := ws.LatestBuild
	if ws.Name != "checkout" || ws.OwnerName != "demo" || ws.TemplateName != "docker-go" || ws.TTLMillis == nil || *ws.TTLMillis != 8*3600*1000 {
		t.Errorf("workspace = %+v", ws)
	}
	if lb.BuildNumber != 1 || lb.Transition != "start" || lb.Status != "pending" || lb.Job.Status != "pending" || lb.Reason != "initiator" {
		t.Errorf("latest build = %+v", lb)
	}
	if got := getWorkspace(t, s, demo, ws.ID); got.LatestBuild.Status != "running" {
		t.Errorf("status after the build = %s", got.LatestBuild.Status)
	}
	names, _ := listWorkspaces(t, s, demo, `param:"repo_url=https://github.com/acme/checkout"`)
	if !equalStrings(names, []string{"demo/checkout"}) {
		t.Errorf("search by the new repo: %v", names)
	}

	t.Run("org-scoped route", func(t *testing.T) {
		r := send(t, http.MethodPost, s.URL()+"/api/v2/organizations/coder/members/me/workspaces", createRequest{
			TemplateVersionID: goTpl.ActiveVersionID, Name: "checkout-2",
			RichParameterValues: []fakecoder.WorkspaceBuildParameter{param("repo_url", "https://github.com/acme/checkout")},
		}, withToken(demo))
		wantStatus(t, r, http.StatusCreated)
	})
	t.Run("owners create for others", func(t *testing.T) {
		r := send(t, http.MethodPost, s.URL()+"/api/v2/users/demo/workspaces", createRequest{
			TemplateID: templateByName(t, s, demo, "devcontainers").ID, Name: "from-admin",
			RichParameterValues: []fakecoder.WorkspaceBuildParameter{param("repo_url", "https://github.com/acme/x")},
		}, withToken(s.Token("admin")))
		wantStatus(t, r, http.StatusCreated)
		var ws fakecoder.Workspace
		r.decode(t, &ws)
		if ws.OwnerName != "demo" || ws.LatestBuild.InitiatorUsername != "admin" {
			t.Errorf("owner %s, initiator %s", ws.OwnerName, ws.LatestBuild.InitiatorUsername)
		}
	})
	t.Run("a deleted workspace frees its name", func(t *testing.T) {
		wantStatus(t, postBuild(t, s, demo, ws.ID, buildRequest{Transition: "delete"}), http.StatusCreated)
		r := send(t, http.MethodPost, s.URL()+"/api/v2/users/me/workspaces", createRequest{
			TemplateID: goTpl.ID, Name: "checkout",
			RichParameterValues: []fakecoder.WorkspaceBuildParameter{param("repo_url", "https://github.com/acme/checkout")},
		}, withToken(demo))
		wantStatus(t, r, http.StatusCreated)
	})
}

func TestCreateWorkspaceErrors(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithBuildDelays(0, 0))
	demo := s.Token("demo")
	goTpl := templateByName(t, s, demo, "docker-go")
	legacy := "python-legacy"
	repo := []fakecoder.WorkspaceBuildParameter{param("repo_url", "https://github.com/acme/x")}
	with := func(extra ...fakecoder.WorkspaceBuildParameter) []fakecoder.WorkspaceBuildParameter {
		return append(append([]fakecoder.WorkspaceBuildParameter{}, repo...), extra...)
	}
	ttl := int64(1000)
	badSchedule := "every monday"
	var legacyID string
	{
		var all []fakecoder.Template
		get(t, s.URL()+"/api/v2/templates?q=deprecated:true", withToken(demo)).decode(t, &all)
		for _, tpl := range all {
			if tpl.Name == legacy {
				legacyID = tpl.ID
			}
		}
	}
	const unknown = "11111111-1111-4111-8111-111111111111"
	before := len(s.Workspaces())
	tests := []struct {
		name    string
		path    string
		body    any
		status  int
		message string
		valid   []fakecoder.ValidationError
	}{
		{"bad name", "", createRequest{TemplateID: goTpl.ID, Name: "My_WS", RichParameterValues: repo}, 400, "Validation failed.",
			[]fakecoder.ValidationError{{Field: "name", Detail: `Validation failed for tag "workspace_name" with value: "My_WS"`}}},
		{"reserved name", "", createRequest{TemplateID: goTpl.ID, Name: "new", RichParameterValues: repo}, 400, "Validation failed.",
			[]fakecoder.ValidationError{{Field: "name", Detail: `Validation failed for tag "workspace_name" with value: "new"`}}},
		{"long name", "", createRequest{TemplateID: goTpl.ID, Name: strings.Repeat("a", 33), RichParameterValues: repo}, 400, "Validation failed.",
			[]fakecoder.ValidationError{{Field: "name", Detail: `Validation failed for tag "workspace_name" with value: "` + strings.Repeat("a", 33) + `"`}}},
		{"no template", "", createRequest{Name: "x"}, 400, "Validation failed.", []fakecoder.ValidationError{
			{Field: "template_id", Detail: `Validation failed for tag "required_without" with value: "00000000-0000-0000-0000-000000000000"`},
			{Field: "template_version_id", Detail: `Validation failed for tag "required_without" with value: "00000000-0000-0000-0000-000000000000"`},
		}},
		{"both template and version", "", createRequest{TemplateID: goTpl.ID, TemplateVersionID: goTpl.ActiveVersionID, Name: "x"}, 400, "Validation failed.", []fakecoder.ValidationError{
			{Field: "template_id", Detail: `Validation failed for tag "excluded_with" with value: "` + goTpl.ID + `"`},
			{Field: "template_version_id", Detail: `Validation failed for tag "excluded_with" with value: "` + goTpl.ActiveVersionID + `"`},
		}},
		{"template id not a UUID", "", map[string]string{"template_id": "docker-go", "name": "x"}, 400, "Request body must be valid JSON.", nil},
		{"unknown template", "", createRequest{TemplateID: unknown, Name: "x"}, 400, `Template "` + unknown + `" doesn't exist.`,
			[]fakecoder.ValidationError{{Field: "template_id", Detail: "template not found"}}},
		{"unknown version", "", createRequest{TemplateVersionID: unknown, Name: "x"}, 400, `Template version "` + unknown + `" doesn't exist.`,
			[]fakecoder.ValidationError{{Field: "template_version_id", Detail: "template not found"}}},
		{"duplicate name, any case", "", createRequest{TemplateID: goTpl.ID, Name: "Payments-API", RichParameterValues: repo}, 409, `Workspace "Payments-API" already exists.`,
			[]fakecoder.ValidationError{{Field: "name", Detail: "This value is already in use and should be unique."}}},
		{"missing required parameter", "", createRequest{TemplateID: goTpl.ID, Name: "x"}, 400, "Unable to validate parameters",
			[]fakecoder.ValidationError{{Field: "repo_url", Detail: "Required parameter not provided; parameter value is null"}}},
		{"several bad parameters, sorted", "", createRequest{TemplateID: goTpl.ID, Name: "x", RichParameterValues: []fakecoder.WorkspaceBuildParameter{param("repo_url", "ftp://x"), param("go_version", "1.20"), param("cpu", "0")}}, 400, "Unable to validate parameters",
			[]fakecoder.ValidationError{
				{Field: "cpu", Detail: `Paramater validation failed for value "0"; CPU cores must be between 1 and 8`},
				{Field: "go_version", Detail: `Value must be a valid option; the value "1.20" must be defined as one of options`},
				{Field: "repo_url", Detail: `Paramater validation failed for value "ftp://x"; ftp://x is not an http(s) URL`},
			}},
		{"number parameter", "", createRequest{TemplateID: goTpl.ID, Name: "x", RichParameterValues: with(param("cpu", "many"))}, 400, "Unable to validate parameters",
			[]fakecoder.ValidationError{{Field: "cpu", Detail: `Invalid parameter value; invalid number value "many"`}}},
		{"deprecated template", "", createRequest{TemplateID: legacyID, Name: "x"}, 400, `Template "python-legacy" has been deprecated, and cannot be used to create a new workspace.`, nil},
		{"bad ttl", "", createRequest{TemplateID: goTpl.ID, Name: "x", TTLMillis: &ttl, RichParameterValues: repo}, 400, "Invalid Workspace Time to Shutdown.",
			[]fakecoder.ValidationError{{Field: "ttl_ms", Detail: "time until shutdown must be at least one minute"}}},
		{"bad schedule", "", createRequest{TemplateID: goTpl.ID, Name: "x", AutostartSchedule: &badSchedule, RichParameterValues: repo}, 400, "Invalid Autostart Schedule.", nil},
		{"bad automatic updates", "", createRequest{TemplateID: goTpl.ID, Name: "x", AutomaticUpdates: "sometimes", RichParameterValues: repo}, 400, "Invalid Workspace Automatic Updates setting.", nil},
		{"for another user as a member", "/api/v2/users/admin/workspaces", createRequest{TemplateID: goTpl.ID, Name: "x", RichParameterValues: repo}, 403, "Unauthorized to create workspace.", nil},
		{"unknown user", "/api/v2/users/nobody/workspaces", createRequest{TemplateID: goTpl.ID, Name: "x"}, 400, `"user" must be an existing uuid or username.`, nil},
		{"not JSON", "", "name=x", 400, "Request body must be valid JSON.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = "/api/v2/users/me/workspaces"
			}
			r := send(t, http.MethodPost, s.URL()+path, tt.body, withToken(demo))
			wantStatus(t, r, tt.status)
			resp := r.response(t)
			if resp.Message != tt.message {
				t.Errorf("message = %q, want %q", resp.Message, tt.message)
			}
			if tt.valid != nil {
				got, _ := json.Marshal(resp.Validations)
				want, _ := json.Marshal(tt.valid)
				if string(got) != string(want) {
					t.Errorf("validations = %s, want %s", got, want)
				}
			}
		})
	}
	if got := len(s.Workspaces()); got != before {
		t.Errorf("failed creations left workspaces behind: %d workspaces, want %d", got, before)
	}
}

func TestClassicParameterFlow(t *testing.T) {
	seed, err := fakecoder.ParseSeed([]byte(`
users: [{username: u, email: u@example.com, token: UserToken1-0123456789012345678901}]
templates:
  - name: classic
    use_classic_parameter_flow: true
    versions: [{name: v1, parameters: [{name: repo}]}]
`))
	if err != nil {
		t.Fatal(err)
	}
	s := codertest.NewServer(t, fakecoder.WithSeed(seed))
	tpl := templateByName(t, s, s.Token("u"), "classic")
	r := send(t, http.MethodPost, s.URL()+"/api/v2/users/me/workspaces", createRequest{TemplateID: tpl.ID, Name: "x"}, withToken(s.Token("u")))
	wantStatus(t, r, http.StatusBadRequest)
	if resp := r.response(t); resp.Message != `Unable to validate parameter "repo"` || resp.Detail != `Parameter "repo" is required but not provided` {
		t.Errorf("body = %+v", resp)
	}
}

func TestTemplates(t *testing.T) {
	s := codertest.NewServer(t)
	demo := withToken(s.Token("demo"))
	names := func(path string) []string {
		t.Helper()
		r := get(t, s.URL()+path, demo)
		wantStatus(t, r, http.StatusOK)
		var list []fakecoder.Template
		r.decode(t, &list)
		out := []string{}
		for _, tpl := range list {
			out = append(out, tpl.Name)
		}
		return out
	}
	tests := []struct {
		path string
		want []string
	}{
		{"/api/v2/organizations/default/templates", []string{"devcontainers", "docker-go", "kubernetes-node"}},
		{"/api/v2/organizations/coder/templates?q=deprecated:true", []string{"python-legacy"}},
		{"/api/v2/templates", []string{"devcontainers", "docker-go", "kubernetes-node"}},
		{"/api/v2/templates?q=docker", []string{"docker-go"}},
		{"/api/v2/templates?q=exact_name:docker-go", []string{"docker-go"}},
		{"/api/v2/templates?q=author:me", []string{}},
		{"/api/v2/templates?q=author:admin", []string{"devcontainers", "docker-go", "kubernetes-node"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := names(tt.path); !equalStrings(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	r := get(t, s.URL()+"/api/v2/templates?q=bogus:1", demo)
	wantStatus(t, r, http.StatusBadRequest)
	if resp := r.response(t); resp.Message != "Invalid template search query." || resp.Validations[0].Detail != `"bogus" is not a valid query param` {
		t.Errorf("body = %+v", resp)
	}

	tpl := templateByName(t, s, s.Token("demo"), "DOCKER-GO")
	if tpl.Icon != "/icon/go.svg" || tpl.DisplayName != "Go on Docker" || tpl.CreatedByName != "admin" || tpl.ActiveUserCount != 2 || tpl.Provisioner != "terraform" {
		t.Errorf("template = %+v", tpl)
	}
	wantStatus(t, get(t, s.URL()+"/api/v2/organizations/default/templates/nope", demo), http.StatusNotFound)
	wantStatus(t, get(t, s.URL()+"/api/v2/templates/"+tpl.ID, demo), http.StatusOK)
	wantStatus(t, get(t, s.URL()+"/api/v2/templates/nope", demo), http.StatusBadRequest)

	var versions []fakecoder.TemplateVersion
	get(t, s.URL()+"/api/v2/templates/"+tpl.ID+"/versions", demo).decode(t, &versions)
	if len(versions) != 2 || versions[1].ID != tpl.ActiveVersionID || versions[1].Job.Status != "succeeded" {
		t.Errorf("versions = %+v", versions)
	}
	wantStatus(t, get(t, s.URL()+"/api/v2/templateversions/"+tpl.ActiveVersionID, demo), http.StatusOK)

	r = get(t, s.URL()+"/api/v2/templateversions/"+tpl.ActiveVersionID+"/rich-parameters", demo)
	wantStatus(t, r, http.StatusOK)
	var params []fakecoder.TemplateVersionParameter
	r.decode(t, &params)
	if len(params) != 3 {
		t.Fatalf("parameters = %+v", params)
	}
	repo, goVersion, cpu := params[0], params[1], params[2]
	if repo.Name != "repo_url" || !repo.Required || repo.Mutable || repo.ValidationRegex == "" || repo.Type != "string" || repo.FormType != "input" || len(repo.Options) != 0 {
		t.Errorf("repo_url = %+v", repo)
	}
	if goVersion.DefaultValue != "1.26" || goVersion.Required || !goVersion.Mutable || len(goVersion.Options) != 2 || goVersion.FormType != "radio" {
		t.Errorf("go_version = %+v", goVersion)
	}
	if cpu.Type != "number" || cpu.ValidationMin == nil || *cpu.ValidationMin != 1 || *cpu.ValidationMax != 8 || cpu.FormType != "slider" {
		t.Errorf("cpu = %+v", cpu)
	}
	if !strings.Contains(string(r.body), `"options":[]`) || !strings.Contains(string(r.body), `"description_plaintext":"The git repository to clone into ~/src."`) {
		t.Errorf("raw JSON: %s", r.body)
	}
	wantStatus(t, get(t, s.URL()+"/api/v2/templateversions/"+tpl.ActiveVersionID+"/presets", demo), http.StatusOK)
}

func TestTemplateVersionStillImporting(t *testing.T) {
	seed, err := fakecoder.ParseSeed([]byte(`
users: [{username: u, email: u@example.com, token: UserToken1-0123456789012345678901}]
templates:
  - name: slow
    versions: [{name: v1, import_status: running}]
`))
	if err != nil {
		t.Fatal(err)
	}
	s := codertest.NewServer(t, fakecoder.WithSeed(seed))
	tok := s.Token("u")
	tpl := templateByName(t, s, tok, "slow")
	r := get(t, s.URL()+"/api/v2/templateversions/"+tpl.ActiveVersionID+"/rich-parameters", withToken(tok))
	wantStatus(t, r, http.StatusTooEarly)
	if msg := r.response(t).Message; msg != "Template version job has not finished" {
		t.Errorf("message = %q", msg)
	}
	r = send(t, http.MethodPost, s.URL()+"/api/v2/users/me/workspaces", createRequest{TemplateID: tpl.ID, Name: "x"}, withToken(tok))
	wantStatus(t, r, http.StatusNotAcceptable)
}
