package contract_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/coder"
)

const msgSignedOut = "You are signed out or your session has expired. Please sign in again to continue."

func TestBuildInfoNeedsNoToken(t *testing.T) {
	tg := newTarget(t)
	info, err := tg.anon.BuildInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.Version, "v") || info.DashboardURL == "" {
		t.Errorf("build info = %+v, want a version and the dashboard URL", info)
	}
	if !info.AtLeast(2, 10) {
		t.Errorf("version %s: the param: search filter and this integration need Coder v2.10 or later", info.Version)
	}
	r := tg.raw(t, http.MethodGet, "/api/v2/buildinfo", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if v := r.Header.Get("X-Coder-Build-Version"); v == "" {
		t.Error("X-Coder-Build-Version header missing")
	}
}

// The Backstage plugin validates a token with GET /users/me and accepts it
// when the answer has a string id and username.
func TestTokenCheckOnUsersMe(t *testing.T) {
	tg := newTarget(t)
	me, err := tg.client.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if me.ID == "" || me.Username == "" {
		t.Fatalf("users/me = %+v, want id and username", me)
	}
	if me.Status != coder.UserStatusActive {
		t.Errorf("status = %q, want active", me.Status)
	}
	r := tg.raw(t, http.MethodGet, "/api/v2/users/me", tokenHeader(tg.token), nil)
	var doc map[string]any
	r.decode(t, &doc)
	if _, ok := doc["id"].(string); !ok {
		t.Errorf("id is not a JSON string: %s", r.Body)
	}
	if _, ok := doc["username"].(string); !ok {
		t.Errorf("username is not a JSON string: %s", r.Body)
	}

	byName, err := tg.client.User(ctx(t), me.Username)
	if err != nil || byName.ID != me.ID {
		t.Errorf("user by name = %+v, %v; want %s", byName, err, me.ID)
	}
	byID, err := tg.client.User(ctx(t), me.ID)
	if err != nil || byID.Username != me.Username {
		t.Errorf("user by ID = %+v, %v; want %s", byID, err, me.Username)
	}
	_, err = tg.client.User(ctx(t), "no-such-user-7f3a")
	if e := wantStatus(t, err, http.StatusBadRequest); e.Message != `"user" must be an existing uuid or username.` {
		t.Errorf("unknown user message = %q", e.Message)
	}
}

func TestUnauthorizedBodies(t *testing.T) {
	tg := newTarget(t)
	tests := []struct {
		name   string
		header http.Header
		detail string
	}{
		{"no token", nil, `Cookie "coder_session_token" or query parameter must be provided.`},
		{"malformed token", tokenHeader("not-a-token"), "Invalid API key format"},
		{"unknown token", tokenHeader("AbCdEfGhIj-0123456789abcdefghijkl"), "API key is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tg.raw(t, http.MethodGet, "/api/v2/users/me", tt.header, nil)
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", r.Status, r.Body)
			}
			var body struct{ Message, Detail string }
			r.decode(t, &body)
			if body.Message != msgSignedOut {
				t.Errorf("message = %q", body.Message)
			}
			if !strings.Contains(body.Detail, tt.detail) {
				t.Errorf("detail = %q, want it to contain %q", body.Detail, tt.detail)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if wa := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(wa, `Bearer realm="coder"`) || !strings.Contains(wa, "invalid_token") {
				t.Errorf("WWW-Authenticate = %q", wa)
			}
		})
	}
	t.Run("typed client", func(t *testing.T) {
		_, err := tg.client.WithToken("AbCdEfGhIj-0123456789abcdefghijkl").Me(ctx(t))
		if !coder.IsUnauthorized(err) {
			t.Fatalf("err = %v, want 401", err)
		}
		e, _ := coder.AsError(err)
		if e.Message != msgSignedOut || e.Detail == "" {
			t.Errorf("error = %+v", e)
		}
	})
}

func TestTokenCarriers(t *testing.T) {
	tg := newTarget(t)
	info, err := tg.anon.BuildInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("query parameter", func(t *testing.T) {
		r := tg.raw(t, http.MethodGet, "/api/v2/users/me?coder_session_token="+tg.token, nil, nil)
		if r.Status != http.StatusOK {
			t.Errorf("status %d: %s", r.Status, r.Body)
		}
	})
	t.Run("Authorization Bearer", func(t *testing.T) {
		if !info.AtLeast(2, 25) {
			t.Skipf("Authorization: Bearer arrived in Coder v2.25; the deployment runs %s", info.Version)
		}
		for _, scheme := range []string{"Bearer", "bearer"} {
			h := http.Header{"Authorization": {scheme + " " + tg.token}}
			if r := tg.raw(t, http.MethodGet, "/api/v2/users/me", h, nil); r.Status != http.StatusOK {
				t.Errorf("%s: status %d: %s", scheme, r.Status, r.Body)
			}
		}
	})
}

func TestOrganizations(t *testing.T) {
	tg := newTarget(t)
	orgs, err := tg.client.Organizations(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var def *coder.Organization
	for i := range orgs {
		if orgs[i].IsDefault {
			def = &orgs[i]
		}
	}
	if def == nil {
		t.Skip("the caller is not a member of the default organization")
	}
	for _, ref := range []string{"default", def.Name, def.ID} {
		o, err := tg.client.Organization(ctx(t), ref)
		if err != nil || o.ID != def.ID {
			t.Errorf("Organization(%q) = %+v, %v; want %s", ref, o, err, def.ID)
		}
	}
	mine, err := tg.client.UserOrganizations(ctx(t), "me")
	if err != nil {
		t.Fatal(err)
	}
	me, err := tg.client.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != len(me.OrganizationIDs) {
		t.Errorf("member of %d organizations, but users/me lists %v", len(mine), me.OrganizationIDs)
	}
	for _, o := range mine {
		if !slices.Contains(me.OrganizationIDs, o.ID) {
			t.Errorf("organization %s is not in users/me organization_ids", o.Name)
		}
	}
	_, err = tg.client.Organization(ctx(t), "no-such-org-7f3a")
	if code := coder.StatusCode(err); code != http.StatusNotFound && code != http.StatusBadRequest {
		t.Errorf("unknown organization: %v, want 404 or 400", err)
	}
}
