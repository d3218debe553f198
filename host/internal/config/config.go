package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Hooks lists the script hook names a script block may name.
var Hooks = []string{"signin", "workspace_params"}

// Defaults for optional settings; doc.go lists them for admins.
const (
	defaultListen            = "127.0.0.1:7008"
	defaultExternalURL       = "http://localhost:7007/api/proxy/coder"
	defaultLogLevel          = "info"
	defaultLogFormat         = "text"
	defaultPluginDir         = "bin/plugins"
	defaultShutdownTimeout   = 15 * time.Second
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 30 * time.Second
	defaultWriteTimeout      = 60 * time.Second
	defaultIdleTimeout       = 120 * time.Second
	defaultCatalogCacheTTL   = time.Minute
	defaultProxyTimeout      = 30 * time.Second
	defaultMaxBodyBytes      = 10 << 20
	defaultScriptTimeout     = 100 * time.Millisecond
	maxScriptTimeout         = 10 * time.Second
	defaultStartTimeout      = 10 * time.Second
	defaultHealthInterval    = 10 * time.Second
	defaultPluginTimeout     = 30 * time.Second
	defaultMaxInFlightBytes  = 64 << 20
)

// defaultAllowedMethods and defaultAllowedHeaders apply when the proxy block
// leaves allowed_methods or allowed_headers unset. They are functions so no
// caller can change the defaults through a shared slice.
func defaultAllowedMethods() []string {
	return []string{"GET", "HEAD"}
}

func defaultAllowedHeaders() []string { return []string{"Coder-Session-Token"} }

// Config is a decoded and validated configuration file. Paths in it are
// absolute; durations and sizes are parsed; defaults are filled in.
type Config struct {
	// Path is the file name as given to Load or Parse; Dir is the absolute
	// directory holding it, against which relative paths are resolved.
	Path, Dir string

	Listen, ExternalURL, LogLevel, LogFormat string
	PluginDir                                string // absolute
	// ListenRange is where the file sets listen, nil when it does not.
	ListenRange *hcl.Range

	ShutdownTimeout, ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration

	Coder     Coder
	Backstage Backstage
	Proxy     Proxy
	Scripts   []Script
	Plugins   []Plugin

	files   map[string]*hcl.File // for rendering diagnostics
	ctx     *hcl.EvalContext     // the env() function, shared with plugin config decoding
	secrets *secretStore
}

// Coder says which Coder deployment to talk to: a real one at AccessURL, or
// the embedded demo deployment.
type Coder struct {
	AccessURL string
	Demo      bool
	DemoSeed  string // absolute, or "" for the built-in seed
}

// Backstage says where Backstage is. Every field is optional.
type Backstage struct {
	AppURL, BackendURL, CatalogToken string
	CatalogFiles                     []string // absolute glob patterns
	CatalogCacheTTL                  time.Duration
}

// Proxy configures the pass-through to Coder.
type Proxy struct {
	AllowedMethods, AllowedHeaders       []string
	Headers                              map[string]string // injected upstream; values are secret
	ForwardCookies, ForwardAuthorization bool
	Timeout                              time.Duration
	MaxBodyBytes                         int64
}

// Script is one admin JavaScript hook.
type Script struct {
	Name      string // the block label
	File      string // absolute
	Hook      string // one of Hooks
	Timeout   time.Duration
	DeclRange hcl.Range
}

// Plugin is one plugin process to launch.
type Plugin struct {
	ID             string // the block label
	Path           string // absolute
	SHA256         string // lower-case hex, or "" when not pinned
	PassEnv        []string
	Env            map[string]string // values are secret
	StartTimeout   time.Duration
	HealthInterval time.Duration
	MaxBodyBytes   int64
	// MaxInFlightBytes bounds the request body bytes the host holds in
	// memory at once for a plugin that cannot stream them.
	MaxInFlightBytes int64
	// Timeout bounds the wait for the plugin to start answering a request.
	Timeout time.Duration
	// PathRange and SHA256Range are where the block sets path and sha256
	// (the block's header when it does not), for problems found with the
	// binary later.
	PathRange, SHA256Range hcl.Range
	// Config is the undecoded config {} block, nil when there is none.
	// Decode it with Config.DecodePluginConfig once the plugin's schema is
	// known.
	Config    hcl.Body
	DeclRange hcl.Range
}

// Option changes how a file is loaded.
type Option func(*loader)

// WithEnv sets the environment that env() reads. The default is
// os.LookupEnv.
func WithEnv(lookup func(string) (string, bool)) Option {
	return func(l *loader) { l.lookupEnv = lookup }
}

// Load reads, decodes and validates the configuration file at path.
// Problems with the file's content are returned together as *Diagnostics;
// a file that cannot be read gives the underlying error, wrapped.
func Load(path string, opts ...Option) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(path, src, opts...)
}

// Parse is Load for a file already in memory. filename is used in
// diagnostics and its directory anchors relative paths.
func Parse(filename string, src []byte, opts ...Option) (*Config, error) {
	l := &loader{lookupEnv: os.LookupEnv}
	for _, opt := range opts {
		opt(l)
	}
	dir, err := filepath.Abs(filepath.Dir(filename))
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", filename, err)
	}

	parser := hclparse.NewParser()
	file, diags := parser.ParseHCL(src, filename)
	if diags.HasErrors() {
		// Decoding a file with syntax errors only adds confusing follow-on errors.
		return nil, newDiagnostics(diags, parser.Files())
	}

	cfg := &Config{
		Path:    filename,
		Dir:     dir,
		files:   parser.Files(),
		ctx:     evalContext(l.lookupEnv),
		secrets: &secretStore{},
	}
	d := &decoder{ctx: cfg.ctx, dir: dir}
	d.root(file.Body, cfg)
	if d.diags.HasErrors() {
		return nil, newDiagnostics(d.diags, cfg.files)
	}
	return cfg, nil
}

type loader struct {
	lookupEnv func(string) (string, bool)
}

// SensitiveValues returns every secret the configuration holds: the catalog
// token, proxy header values, plugin env values and the values of Sensitive
// attributes of plugin configs decoded so far. Empty strings are left out
// and longer values come first, so a redactor replacing them in order never
// leaves part of a secret behind. Short values are returned too (an env
// value of "1" is as secret as any other); whether to mask those is the
// redactor's call.
func (c *Config) SensitiveValues() []string {
	var vals []string
	vals = append(vals, c.Backstage.CatalogToken)
	for _, v := range c.Proxy.Headers {
		vals = append(vals, v)
	}
	for _, p := range c.Plugins {
		for _, v := range p.Env {
			vals = append(vals, v)
		}
	}
	if c.secrets != nil {
		vals = append(vals, c.secrets.all()...)
	}
	return sortSecrets(vals)
}

// secretStore holds the sensitive values found while decoding plugin
// configs, which may happen concurrently and more than once per plugin.
type secretStore struct {
	mu       sync.Mutex
	byPlugin map[string][]string
}

func (s *secretStore) set(pluginID string, vals []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byPlugin == nil {
		s.byPlugin = make(map[string][]string)
	}
	s.byPlugin[pluginID] = vals
}

func (s *secretStore) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var vals []string
	for _, v := range s.byPlugin {
		vals = append(vals, v...)
	}
	return vals
}
