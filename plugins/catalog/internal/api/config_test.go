package api

import (
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk"
)

func TestDecodeConfig(t *testing.T) {
	info := sdk.HostInfo{CoderURL: "http://127.0.0.1:3000", ExternalURL: "http://localhost:7007/api/proxy/coder/"}
	c, err := decodeConfig([]byte(`{"repo_url_param_keys":["repo_url"],"params":{"b":"1","a":"2"}}`), info)
	if err != nil {
		t.Fatal(err)
	}
	if c.App.AccessURL != info.CoderURL || c.ttl != time.Minute || c.TemplatesNamespace != "default" ||
		c.LinksBaseURL != "http://localhost:7007/api/proxy/coder/api/catalog/v1/entities" || c.App.Params["b"] != "1" {
		t.Errorf("defaults: %+v", c)
	}
	bad := []struct{ config, want string }{
		{`{}`, "repo_url_param_keys: list at least one"},
		{`{"repo_url_param_keys":["r"],"templates_cache_ttl":"soon"}`, `templates_cache_ttl: "soon" is not a positive duration`},
		{`{"repo_url_param_keys":["r"],"templates_cache_ttl":"-1s"}`, `templates_cache_ttl: "-1s"`},
		{`{"repo_url_param_keys":["r"],"links_base_url":"/api/catalog"}`, `links_base_url: "/api/catalog" is not an absolute http(s) URL`},
		{`{"repo_url_param_keys":["r"],"default_mode":"form"}`, `default_mode: must be "manual" or "auto"`},
		{`{"repo_url_param_keys":"r"}`, "decode the catalog plugin's config"},
	}
	for _, tt := range bad {
		if _, err := decodeConfig([]byte(tt.config), info); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("decodeConfig(%s) = %v, want %q", tt.config, err, tt.want)
		}
	}
	// Every attribute the plugin reads is in its schema, and only those.
	names := map[string]bool{}
	for _, a := range schema().Attributes {
		names[a.Name] = true
	}
	for _, n := range []string{"access_url", "default_template", "default_mode", "repo_url_param_keys", "params", "repo_url_matching",
		"templates_token", "templates_organization", "templates_cache_ttl", "templates_namespace", "templates_owner", "templates_owners", "links_base_url"} {
		if !names[n] {
			t.Errorf("schema lacks %s", n)
		}
		delete(names, n)
	}
	if len(names) != 0 {
		t.Errorf("schema has unread attributes %v", names)
	}
}
