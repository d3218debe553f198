package api_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk"
)

func TestEntityConfigDemoCatalog(t *testing.T) {
	h := start(t, demoConfig, fakeHost(t, nil))
	enc := func(s string) string { return url.QueryEscape(s) }
	tests := []struct {
		entity      string
		repo        string
		creationURL string // after the access URL
		compatible  bool
	}{
		{"payments-api", "https://github.com/acme/payments-api",
			"/templates/docker-go/workspace?mode=auto&param.go_version=1.26&param.custom_repo=" + enc("https://github.com/acme/payments-api") + "&param.repo_url=" + enc("https://github.com/acme/payments-api"), true},
		{"storefront-web", "https://github.com/acme/storefront-web",
			"/templates/kubernetes-node/workspace?mode=manual&param.namespace=storefront&param.node_version=22&param.custom_repo=" + enc("https://github.com/acme/storefront-web") + "&param.repo_url=" + enc("https://github.com/acme/storefront-web"), true},
		{"docs-site", "https://github.com/acme/docs-site",
			"/templates/devcontainers/workspace?mode=manual&param.custom_repo=" + enc("https://github.com/acme/docs-site") + "&param.repo_url=" + enc("https://github.com/acme/docs-site"), true},
		{"ledger", "https://gitlab.com/acme/finance/ledger",
			"/templates/docker-go/workspace?mode=manual&param.custom_repo=" + enc("https://gitlab.com/acme/finance/ledger") + "&param.repo_url=" + enc("https://gitlab.com/acme/finance/ledger"), true},
		{"payments-cli", "https://github.com/acme/payments-api", "", true},
		{"storefront-checkout", "https://github.com/acme/storefront-web", "", true},
		{"legacy-billing", "https://github.com/acme/legacy-billing", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.entity, func(t *testing.T) {
			resp, body := get(t, h.URL+"/api/catalog/v1/entities/Component/default/"+tt.entity+"/coder")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			c := decodeConfig(t, body)
			if c.RepoURL != tt.repo || c.Compatible != tt.compatible {
				t.Errorf("repoUrl = %q, compatible = %v (%q); want %q, %v", c.RepoURL, c.Compatible, c.Reasons, tt.repo, tt.compatible)
			}
			if tt.creationURL != "" && c.CreationURL != h.fake.URL()+tt.creationURL {
				t.Errorf("creationUrl =\n  %s\nwant\n  %s", c.CreationURL, h.fake.URL()+tt.creationURL)
			}
			if c.EntityRef != "component:default/"+tt.entity ||
				c.OpenURL != "http://localhost:7007/api/proxy/coder/api/catalog/v1/entities/component/default/"+tt.entity+"/open" ||
				!strings.HasSuffix(c.BadgeURL, "/"+tt.entity+"/badge.svg") {
				t.Errorf("entityRef = %q, openUrl = %q, badgeUrl = %q", c.EntityRef, c.OpenURL, c.BadgeURL)
			}
			if len(c.RepoURLVariants) == 0 || c.RepoURLVariants[0] != tt.repo {
				t.Errorf("repoUrlVariants = %q", c.RepoURLVariants)
			}
		})
	}
}

func TestEntityConfigSeedMode(t *testing.T) {
	h := start(t, `{"repo_url_matching":"seed","default_template":"devcontainers","repo_url_param_keys":["repo_url"]}`, fakeHost(t, nil))
	for entity, repo := range map[string]string{
		"payments-api":        "https://github.com/acme/payments-api",
		"ledger":              "https://gitlab.com/acme/finance/ledger/-",
		"payments-cli":        "https://github.com/acme/payments-api.git",
		"storefront-checkout": "https://github.com/acme/storefront-web/tree/main/packages/checkout/",
	} {
		_, body := get(t, h.URL+"/api/catalog/v1/entities/component/default/"+entity+"/coder")
		if c := decodeConfig(t, body); c.RepoURL != repo || len(c.RepoURLVariants) != 1 {
			t.Errorf("%s: repoUrl = %q, variants %q; want the frontend's %q", entity, c.RepoURL, c.RepoURLVariants, repo)
		}
	}
}

func TestEntityConfigErrors(t *testing.T) {
	h := start(t, demoConfig, fakeHost(t, nil))
	tests := []struct {
		name, path      string
		status          int
		message, detail string
	}{
		{"unknown entity", "/v1/entities/component/default/nope/coder", http.StatusNotFound, `No entity "component:default/nope" in the catalog.`, ""},
		{"invalid spec.coder", "/v1/entities/component/default/reporting-jobs/coder", http.StatusUnprocessableEntity,
			"spec.coder.params.cpu: If defined, params must be JSON-serializable as Record<string, string>", "component:default/reporting-jobs"},
		{"unknown route", "/v1/nope", http.StatusNotFound, "No catalog route GET /v1/nope.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, h.URL+"/api/catalog"+tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			e := decodeError(t, body)
			if !strings.HasPrefix(e.Message, tt.message) || !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("error = %+v, want message %q and detail containing %q", e, tt.message, tt.detail)
			}
		})
	}
	t.Run("no catalog", func(t *testing.T) {
		h := start(t, demoConfig, nil)
		resp, body := get(t, h.URL+"/api/catalog/v1/entities/component/default/payments-api/coder")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(decodeError(t, body).Detail, "backstage.catalog_files") {
			t.Errorf("status %d: %s", resp.StatusCode, body)
		}
	})
}

func TestCoderConfigPost(t *testing.T) {
	h := start(t, demoConfig, fakeHost(t, nil))
	entity := `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"New-Svc","annotations":{"backstage.io/source-location":"url:git@github.com:acme/new-svc.git"}},"spec":{"coder":{"mode":"auto"}}}`
	resp, body := post(t, h.URL+"/api/catalog/v1/coder-config", `{"entity":`+entity+`}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	c := decodeConfig(t, body)
	if c.RepoURL != "https://github.com/acme/new-svc" || c.Mode != "auto" || !c.IsReadingEntityData || c.EntityRef != "component:default/new-svc" {
		t.Errorf("config = %+v", c)
	}

	bad := []struct {
		name, body string
		status     int
		message    string
	}{
		{"not JSON", `{`, http.StatusBadRequest, "The body must be a JSON object"},
		{"no entity", `{}`, http.StatusBadRequest, "The body has no entity."},
		{"entity not an object", `{"entity":[1]}`, http.StatusUnprocessableEntity, "entity: must be a catalog entity"},
		{"invalid mode, the frontend's words", `{"entity":{"kind":"Component","metadata":{"name":"x"},"spec":{"coder":{"mode":"fast"}}}}`,
			http.StatusUnprocessableEntity, "spec.coder.mode: If defined, createMode must be 'manual' or 'auto'"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, h.URL+"/api/catalog/v1/coder-config", tt.body)
			if resp.StatusCode != tt.status || !strings.HasPrefix(decodeError(t, body).Message, tt.message) {
				t.Errorf("status %d: %s; want %d %q", resp.StatusCode, body, tt.status, tt.message)
			}
		})
	}
}

func TestWorkspaceParamsHook(t *testing.T) {
	var fail bool
	host := fakeHost(t, func(input json.RawMessage) (json.RawMessage, string, error) {
		if fail {
			return nil, "", &sdk.ScriptError{Script: "boom", Pos: "boom.js:7:11", Message: "Error: no region for group:default/platform-team"}
		}
		var in struct {
			Entity struct {
				Metadata struct{ Name string } `json:"metadata"`
			} `json:"entity"`
			Config struct {
				Params map[string]string `json:"params"`
			} `json:"config"`
		}
		if err := json.Unmarshal(input, &in); err != nil {
			t.Fatal(err)
		}
		if in.Entity.Metadata.Name != "payments-api" {
			return nil, "", sdk.ErrNoResult
		}
		in.Config.Params["region"] = "eu-west"
		out, _ := json.Marshal(map[string]any{"templateName": "devcontainers", "params": in.Config.Params})
		return out, "region-by-owner", nil
	})
	h := start(t, demoConfig, host)
	path := h.URL + "/api/catalog/v1/entities/component/default/payments-api/coder"

	_, body := get(t, path)
	c := decodeConfig(t, body)
	if c.TemplateName != "devcontainers" || c.Params["region"] != "eu-west" || c.Script != "region-by-owner" ||
		!strings.Contains(c.CreationURL, "/templates/devcontainers/workspace?mode=auto&") || !strings.Contains(c.CreationURL, "param.region=eu-west") {
		t.Errorf("config after the script = %+v", c)
	}
	_, body = get(t, h.URL+"/api/catalog/v1/entities/component/default/storefront-web/coder")
	if c := decodeConfig(t, body); c.Script != "" || c.TemplateName != "kubernetes-node" {
		t.Errorf("a null result changed the config: %+v", c)
	}

	fail = true
	resp, body := get(t, path)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if e := decodeError(t, body); e.Message != `The workspace_params script "boom" failed.` || e.Detail != "boom.js:7:11: Error: no region for group:default/platform-team" {
		t.Errorf("error = %+v, want the script's name, file and line", e)
	}
	fail = false
	if resp, body := get(t, path); resp.StatusCode != http.StatusOK {
		t.Errorf("after a script error the plugin answers %d: %s", resp.StatusCode, body)
	}
}

func TestOpen(t *testing.T) {
	h := start(t, demoConfig, fakeHost(t, nil))
	base := h.URL + "/api/catalog/v1/entities/component/default/"

	resp, body := get(t, base+"payments-api/open")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	_, cfgBody := get(t, base+"payments-api/coder")
	if loc := resp.Header.Get("Location"); loc != decodeConfig(t, cfgBody).CreationURL || !strings.HasPrefix(loc, h.fake.URL()+"/templates/docker-go/workspace?mode=auto") {
		t.Errorf("Location = %q", loc)
	}

	pages := []struct {
		entity string
		status int
		says   string
	}{
		{"legacy-billing", http.StatusNotFound, "opts out of Coder with the annotation coder.com/enabled"},
		{"reporting-jobs", http.StatusUnprocessableEntity, "spec.coder.params.cpu: If defined, params must be JSON-serializable"},
		{"nope", http.StatusNotFound, "No entity &#34;component:default/nope&#34; in the catalog."},
		{"%3Cscript%3Ealert(1)%3C%2Fscript%3E", http.StatusNotFound, "&lt;script&gt;alert(1)&lt;/script&gt;"},
	}
	for _, p := range pages {
		t.Run(p.entity, func(t *testing.T) {
			resp, body := get(t, base+p.entity+"/open")
			if resp.StatusCode != p.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if !strings.Contains(string(body), p.says) || strings.Contains(string(body), "<script>") {
				t.Errorf("page does not say %q (or is not escaped):\n%s", p.says, body)
			}
		})
	}
	t.Run("not compatible", func(t *testing.T) {
		h := start(t, `{"repo_url_param_keys":["repo_url"]}`, fakeHost(t, nil)) // no default template
		resp, body := get(t, h.URL+"/api/catalog/v1/entities/component/default/docs-site/open")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "no Coder template") {
			t.Errorf("status %d: %s", resp.StatusCode, body)
		}
	})
}

func TestBadge(t *testing.T) {
	h := start(t, demoConfig, fakeHost(t, nil))
	tests := []struct {
		entity, message, cache string
		status                 int
	}{
		{"payments-api", "Coder", "public, max-age=300", http.StatusOK},
		{"legacy-billing", "not configured", "public, max-age=60", http.StatusOK},
		{"reporting-jobs", "invalid spec.coder", "public, max-age=60", http.StatusOK},
		{"nope", "unknown entity", "public, max-age=60", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.entity, func(t *testing.T) {
			resp, body := get(t, h.URL+"/api/catalog/v1/entities/component/default/"+tt.entity+"/badge.svg")
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "image/svg+xml; charset=utf-8" || resp.Header.Get("Cache-Control") != tt.cache {
				t.Errorf("status %d, headers %v", resp.StatusCode, resp.Header)
			}
			var svg struct {
				XMLName xml.Name
				Title   string `xml:"title"`
			}
			if err := xml.Unmarshal(body, &svg); err != nil || svg.XMLName.Local != "svg" {
				t.Fatalf("not SVG: %v\n%s", err, body)
			}
			if !strings.HasSuffix(svg.Title, ": "+tt.message) {
				t.Errorf("title = %q, want it to end in %q", svg.Title, tt.message)
			}
		})
	}
}
