package config

import (
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// env returns an environment for env(); tests never read the real one.
func env(vars map[string]string) Option {
	return WithEnv(func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	})
}

var validEnv = map[string]string{
	"BACKSTAGE_CATALOG_TOKEN":   "catalog-token-secret",
	"AUTH_KEY":                  "auth-key-secret",
	"CODER_OAUTH_CLIENT_ID":     "client-id",
	"CODER_OAUTH_CLIENT_SECRET": "client-secret-value",
}

// golden compares got with the golden file, or rewrites it under -update.
// The absolute path of testdata is written as $TESTDATA so the files do not
// depend on where the repository is checked out.
func golden(t *testing.T, path, got string) {
	t.Helper()
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	got = strings.ReplaceAll(got, abs, "$TESTDATA") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./host/internal/config -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestLoadInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".hcl")
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(file, env(nil))
			if err == nil {
				t.Fatalf("Load succeeded with %+v, want diagnostics", cfg)
			}
			var diags *Diagnostics
			if !errors.As(err, &diags) {
				t.Fatalf("Load error is %T (%v), want *Diagnostics", err, err)
			}
			if !diags.HCL().HasErrors() {
				t.Errorf("HCL() holds no errors: %v", diags.HCL())
			}
			golden(t, strings.TrimSuffix(file, ".hcl")+".golden", err.Error())
		})
	}
}

// TestManyErrorsAllReported guards the promise that one run reports every
// problem, not just the first.
func TestManyErrorsAllReported(t *testing.T) {
	_, err := Load("testdata/invalid/many_errors.hcl", env(nil))
	var diags *Diagnostics
	if !errors.As(err, &diags) {
		t.Fatalf("got %v, want *Diagnostics", err)
	}
	var lines []int
	for _, d := range diags.HCL() {
		lines = append(lines, d.Subject.Start.Line)
	}
	want := []int{2, 3, 4, 7, 11, 15, 16, 20, 21, 25, 26, 29}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("diagnostics on lines %v, want %v:\n%v", lines, want, err)
	}
}

func TestLoadValid(t *testing.T) {
	dir, err := filepath.Abs("testdata/valid")
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string { return filepath.Join(dir, p) }
	defaultProxy := Proxy{
		AllowedMethods: []string{"GET", "HEAD"},
		AllowedHeaders: []string{"Coder-Session-Token"},
		Timeout:        30 * time.Second,
		MaxBodyBytes:   10 << 20,
	}
	defaults := func(path string) Config {
		return Config{
			Path:              path,
			Dir:               dir,
			Listen:            "127.0.0.1:7008",
			ExternalURL:       "http://localhost:7007/api/proxy/coder",
			LogLevel:          "info",
			LogFormat:         "text",
			PluginDir:         abs("bin/plugins"),
			ShutdownTimeout:   15 * time.Second,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			Backstage:         Backstage{CatalogCacheTTL: time.Minute},
			Proxy:             defaultProxy,
		}
	}

	tests := []struct {
		file string
		want func() Config
		// config says which plugins (by id) have a config block.
		config map[string]bool
	}{
		{
			file: "testdata/valid/minimal.hcl",
			want: func() Config {
				c := defaults("testdata/valid/minimal.hcl")
				c.Coder = Coder{Demo: true}
				return c
			},
		},
		{
			file: "testdata/valid/demo.hcl",
			want: func() Config {
				c := defaults("testdata/valid/demo.hcl")
				c.PluginDir = "/opt/coderhost/plugins"
				c.Coder = Coder{Demo: true, DemoSeed: abs("seed.yaml")}
				c.Backstage.CatalogFiles = []string{abs("catalog/**.yaml")}
				c.Proxy.AllowedHeaders = []string{}
				c.Proxy.MaxBodyBytes = 512_000
				c.Scripts = []Script{{Name: "signin", File: abs("scripts/signin/username.js"), Hook: "signin", Timeout: 100 * time.Millisecond}}
				c.Plugins = []Plugin{{
					ID: "workspaces", Path: "/opt/coderhost/plugins/workspaces",
					StartTimeout: 10 * time.Second, HealthInterval: 10 * time.Second, MaxBodyBytes: 10 << 20,
					MaxInFlightBytes: 64 << 20, Timeout: 30 * time.Second,
				}}
				return c
			},
			config: map[string]bool{"workspaces": true},
		},
		{
			file: "testdata/valid/full.hcl",
			want: func() Config {
				return Config{
					Path:              "testdata/valid/full.hcl",
					Dir:               dir,
					Listen:            "127.0.0.1:7008",
					ExternalURL:       "https://backstage.example.com/api/proxy/coder",
					LogLevel:          "debug",
					LogFormat:         "json",
					PluginDir:         abs("bin/plugins"),
					ShutdownTimeout:   20 * time.Second,
					ReadHeaderTimeout: 5 * time.Second,
					ReadTimeout:       45 * time.Second,
					WriteTimeout:      2 * time.Minute,
					IdleTimeout:       3 * time.Minute,
					Coder:             Coder{AccessURL: "https://coder.example.com"},
					Backstage: Backstage{
						AppURL:          "https://backstage.example.com",
						BackendURL:      "https://backstage.example.com",
						CatalogToken:    "catalog-token-secret",
						CatalogFiles:    []string{abs("catalog/*.yaml"), "/srv/catalog/users.yaml"},
						CatalogCacheTTL: 5 * time.Minute,
					},
					Proxy: Proxy{
						AllowedMethods:       []string{"GET", "POST"},
						AllowedHeaders:       []string{"Coder-Session-Token", "X-Trace"},
						Headers:              map[string]string{"X-Extra": "extra-secret"},
						ForwardAuthorization: true,
						Timeout:              45 * time.Second,
						MaxBodyBytes:         1 << 20,
					},
					Scripts: []Script{
						{Name: "username", File: abs("scripts/signin/username.js"), Hook: "signin", Timeout: 250 * time.Millisecond},
						{Name: "workspace_params", File: abs("scripts/params/workspace.js"), Hook: "workspace_params", Timeout: 100 * time.Millisecond},
					},
					Plugins: []Plugin{
						{
							ID:               "auth",
							Path:             abs("bin/plugins/coderhost-plugin-auth"),
							SHA256:           "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
							PassEnv:          []string{"HTTPS_PROXY", "NO_PROXY"},
							Env:              map[string]string{"AUTH_DEBUG": "1", "AUTH_KEY": "auth-key-secret"},
							StartTimeout:     30 * time.Second,
							HealthInterval:   5 * time.Second,
							MaxBodyBytes:     1048576,
							MaxInFlightBytes: 16 << 20,
							Timeout:          time.Minute,
						},
						{
							ID:               "catalog",
							Path:             abs("bin/plugins/coderhost-plugin-catalog"),
							StartTimeout:     10 * time.Second,
							HealthInterval:   10 * time.Second,
							MaxBodyBytes:     10 << 20,
							MaxInFlightBytes: 64 << 20,
							Timeout:          30 * time.Second,
						},
					},
				}
			},
			config: map[string]bool{"auth": true},
		},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			got, err := Load(tt.file, env(validEnv))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			for i, s := range got.Scripts {
				if s.DeclRange.Filename != tt.file || s.DeclRange.Start.Line == 0 {
					t.Errorf("script %q DeclRange = %v, want a position in %s", s.Name, s.DeclRange, tt.file)
				}
				got.Scripts[i].DeclRange = hcl.Range{}
			}
			for i, p := range got.Plugins {
				if p.DeclRange.Filename != tt.file || p.DeclRange.Start.Line == 0 {
					t.Errorf("plugin %q DeclRange = %v, want a position in %s", p.ID, p.DeclRange, tt.file)
				}
				if has := p.Config != nil; has != tt.config[p.ID] {
					t.Errorf("plugin %q has config body: %v, want %v", p.ID, has, tt.config[p.ID])
				}
				for what, rng := range map[string]hcl.Range{"path": p.PathRange, "sha256": p.SHA256Range} {
					if rng.Filename != tt.file || rng.Start.Line == 0 {
						t.Errorf("plugin %q %s range = %v, want a position in %s", p.ID, what, rng, tt.file)
					}
				}
				got.Plugins[i].DeclRange, got.Plugins[i].Config = hcl.Range{}, nil
				got.Plugins[i].PathRange, got.Plugins[i].SHA256Range = hcl.Range{}, hcl.Range{}
			}
			if got.ListenRange != nil && got.ListenRange.Filename != tt.file {
				t.Errorf("ListenRange = %v, want a position in %s", got.ListenRange, tt.file)
			}
			got.ListenRange = nil
			got.files, got.ctx, got.secrets = nil, nil, nil
			if want := tt.want(); !reflect.DeepEqual(*got, want) {
				t.Errorf("decoded config differs\n got: %s\nwant: %s", dump(*got), dump(want))
			}
		})
	}
}

func dump(c Config) string {
	b, _ := json.MarshalIndent(c, "", "  ")
	return string(b)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.hcl", env(nil))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load error = %v, want one wrapping fs.ErrNotExist", err)
	}
	var diags *Diagnostics
	if errors.As(err, &diags) {
		t.Errorf("an unreadable file is not a config problem, got *Diagnostics: %v", err)
	}
}

func TestParseResolvesAgainstFileDir(t *testing.T) {
	src := []byte(`
coder { demo = true }
plugin "auth" { path = "bin/plugins/auth" }
`)
	cfg, err := Parse("some/dir/config.hcl", src, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	wantDir, _ := filepath.Abs("some/dir")
	if cfg.Dir != wantDir || cfg.Path != "some/dir/config.hcl" {
		t.Errorf("Dir, Path = %q, %q; want %q, %q", cfg.Dir, cfg.Path, wantDir, "some/dir/config.hcl")
	}
	if want := filepath.Join(wantDir, "bin/plugins/auth"); cfg.Plugins[0].Path != want {
		t.Errorf("plugin path = %q, want %q", cfg.Plugins[0].Path, want)
	}
}

func TestEnvFunction(t *testing.T) {
	vars := map[string]string{"SET": "https://set.example.com", "EMPTY": ""}
	tests := []struct {
		expr    string
		want    string // the decoded access_url
		wantErr string // a substring of the error
	}{
		{expr: `env("SET")`, want: "https://set.example.com"},
		{expr: `env("SET", "https://default.example.com")`, want: "https://set.example.com"},
		{expr: `env("UNSET", "https://default.example.com")`, want: "https://default.example.com"},
		{expr: `"${env("SET")}/coder"`, want: "https://set.example.com/coder"},
		{expr: `env("UNSET")`, wantErr: `Environment variable not set; env("UNSET") reads the environment variable UNSET, which is not set`},
		{expr: `env("EMPTY", "https://default.example.com")`, wantErr: "Missing Coder deployment"},
		{expr: `env("")`, wantErr: `the variable name must not be empty`},
		{expr: `env("A", "b", "c")`, wantErr: `env takes a variable name and at most one default`},
		{expr: `env()`, wantErr: `Not enough function arguments`},
		{expr: `file("x")`, wantErr: `Call to unknown function; There is no function named "file".`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			src := "coder {\n  access_url = " + tt.expr + "\n}\n"
			cfg, err := Parse("mem.hcl", []byte(src), env(vars))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Coder.AccessURL != tt.want {
				t.Errorf("access_url = %q, want %q", cfg.Coder.AccessURL, tt.want)
			}
		})
	}
}

func TestSensitiveValues(t *testing.T) {
	cfg, err := Load("testdata/valid/full.hcl", env(validEnv))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"catalog-token-secret", "auth-key-secret", "extra-secret", "1"}
	if got := cfg.SensitiveValues(); !reflect.DeepEqual(got, want) {
		t.Errorf("SensitiveValues() = %q, want %q", got, want)
	}
}

// The file's values must never appear in diagnostics about secrets.
func TestDiagnosticsDoNotEchoSecrets(t *testing.T) {
	src := `
coder { demo = true }
backstage { catalog_token = ["s3cr3t-token"] }
proxy { headers = { "Bad Name" = "s3cr3t-header" } }
plugin "auth" {
  path = "bin/plugins/auth"
  env  = { "1BAD" = "s3cr3t-env" }
}
`
	_, err := Parse("mem.hcl", []byte(src), env(nil))
	if err == nil {
		t.Fatal("Parse succeeded, want errors")
	}
	// The snippet lines may show the source; the messages must not.
	for _, block := range strings.Split(err.Error(), "\n\n") {
		msg, _, _ := strings.Cut(block, "\n")
		if strings.Contains(msg, "s3cr3t") {
			t.Errorf("message echoes a secret: %s", msg)
		}
	}
}
