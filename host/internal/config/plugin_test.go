package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coderhost/coderhost/sdk"
)

// testSchema exercises every attribute type and nesting mode.
var testSchema = sdk.Schema{
	Attributes: []sdk.Attribute{
		{Name: "client_id", Type: sdk.TypeString, Required: true},
		{Name: "client_secret", Type: sdk.TypeString, Required: true, Sensitive: true},
		{Name: "scopes", Type: sdk.TypeListString},
		{Name: "max_age", Type: sdk.TypeNumber},
		{Name: "insecure", Type: sdk.TypeBool},
		{Name: "labels", Type: sdk.TypeMapString},
		{Name: "api_keys", Type: sdk.TypeListString, Sensitive: true},
	},
	Blocks: []sdk.Block{
		{Name: "cache", Nesting: sdk.NestingSingle, Schema: sdk.Schema{
			Attributes: []sdk.Attribute{
				{Name: "ttl", Type: sdk.TypeString, Required: true},
				{Name: "size", Type: sdk.TypeNumber},
			},
		}},
		{Name: "rule", Nesting: sdk.NestingList, Schema: sdk.Schema{
			Attributes: []sdk.Attribute{
				{Name: "match", Type: sdk.TypeString, Required: true},
				{Name: "template", Type: sdk.TypeString},
			},
		}},
		{Name: "resolver", Nesting: sdk.NestingMap, Label: "name", Schema: sdk.Schema{
			Attributes: []sdk.Attribute{
				{Name: "url", Type: sdk.TypeString, Required: true},
				{Name: "token", Type: sdk.TypeString, Sensitive: true},
			},
		}},
	},
}

// TestDecodePluginConfig decodes the one plugin in each testdata/plugin file
// against testSchema. The golden file holds the JSON, or the diagnostics.
func TestDecodePluginConfig(t *testing.T) {
	files, err := filepath.Glob("testdata/plugin/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".hcl")
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(file, env(validEnv))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			raw, err := cfg.DecodePluginConfig(cfg.Plugins[0], testSchema)
			var out string
			if err != nil {
				var diags *Diagnostics
				if !errors.As(err, &diags) {
					t.Fatalf("error is %T (%v), want *Diagnostics", err, err)
				}
				out = "error:\n" + err.Error()
			} else {
				var indented strings.Builder
				var v any
				if err := json.Unmarshal(raw, &v); err != nil {
					t.Fatalf("invalid JSON %s: %v", raw, err)
				}
				b, _ := json.MarshalIndent(v, "", "  ")
				indented.Write(b)
				out = "json:\n" + indented.String()
			}
			golden(t, strings.TrimSuffix(file, ".hcl")+".golden", out)
		})
	}
}

func TestDecodePluginConfigSensitive(t *testing.T) {
	cfg, err := Load("testdata/plugin/full.hcl", env(validEnv))
	if err != nil {
		t.Fatal(err)
	}
	before := cfg.SensitiveValues()
	if _, err := cfg.DecodePluginConfig(cfg.Plugins[0], testSchema); err != nil {
		t.Fatal(err)
	}
	got := cfg.SensitiveValues()
	want := []string{"resolver-token-secret", "client-secret-value", "key-one-secret", "key-two-secret"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("SensitiveValues() = %q, missing %q", got, w)
		}
	}
	if len(got) != len(before)+len(want) {
		t.Errorf("SensitiveValues() = %q, want %q plus %q", got, before, want)
	}
	for _, notSecret := range []string{"client-id", "https://github.example.com", "platform"} {
		if slices.Contains(got, notSecret) {
			t.Errorf("SensitiveValues() includes %q, which no schema marks sensitive", notSecret)
		}
	}

	// Decoding again replaces the plugin's secrets rather than adding to them.
	if _, err := cfg.DecodePluginConfig(cfg.Plugins[0], testSchema); err != nil {
		t.Fatal(err)
	}
	if again := cfg.SensitiveValues(); !slices.Equal(again, got) {
		t.Errorf("after a second decode SensitiveValues() = %q, want %q", again, got)
	}
}

func TestDecodePluginConfigShapes(t *testing.T) {
	optional := sdk.Schema{
		Attributes: []sdk.Attribute{{Name: "greeting", Type: sdk.TypeString}},
		Blocks: []sdk.Block{
			{Name: "one", Nesting: sdk.NestingSingle},
			{Name: "many", Nesting: sdk.NestingList},
			{Name: "named", Nesting: sdk.NestingMap},
		},
	}
	requiredMap := sdk.Schema{Blocks: []sdk.Block{{
		Name: "resolver", Nesting: sdk.NestingMap, Label: "name", Required: true,
		Schema: sdk.Schema{Attributes: []sdk.Attribute{{Name: "url", Type: sdk.TypeString}}},
	}}}
	requiredList := sdk.Schema{Blocks: []sdk.Block{{Name: "rule", Nesting: sdk.NestingList, Required: true}}}

	tests := []struct {
		name    string
		plugin  string // the rest of plugin "p" { ... }, from line 4
		schema  sdk.Schema
		want    string
		wantErr string
	}{
		{name: "no block, nothing required", plugin: "", schema: optional, want: `{}`},
		{name: "empty block, nothing required", plugin: "config {}", schema: optional, want: `{}`},
		{name: "empty schema", plugin: "config {}", schema: sdk.Schema{}, want: `{}`},
		{name: "empty nested blocks", plugin: "config {\none {}\nmany {}\nnamed \"x\" {}\n}", schema: optional,
			want: `{"many":[{}],"named":{"x":{}},"one":{}}`},
		{name: "required map block present", plugin: "config {\nresolver \"a\" {}\n}", schema: requiredMap,
			want: `{"resolver":{"a":{}}}`},
		{name: "map block labels keep source order", plugin: "config {\nresolver \"zeta\" {}\nresolver \"alpha\" { url = \"u\" }\nresolver \"mid\" {}\n}", schema: requiredMap,
			want: `{"resolver":{"zeta":{},"alpha":{"url":"u"},"mid":{}}}`},
		{name: "nested map block labels keep source order", plugin: "config {\none {\nnamed \"b\" {}\nnamed \"a\" {}\n}\n}", schema: sdk.Schema{Blocks: []sdk.Block{{
			Name: "one", Nesting: sdk.NestingSingle, Schema: sdk.Schema{Blocks: []sdk.Block{{Name: "named", Nesting: sdk.NestingMap}}},
		}}}, want: `{"one":{"named":{"b":{},"a":{}}}}`},
		{name: "required map block missing", plugin: "config {}", schema: requiredMap,
			wantErr: `mem.hcl:4,8: Missing resolver block; plugin "p" config: At least one resolver "name" { ... } block is required.`},
		{name: "required list block missing", plugin: "config {}", schema: requiredList,
			wantErr: `Insufficient rule blocks`},
		{name: "missing required attribute shows its description", plugin: "config {}", schema: sdk.Schema{Attributes: []sdk.Attribute{
			{Name: "client_id", Type: sdk.TypeString, Required: true, Description: `Set CODER_OAUTH_CLIENT_ID: client_id = env("CODER_OAUTH_CLIENT_ID").`}}},
			wantErr: `The argument "client_id" is required, but no definition was found. Set CODER_OAUTH_CLIENT_ID: client_id = env("CODER_OAUTH_CLIENT_ID").`},
		{name: "required attribute without config block", plugin: "", schema: testSchema,
			wantErr: `mem.hcl:2,1: Missing required argument; plugin "p" config: The argument "client_id" is required`},
		{name: "unknown attribute in empty schema", plugin: "config {\nx = 1\n}", schema: sdk.Schema{},
			wantErr: `mem.hcl:5,1: Unsupported argument; plugin "p" config: An argument named "x" is not expected here.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "coder { demo = true }\nplugin \"p\" {\npath = \"bin/plugins/p\"\n" + tt.plugin + "\n}\n"
			cfg, err := Parse("mem.hcl", []byte(src), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := cfg.DecodePluginConfig(cfg.Plugins[0], tt.schema)
			if tt.wantErr != "" {
				var diags *Diagnostics
				if !errors.As(err, &diags) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want *Diagnostics containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(raw) != tt.want {
				t.Errorf("got %s, want %s", raw, tt.want)
			}
		})
	}
}

// A schema the host cannot use is the plugin's fault, not the admin's.
func TestDecodePluginConfigInvalidSchema(t *testing.T) {
	cfg, err := Parse("mem.hcl", []byte("coder { demo = true }\nplugin \"p\" { path = \"bin/plugins/p\" }\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		schema sdk.Schema
		want   string
	}{
		{"unknown type", sdk.Schema{Attributes: []sdk.Attribute{{Name: "a", Type: "set(number)"}}}, `attribute "a" has unknown type "set(number)"`},
		{"bad name", sdk.Schema{Attributes: []sdk.Attribute{{Name: "a b", Type: sdk.TypeString}}}, `"a b" is not a valid HCL name`},
		{"repeated name", sdk.Schema{
			Attributes: []sdk.Attribute{{Name: "a", Type: sdk.TypeString}},
			Blocks:     []sdk.Block{{Name: "a", Nesting: sdk.NestingSingle}},
		}, `"a" is declared twice`},
		{"unknown nesting", sdk.Schema{Blocks: []sdk.Block{{Name: "b", Nesting: "set"}}}, `block "b" has unknown nesting "set"`},
		{"nested problem", sdk.Schema{Blocks: []sdk.Block{{Name: "b", Nesting: sdk.NestingList, Schema: sdk.Schema{
			Attributes: []sdk.Attribute{{Name: "c", Type: "any"}},
		}}}}, `block "b": attribute "c" has unknown type "any"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cfg.DecodePluginConfig(cfg.Plugins[0], tt.schema)
			var diags *Diagnostics
			if err == nil || errors.As(err, &diags) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want a plain error containing %q", err, tt.want)
			}
		})
	}
}

// The host configures plugins in parallel and may log (reading
// SensitiveValues) meanwhile; run with -race.
func TestDecodePluginConfigConcurrent(t *testing.T) {
	src := `
coder { demo = true }
plugin "a" {
  path = "bin/plugins/a"
  config {
    client_id     = "a"
    client_secret = "secret-a"
  }
}
plugin "b" {
  path = "bin/plugins/b"
  config {
    client_id     = "b"
    client_secret = env("SECRET_B")
  }
}
`
	cfg, err := Parse("mem.hcl", []byte(src), env(map[string]string{"SECRET_B": "secret-b"}))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		for _, p := range cfg.Plugins {
			wg.Go(func() {
				if _, err := cfg.DecodePluginConfig(p, testSchema); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Go(func() { cfg.SensitiveValues() })
	}
	wg.Wait()
	if got := cfg.SensitiveValues(); !slices.Equal(got, []string{"secret-a", "secret-b"}) {
		t.Errorf("SensitiveValues() = %q", got)
	}
}

func TestPluginErrorIsPlacedAtTheSettingItNames(t *testing.T) {
	src := `coder { demo = true }
plugin "p" {
  path = "bin/plugins/p"
  config {
    client_id = ""
    keys      = ["a.pem", "b.pem"]
    sign_in {
      resolver "x" {}
    }
  }
}
`
	cfg, err := Parse("mem.hcl", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	inner := errors.New("boom")
	tests := []struct{ msg, want string }{
		{"client_id is empty: set X", "mem.hcl:5,17: Plugin \"p\" rejected its configuration; client_id is empty: set X"},
		{"keys[1] b.pem: not a key", "mem.hcl:6,27: "},
		{"sign_in: resolver \"x\" is not available", "mem.hcl:7,5: "},
		{"something else entirely", "mem.hcl:2,1: "},
	}
	for _, tt := range tests {
		err := cfg.PluginError(cfg.Plugins[0], fmt.Errorf("plugin %q rejected its configuration: %s: %w", "p", tt.msg, inner))
		if !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, inner) {
			t.Errorf("%q placed as:\n%s\nwant prefix %q", tt.msg, err, tt.want)
		}
	}
}
