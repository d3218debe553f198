package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/plugins/auth/internal/backstage"
	"github.com/coderhost/coderhost/sdk"
)

// fakeHost is a catalog of entities plus a scripted signin hook.
type fakeHost struct {
	entities  []map[string]any
	hook      func(p Profile) (*Identity, error) // nil result: the script returned null
	noCatalog bool
	calls     []string
}

func user(name, email string, groups ...string) map[string]any {
	var rels []any
	for _, g := range groups {
		rels = append(rels, map[string]any{"type": "memberOf", "targetRef": "group:default/" + g})
	}
	rels = append(rels, map[string]any{"type": "ownerOf", "targetRef": "component:default/x"})
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1", "kind": "User",
		"metadata":  map[string]any{"name": name, "namespace": "default"},
		"spec":      map[string]any{"profile": map[string]any{"email": email}},
		"relations": rels,
	}
}

func (h *fakeHost) GetEntity(_ context.Context, ref string) (json.RawMessage, error) {
	h.calls = append(h.calls, "get "+ref)
	if h.noCatalog {
		return nil, sdk.ErrNotConfigured
	}
	for _, e := range h.entities {
		md := e["metadata"].(map[string]any)
		if strings.ToLower(fmt.Sprintf("%s:%s/%s", e["kind"], md["namespace"], md["name"])) == ref {
			return json.Marshal(e)
		}
	}
	return nil, fmt.Errorf("entity %q: %w", ref, sdk.ErrNotFound)
}

func (h *fakeHost) FindUsers(_ context.Context, q sdk.UserQuery) ([]json.RawMessage, error) {
	h.calls = append(h.calls, "find "+q.Email)
	var out []json.RawMessage
	for _, e := range h.entities {
		if email, _ := e["spec"].(map[string]any)["profile"].(map[string]any)["email"].(string); strings.EqualFold(email, q.Email) {
			b, _ := json.Marshal(e)
			out = append(out, b)
		}
	}
	return out, nil
}

func (h *fakeHost) RunHook(_ context.Context, hook string, input, out any) (string, error) {
	h.calls = append(h.calls, "hook "+hook)
	if h.hook == nil {
		return "", sdk.ErrNoScript
	}
	id, err := h.hook(input.(Profile))
	if err != nil {
		return "", err
	}
	if id == nil {
		return "", sdk.ErrNoResult
	}
	b, _ := json.Marshal(id)
	return "username", json.Unmarshal(b, out)
}

func (h *fakeHost) RunScript(ctx context.Context, name string, input, out any) error {
	_, err := h.RunHook(ctx, "script:"+name, input, out)
	return err
}

var jdoe = Profile{ID: "u1", Username: "JDoe", Email: "jane.doe+work@Example.com"}

func TestResolvers(t *testing.T) {
	catalog := []map[string]any{
		user("jdoe", "someone@example.com", "team-a", "team-b", "team-a"),
		user("jane.doe", "jane.doe@example.com", "web"),
		user("twin1", "twin@example.com"),
		user("twin2", "twin@example.com"),
	}
	tests := []struct {
		name     string
		specs    []Spec
		profile  Profile
		hook     func(Profile) (*Identity, error)
		want     Identity
		wantName string // error name
		wantMsg  string
	}{
		{name: "username matches entity name, ownership is user plus direct groups",
			specs: []Spec{{Resolver: UsernameMatchingUserEntityName}}, profile: jdoe,
			want: Identity{"user:default/jdoe", []string{"user:default/jdoe", "group:default/team-a", "group:default/team-b"}}},
		{name: "username missing",
			specs: []Spec{{Resolver: UsernameMatchingUserEntityName}}, profile: Profile{Email: "x@y"},
			wantName: "Error", wantMsg: "Coder profile is missing username"},
		{name: "email matches profile email after dropping plus-addressing",
			specs: []Spec{{Resolver: EmailMatchingUserEntityProfileEmail}}, profile: jdoe,
			want: Identity{"user:default/jane.doe", []string{"user:default/jane.doe", "group:default/web"}}},
		{name: "email with several matches is a conflict and stops the chain",
			specs:   []Spec{{Resolver: EmailMatchingUserEntityProfileEmail}, {Resolver: UsernameMatchingUserEntityName}},
			profile: Profile{Username: "jdoe", Email: "twin@example.com"}, wantName: "ConflictError", wantMsg: "User lookup resulted in multiple matches"},
		{name: "email local part matches entity name",
			specs:   []Spec{{Resolver: EmailLocalPartMatchingUserEntityName, AllowedDomains: []string{"example.com"}}},
			profile: Profile{Email: "Jane.Doe@EXAMPLE.com"},
			want:    Identity{"user:default/jane.doe", []string{"user:default/jane.doe", "group:default/web"}}},
		{name: "email local part from a domain that is not allowed stops the chain",
			specs:   []Spec{{Resolver: EmailLocalPartMatchingUserEntityName, AllowedDomains: []string{"corp.com"}}, {Resolver: UsernameMatchingUserEntityName}},
			profile: jdoe, wantName: "NotAllowedError", wantMsg: "Sign-in user email is not from an allowed domain"},
		{name: "no email",
			specs: []Spec{{Resolver: EmailLocalPartMatchingUserEntityName}}, profile: Profile{Username: "x"},
			wantName: "Error", wantMsg: "Login failed, user profile does not contain an email"},
		{name: "not found falls through to the next resolver",
			specs:   []Spec{{Resolver: UsernameMatchingUserEntityName}, {Resolver: EmailLocalPartMatchingUserEntityName}},
			profile: Profile{Username: "ghost", Email: "jane.doe@example.com"},
			want:    Identity{"user:default/jane.doe", []string{"user:default/jane.doe", "group:default/web"}}},
		{name: "nobody found",
			specs:   []Spec{{Resolver: UsernameMatchingUserEntityName}, {Resolver: EmailMatchingUserEntityProfileEmail}},
			profile: Profile{Username: "ghost", Email: "ghost@example.com"}, wantName: "Error", wantMsg: "Failed to sign-in, unable to resolve user identity"},
		{name: "dangerous fallback by username",
			specs:   []Spec{{Resolver: UsernameMatchingUserEntityName, DangerouslyAllowSignInWithoutUserInCatalog: true}},
			profile: Profile{Username: "Ghost"}, want: Identity{"user:default/ghost", []string{"user:default/ghost"}}},
		{name: "dangerous fallback by email uses the email without plus-addressing",
			specs:   []Spec{{Resolver: EmailMatchingUserEntityProfileEmail, DangerouslyAllowSignInWithoutUserInCatalog: true}},
			profile: Profile{Email: "ghost+x@example.com"}, want: Identity{"user:default/ghost@example.com", []string{"user:default/ghost@example.com"}}},
		{name: "script hook resolves",
			specs: []Spec{{Resolver: Script}}, profile: jdoe,
			hook: func(p Profile) (*Identity, error) {
				return &Identity{"User:Default/" + p.Username, []string{"user:default/jdoe", "Group:default/Admins", "group:default/admins"}}, nil
			},
			want: Identity{"user:default/jdoe", []string{"user:default/jdoe", "group:default/admins"}}},
		{name: "script null falls through",
			specs: []Spec{{Resolver: Script}, {Resolver: UsernameMatchingUserEntityName}}, profile: jdoe,
			hook: func(Profile) (*Identity, error) { return nil, nil },
			want: Identity{"user:default/jdoe", []string{"user:default/jdoe", "group:default/team-a", "group:default/team-b"}}},
		{name: "script that throws stops the chain",
			specs: []Spec{{Resolver: Script}, {Resolver: UsernameMatchingUserEntityName}}, profile: jdoe,
			hook: func(Profile) (*Identity, error) {
				return nil, &sdk.ScriptError{Script: "username", Pos: "username.js:3:7", Message: "no"}
			},
			wantName: "Error", wantMsg: `Sign-in script failed; caused by Error: script "username" (username.js:3:7): no`},
		{name: "script returning a bad ref",
			specs: []Spec{{Resolver: Script}}, profile: jdoe,
			hook:     func(Profile) (*Identity, error) { return &Identity{UserEntityRef: "jdoe"}, nil },
			wantName: "Error", wantMsg: "returned an invalid userEntityRef"},
		{name: "script without ownership owns itself",
			specs: []Spec{{Resolver: Script}}, profile: jdoe,
			hook: func(Profile) (*Identity, error) { return &Identity{UserEntityRef: "user:ops/bot"}, nil },
			want: Identity{"user:ops/bot", []string{"user:ops/bot"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &fakeHost{entities: catalog, hook: tt.hook}
			c, err := New(tt.specs, h)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Resolve(context.Background(), tt.profile)
			if tt.wantName != "" {
				name, msg := backstage.NameAndMessage(err)
				if err == nil || name != tt.wantName || !strings.Contains(msg, tt.wantMsg) {
					t.Fatalf("error = %s: %s (%v), want %s containing %q", name, msg, err, tt.wantName, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v (calls %v)", err, h.calls)
			}
			if got.UserEntityRef != tt.want.UserEntityRef || !slices.Equal(got.OwnershipEntityRefs, tt.want.OwnershipEntityRefs) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestScriptResolverRunsANamedScript(t *testing.T) {
	h := &fakeHost{hook: func(Profile) (*Identity, error) { return &Identity{UserEntityRef: "user:default/x"}, nil }}
	c, err := New([]Spec{{Resolver: Script, Script: "mine"}}, h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resolve(context.Background(), jdoe); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.calls, []string{"hook script:mine"}) {
		t.Errorf("calls = %v", h.calls)
	}
}

func TestMissingServicesAreReported(t *testing.T) {
	c, _ := New([]Spec{{Resolver: UsernameMatchingUserEntityName}}, &fakeHost{noCatalog: true})
	if _, err := c.Resolve(context.Background(), jdoe); err == nil || !strings.Contains(err.Error(), "backstage.catalog_files") {
		t.Errorf("no catalog: %v", err)
	}
	c, _ = New([]Spec{{Resolver: Script}}, &fakeHost{})
	if _, err := c.Resolve(context.Background(), jdoe); err == nil || !strings.Contains(err.Error(), "no such script") {
		t.Errorf("no script: %v", err)
	}
}

func TestNewRejectsBadSpecs(t *testing.T) {
	tests := []struct {
		specs []Spec
		want  string
	}{
		{nil, "no resolver"},
		{[]Spec{{Resolver: "githubUsername"}}, `resolver "githubUsername" is not available`},
		{[]Spec{{Resolver: UsernameMatchingUserEntityName, AllowedDomains: []string{"x.com"}}}, "allowed_domains applies only"},
		{[]Spec{{Resolver: EmailMatchingUserEntityProfileEmail, Hook: "signin"}}, "apply only to the script resolver"},
		{[]Spec{{Resolver: Script, Hook: "a", Script: "b"}}, "not both"},
		{[]Spec{{Resolver: Script, DangerouslyAllowSignInWithoutUserInCatalog: true}}, "do not apply to scripts"},
		{[]Spec{{Resolver: EmailLocalPartMatchingUserEntityName, AllowedDomains: []string{"@x.com"}}}, "is not a domain"},
	}
	for _, tt := range tests {
		if _, err := New(tt.specs, &fakeHost{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want %q", tt.specs, err, tt.want)
		}
	}
}

func TestOwnershipFromCatalog(t *testing.T) {
	h := &fakeHost{entities: []map[string]any{user("jdoe", "", "a")}}
	got, err := Ownership(context.Background(), h, "user:default/jdoe")
	if err != nil || !slices.Equal(got, []string{"user:default/jdoe", "group:default/a"}) {
		t.Errorf("Ownership = %v, %v", got, err)
	}
	if _, err := Ownership(context.Background(), h, "user:default/ghost"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("missing user: %v", err)
	}
}

func TestParseRef(t *testing.T) {
	tests := map[string]string{
		"jdoe":               "user:default/jdoe",
		"ops/jdoe":           "user:ops/jdoe",
		"Group:Team-A":       "group:default/team-a",
		"user:default/a@b.c": "user:default/a@b.c",
	}
	for in, want := range tests {
		r, err := ParseRef(in, "user", "default")
		if err != nil || r.String() != want {
			t.Errorf("ParseRef(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	for _, bad := range []string{"", ":x", "user:/x", "user:default/"} {
		if _, err := ParseRef(bad, "", ""); err == nil {
			t.Errorf("ParseRef(%q) succeeded", bad)
		}
	}
}
