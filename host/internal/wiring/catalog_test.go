package wiring

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/coderhost/coderhost/host/internal/config"
)

func TestCatalogSnippet(t *testing.T) {
	cfg := &config.Config{ExternalURL: "http://localhost:7007/api/proxy/coder"}
	if s := Catalog("127.0.0.1:7008", cfg); s != "" {
		t.Errorf("snippet without a catalog plugin:\n%s", s)
	}
	cfg.Plugins = []config.Plugin{{ID: "hello"}, {ID: "catalog"}}
	s := Catalog("127.0.0.1:7008", cfg)
	for _, want := range []string{
		"target: http://127.0.0.1:7008/api/catalog/v1/templates/catalog-info.yaml",
		"- host: '127.0.0.1:7008'",
		"- url: http://localhost:7007/api/proxy/coder/api/catalog/v1/entities/component/default/<name>/open",
		"http://127.0.0.1:7008/api/catalog/v1/backstage-config",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("snippet lacks %q:\n%s", want, s)
		}
	}
	// It continues the app-config.yaml fragment: together they are YAML.
	full := ProxyEndpoint("127.0.0.1:7008", cfg) + s
	yamlPart := full[strings.Index(full, "\n")+1 : strings.Index(full, `"Open in Coder"`)]
	var doc struct {
		Proxy   map[string]any
		Catalog struct{ Locations []map[string]any }
		Backend struct {
			Reading struct{ Allow []map[string]string }
		}
	}
	if err := yaml.Unmarshal([]byte(yamlPart), &doc); err != nil || len(doc.Catalog.Locations) != 1 || doc.Backend.Reading.Allow[0]["host"] != "127.0.0.1:7008" || doc.Proxy == nil {
		t.Errorf("app-config part does not parse as one document: %v %+v\n%s", err, doc, yamlPart)
	}
}
