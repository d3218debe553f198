package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// defaultConfig is the repository's config.hcl with its relative paths made
// absolute and the plugins taken from the test's build.
func defaultConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "config.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(
		`"bin/plugins/`, `"`+pluginDir+`/`,
		`"bin/plugins"`, `"`+pluginDir+`"`,
		`"examples/`, `"`+repoRoot+`/examples/`,
		`"scripts/`, `"`+repoRoot+`/scripts/`,
	).Replace(string(b))
	return writeConfig(t, s)
}

// demoCoderURL is the embedded demo deployment's URL from the banner.
func demoCoderURL(t *testing.T, d *daemon) string {
	t.Helper()
	if usingRealCoder() {
		return realCoder.url
	}
	// The banner may reach the pipe a moment after /readyz answers.
	re := regexp.MustCompile(`(?m)^demo coder: (\S+)$`)
	var m []string
	eventually(t, "the banner to show the demo Coder URL", func() bool {
		m = re.FindStringSubmatch(d.output())
		return m != nil
	})
	return m[1]
}

func fetch(t *testing.T, u string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header = header
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

type entityCoderConfig struct {
	Mode            string            `json:"mode"`
	TemplateName    string            `json:"templateName"`
	CreationURL     string            `json:"creationUrl"`
	RepoURL         string            `json:"repoUrl"`
	Params          map[string]string `json:"params"`
	Compatible      bool              `json:"compatible"`
	Reasons         []string          `json:"reasons"`
	RepoURLVariants []string          `json:"repoUrlVariants"`
	Script          string            `json:"script"`
}

// The default configuration, the demo deployment and examples/catalog,
// through the real daemon and plugin processes.
func TestCatalogPluginWithTheDemo(t *testing.T) {
	d := start(t, onRealCoderFile(t, defaultConfig(t)))
	coderURL := demoCoderURL(t, d)
	admin := http.Header{"Coder-Session-Token": {adminToken(t)}}
	entityURL := func(name, route string) string {
		return d.url("/api/catalog/v1/entities/component/default/" + name + "/" + route)
	}

	t.Run("demo components answer with their workspaces' repo URLs", func(t *testing.T) {
		want := map[string][]string{
			"payments-api":        {"admin/payments-oncall", "demo/payments-api", "demo/payments-api-hotfix"},
			"payments-cli":        {"admin/payments-oncall", "demo/payments-api", "demo/payments-api-hotfix"}, // .git
			"storefront-web":      {"admin/storefront-review", "demo/storefront"},
			"storefront-checkout": {"admin/storefront-review", "demo/storefront"}, // monorepo path
			"inventory-service":   {"demo/inventory"},
			"docs-site":           nil,
			"ledger":              nil, // GitLab
		}
		for name, workspaces := range want {
			var c entityCoderConfig
			if code := getJSON(t, entityURL(name, "coder"), nil, &c); code != http.StatusOK || !c.Compatible {
				t.Errorf("%s: %d, compatible %v %q", name, code, c.Compatible, c.Reasons)
				continue
			}
			// Search Coder through the pass-through the way the card does,
			// one param: term per repo key.
			var got []string
			for _, key := range []string{"custom_repo", "repo_url"} {
				var list struct {
					Workspaces []struct {
						Name      string `json:"name"`
						OwnerName string `json:"owner_name"`
					} `json:"workspaces"`
				}
				q := url.Values{"q": {`param:"` + key + "=" + c.RepoURL + `"`}, "limit": {"0"}}
				getJSON(t, d.url("/api/v2/workspaces?"+q.Encode()), admin, &list)
				for _, w := range list.Workspaces {
					got = append(got, w.OwnerName+"/"+w.Name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, workspaces) {
				t.Errorf("%s: repoUrl %q finds %v, want %v", name, c.RepoURL, got, workspaces)
			}
		}
	})

	t.Run("creation link", func(t *testing.T) {
		// config.hcl's region-by-owner script adds region; platform-team has
		// no region of its own, so it is the script's default.
		enc := url.QueryEscape("https://github.com/acme/payments-api")
		want := coderURL + "/templates/docker-go/workspace?mode=auto&param.custom_repo=" + enc +
			"&param.go_version=1.26&param.region=us-east&param.repo_url=" + enc
		var c entityCoderConfig
		getJSON(t, entityURL("payments-api", "coder"), nil, &c)
		if c.CreationURL != want || c.Script != "region-by-owner" {
			t.Errorf("creationUrl =\n  %s\nwant\n  %s (script %q)", c.CreationURL, want, c.Script)
		}
		resp, _ := fetch(t, entityURL("payments-api", "open"), nil)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
			t.Errorf("/open: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The link leads to a page of the demo deployment's template.
		if resp, _ := fetch(t, coderURL+"/api/v2/organizations/default/templates/"+c.TemplateName, admin); resp.StatusCode != http.StatusOK {
			t.Errorf("template %q of the link: %d", c.TemplateName, resp.StatusCode)
		}
	})

	t.Run("open explains why not", func(t *testing.T) {
		for name, status := range map[string]int{"legacy-billing": 404, "reporting-jobs": 422, "no-such-thing": 404} {
			resp, body := fetch(t, entityURL(name, "open"), nil)
			if resp.StatusCode != status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("<li>")) {
				t.Errorf("%s: %d %s\n%s", name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		}
		var e struct{ Message string }
		if code := getJSON(t, entityURL("reporting-jobs", "coder"), nil, &e); code != 422 || !strings.HasPrefix(e.Message, "spec.coder.params.cpu: ") {
			t.Errorf("invalid spec.coder: %d %q", code, e.Message)
		}
	})

	t.Run("badge is SVG", func(t *testing.T) {
		for name, message := range map[string]string{"payments-api": "Coder", "legacy-billing": "not configured"} {
			resp, body := fetch(t, entityURL(name, "badge.svg"), nil)
			var svg struct {
				XMLName xml.Name
				Title   string `xml:"title"`
			}
			if err := xml.Unmarshal(body, &svg); err != nil || svg.XMLName.Space != "http://www.w3.org/2000/svg" || svg.XMLName.Local != "svg" {
				t.Fatalf("%s: not SVG (%v): %s", name, err, body)
			}
			if !strings.HasSuffix(svg.Title, ": "+message) || resp.Header.Get("Content-Type") != "image/svg+xml; charset=utf-8" ||
				!strings.Contains(resp.Header.Get("Cache-Control"), "max-age=") {
				t.Errorf("%s: title %q, headers %v", name, svg.Title, resp.Header)
			}
		}
	})

	t.Run("templates as catalog entities", func(t *testing.T) {
		resp, body := fetch(t, d.url("/api/catalog/v1/templates/catalog-info.yaml"), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%d: %s", resp.StatusCode, body)
		}
		nameRule := regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
		kindRule := regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]*$`)
		apiVersionRule := regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[a-zA-Z0-9]{1,63}$`)
		dec := yaml.NewDecoder(bytes.NewReader(body))
		var names []string
		for {
			var e struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
				Metadata   struct {
					Name        string            `yaml:"name"`
					Annotations map[string]string `yaml:"annotations"`
				} `yaml:"metadata"`
				Spec struct{ Type, Owner string } `yaml:"spec"`
			}
			if err := dec.Decode(&e); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("YAML: %v\n%s", err, body)
			}
			if !apiVersionRule.MatchString(e.APIVersion) || !kindRule.MatchString(e.Kind) || len(e.Kind) > 63 ||
				!nameRule.MatchString(e.Metadata.Name) || len(e.Metadata.Name) > 63 || e.Spec.Owner == "" || e.Spec.Type == "" {
				t.Errorf("entity breaks Backstage's rules: %+v", e)
			}
			names = append(names, e.Metadata.Annotations["coder.com/template-name"])
		}
		slices.Sort(names)
		want := []string{"devcontainers", "docker-go", "kubernetes-node"}
		if usingRealCoder() {
			// Deprecating python-legacy needs a licence; held-start and
			// regional-go are the real deployment's extra templates
			// (test/real/realseed).
			want = []string{"devcontainers", "docker-go", "held-start", "kubernetes-node", "python-legacy", "regional-go"}
		}
		if !slices.Equal(names, want) {
			t.Errorf("templates %v, want the demo's active ones %v", names, want)
		}
		var list struct{ Items []json.RawMessage }
		if code := getJSON(t, d.url("/api/catalog/v1/templates/entities"), nil, &list); code != 200 || len(list.Items) != len(names) {
			t.Errorf("JSON: %d, %d items", code, len(list.Items))
		}
	})

	t.Run("startup banner prints the catalog location", func(t *testing.T) {
		if !strings.Contains(d.output(), "target: http://"+d.addr+"/api/catalog/v1/templates/catalog-info.yaml") {
			t.Errorf("banner:\n%s", d.output())
		}
	})
}

// A workspace_params script changes the result; one that throws is a 500
// naming the script, file and line, and the plugin keeps serving.
func TestCatalogPluginWorkspaceParamsScript(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "params.js")
	good := "function workspace_params(input, ctx) {\n  return { mode: \"manual\", params: { ...input.config.params, cpu: 6 } };\n}\n"
	bad := "function workspace_params(input, ctx) {\n  const owner = input.entity.spec.owner;\n  throw new Error(\"no region for \" + owner);\n}\n"
	if err := os.WriteFile(script, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig("Hello") + `
script "params" {
  file = "` + script + `"
  hook = "workspace_params"
}
plugin "catalog" {
  path = "` + filepath.Join(pluginDir, "coderhost-plugin-catalog") + `"
  config {
    repo_url_param_keys = ["repo_url"]
  }
}
`
	d := start(t, writeConfig(t, cfg))
	path := d.url("/api/catalog/v1/entities/component/default/payments-api/coder")

	var c entityCoderConfig
	if code := getJSON(t, path, nil, &c); code != 200 || c.Mode != "manual" || c.Params["cpu"] != "6" || c.Script != "params" ||
		!strings.Contains(c.CreationURL, "mode=manual") || !strings.Contains(c.CreationURL, "param.cpu=6") {
		t.Fatalf("with the script: %d %+v", code, c)
	}

	if err := os.WriteFile(script, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var e struct{ Message, Detail string }
	eventually(t, "the throwing script to take effect", func() bool {
		return getJSON(t, path, nil, &e) == http.StatusInternalServerError
	})
	if e.Message != `The workspace_params script "params" failed.` || !strings.HasPrefix(e.Detail, "params.js:3:") || !strings.Contains(e.Detail, "no region for group:platform-team") {
		t.Errorf("error = %+v, want the script name, params.js:3 and its message", e)
	}
	if code := getJSON(t, d.url("/api/catalog/v1/entities/component/default/legacy-billing/coder"), nil, &c); code != 200 {
		t.Errorf("the plugin stopped serving after a script error: %d", code)
	}
	if st := d.plugin("catalog"); st.Restarts != 0 || st.State != "running" {
		t.Errorf("catalog plugin %+v", st)
	}
}
