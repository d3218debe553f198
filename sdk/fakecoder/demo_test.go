package fakecoder_test

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// entity is the part of a Backstage catalog entity these tests read.
type entity struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec struct {
		Profile struct {
			Email string `yaml:"email"`
		} `yaml:"profile"`
		MemberOf []string `yaml:"memberOf"`
		Owner    string   `yaml:"owner"`
		Coder    *struct {
			TemplateName string            `yaml:"templateName"`
			Mode         string            `yaml:"mode"`
			Params       map[string]string `yaml:"params"`
		} `yaml:"coder"`
	} `yaml:"spec"`
}

func loadCatalog(t *testing.T) []entity {
	t.Helper()
	files, err := filepath.Glob("../../examples/catalog/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalog files: %v", err)
	}
	var out []entity
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var e entity
			if err := dec.Decode(&e); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, e)
		}
	}
	return out
}

// cleanRepoURL is the Coder frontend plugin's normalisation of a source
// location: a trailing /tree/<ref>[/] is removed, nothing else.
var treeSuffix = regexp.MustCompile(`/tree/[A-Za-z0-9_.-]+/?$`)

func repoURLOf(e entity) string {
	loc := e.Metadata.Annotations["backstage.io/source-location"]
	_, target, ok := strings.Cut(loc, ":")
	if !ok {
		return ""
	}
	return treeSuffix.ReplaceAllString(target, "")
}

// repoSearch returns what the card lists for an entity: one search per
// repoUrlParamKeys entry, merged.
func repoSearch(t *testing.T, s *fakecoder.Server, token, repo string) []string {
	t.Helper()
	var out []string
	for _, key := range []string{"custom_repo", "repo_url"} {
		names, _ := listWorkspaces(t, s, token, `param:"`+key+"="+repo+`"`, "limit", "0")
		out = append(out, names...)
	}
	slices.Sort(out)
	return out
}

func TestDemoCatalogMatchesDeployment(t *testing.T) {
	s := codertest.NewServer(t)
	seed := fakecoder.DemoSeed()
	catalog := loadCatalog(t)
	admin := s.Token("admin")

	users := map[string]fakecoder.User{}
	for _, u := range s.Users() {
		users[u.Username] = u
	}
	groups := map[string]bool{}
	for _, e := range catalog {
		if e.Kind == "Group" {
			groups[e.Metadata.Name] = true
		}
	}

	wantWorkspaces := map[string][]string{
		"payments-api":      {"admin/payments-oncall", "demo/payments-api", "demo/payments-api-hotfix"},
		"storefront-web":    {"admin/storefront-review", "demo/storefront"},
		"inventory-service": {"demo/inventory"},
		"docs-site":         nil,
		// examples/catalog/coder-cases.yaml: with the frontend's cleaning
		// the .git and monorepo forms match no workspace (the catalog
		// plugin's robust matching does; see its tests).
		"ledger":              nil,
		"payments-cli":        nil,
		"storefront-checkout": nil,
		"legacy-billing":      nil,
		"reporting-jobs":      nil,
	}
	matched := map[string]bool{}
	for _, e := range catalog {
		switch e.Kind {
		case "User":
			u, ok := users[e.Metadata.Name]
			if !ok {
				t.Errorf("catalog user %q is not a Coder user", e.Metadata.Name)
				continue
			}
			if u.Email != e.Spec.Profile.Email {
				t.Errorf("user %s: catalog email %q, Coder email %q", u.Username, e.Spec.Profile.Email, u.Email)
			}
			for _, g := range e.Spec.MemberOf {
				if !groups[g] {
					t.Errorf("user %s is a member of unknown group %q", u.Username, g)
				}
			}
		case "Component":
			name := e.Metadata.Name
			if !groups[strings.TrimPrefix(e.Spec.Owner, "group:")] {
				t.Errorf("component %s: owner %q is not a catalog group", name, e.Spec.Owner)
			}
			repo := repoURLOf(e)
			if u, err := url.Parse(repo); err != nil || (u.Host != "github.com" && u.Host != "gitlab.com") {
				t.Errorf("component %s: source location %q", name, repo)
			}
			got := repoSearch(t, s, admin, repo)
			want, ok := wantWorkspaces[name]
			if !ok {
				t.Errorf("component %s is not covered by this test", name)
			}
			if !equalStrings(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("component %s (%s): workspaces %v, want %v", name, repo, got, want)
			}
			for _, w := range got {
				matched[w] = true
			}
			if c := e.Spec.Coder; c != nil {
				if c.Mode != "" && c.Mode != "manual" && c.Mode != "auto" {
					t.Errorf("component %s: mode %q", name, c.Mode)
				}
				checkTemplateParams(t, seed, name, c.TemplateName, c.Params)
			}
		}
	}
	// Every live demo workspace belongs to a catalog entity, except the
	// sandbox, which shows what the card does not list.
	for _, w := range s.Workspaces() {
		key := w.OwnerName + "/" + w.Name
		if w.LatestBuild.Status == "deleted" || key == "admin/sandbox" {
			continue
		}
		if !matched[key] {
			t.Errorf("workspace %s matches no catalog component", key)
		}
	}
}

func checkTemplateParams(t *testing.T, seed *fakecoder.Seed, component, template string, params map[string]string) {
	t.Helper()
	for _, tpl := range seed.Templates {
		if tpl.Name != template {
			continue
		}
		if tpl.DeprecationMessage != "" {
			t.Errorf("component %s uses deprecated template %s", component, template)
		}
		active := tpl.Versions[len(tpl.Versions)-1]
		for name := range params {
			if !slices.ContainsFunc(active.Parameters, func(p fakecoder.SeedParameter) bool { return p.Name == name }) {
				t.Errorf("component %s: template %s has no parameter %q", component, template, name)
			}
		}
		return
	}
	t.Errorf("component %s: template %q is not in the demo deployment", component, template)
}

func TestDemoCredentialsAreDocumented(t *testing.T) {
	s := codertest.NewServer(t)
	readme, err := os.ReadFile("../../examples/catalog/README.md")
	if err != nil {
		t.Fatal(err)
	}
	clientID, secret, ok := s.OAuth2App("backstage")
	if !ok {
		t.Fatal("no backstage app")
	}
	for what, value := range map[string]string{
		"demo token": s.Token("demo"), "admin token": s.Token("admin"),
		"client id": clientID, "client secret": secret, "callback": demoCallback,
	} {
		if !bytes.Contains(readme, []byte("`"+value+"`")) {
			t.Errorf("examples/catalog/README.md does not show the %s %s", what, value)
		}
	}
}
