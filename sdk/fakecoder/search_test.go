package fakecoder_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// newSearchServer serves testdata/search.yaml with builds that never
// progress, at a fixed time.
func newSearchServer(t *testing.T) *fakecoder.Server {
	t.Helper()
	seed, err := fakecoder.LoadSeed("testdata/search.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	return codertest.NewServer(t,
		fakecoder.WithSeed(seed),
		fakecoder.WithBuildDelays(time.Hour, time.Hour),
		fakecoder.WithClock(func() time.Time { return now }))
}

func workspaceID(t *testing.T, s *fakecoder.Server, owner, name string) string {
	t.Helper()
	for _, w := range s.Workspaces() {
		if w.OwnerName == owner && w.Name == name {
			return w.ID
		}
	}
	t.Fatalf("no workspace %s/%s", owner, name)
	return ""
}

func TestWorkspaceSearch(t *testing.T) {
	s := newSearchServer(t)
	alice := s.Token("alice")
	all := []string{"alice/dev", "carol/acme-box", "bob/api-dev", "bob/starting-one", "bob/web", "carol/old"}
	dev, web := workspaceID(t, s, "alice", "dev"), workspaceID(t, s, "bob", "web")

	tests := []struct {
		q    string
		want []string
	}{
		{"", all},
		{"   ", all},
		{"owner:me", []string{"alice/dev"}},
		{"OWNER:BOB", []string{"bob/api-dev", "bob/starting-one", "bob/web"}},
		{"owner:nobody", []string{}},
		{"dev", []string{"alice/dev", "bob/api-dev"}},
		{"DEV", []string{"alice/dev", "bob/api-dev"}},
		{"api dev", []string{}}, // free-text words join into one name term
		{"bob/dev", []string{"bob/api-dev"}},
		{`"bob/dev"`, []string{}},                          // quotes keep the slash in the name term
		{"name:d_v", []string{"alice/dev", "bob/api-dev"}}, // ILIKE wildcard
		{"name:%", all},
		{"template:DOCKER", []string{"alice/dev", "carol/acme-box", "bob/starting-one", "bob/web", "carol/old"}},
		{`template:"docker" organization:acme`, []string{"carol/acme-box"}},
		{"template:docker organization:" + "00000000-0000-4000-8000-000000000000", []string{}},
		{"status:running", []string{"alice/dev", "carol/acme-box"}},
		{"status:stopped", []string{"bob/api-dev", "carol/old"}},
		{"status:failed", []string{"bob/web"}},
		{"status:pending", []string{"bob/starting-one"}},
		{"status:deleted", []string{}},
		{`param:"repo=https://github.com/acme/api"`, []string{"alice/dev", "carol/acme-box", "bob/api-dev"}},
		{`owner:me param:"repo=HTTPS://GITHUB.COM/ACME/API"`, []string{"alice/dev"}},
		{"param:region", []string{"alice/dev", "bob/starting-one", "bob/web", "carol/old"}},
		{"param:REG%", []string{"alice/dev", "bob/starting-one", "bob/web", "carol/old"}},
		{`param:"home disk (gb)" param:list`, []string{"carol/acme-box", "bob/api-dev"}},
		{"param:region=eu param:region=us", []string{"alice/dev", "bob/starting-one", "bob/web", "carol/old"}},
		{"param:region=eu,region=us", []string{"alice/dev", "bob/starting-one", "bob/web", "carol/old"}},
		{"param:region=eu param:repo", []string{"alice/dev"}},
		{`param:"  region=eu  "`, []string{"alice/dev"}},
		{`param:"list=a,b"`, []string{}}, // commas always split
		{`param:"home disk (gb)=20"`, []string{"bob/api-dev"}},
		{"outdated:true", []string{"carol/old"}},
		{"outdated:false", []string{"alice/dev", "carol/acme-box", "bob/api-dev", "bob/starting-one", "bob/web"}},
		{"dormant:true", []string{"carol/old"}},
		{"dormant:false", all},
		{`last_used_before:"2026-05-01T00:00:00Z"`, []string{"carol/old"}},
		{`last_used_after:"2026-05-01T00:00:00Z" owner:bob`, []string{"bob/api-dev", "bob/starting-one", "bob/web"}},
		{"id:" + dev + "," + web, []string{"alice/dev", "bob/web"}},
		{"id:" + dev + " id:" + web, []string{"alice/dev", "bob/web"}},
		{"has-agent:connected", []string{"alice/dev", "carol/acme-box"}},
		{"has-agent:nonsense", []string{}},
		{"has-ai-task:true", []string{}},
		{"has-ai-task:false", all},
		{"has_external_agent:true", []string{}},
		{"shared:true", []string{}},
		{"shared:false", all},
		{"shared_with_user:bob", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got, count := listWorkspaces(t, s, alice, tt.q)
			if !equalStrings(got, tt.want) || count != len(tt.want) {
				t.Errorf("q=%q: got %v (count %d), want %v", tt.q, got, count, tt.want)
			}
		})
	}

	t.Run("members see their own workspaces, favorites first", func(t *testing.T) {
		got, _ := listWorkspaces(t, s, s.Token("bob"), "")
		if want := []string{"bob/web", "bob/api-dev", "bob/starting-one"}; !equalStrings(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		got, _ = listWorkspaces(t, s, s.Token("bob"), "owner:alice")
		if len(got) != 0 {
			t.Errorf("bob sees %v", got)
		}
	})
}

func TestWorkspaceSearchErrors(t *testing.T) {
	s := newSearchServer(t)
	tests := []struct {
		q    string
		want []fakecoder.ValidationError
	}{
		{":foo", []fakecoder.ValidationError{{Field: "q", Detail: `Query element ":foo" cannot start or end with ':'`}}},
		{"owner:", []fakecoder.ValidationError{{Field: "q", Detail: `Query element "owner:" cannot start or end with ':'`}}},
		{"a:b:c", []fakecoder.ValidationError{{Field: "q", Detail: `Query element "a:b:c" can only contain 1 ':'`}}},
		{"param:repo=https://github.com/acme/api", []fakecoder.ValidationError{{Field: "q", Detail: `Query element "param:repo=https://github.com/acme/api" can only contain 1 ':'`}}},
		{"a/b/c", []fakecoder.ValidationError{{Field: "q", Detail: `Query element "a/b/c" can only contain 1 '/'`}}},
		{"foo:bar", []fakecoder.ValidationError{{Field: "foo", Detail: `"foo" is not a valid query param`}}},
		{"has-param:repo", []fakecoder.ValidationError{{Field: "has-param", Detail: `"has-param" is not a valid query param`}}},
		{"name:x name:y", []fakecoder.ValidationError{{Field: "name", Detail: `Query param "name" provided more than once, found 2 times. Only provide 1 instance of this query param.`}}},
		{"name:x ws", []fakecoder.ValidationError{{Field: "name", Detail: `Query param "name" provided more than once, found 2 times. Only provide 1 instance of this query param.`}}},
		{"owner:bob alice/dev", []fakecoder.ValidationError{{Field: "owner", Detail: `Query param "owner" provided more than once, found 2 times. Only provide 1 instance of this query param.`}}},
		{"status:bogus", []fakecoder.ValidationError{{Field: "status", Detail: `Query param "status" has invalid value: "bogus" is not a valid value`}}},
		{"organization:nope", []fakecoder.ValidationError{{Field: "organization", Detail: `Query param "organization" has invalid value: organization "nope" either does not exist, or you are unauthorized to view it`}}},
		{"outdated:maybe", []fakecoder.ValidationError{{Field: "outdated", Detail: `Query param "outdated" must be a valid boolean: strconv.ParseBool: parsing "maybe": invalid syntax`}}},
		{"dormant:2", []fakecoder.ValidationError{{Field: "dormant", Detail: `Query param "dormant" must be a valid boolean: strconv.ParseBool: parsing "2": invalid syntax`}}},
		{"shared:x", []fakecoder.ValidationError{{Field: "shared", Detail: `Query param "shared" must be a valid boolean: strconv.ParseBool: parsing "x": invalid syntax`}}},
		{"last_used_after:yesterday", []fakecoder.ValidationError{{Field: "last_used_after", Detail: `Query param "last_used_after" must be a valid date format (2006-01-02T15:04:05.999999999Z07:00): parsing time "YESTERDAY" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "YESTERDAY" as "2006"`}}},
		{"id:nope", []fakecoder.ValidationError{{Field: "id", Detail: `Query param "id" has invalid values: invalid UUID length: 4`}}},
		{"param:region=", []fakecoder.ValidationError{{Field: "param", Detail: `Query param "param" has invalid values: query element "region=" has an empty value. omit the '=' to match just on the parameter name`}}},
		{"param:a=b=c", []fakecoder.ValidationError{{Field: "param", Detail: `Query param "param" has invalid values: query element "a=b=c" can only contain 1 '='`}}},
		{`param:"repo=https://x?a=b"`, []fakecoder.ValidationError{{Field: "param", Detail: `Query param "param" has invalid values: query element "repo=https://x?a=b" can only contain 1 '='`}}},
		{"shared_with_user:me", []fakecoder.ValidationError{{Field: "shared_with_user", Detail: `Query param "shared_with_user" has invalid value: user "me" either does not exist, or you are unauthorized to view them`}}},
		{"shared_with_group:devs", []fakecoder.ValidationError{{Field: "shared_with_group", Detail: `Query param "shared_with_group" has invalid value: group "devs" either does not exist, does not belong to the organization "coder", or you are unauthorized to view it`}}},
		{"shared_with_group:nope/devs", []fakecoder.ValidationError{{Field: "shared_with_group", Detail: `Query param "shared_with_group" has invalid value: organization "nope" either does not exist, or you are unauthorized to view it`}}},
		{"status:bogus zzz:1 aaa:2", []fakecoder.ValidationError{
			{Field: "status", Detail: `Query param "status" has invalid value: "bogus" is not a valid value`},
			{Field: "aaa", Detail: `"aaa" is not a valid query param`},
			{Field: "zzz", Detail: `"zzz" is not a valid query param`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			r := get(t, s.URL()+"/api/v2/workspaces?q="+url.QueryEscape(tt.q), withToken(s.Token("alice")))
			wantStatus(t, r, http.StatusBadRequest)
			resp := r.response(t)
			if resp.Message != "Invalid workspace search query." {
				t.Errorf("message = %q", resp.Message)
			}
			if len(resp.Validations) != len(tt.want) {
				t.Fatalf("validations = %+v, want %+v", resp.Validations, tt.want)
			}
			for i := range tt.want {
				if resp.Validations[i] != tt.want[i] {
					t.Errorf("validation %d = %+v, want %+v", i, resp.Validations[i], tt.want[i])
				}
			}
		})
	}
}

func TestWorkspacePagination(t *testing.T) {
	s := newSearchServer(t)
	alice := s.Token("alice")
	all := []string{"alice/dev", "carol/acme-box", "bob/api-dev", "bob/starting-one", "bob/web", "carol/old"}
	tests := []struct {
		limit, offset string
		want          []string
	}{
		{"0", "", all},
		{"2", "", all[:2]},
		{"2", "2", all[2:4]},
		{"", "4", all[4:]},
		{"10", "5", all[5:]},
		{"", "6", []string{}},
		{"", "100", []string{}},
	}
	for _, tt := range tests {
		t.Run("limit="+tt.limit+",offset="+tt.offset, func(t *testing.T) {
			got, count := listWorkspaces(t, s, alice, "", "limit", tt.limit, "offset", tt.offset)
			if !equalStrings(got, tt.want) || count != len(all) {
				t.Errorf("got %v (count %d), want %v (count %d)", got, count, tt.want, len(all))
			}
		})
	}

	bad := []struct {
		query string
		want  fakecoder.ValidationError
	}{
		{"limit=-1", fakecoder.ValidationError{Field: "limit", Detail: `Query param "limit" must be a valid 32-bit positive integer: value is negative`}},
		{"limit=abc", fakecoder.ValidationError{Field: "limit", Detail: `Query param "limit" must be a valid 32-bit positive integer: strconv.ParseInt: parsing "abc": invalid syntax`}},
		{"offset=99999999999", fakecoder.ValidationError{Field: "offset", Detail: `Query param "offset" must be a valid 32-bit positive integer: strconv.ParseInt: parsing "99999999999": value out of range`}},
		{"after_id=x", fakecoder.ValidationError{Field: "after_id", Detail: `Query param "after_id" must be a valid uuid`}},
		{"limit=1&limit=2", fakecoder.ValidationError{Field: "limit", Detail: `Query param "limit" provided more than once, found 2 times. Only provide 1 instance of this query param.`}},
	}
	for _, tt := range bad {
		t.Run(tt.query, func(t *testing.T) {
			// Pagination is checked before the search query.
			r := get(t, s.URL()+"/api/v2/workspaces?q=foo:bar&"+tt.query, withToken(alice))
			wantStatus(t, r, http.StatusBadRequest)
			resp := r.response(t)
			if resp.Message != "Query parameters have invalid values." || len(resp.Validations) != 1 || resp.Validations[0] != tt.want {
				t.Errorf("body = %+v, want validation %+v", resp, tt.want)
			}
		})
	}
}

func TestSingleWorkspaceReads(t *testing.T) {
	s := newSearchServer(t)
	alice, bob := withToken(s.Token("alice")), withToken(s.Token("bob"))
	dev, gone := workspaceID(t, s, "alice", "dev"), workspaceID(t, s, "alice", "gone")
	notFound := "Resource not found or you do not have access to this resource"
	tests := []struct {
		name    string
		path    string
		token   reqOpt
		status  int
		message string
	}{
		{"by id", "/api/v2/workspaces/" + dev, alice, 200, ""},
		{"bad uuid", "/api/v2/workspaces/nope", alice, 400, `Invalid UUID "nope".`},
		{"unknown id", "/api/v2/workspaces/00000000-0000-4000-8000-000000000000", alice, 404, notFound},
		{"someone else's", "/api/v2/workspaces/" + dev, bob, 404, notFound},
		{"deleted", "/api/v2/workspaces/" + gone, alice, 410, `Workspace "` + gone + `" was deleted, you can view this workspace by specifying '?deleted=true' and trying again.`},
		{"deleted, include_deleted", "/api/v2/workspaces/" + gone + "?include_deleted=true", alice, 200, ""},
		{"bad include_deleted", "/api/v2/workspaces/" + gone + "?include_deleted=maybe", alice, 400, `Invalid boolean value "maybe" for "include_deleted" query param.`},
		{"by owner and name", "/api/v2/users/alice/workspace/dev", alice, 200, ""},
		{"name is case-insensitive", "/api/v2/users/ALICE/workspace/DEV", alice, 200, ""},
		{"me", "/api/v2/users/me/workspace/dev", alice, 200, ""},
		{"deleted by name", "/api/v2/users/alice/workspace/gone", alice, 404, notFound},
		{"deleted by name, include_deleted", "/api/v2/users/alice/workspace/gone?include_deleted=true", alice, 200, ""},
		{"other user's by name", "/api/v2/users/alice/workspace/dev", bob, 404, notFound},
		{"unknown owner", "/api/v2/users/nobody/workspace/dev", alice, 400, `"user" must be an existing uuid or username.`},
		{"build by number", "/api/v2/users/alice/workspace/dev/builds/1", alice, 200, ""},
		{"build number out of range", "/api/v2/users/alice/workspace/dev/builds/7", alice, 404, notFound},
		{"build number not a number", "/api/v2/users/alice/workspace/dev/builds/x", alice, 400, "Failed to parse build number as integer."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s.URL()+tt.path, tt.token)
			wantStatus(t, r, tt.status)
			if tt.message != "" {
				if got := r.response(t).Message; got != tt.message {
					t.Errorf("message = %q, want %q", got, tt.message)
				}
			}
		})
	}

	var w fakecoder.Workspace
	get(t, s.URL()+"/api/v2/workspaces/"+dev, alice).decode(t, &w)
	if w.LatestBuild.Status != "running" || w.OwnerName != "alice" || w.TemplateName != "docker" || w.Outdated || !w.Health.Healthy {
		t.Errorf("workspace = %+v", w)
	}
	agents := w.LatestBuild.Resources[0].Agents
	if len(agents) != 1 || agents[0].Status != "connected" || agents[0].LifecycleState != "ready" {
		t.Errorf("agents = %+v", agents)
	}
}

func TestWorkspaceSearchOnDemoDeployment(t *testing.T) {
	// What the Backstage card sends for the payments-api entity.
	s := codertest.NewServer(t)
	tests := []struct {
		token, q string
		want     []string
	}{
		{"demo", "owner:me", []string{"demo/payments-api", "demo/storefront", "demo/inventory", "demo/payments-api-hotfix"}},
		{"demo", `owner:me param:"custom_repo=https://github.com/acme/payments-api"`, []string{}},
		{"demo", `owner:me param:"repo_url=https://github.com/acme/payments-api"`, []string{"demo/payments-api", "demo/payments-api-hotfix"}},
		{"admin", `param:"repo_url=https://github.com/acme/payments-api"`, []string{"admin/payments-oncall", "demo/payments-api", "demo/payments-api-hotfix"}},
		{"admin", `param:"custom_repo=https://github.com/acme/storefront-web"`, []string{"demo/storefront", "admin/storefront-review"}},
		{"admin", "status:running", []string{"admin/payments-oncall", "demo/payments-api", "demo/storefront"}},
		{"admin", "outdated:true", []string{"demo/payments-api-hotfix"}},
	}
	for _, tt := range tests {
		t.Run(tt.token+" "+tt.q, func(t *testing.T) {
			got, _ := listWorkspaces(t, s, s.Token(tt.token), tt.q, "limit", "0")
			if !equalStrings(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
