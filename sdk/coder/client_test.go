package coder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/coderhost/coderhost/sdk/coder"
)

func TestNewRejectsBadBaseURLs(t *testing.T) {
	for _, u := range []string{"", "coder.example.com", "ftp://coder.example.com", "https://", "https://c.example.com/?x=1", "https://u:p@c.example.com"} {
		if _, err := coder.New(u); err == nil {
			t.Errorf("New(%q) succeeded, want an error", u)
		} else if !strings.Contains(err.Error(), "base URL") {
			t.Errorf("New(%q) error %q should name the base URL", u, err)
		}
	}
}

// recorder captures requests and answers from a fixed table.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body []string
}

func (rec *recorder) handler(answer func(r *http.Request) (int, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r)
		rec.body = append(rec.body, string(b))
		rec.mu.Unlock()
		status, body := answer(r)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func (rec *recorder) last() (*http.Request, string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.reqs[len(rec.reqs)-1], rec.body[len(rec.body)-1]
}

func (rec *recorder) paths() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, r := range rec.reqs {
		out = append(out, r.Method+" "+r.URL.Path)
	}
	return out
}

func TestHeadersAndTokens(t *testing.T) {
	var rec recorder
	c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
		return 200, `{"id":"u1","username":"demo","unknown_new_field":{"x":1}}`
	}), coder.WithSessionToken("base-token"), coder.WithUserAgent("test-agent/1"))

	u, err := c.Me(context.Background())
	if err != nil || u.Username != "demo" {
		t.Fatalf("Me() = %+v, %v", u, err)
	}
	r, _ := rec.last()
	if r.Header.Get("Coder-Session-Token") != "base-token" || r.Header.Get("User-Agent") != "test-agent/1" {
		t.Errorf("headers = %v", r.Header)
	}
	if r.Header.Get("Cookie") != "" || r.Header.Get("Authorization") != "" {
		t.Errorf("server-to-server calls must not send a cookie or Authorization: %v", r.Header)
	}

	// WithToken switches the user without touching the original.
	if _, err := c.WithToken("user-token").Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, _ := rec.last(); r.Header.Get("Coder-Session-Token") != "user-token" {
		t.Errorf("WithToken copy sent %q", r.Header.Get("Coder-Session-Token"))
	}
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, _ := rec.last(); r.Header.Get("Coder-Session-Token") != "base-token" {
		t.Errorf("original client now sends %q", r.Header.Get("Coder-Session-Token"))
	}

	// buildinfo needs no token and gets none.
	if _, err := c.BuildInfo(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, _ := rec.last(); r.Header.Get("Coder-Session-Token") != "" || r.URL.Path != "/api/v2/buildinfo" {
		t.Errorf("buildinfo request %s with token %q", r.URL.Path, r.Header.Get("Coder-Session-Token"))
	}
}

func TestPathPrefixAndEscaping(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(rec.handler(func(r *http.Request) (int, string) { return 200, `{}` }))
	defer srv.Close()
	c, err := coder.New(srv.URL + "/api/proxy/coder/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WorkspaceByOwnerAndName(context.Background(), "me", "a/b c"); err != nil {
		t.Fatal(err)
	}
	r, _ := rec.last()
	if r.URL.EscapedPath() != "/api/proxy/coder/api/v2/users/me/workspace/a%2Fb%20c" {
		t.Errorf("path = %s", r.URL.EscapedPath())
	}
	if got := c.ResolveURL("/emojis/1f4bb.png"); got != srv.URL+"/api/proxy/coder/emojis/1f4bb.png" {
		t.Errorf("ResolveURL(relative) = %s", got)
	}
	for _, abs := range []string{"https://cdn.example.com/go.svg", "", "//cdn.example.com/x.svg"} {
		if got := c.ResolveURL(abs); got != abs {
			t.Errorf("ResolveURL(%q) = %q, want unchanged", abs, got)
		}
	}
	if got := c.WorkspaceURL(coder.Workspace{OwnerName: "demo", Name: "dev"}); got != srv.URL+"/api/proxy/coder/@demo/dev" {
		t.Errorf("WorkspaceURL = %s", got)
	}
}

func TestWorkspacesWireForm(t *testing.T) {
	var rec recorder
	c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
		return 200, `{"workspaces":null,"count":0}`
	}))
	q := coder.Query().Owner("me").Param("custom_repo", "https://github.com/o/r").String()
	res, err := c.Workspaces(context.Background(), coder.WorkspacesRequest{Q: q})
	if err != nil {
		t.Fatal(err)
	}
	if res.Workspaces == nil {
		t.Error("Workspaces must be an empty slice, not nil")
	}
	r, _ := rec.last()
	// Same encoding as the Backstage plugin's URLSearchParams.
	if r.URL.RawQuery != "q=owner%3Ame+param%3A%22custom_repo%3Dhttps%3A%2F%2Fgithub.com%2Fo%2Fr%22" {
		t.Errorf("raw query = %s", r.URL.RawQuery)
	}
	if _, err := c.Workspaces(context.Background(), coder.WorkspacesRequest{Limit: 5, Offset: 10}); err != nil {
		t.Fatal(err)
	}
	if r, _ := rec.last(); r.URL.RawQuery != "limit=5&offset=10" {
		t.Errorf("raw query = %s", r.URL.RawQuery)
	}
	if _, err := c.Workspaces(context.Background(), coder.WorkspacesRequest{Limit: -1}); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestAllWorkspacesPages(t *testing.T) {
	const total = 7
	var rec recorder
	c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var ws []string
		for i := offset; i < min(offset+limit, total); i++ {
			ws = append(ws, fmt.Sprintf(`{"id":"w%d","name":"ws%d"}`, i, i))
		}
		return 200, fmt.Sprintf(`{"workspaces":[%s],"count":%d}`, strings.Join(ws, ","), total)
	}))
	all, err := c.AllWorkspaces(context.Background(), "owner:me", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != total || all[0].ID != "w0" || all[total-1].ID != "w6" {
		t.Errorf("got %d workspaces: %+v", len(all), all)
	}
	if n := len(rec.paths()); n != 3 {
		t.Errorf("%d requests, want 3 pages", n)
	}
}

func TestCreateWorkspace(t *testing.T) {
	const tmplID = "5f0e9a76-3b0e-4c3c-9a5e-1b2c3d4e5f60"
	const orgID = "a1b2c3d4-0000-4000-8000-000000000001"
	created := `{"id":"w1","name":"dev","latest_build":{"build_number":1,"transition":"start","job":{"status":"pending"}}}`
	req := coder.CreateWorkspaceRequest{TemplateID: tmplID, Name: "dev", RichParameterValues: []coder.WorkspaceBuildParameter{{Name: "repo", Value: "https://github.com/o/r"}}}

	t.Run("user-scoped route", func(t *testing.T) {
		var rec recorder
		c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) { return 201, created }))
		ws, err := c.CreateWorkspace(context.Background(), "me", req)
		if err != nil || ws.ID != "w1" || ws.LatestBuild.Transition != coder.TransitionStart {
			t.Fatalf("CreateWorkspace = %+v, %v", ws, err)
		}
		r, body := rec.last()
		if r.Method != "POST" || r.URL.Path != "/api/v2/users/me/workspaces" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		var sent map[string]any
		_ = json.Unmarshal([]byte(body), &sent)
		if sent["template_id"] != tmplID || sent["name"] != "dev" || sent["template_version_id"] != nil {
			t.Errorf("body = %s", body)
		}
	})

	for _, old := range []struct {
		name   string
		status int
		body   string
	}{
		{"older server without the route (404)", 404, `{"message":"Route not found."}`},
		{"older server without the route (405)", 405, ``},
	} {
		t.Run(old.name, func(t *testing.T) {
			var rec recorder
			c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
				switch {
				case r.URL.Path == "/api/v2/users/me/workspaces":
					return old.status, old.body
				case r.URL.Path == "/api/v2/templates/"+tmplID:
					return 200, `{"id":"` + tmplID + `","organization_id":"` + orgID + `"}`
				case r.Method == "POST" && r.URL.Path == "/api/v2/organizations/"+orgID+"/members/me/workspaces":
					return 201, created
				}
				return 404, `{"message":"Route not found."}`
			}))
			ws, err := c.CreateWorkspace(context.Background(), "", req)
			if err != nil || ws.ID != "w1" {
				t.Fatalf("CreateWorkspace = %+v, %v", ws, err)
			}
			want := []string{"POST /api/v2/users/me/workspaces", "GET /api/v2/templates/" + tmplID, "POST /api/v2/organizations/" + orgID + "/members/me/workspaces"}
			if got := rec.paths(); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("requests = %q\nwant       %q", got, want)
			}
			_, body := rec.last()
			if !strings.Contains(body, `"rich_parameter_values":[{"name":"repo","value":"https://github.com/o/r"}]`) {
				t.Errorf("fallback body lost the parameters: %s", body)
			}
			// The missing route is remembered (also by per-user copies).
			if _, err := c.WithToken("other").CreateWorkspace(context.Background(), "me", req); err != nil {
				t.Fatal(err)
			}
			if got := rec.paths(); got[3] != "GET /api/v2/templates/"+tmplID {
				t.Errorf("second create started with %s, want the older route's lookup", got[3])
			}
		})
	}

	t.Run("template version decides the organization", func(t *testing.T) {
		var rec recorder
		c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
			switch r.URL.Path {
			case "/api/v2/templateversions/v1":
				return 200, `{"id":"v1","organization_id":"` + orgID + `"}`
			case "/api/v2/organizations/" + orgID + "/members/alice/workspaces":
				return 201, created
			}
			return 405, ``
		}))
		if _, err := c.CreateWorkspace(context.Background(), "alice", coder.CreateWorkspaceRequest{TemplateVersionID: "v1", Name: "dev"}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("errors other than a missing route are returned as they are", func(t *testing.T) {
		var rec recorder
		c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
			return 409, `{"message":"Workspace \"dev\" already exists.","validations":[{"field":"name","detail":"This value is already in use and should be unique."}]}`
		}))
		_, err := c.CreateWorkspace(context.Background(), "me", req)
		if !coder.IsConflict(err) || len(rec.paths()) != 1 {
			t.Fatalf("err = %v after %v", err, rec.paths())
		}
	})

	t.Run("a 404 about the user keeps its message", func(t *testing.T) {
		var rec recorder
		c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
			if r.URL.Path == "/api/v2/templates/"+tmplID {
				return 200, `{"id":"` + tmplID + `","organization_id":"` + orgID + `"}`
			}
			return 404, `{"message":"Resource not found or you do not have access to this resource"}`
		}))
		_, err := c.CreateWorkspace(context.Background(), "ghost", req)
		e, ok := coder.AsError(err)
		if !ok || e.Path != "/api/v2/users/ghost/workspaces" || !coder.IsNotFound(err) {
			t.Fatalf("err = %v, want the user-scoped route's 404", err)
		}
	})
}

func TestBuildsAndParameters(t *testing.T) {
	var rec recorder
	c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/builds") && r.Method == "POST":
			return 201, `{"id":"b2","build_number":2,"transition":"stop","status":"pending","job":{"status":"pending"}}`
		case strings.HasSuffix(r.URL.Path, "/parameters"):
			return 200, `[{"name":"repo","value":"https://github.com/o/r"},{"name":"tags","value":"[\"a\",\"b\"]"}]`
		}
		return 404, `{"message":"Route not found."}`
	}))
	b, err := c.CreateWorkspaceBuild(context.Background(), "w1", coder.CreateWorkspaceBuildRequest{
		Transition: coder.TransitionStart, TemplateVersionID: "v2",
		RichParameterValues: []coder.WorkspaceBuildParameter{{Name: "region", Value: "eu"}},
	})
	if err != nil || b.ID != "b2" || !b.Job.Status.Active() {
		t.Fatalf("CreateWorkspaceBuild = %+v, %v", b, err)
	}
	r, body := rec.last()
	if r.URL.Path != "/api/v2/workspaces/w1/builds" ||
		body != `{"transition":"start","template_version_id":"v2","rich_parameter_values":[{"name":"region","value":"eu"}]}` {
		t.Errorf("%s body = %s", r.URL.Path, body)
	}
	if _, err := c.CreateWorkspaceBuild(context.Background(), "w1", coder.CreateWorkspaceBuildRequest{}); err == nil {
		t.Error("a build without a transition was sent")
	}
	ps, err := c.WorkspaceBuildParameters(context.Background(), "b2")
	if err != nil || len(ps) != 2 || ps[1].Value != `["a","b"]` {
		t.Fatalf("parameters = %+v, %v", ps, err)
	}
}

func TestCancelWorkspaceBuildWireForm(t *testing.T) {
	var rec recorder
	c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
		if r.Method == http.MethodPatch && r.URL.Path == "/api/v2/workspacebuilds/b1/cancel" {
			return 200, `{"message":"Job has been marked as canceled..."}`
		}
		return 412, `{"message":"Job is not in the expected state."}`
	}))
	for _, tc := range []struct {
		expect    coder.JobStatus
		wantQuery string
	}{
		{"", ""},
		{coder.JobRunning, "expect_status=running"},
		{coder.JobPending, "expect_status=pending"},
	} {
		t.Run(string(tc.expect), func(t *testing.T) {
			if err := c.CancelWorkspaceBuild(context.Background(), "b1", tc.expect); err != nil {
				t.Fatal(err)
			}
			r, body := rec.last()
			if r.URL.RawQuery != tc.wantQuery || body != "" {
				t.Errorf("query %q body %q, want %q and no body", r.URL.RawQuery, body, tc.wantQuery)
			}
		})
	}
	err := c.CancelWorkspaceBuild(context.Background(), "b1", coder.JobSucceeded)
	if err == nil || !strings.Contains(err.Error(), `"succeeded"`) {
		t.Errorf("an expect status Coder refuses: %v", err)
	}
	if err := c.CancelWorkspaceBuild(context.Background(), "other", ""); coder.StatusCode(err) != http.StatusPreconditionFailed {
		t.Errorf("Coder's 412: %v", err)
	}
}

func TestOAuth2(t *testing.T) {
	var rec recorder
	c := newTestClient(t, rec.handler(func(r *http.Request) (int, string) {
		switch r.URL.Path {
		case "/oauth2/tokens":
			if _, _, basic := r.BasicAuth(); basic {
				return 401, `{"error":"invalid_client","error_description":"basic auth is not read"}`
			}
			_, body := rec.last()
			form, _ := url.ParseQuery(body)
			if form.Get("client_secret") != "coder_abc_secret" || form.Get("client_id") != "app-id" {
				return 401, `{"error":"invalid_client"}`
			}
			if form.Get("code_verifier") == "" {
				return 400, `{"error":"invalid_grant","error_description":"PKCE"}`
			}
			return 200, `{"access_token":"AbCdEfGhIj-0123456789abcdefghijkl","token_type":"Bearer","expires_in":86400,"refresh_token":"coder_r_x"}`
		case "/oauth2/revoke":
			return 200, ``
		}
		return 404, `{"message":"Route not found."}`
	}))
	cfg := c.OAuth2Config("app-id", "coder_abc_secret", "http://localhost:7007/api/auth/coder/handler/frame")
	base := c.URL().String()
	if cfg.Endpoint.AuthURL != base+"/oauth2/authorize" || cfg.Endpoint.TokenURL != base+"/oauth2/tokens" || cfg.Endpoint.AuthStyle != oauth2.AuthStyleInParams {
		t.Errorf("endpoint = %+v", cfg.Endpoint)
	}
	verifier := oauth2.GenerateVerifier()
	authURL, _ := url.Parse(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if q := authURL.Query(); q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "app-id" || q.Get("response_type") != "code" {
		t.Errorf("auth URL = %s", authURL)
	}
	tok, err := cfg.Exchange(c.OAuth2Context(context.Background()), "code", oauth2.VerifierOption(verifier))
	if err != nil || tok.AccessToken != "AbCdEfGhIj-0123456789abcdefghijkl" || tok.RefreshToken != "coder_r_x" {
		t.Fatalf("Exchange = %+v, %v", tok, err)
	}

	if err := c.RevokeToken(context.Background(), "app-id", "coder_r_x"); err != nil {
		t.Fatal(err)
	}
	r, body := rec.last()
	form, _ := url.ParseQuery(body)
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || form.Get("token") != "coder_r_x" || form.Get("client_id") != "app-id" || len(form) != 2 {
		t.Errorf("revoke %s body %q", r.Header.Get("Content-Type"), body)
	}
}

func TestBuildInfoAtLeast(t *testing.T) {
	tests := []struct {
		version string
		want    bool
	}{
		{"v2.30.0+43e67d1", true},
		{"v2.10.0", true},
		{"v2.9.4+abc", false},
		{"v3.0.0", true},
		{"v1.99.0", false},
		{"v0.0.0-devel+43e67d1", true},
		{"", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		if got := (coder.BuildInfo{Version: tt.version}).AtLeast(2, 10); got != tt.want {
			t.Errorf("AtLeast(2,10) for %q = %v, want %v", tt.version, got, tt.want)
		}
	}
}
