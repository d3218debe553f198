package search_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/plugins/workspaces/internal/search"
	"github.com/coderhost/coderhost/sdk/coder"
	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

var (
	keys     = []string{"repo_url", "custom_repo"}
	variants = []string{"https://github.com/acme/api", "https://github.com/acme/api.git", "https://github.com/acme/api/"}
)

func TestBuildCoversEveryKeyAndVariant(t *testing.T) {
	q, err := search.Build("owner:me", keys, variants)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(q.Q, "owner:me param:") || strings.Count(q.Q, "param:") != 1 {
		t.Errorf("q = %s; want the filter then one param term", q.Q)
	}
	for _, k := range keys {
		for _, v := range variants {
			if !strings.Contains(q.Q, k+"="+v) {
				t.Errorf("q lacks %s=%s: %s", k, v, q.Q)
			}
		}
	}
}

func TestBuildRefusesAndSkips(t *testing.T) {
	t.Run("a param value term in the filter", func(t *testing.T) {
		for _, f := range []string{`param:"repo_url=https://github.com/other/x"`, `owner:me param:a,b=c`, `PARAM:x=y`} {
			_, err := search.Build(f, keys, variants)
			var fe *search.FilterError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), "other repositories") {
				t.Errorf("Build(%q) = %v, want a FilterError saying why", f, err)
			}
		}
	})
	t.Run("a bare param name is kept", func(t *testing.T) {
		q, err := search.Build("owner:me param:go_version", keys, variants[:1])
		if err != nil || !strings.HasPrefix(q.Q, "owner:me param:go_version param:") {
			t.Errorf("Build = %q, %v", q.Q, err)
		}
	})
	t.Run("variants Coder cannot express", func(t *testing.T) {
		q, err := search.Build("", keys, []string{"https://x.example.com/r?a=b", "https://github.com/acme/api"})
		if err != nil || len(q.Skipped) != 1 || strings.Contains(q.Q, "a=b") {
			t.Errorf("Build = %+v, %v; want the '=' variant skipped", q, err)
		}
		_, err = search.Build("", keys, []string{"https://x.example.com/r?a=b", `https://x/"q"`})
		if !errors.Is(err, search.ErrNoRepoTerms) || !strings.Contains(err.Error(), "a=b") {
			t.Errorf("nothing searchable: %v", err)
		}
	})
	t.Run("case variants collapse", func(t *testing.T) {
		q, err := search.Build("", keys[:1], []string{"https://github.com/Acme/API", "https://github.com/acme/api"})
		if err != nil || strings.Count(q.Q, "repo_url=") != 1 {
			t.Errorf("Build = %q, %v", q.Q, err)
		}
	})
	t.Run("no keys", func(t *testing.T) {
		if _, err := search.Build("", nil, variants); !errors.Is(err, search.ErrNoRepoTerms) {
			t.Errorf("err = %v", err)
		}
	})
}

func ptr(s string) *string { return &s }

// TestOneSearchFindsWhatTheFanOutFinds checks the one-request query against
// the fake Coder: it must return exactly the union of one search per key ×
// variant, which is what the seed's fan-out (extended to every variant)
// would find.
func TestOneSearchFindsWhatTheFanOutFinds(t *testing.T) {
	seed := &fakecoder.Seed{
		Users: []fakecoder.SeedUser{{Username: "admin", Email: "admin@example.com", Roles: []string{"owner"}}, {Username: "alice", Email: "alice@example.com"}},
		Templates: []fakecoder.SeedTemplate{
			{Name: "go", Versions: []fakecoder.SeedTemplateVersion{{Name: "v1", Parameters: []fakecoder.SeedParameter{{Name: "repo_url", Default: ptr("")}}}}},
			{Name: "node", Versions: []fakecoder.SeedTemplateVersion{{Name: "v1", Parameters: []fakecoder.SeedParameter{{Name: "custom_repo", Default: ptr("")}, {Name: "repo_url", Default: ptr("")}}}}},
		},
		Workspaces: []fakecoder.SeedWorkspace{
			{Name: "canonical", Owner: "alice", Template: "go", Parameters: map[string]string{"repo_url": variants[0]}},
			{Name: "dotgit", Owner: "alice", Template: "node", Parameters: map[string]string{"custom_repo": variants[1]}},
			{Name: "slash", Owner: "alice", Template: "go", Parameters: map[string]string{"repo_url": variants[2]}},
			{Name: "upper", Owner: "alice", Template: "go", Parameters: map[string]string{"repo_url": strings.ToUpper(variants[0])}},
			{Name: "other-repo", Owner: "alice", Template: "go", Parameters: map[string]string{"repo_url": "https://github.com/acme/web"}},
			{Name: "other-key", Owner: "alice", Template: "node", Parameters: map[string]string{"custom_repo": "https://github.com/acme/web", "repo_url": "x"}},
			{Name: "admins", Owner: "admin", Template: "go", Parameters: map[string]string{"repo_url": variants[0]}},
		},
	}
	fake := codertest.NewServer(t, fakecoder.WithSeed(seed))
	c, err := coder.New(fake.URL(), coder.WithSessionToken(fake.Token("alice")))
	if err != nil {
		t.Fatal(err)
	}
	names := func(q string) []string {
		t.Helper()
		res, err := c.Workspaces(context.Background(), coder.WorkspacesRequest{Q: q})
		if err != nil {
			t.Fatalf("q=%s: %v", q, err)
		}
		var out []string
		for _, w := range res.Workspaces {
			out = append(out, w.Name)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	q, err := search.Build("owner:me", keys, variants)
	if err != nil {
		t.Fatal(err)
	}
	var union []string
	for _, k := range keys {
		for _, v := range variants {
			union = append(union, names(coder.Query().Owner("me").Param(k, v).String())...)
		}
	}
	slices.Sort(union)
	union = slices.Compact(union)
	got := names(q.Q)
	if !slices.Equal(got, union) {
		t.Errorf("one search found %v; the fan-out finds %v", got, union)
	}
	if want := []string{"canonical", "dotgit", "slash", "upper"}; !slices.Equal(got, want) {
		t.Errorf("found %v, want %v", got, want)
	}
}
