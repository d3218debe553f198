package contract_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/coder"
)

// TestWireConventions checks the transport rules every Coder answer
// follows, which a proxy in front of Coder must not disturb.
func TestWireConventions(t *testing.T) {
	tg := newTarget(t)
	h := tokenHeader(tg.token)

	t.Run("API root", func(t *testing.T) {
		r := tg.raw(t, http.MethodGet, "/api/v2/", h, nil)
		var body struct{ Message string }
		r.decode(t, &body)
		if r.Status != http.StatusOK || body.Message != "👋" {
			t.Errorf("status %d, message %q", r.Status, body.Message)
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		r := tg.raw(t, http.MethodGet, "/api/v2/no-such-route-7f3a", h, nil)
		var body struct{ Message string }
		r.decode(t, &body)
		if r.Status != http.StatusNotFound || body.Message != "Route not found." {
			t.Errorf("status %d, message %q", r.Status, body.Message)
		}
	})
	t.Run("headers on every answer", func(t *testing.T) {
		for _, p := range []string{"/api/v2/buildinfo", "/api/v2/users/me", "/api/v2/workspaces?q=foo:bar", "/api/v2/no-such-route-7f3a"} {
			r := tg.raw(t, http.MethodGet, p, h, nil)
			if r.Header.Get("X-Coder-Build-Version") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s (%d): X-Coder-Build-Version %q, X-Content-Type-Options %q", p, r.Status,
					r.Header.Get("X-Coder-Build-Version"), r.Header.Get("X-Content-Type-Options"))
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", p, ct)
			}
		}
	})
	t.Run("JSON is HTML-escaped", func(t *testing.T) {
		r := tg.raw(t, http.MethodGet, "/api/v2/workspaces?q="+url.QueryEscape("status:<b>&"), h, nil)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("status %d", r.Status)
		}
		if strings.ContainsAny(string(r.Body), "<>&") || !strings.Contains(string(r.Body), `\u003cb\u003e\u0026`) {
			t.Errorf("body %s: want <, > and & escaped as \\u003c, \\u003e and \\u0026", r.Body)
		}
	})
	t.Run("listing needs a token", func(t *testing.T) {
		_, err := tg.anon.Workspaces(ctx(t), coder.WorkspacesRequest{Q: "owner:me"})
		if e := wantStatus(t, err, http.StatusUnauthorized); e.Message != msgSignedOut {
			t.Errorf("message = %q", e.Message)
		}
	})
}

// TestWorkspaceJSONShape checks the omitted-versus-null rules of the
// Workspace object on a workspace of the caller.
func TestWorkspaceJSONShape(t *testing.T) {
	tg := newTarget(t)
	list, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Q: "owner:me", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Workspaces) == 0 {
		if !tg.real {
			t.Fatal("the demo seed gives user demo no workspace")
		}
		t.Skip("the caller owns no workspace")
	}
	r := tg.raw(t, http.MethodGet, "/api/v2/workspaces/"+list.Workspaces[0].ID, tokenHeader(tg.token), nil)
	var doc map[string]json.RawMessage
	r.decode(t, &doc)
	// Pointers without omitempty are always present, as null when unset.
	for _, k := range []string{"deleting_at", "dormant_at", "next_start_at", "latest_app_status", "latest_build", "health", "outdated", "template_icon", "owner_name", "last_used_at"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("workspace JSON lacks %q", k)
		}
	}
	// Pointers with omitempty are absent rather than null.
	for _, k := range []string{"ttl_ms", "autostart_schedule"} {
		if v, ok := doc[k]; ok && string(v) == "null" {
			t.Errorf("%q is null; Coder omits it when unset", k)
		}
	}
	var health struct {
		FailingAgents json.RawMessage `json:"failing_agents"`
	}
	_ = json.Unmarshal(doc["health"], &health)
	if !strings.HasPrefix(string(health.FailingAgents), "[") {
		t.Errorf("health.failing_agents = %s, want an array", health.FailingAgents)
	}
	var build map[string]json.RawMessage
	_ = json.Unmarshal(doc["latest_build"], &build)
	if _, ok := build["initiator_name"]; !ok {
		t.Error("latest_build lacks initiator_name")
	}
	for _, k := range []string{"deadline", "max_deadline", "template_version_preset_id"} {
		if _, ok := build[k]; !ok {
			t.Errorf("latest_build lacks %q (null when unset)", k)
		}
	}
}

// TestBuildRefusals sends builds Coder must refuse. They change nothing,
// but they are writes should the deployment accept them.
func TestBuildRefusals(t *testing.T) {
	tg := newTarget(t)
	tg.requireWrites(t, "sends builds that should be refused")
	list, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Q: "owner:me", Limit: 1})
	if err != nil || len(list.Workspaces) == 0 {
		t.Skipf("needs a workspace of the caller (%v)", err)
	}
	ws := list.Workspaces[0]
	h := tokenHeader(tg.token)
	h.Set("Content-Type", "application/json")
	tests := []struct {
		body, message, field string
	}{
		{`{"transition":"restart"}`, "Validation failed.", "transition"},
		{`{}`, "Validation failed.", "transition"},
		{`{"transition":"stop","orphan":true}`, "Orphan is only permitted when deleting a workspace.", ""},
		{`{"transition":`, "Request body must be valid JSON.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			r := tg.raw(t, http.MethodPost, "/api/v2/workspaces/"+ws.ID+"/builds", h, strings.NewReader(tt.body))
			var body struct {
				Message     string
				Validations []coder.ValidationError
			}
			r.decode(t, &body)
			if r.Status != http.StatusBadRequest || body.Message != tt.message {
				t.Fatalf("status %d body %s; want 400 %q", r.Status, r.Body, tt.message)
			}
			if tt.field != "" && (len(body.Validations) == 0 || body.Validations[0].Field != tt.field) {
				t.Errorf("validations %+v, want one on %s", body.Validations, tt.field)
			}
		})
	}
}

// TestOAuth2AuthorizeRefusals: Coder refuses authorize requests it cannot
// honour instead of ignoring the parts it does not know.
func TestOAuth2AuthorizeRefusals(t *testing.T) {
	tg := newTarget(t)
	tg.requireOAuth2(t)
	base := url.Values{"client_id": {tg.oauthID}, "response_type": {"code"}, "state": {"s"}}
	// The consent page (GET) refuses what the query parser rejects; the PKCE
	// method is checked when the user gives consent (POST).
	tests := []struct {
		name   string
		method string
		extra  url.Values
	}{
		{"unknown parameter", http.MethodGet, url.Values{"nonce": {"n"}}},
		{"plain PKCE", http.MethodPost, url.Values{"code_challenge": {"abc"}, "code_challenge_method": {"plain"}}},
		{"redirect to another host", http.MethodGet, url.Values{"redirect_uri": {"https://evil.example.com/callback"}}},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{}
			for k, v := range base {
				q[k] = v
			}
			for k, v := range tt.extra {
				q[k] = v
			}
			req, _ := http.NewRequestWithContext(ctx(t), tt.method, tg.url+"/oauth2/authorize?"+q.Encode(), nil)
			req.Header.Set("Coder-Session-Token", tg.token)
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d (Location %q), want 400", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}
