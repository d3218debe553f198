package fakecoder_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

const signedOut = "You are signed out or your session has expired. Please sign in again to continue."

func TestTokenCarriers(t *testing.T) {
	s := codertest.NewServer(t)
	demo, admin := s.Token("demo"), s.Token("admin")
	cookie := func(tok string) reqOpt {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "coder_session_token", Value: tok}) }
	}
	query := func(key, tok string) reqOpt {
		return func(r *http.Request) {
			q := r.URL.Query()
			q.Set(key, tok)
			r.URL.RawQuery = q.Encode()
		}
	}
	tests := []struct {
		name string
		opts []reqOpt
		want string // username, or "" for 401
	}{
		{"header", []reqOpt{withToken(demo)}, "demo"},
		{"cookie", []reqOpt{cookie(demo)}, "demo"},
		{"query coder_session_token", []reqOpt{query("coder_session_token", demo)}, "demo"},
		{"bearer", []reqOpt{withHeader("Authorization", "Bearer "+demo)}, "demo"},
		{"bearer scheme is case-insensitive and trimmed", []reqOpt{withHeader("Authorization", "bEaReR   "+demo+"  ")}, "demo"},
		{"query access_token", []reqOpt{query("access_token", demo)}, "demo"},
		{"cookie beats header", []reqOpt{cookie(admin), withToken(demo)}, "admin"},
		{"query beats header", []reqOpt{query("coder_session_token", admin), withToken(demo)}, "admin"},
		{"header beats bearer", []reqOpt{withToken(demo), withHeader("Authorization", "Bearer "+admin)}, "demo"},
		{"bearer beats access_token", []reqOpt{withHeader("Authorization", "Bearer "+admin), query("access_token", demo)}, "admin"},
		{"an invalid cookie wins over a valid header", []reqOpt{cookie("AAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBB"), withToken(demo)}, ""},
		{"basic auth is not a carrier", []reqOpt{withHeader("Authorization", "Basic "+demo)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s.URL()+"/api/v2/users/me", tt.opts...)
			if tt.want == "" {
				wantStatus(t, r, http.StatusUnauthorized)
				return
			}
			wantStatus(t, r, http.StatusOK)
			var u fakecoder.User
			r.decode(t, &u)
			if u.Username != tt.want {
				t.Errorf("signed in as %q, want %q", u.Username, tt.want)
			}
		})
	}
}

func TestAuthFailures(t *testing.T) {
	s := codertest.NewServer(t)
	demo := s.Token("demo")
	id, _, _ := strings.Cut(demo, "-")
	tests := []struct {
		name, token, detail string
	}{
		{"no token", "", `Cookie "coder_session_token" or query parameter must be provided.`},
		{"one part", "garbage", "Invalid API key format: incorrect amount of API key parts, expected 2 got 1"},
		{"a Backstage JWT", "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.sig", "Invalid API key format: incorrect amount of API key parts, expected 2 got 1"},
		{"short id", "abc-0123456789012345678901", "Invalid API key format: invalid API key ID length, expected 10 got 3"},
		{"short secret", "abcdefghij-short", "Invalid API key format: invalid API key secret length, expected 22 got 5"},
		{"unknown id", "Unknown123-0123456789012345678901", "API key is invalid."},
		{"wrong secret", id + "-0123456789012345678901", "API key secret is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []reqOpt
			if tt.token != "" {
				opts = append(opts, withToken(tt.token))
			}
			r := get(t, s.URL()+"/api/v2/workspaces", opts...)
			wantStatus(t, r, http.StatusUnauthorized)
			resp := r.response(t)
			if resp.Message != signedOut || resp.Detail != tt.detail {
				t.Errorf("body = %+v, want message %q detail %q", resp, signedOut, tt.detail)
			}
			www := r.header.Get("WWW-Authenticate")
			for _, want := range []string{`Bearer realm="coder"`, `error="invalid_token"`, `resource_metadata="` + s.URL() + `/.well-known/oauth-protected-resource"`} {
				if !strings.Contains(www, want) {
					t.Errorf("WWW-Authenticate = %q, want it to contain %s", www, want)
				}
			}
		})
	}
}

func TestUserStatusAndExpiry(t *testing.T) {
	seed := &fakecoder.Seed{
		Users: []fakecoder.SeedUser{
			{Username: "alice", Email: "alice@example.com", Token: "AliceToken-0123456789012345678901", Status: "suspended"},
			{Username: "bob", Email: "bob@example.com", Token: "BobToken01-0123456789012345678901", Status: "dormant"},
		},
		OAuth2Apps: []fakecoder.SeedOAuth2App{{Name: "app", CallbackURL: "http://localhost/cb"}},
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := codertest.NewServer(t, fakecoder.WithSeed(seed), fakecoder.WithClock(clock), fakecoder.WithOAuth2AutoApprove("bob"))

	t.Run("suspended", func(t *testing.T) {
		r := get(t, s.URL()+"/api/v2/users/me", withToken(s.Token("alice")))
		wantStatus(t, r, http.StatusUnauthorized)
		if msg := r.response(t).Message; msg != `User is not active (status = "suspended"). Contact an admin to reactivate your account.` {
			t.Errorf("message = %q", msg)
		}
	})
	t.Run("dormant users become active", func(t *testing.T) {
		r := get(t, s.URL()+"/api/v2/users/me", withToken(s.Token("bob")))
		wantStatus(t, r, http.StatusOK)
		var u fakecoder.User
		r.decode(t, &u)
		if u.Status != "active" {
			t.Errorf("status = %q, want active", u.Status)
		}
	})
	t.Run("OAuth2 access tokens expire", func(t *testing.T) {
		tok := oauthCodeFlow(t, s, "app", nil)
		wantStatus(t, get(t, s.URL()+"/api/v2/users/me", withHeader("Authorization", "Bearer "+tok.AccessToken)), http.StatusOK)
		mu.Lock()
		now = now.Add(25 * time.Hour)
		mu.Unlock()
		r := get(t, s.URL()+"/api/v2/users/me", withHeader("Authorization", "Bearer "+tok.AccessToken))
		wantStatus(t, r, http.StatusUnauthorized)
		if d := r.response(t).Detail; !strings.HasPrefix(d, `API key expired at "2026-01-02 12:00:00 +0000 UTC"`) {
			t.Errorf("detail = %q", d)
		}
	})
}

func TestPublicEndpoints(t *testing.T) {
	s := codertest.NewServer(t)
	for _, path := range []string{"/api/v2/", "/api/v2", "/api/v2/buildinfo", "/api/v2/users/authmethods", "/.well-known/oauth-authorization-server", "/.well-known/oauth-protected-resource", "/healthz"} {
		t.Run(path, func(t *testing.T) {
			wantStatus(t, get(t, s.URL()+path), http.StatusOK)
		})
	}
}

func TestCommonHeadersAndBodies(t *testing.T) {
	s := codertest.NewServer(t)
	r := get(t, s.URL()+"/api/v2/")
	if got := r.response(t).Message; got != "👋" {
		t.Errorf("root message = %q", got)
	}
	checks := map[string]string{
		"Content-Type":           "application/json; charset=utf-8",
		"X-Coder-Build-Version":  "v2.30.0+43e67d1",
		"X-Content-Type-Options": "nosniff",
	}
	for k, v := range checks {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}

	r = get(t, s.URL()+"/api/v2/no/such/route", withToken(s.Token("demo")))
	wantStatus(t, r, http.StatusNotFound)
	if got := string(r.body); got != "{\"message\":\"Route not found.\"}\n" {
		t.Errorf("404 body = %q", got)
	}

	var info fakecoder.BuildInfo
	get(t, s.URL()+"/api/v2/buildinfo").decode(t, &info)
	if info.Version != "v2.30.0+43e67d1" || info.DashboardURL != s.URL() {
		t.Errorf("buildinfo = %+v", info)
	}
}

func TestUsersAndOrganizations(t *testing.T) {
	s := codertest.NewServer(t)
	demo := withToken(s.Token("demo"))
	var me fakecoder.User
	get(t, s.URL()+"/api/v2/users/me", demo).decode(t, &me)
	if me.Username != "demo" || me.Email != "demo@example.com" || len(me.Roles) != 0 || len(me.OrganizationIDs) != 1 {
		t.Fatalf("me = %+v", me)
	}
	var admin fakecoder.User
	get(t, s.URL()+"/api/v2/users/admin", demo).decode(t, &admin)
	if len(admin.Roles) != 1 || admin.Roles[0].Name != "owner" || admin.Roles[0].DisplayName != "Owner" {
		t.Errorf("admin roles = %+v", admin.Roles)
	}

	tests := []struct {
		path    string
		status  int
		message string
	}{
		{"/api/v2/users/" + me.ID, http.StatusOK, ""},
		{"/api/v2/users/DEMO", http.StatusOK, ""},
		{"/api/v2/users/nobody", http.StatusBadRequest, `"user" must be an existing uuid or username.`},
		{"/api/v2/users/00000000-0000-4000-8000-000000000000", http.StatusBadRequest, `"user" must be an existing uuid or username.`},
		{"/api/v2/users/me/organizations", http.StatusOK, ""},
		{"/api/v2/users/me/organizations/coder", http.StatusOK, ""},
		{"/api/v2/organizations", http.StatusOK, ""},
		{"/api/v2/organizations/default", http.StatusOK, ""},
		{"/api/v2/organizations/coder", http.StatusOK, ""},
		{"/api/v2/organizations/" + me.OrganizationIDs[0], http.StatusOK, ""},
		{"/api/v2/organizations/nope", http.StatusNotFound, "Resource not found or you do not have access to this resource"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := get(t, s.URL()+tt.path, demo)
			wantStatus(t, r, tt.status)
			if tt.message != "" && r.response(t).Message != tt.message {
				t.Errorf("message = %q, want %q", r.response(t).Message, tt.message)
			}
		})
	}

	var org fakecoder.Organization
	get(t, s.URL()+"/api/v2/organizations/default", demo).decode(t, &org)
	if org.Name != "coder" || !org.IsDefault || org.ID != me.OrganizationIDs[0] {
		t.Errorf("default org = %+v", org)
	}
}

func TestRecordedRequests(t *testing.T) {
	// Recorded requests keep what clients sent, which proxy tests rely on.
	s := codertest.NewServer(t)
	get(t, s.URL()+"/api/v2/users/me", withToken(s.Token("demo")), withHeader("X-Custom-Source", "backstage"))
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/v2/users/me" || reqs[0].Header.Get("X-Custom-Source") != "backstage" {
		t.Fatalf("requests = %+v", reqs)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("ResetRequests kept requests")
	}
}
