package coder_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/coder"
)

func TestQueryBuilds(t *testing.T) {
	const repo = "https://github.com/acme/api"
	tests := []struct {
		name string
		b    *coder.QueryBuilder
		want string
	}{
		{"empty matches everything", coder.Query(), ""},
		{"owner", coder.Query().Owner("me"), "owner:me"},
		{
			"the frontend plugin's repo filter",
			coder.Query().Owner("me").Param("custom_repo", repo),
			`owner:me param:"custom_repo=https://github.com/acme/api"`,
		},
		{
			"fixed key order, whatever the call order",
			coder.Query().Param("custom_repo", repo).Status(coder.WorkspaceStatusRunning).Name("foo").Owner("me"),
			`owner:me name:foo status:running param:"custom_repo=https://github.com/acme/api"`,
		},
		{"a value with a space is quoted", coder.Query().Name("my ws"), `name:"my ws"`},
		{"a value with a colon is quoted", coder.Query().Template("a:b"), `template:"a:b"`},
		{"a second call replaces a single-valued key", coder.Query().Owner("alice").Owner("bob"), "owner:bob"},
		{
			"a parameter name with spaces",
			coder.Query().Param("home disk (GB)", "20"),
			`param:"home disk (GB)=20"`,
		},
		{
			"ParamAny ORs values in one term",
			coder.Query().Owner("me").ParamAny("repo", repo, repo+".git"),
			`owner:me param:"repo=https://github.com/acme/api,repo=https://github.com/acme/api.git"`,
		},
		{
			"ParamAny across names, as the plugin ORs its repo keys",
			coder.Query().ParamAny("custom_repo", repo).ParamAny("repo_url", repo),
			`param:"custom_repo=https://github.com/acme/api,repo_url=https://github.com/acme/api"`,
		},
		{"repeating the same pair is harmless", coder.Query().Param("a", "1").Param("a", "1"), `param:"a=1"`},
		{"presence", coder.Query().HasParam("repo"), `param:"repo"`},
		{"presence and value together", coder.Query().HasParam("region").Param("repo", "x"), `param:"region,repo=x"`},
		{"any of several names", coder.Query().HasAnyParam("a", "b").HasAnyParam("c"), `param:"a,b,c"`},
		{
			"IDs, agent states and booleans",
			coder.Query().ID("0b7c6c5e-4a1c-4c8e-8f55-2a3b4c5d6e7f", "1b7c6c5e-4a1c-4c8e-8f55-2a3b4c5d6e7f").
				HasAgent(coder.AgentConnected, coder.AgentConnecting).Dormant().Outdated(false),
			"has-agent:connected,connecting id:0b7c6c5e-4a1c-4c8e-8f55-2a3b4c5d6e7f,1b7c6c5e-4a1c-4c8e-8f55-2a3b4c5d6e7f dormant:true outdated:false",
		},
		{
			"timestamps are quoted RFC 3339 in UTC",
			coder.Query().LastUsedBefore(time.Date(2026, 1, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600))),
			`last_used_before:"2026-01-01T00:00:00Z"`,
		},
		{"organization", coder.Query().Organization("acme").Template("docker"), "template:docker organization:acme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.b.Build()
			if err != nil {
				t.Fatalf("Build() error: %v", err)
			}
			if got != tt.want {
				t.Errorf("Build() = %s\nwant       %s", got, tt.want)
			}
			if tt.b.String() != tt.want {
				t.Errorf("String() = %s, want %s", tt.b.String(), tt.want)
			}
		})
	}
}

func TestQueryRefuses(t *testing.T) {
	tests := []struct {
		name string
		b    *coder.QueryBuilder
		// every refusal names the value
		mention string
		reason  string
	}{
		{"comma in a param value", coder.Query().Param("repo", "https://x/a,b"), "https://x/a,b", "','"},
		{"second '=' in a param value", coder.Query().Param("repo", "https://x/?a=b"), "https://x/?a=b", "only one '='"},
		{"'=' in a param name", coder.Query().HasParam("a=b"), "a=b", "'='"},
		{"comma in a param name", coder.Query().Param("a,b", "x"), "a,b", "','"},
		{"quote in a param value", coder.Query().Param("repo", `say "hi"`), `say \"hi\"`, `'"'`},
		{"quote in a name", coder.Query().Name(`a"b`), `a\"b`, `'"'`},
		{"quote in an owner", coder.Query().Owner(`"me`), `\"me`, `'"'`},
		{"empty param name", coder.Query().Param("", "x"), `"=x"`, "empty"},
		{"empty presence name", coder.Query().HasParam(""), `param ""`, "empty"},
		{"empty param value", coder.Query().Param("repo", ""), `"repo="`, "HasParam"},
		{"empty owner", coder.Query().Owner(""), `owner ""`, "no filter"},
		{"blank name", coder.Query().Name("  "), `name "  "`, "white space"},
		{"param value with trailing space", coder.Query().Param("repo", "x "), `"repo=x "`, "trims"},
		{"param name with leading space", coder.Query().HasParam(" repo"), `" repo"`, "trims"},
		{"unknown status", coder.Query().Status("online"), "online", "not a workspace status"},
		{"unknown agent state", coder.Query().HasAgent("ready"), "ready", "agent status"},
		{"malformed ID", coder.Query().ID("42"), `"42"`, "UUID"},
		{"ParamAny without values", coder.Query().ParamAny("repo"), "repo", "at least one"},
		{
			"two required pairs, which Coder would OR",
			coder.Query().Param("repo", "a").Param("region", "eu"),
			"region=eu", "ORs",
		},
		{
			"a required pair next to an OR group",
			coder.Query().ParamAny("repo", "a", "b").Param("region", "eu"),
			"region=eu", "ORs",
		},
		{
			"two required names, which Coder would OR",
			coder.Query().HasParam("a").HasParam("b"),
			`"b"`, "ORs",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.b.Owner("me").Build()
			if err == nil {
				t.Fatalf("Build() = %q, want a refusal", q)
			}
			var qe *coder.QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a *coder.QueryError", err)
			}
			if !strings.Contains(err.Error(), tt.mention) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q should mention %s and %s", err, tt.mention, tt.reason)
			}
			if tt.b.Err() == nil {
				t.Error("Err() = nil")
			}
			// String must never widen the search to every workspace: it
			// yields an expression Coder rejects.
			if s := tt.b.String(); !strings.HasPrefix(s, ":") {
				t.Errorf("String() = %q, want an expression Coder rejects", s)
			}
		})
	}
}

func TestQueryReportsEveryRefusal(t *testing.T) {
	err := coder.Query().Param("a", "1,2").Name(`"`).Status("up").Err()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, s := range []string{"a=1,2", "name", "up"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}
