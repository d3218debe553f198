package fakecoder_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

func TestSeedErrors(t *testing.T) {
	const user = "users: [{username: u, email: u@example.com}]\n"
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"syntax", "users: [", "seed: "},
		{"unknown field", "users:\n  - username: demo\n    email: d@example.com\n    tokn: x\n",
			"seed:4: users[0].tokn: unknown field (known fields: id, username, email, name, avatar_url, roles, token, status, login_type, organizations)"},
		{"unknown top-level field", "user: []\n", "seed:1: user: unknown field"},
		{"list expected", "users: {a: b}\n", "seed:1: users: want a list, got a mapping"},
		{"wrong scalar type", user + "templates: [{name: t, versions: [{name: v, parameters: [{name: p, mutable: maybe}]}]}]\n",
			"seed:2: templates[0].versions[0].parameters[0].mutable: cannot unmarshal !!str `maybe` into bool"},
		{"bad token", "users:\n  - username: demo\n    email: d@example.com\n    token: abc\n",
			`seed:4: users[0].token: not a Coder API token (want 10 characters, "-", 22 characters): incorrect amount of API key parts, expected 2 got 1`},
		{"bad username", "users: [{username: Demo_User, email: d@example.com}]\n", `seed:1: users[0].username: username "Demo_User" must be alphanumeric with hyphens`},
		{"duplicate user", "users:\n  - {username: a, email: a@example.com}\n  - {username: A, email: b@example.com}\n", `seed:3: users[1].username: user "A" is defined twice`},
		{"no email", "users: [{username: a}]\n", `seed:1: users[0].email: a valid email address is required (got "")`},
		{"unknown role", "users: [{username: a, email: a@example.com, roles: [admin]}]\n", `users[0].roles[0]: unknown role "admin"`},
		{"unknown organization", "users: [{username: a, email: a@example.com, organizations: [acme]}]\n", `users[0].organizations[0]: organization "acme" is not defined`},
		{"unknown template", user + "templates: [{name: t}]\nworkspaces:\n  - {name: w, owner: u, template: nope}\n",
			`seed:4: workspaces[0].template: template "nope" is not defined (templates: t)`},
		{"unknown owner", user + "templates: [{name: t}]\nworkspaces: [{name: w, owner: x, template: t}]\n", `workspaces[0].owner: user "x" is not defined`},
		{"unknown status", user + "templates: [{name: t}]\nworkspaces: [{name: w, owner: u, template: t, status: sleeping}]\n", `workspaces[0].status: unknown status "sleeping"`},
		{"missing required parameter", user + "templates: [{name: t, versions: [{name: v, parameters: [{name: repo}]}]}]\nworkspaces:\n  - name: w\n    owner: u\n    template: t\n",
			"seed:4: workspaces[0].parameters: repo: Required parameter not provided; parameter value is null"},
		{"unknown parameter", user + "templates: [{name: t}]\nworkspaces:\n  - name: w\n    owner: u\n    template: t\n    parameters:\n      repo: x\n",
			`seed:8: workspaces[0].parameters.repo: template "t" version "v1" has no parameter "repo"`},
		{"invalid parameter value", user + "templates: [{name: t, versions: [{name: v, parameters: [{name: n, type: number, validation: {min: 1, max: 3}}]}]}]\nworkspaces: [{name: w, owner: u, template: t, parameters: {n: \"9\"}}]\n",
			`workspaces[0].parameters: n: Paramater validation failed for value "9"; value 9 is more than the maximum 3`},
		{"default outside options", user + "templates: [{name: t, versions: [{name: v, parameters: [{name: p, default: c, options: [{name: A, value: a}]}]}]}]\n",
			`seed:2: templates[0].versions[0].parameters[0].default: the value "c" must be defined as one of options`},
		{"unknown parameter type", user + "templates: [{name: t, versions: [{name: v, parameters: [{name: p, type: int}]}]}]\n",
			`templates[0].versions[0].parameters[0].type: unknown type "int"`},
		{"bad TTL", user + "templates: [{name: t, default_ttl: forever}]\n", `templates[0].default_ttl: want a duration such as "8h", got "forever"`},
		{"bad active version", user + "templates: [{name: t, active_version: v9}]\n", `templates[0].active_version: version "v9" is not defined for template "t"`},
		{"bad client secret", "oauth2_apps: [{name: a, callback_url: \"http://x/cb\", client_secret: secret}]\n", `oauth2_apps[0].client_secret: want coder_<prefix>_<secret>`},
		{"relative callback", "oauth2_apps: [{name: a, callback_url: /cb}]\n", `oauth2_apps[0].callback_url: want an absolute URL, got "/cb"`},
		{"bad id", "organizations: [{name: acme, id: 42}]\n", `seed:1: organizations[0].id: not a UUID: invalid UUID length: 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fakecoder.ParseSeed([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadSeed(t *testing.T) {
	_, err := fakecoder.LoadSeed("testdata/bad-token.yaml")
	var se *fakecoder.SeedError
	if !errors.As(err, &se) || se.File != "testdata/bad-token.yaml" || se.Line != 4 || se.Field != "users[0].token" {
		t.Fatalf("error = %v (%+v)", err, se)
	}
	if !strings.HasPrefix(err.Error(), "testdata/bad-token.yaml:4: users[0].token: ") {
		t.Errorf("error = %q", err)
	}
	if _, err := fakecoder.LoadSeed("testdata/missing.yaml"); err == nil || !strings.Contains(err.Error(), "testdata/missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
	seed, err := fakecoder.LoadSeed("testdata/search.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(seed.Users) != 3 || len(seed.Workspaces) != 7 {
		t.Errorf("seed = %+v", seed)
	}
}

func TestSeedsBuiltInGo(t *testing.T) {
	// Invalid seeds fail New (codertest.NewServer would fail the test).
	_, err := fakecoder.New(fakecoder.WithSeed(&fakecoder.Seed{Users: []fakecoder.SeedUser{{Username: "a"}}}))
	if err == nil || err.Error() != `fakecoder: seed: users[0].email: a valid email address is required (got "")` {
		t.Errorf("error = %v", err)
	}

	// Unset tokens, IDs and secrets are filled in.
	s := codertest.NewServer(t, fakecoder.WithSeed(&fakecoder.Seed{
		Users:      []fakecoder.SeedUser{{Username: "a", Email: "a@example.com"}},
		OAuth2Apps: []fakecoder.SeedOAuth2App{{Name: "app", CallbackURL: "http://localhost/cb"}},
	}))
	if tok := s.Token("a"); len(tok) != 33 {
		t.Errorf("generated token %q", tok)
	}
	if s.Token("nobody") != "" {
		t.Error("a token for an unknown user")
	}
	id, secret, ok := s.OAuth2App("app")
	if !ok || len(id) != 36 || !strings.HasPrefix(secret, "coder_") {
		t.Errorf("app = %q %q %v", id, secret, ok)
	}
	if _, _, ok := s.OAuth2App("nope"); ok {
		t.Error("an unknown app")
	}
	wantStatus(t, get(t, s.URL()+"/api/v2/users/me", withToken(s.Token("a"))), 200)
	// The default organization exists even when the seed names none.
	wantStatus(t, get(t, s.URL()+"/api/v2/organizations/coder", withToken(s.Token("a"))), 200)
}

func TestDemoSeedIsStable(t *testing.T) {
	a, b := fakecoder.DemoSeed(), fakecoder.DemoSeed()
	a.Users[0].Username = "changed"
	if b.Users[0].Username == "changed" {
		t.Error("DemoSeed returned shared data")
	}
	s1, s2 := codertest.NewServer(t), codertest.NewServer(t)
	w1, w2 := s1.Workspaces(), s2.Workspaces()
	for i := range w1 {
		if w1[i].ID != w2[i].ID || w1[i].LatestBuild.ID != w2[i].LatestBuild.ID {
			t.Errorf("workspace %s has different IDs in two runs", w1[i].Name)
		}
	}
}
