package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Backstage's entity rules (specs/backstage-protocols.md §4.1).
var (
	backstageName = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	backstageKind = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]*$`)
)

type templateEntity struct {
	APIVersion string `json:"apiVersion" yaml:"apiVersion"`
	Kind       string `json:"kind" yaml:"kind"`
	Metadata   struct {
		Name        string            `json:"name" yaml:"name"`
		Namespace   string            `json:"namespace" yaml:"namespace"`
		Title       string            `json:"title" yaml:"title"`
		Description string            `json:"description" yaml:"description"`
		Annotations map[string]string `json:"annotations" yaml:"annotations"`
		Links       []struct {
			URL   string `json:"url" yaml:"url"`
			Title string `json:"title" yaml:"title"`
		} `json:"links" yaml:"links"`
	} `json:"metadata" yaml:"metadata"`
	Spec struct {
		Type  string `json:"type" yaml:"type"`
		Owner string `json:"owner" yaml:"owner"`
	} `json:"spec" yaml:"spec"`
}

func TestTemplates(t *testing.T) {
	cfg := `{"repo_url_param_keys":["repo_url"],"templates_token":"DemoAdmin1-DemoOnlyNotASecret0002","templates_cache_ttl":"1h"}`
	h := start(t, cfg, fakeHost(t, nil))

	resp, body := get(t, h.URL+"/api/catalog/v1/templates/catalog-info.yaml")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp.Header.Get("Cache-Control") != "max-age=3600" {
		t.Errorf("Cache-Control = %q", resp.Header.Get("Cache-Control"))
	}
	var fromYAML []templateEntity
	dec := yaml.NewDecoder(bytes.NewReader(body))
	for {
		var e templateEntity
		if err := dec.Decode(&e); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("YAML: %v\n%s", err, body)
		}
		fromYAML = append(fromYAML, e)
	}
	// The demo's non-deprecated templates.
	names := map[string]bool{}
	for _, e := range fromYAML {
		names[e.Metadata.Name] = true
		if e.APIVersion != "backstage.io/v1alpha1" || !backstageKind.MatchString(e.Kind) || !backstageName.MatchString(e.Metadata.Name) || len(e.Metadata.Name) > 63 {
			t.Errorf("entity %+v breaks Backstage's rules", e)
		}
		if e.Spec.Owner != "user:admin" || e.Spec.Type != "coder-template" || e.Metadata.Description == "" {
			t.Errorf("entity %s: owner %q, type %q, description %q", e.Metadata.Name, e.Spec.Owner, e.Spec.Type, e.Metadata.Description)
		}
		name := e.Metadata.Annotations["coder.com/template-name"]
		if !strings.HasPrefix(e.Metadata.Annotations["coder.com/icon-url"], h.fake.URL()+"/") ||
			len(e.Metadata.Links) == 0 || e.Metadata.Links[0].URL != h.fake.URL()+"/templates/coder/"+name {
			t.Errorf("entity %s: annotations %v, links %+v", e.Metadata.Name, e.Metadata.Annotations, e.Metadata.Links)
		}
	}
	for _, want := range []string{"coder-docker-go", "coder-kubernetes-node", "coder-devcontainers"} {
		if !names[want] {
			t.Errorf("no entity %s in %v", want, names)
		}
	}
	if names["coder-python-legacy"] {
		t.Error("the deprecated template is listed")
	}

	_, body = get(t, h.URL+"/api/catalog/v1/templates/entities")
	var fromJSON struct{ Items []templateEntity }
	if err := json.Unmarshal(body, &fromJSON); err != nil || len(fromJSON.Items) != len(fromYAML) {
		t.Fatalf("JSON items %d (%v), YAML documents %d", len(fromJSON.Items), err, len(fromYAML))
	}

	// Both answers came from one Coder request: the listing is cached.
	n := 0
	for _, r := range h.fake.Requests() {
		if strings.Contains(r.Path, "/templates") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d template requests reached Coder, want 1 within the TTL", n)
	}
}

func TestTemplatesTokens(t *testing.T) {
	t.Run("no token", func(t *testing.T) {
		h := start(t, `{"repo_url_param_keys":["repo_url"]}`, fakeHost(t, nil))
		resp, body := get(t, h.URL+"/api/catalog/v1/templates/entities")
		if e := decodeError(t, body); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(e.Detail, "templates_token") {
			t.Errorf("status %d: %+v", resp.StatusCode, e)
		}
	})
	t.Run("caller's token when none is configured", func(t *testing.T) {
		h := start(t, `{"repo_url_param_keys":["repo_url"]}`, fakeHost(t, nil))
		resp, body := get(t, h.URL+"/api/catalog/v1/templates/entities", "Coder-Session-Token", h.fake.Token("demo"))
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "coder-docker-go") {
			t.Errorf("status %d: %s", resp.StatusCode, body)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
			t.Errorf("Cache-Control = %q; a per-user answer must be private", cc)
		}
	})
	t.Run("rejected token", func(t *testing.T) {
		h := start(t, `{"repo_url_param_keys":["repo_url"],"templates_token":"AAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBB"}`, fakeHost(t, nil))
		resp, body := get(t, h.URL+"/api/catalog/v1/templates/catalog-info.yaml")
		e := decodeError(t, body)
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(e.Message, "Coder rejected the token") {
			t.Errorf("status %d: %+v", resp.StatusCode, e)
		}
		if strings.Contains(string(body), "BBBBBBBBBBBBBBBBBBBBBB") {
			t.Error("the error shows the token")
		}
	})
}

func TestBackstageConfig(t *testing.T) {
	h := start(t, `{"repo_url_param_keys":["custom_repo","repo_url"],"default_template":"docker-go","params":{"region":"eu"}}`, fakeHost(t, nil))
	resp, body := get(t, h.URL+"/api/catalog/v1/backstage-config")
	host := strings.TrimPrefix(h.URL, "http://")
	for _, want := range []string{
		"target: http://" + host + "/api/catalog/v1/templates/catalog-info.yaml",
		"- host: '" + host + "'",
		"url: http://localhost:7007/api/proxy/coder/api/catalog/v1/entities/component/default/<name>/open",
		"target: '" + h.URL + "/api/catalog/v1/entities/'",
		"allowedHeaders: ['Location']",
		`links_base_url = "http://localhost:7007/api/proxy/coder-open"`,
		"repoUrlParamKeys: ['custom_repo', 'repo_url']",
		"defaultTemplateName: 'docker-go'",
		"params: { 'region': 'eu' }",
		"<CoderWorkspacesCard readEntityData />",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("wiring lacks %q:\n%s", want, body)
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", resp.StatusCode)
	}
	// The YAML part parses.
	var doc struct {
		Catalog struct {
			Locations []struct{ Type, Target string }
		}
		Proxy struct {
			Endpoints map[string]struct{ Credentials string }
		}
	}
	if err := yaml.Unmarshal(body, &doc); err != nil || len(doc.Catalog.Locations) != 1 || doc.Catalog.Locations[0].Type != "url" ||
		doc.Proxy.Endpoints["/coder-open"].Credentials != "dangerously-allow-unauthenticated" {
		t.Errorf("wiring YAML: %v, %+v", err, doc)
	}
}
