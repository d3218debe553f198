package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/coderhost/coderhost/host/internal/catalog"
	"github.com/coderhost/coderhost/host/internal/config"
	"github.com/coderhost/coderhost/host/internal/pluginhost"
	"github.com/coderhost/coderhost/host/internal/proxy"
	"github.com/coderhost/coderhost/host/internal/scripting"
	"github.com/coderhost/coderhost/host/internal/server"
	"github.com/coderhost/coderhost/host/internal/wiring"
	"github.com/coderhost/coderhost/internal/protocol"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// Options configure a Daemon.
type Options struct {
	// ConfigPath is the HCL file to load (and reload on SIGHUP).
	ConfigPath string
	// Listen overrides the file's listen address when set.
	Listen  string
	Version string
	// Logger receives the host log; nil builds one from the file's
	// log_level and log_format on stderr.
	Logger *slog.Logger
	// Stdout receives the startup banner (listen address, demo
	// credentials).
	Stdout io.Writer
	// Env looks up env() values and CODERHOST_REATTACH_PLUGINS; nil means
	// the process environment.
	Env func(string) (string, bool)
}

// reattachConfigs reads CODERHOST_REATTACH_PLUGINS: plugins already running
// in debug mode that the host attaches to instead of launching.
func (o Options) reattachConfigs() (map[string]protocol.ReattachConfig, error) {
	lookup := o.Env
	if lookup == nil {
		lookup = os.LookupEnv
	}
	raw, ok := lookup(protocol.ReattachEnv)
	if !ok || strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var out map[string]protocol.ReattachConfig
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("%s: %w (paste the line a plugin printed in debug mode)", protocol.ReattachEnv, err)
	}
	return out, nil
}

// Daemon is a running coderhost.
type Daemon struct {
	opts   Options
	log    *slog.Logger
	reg    *prometheus.Registry
	engine *scripting.Engine

	state atomic.Pointer[state]

	reattach map[string]protocol.ReattachConfig

	// transport carries every pass-through request of every configuration,
	// so connections to Coder are pooled once, not once per reload.
	transportOnce sync.Once
	transport     *http.Transport

	reloadMu sync.Mutex
	srv      *http.Server
	ln       net.Listener
	addr     net.Addr
	draining atomic.Bool

	shutdownOnce sync.Once
	shutdownErr  error
}

// state is everything one configuration produced.
type state struct {
	cfg      *config.Config
	catalog  catalog.Catalog
	proxy    http.Handler
	coderURL string
	demo     *fakecoder.Server
	plugins  map[string]*pluginhost.Plugin
	order    []string
}

func (d *Daemon) current() *state { return d.state.Load() }

// Addr is the address the daemon listens on.
func (d *Daemon) Addr() net.Addr { return d.addr }

func (d *Daemon) loadConfig() (*config.Config, error) {
	var opts []config.Option
	if d.opts.Env != nil {
		opts = append(opts, config.WithEnv(d.opts.Env))
	}
	return config.Load(d.opts.ConfigPath, opts...)
}

// New loads the configuration and starts everything it describes except the
// HTTP listener. Nothing is left running when it fails.
func New(ctx context.Context, opts Options) (*Daemon, error) {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	d := &Daemon{opts: opts, reg: prometheus.NewRegistry()}
	cfg, err := d.loadConfig()
	if err != nil {
		return nil, err
	}
	if d.reattach, err = opts.reattachConfigs(); err != nil {
		return nil, err
	}
	d.log = opts.Logger
	if d.log == nil {
		d.log = NewLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
	}
	d.engine = scripting.NewEngine(scripting.Options{Logger: d.log, Catalog: catalogView{d}})
	// Everything that can be checked without starting anything is, and
	// the address is bound, before any plugin starts; every problem found
	// is reported at once.
	p, checkErr := d.check(cfg, nil)
	if err := errors.Join(checkErr, d.listen(cfg)); err != nil {
		if d.ln != nil {
			_ = d.ln.Close()
		}
		return nil, err
	}
	st, err := d.build(ctx, p, nil)
	if err != nil {
		_ = d.ln.Close()
		return nil, err
	}
	d.state.Store(st)
	d.commit(st, nil)
	d.srv = &http.Server{
		Handler:           d.Handler(),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	return d, nil
}

// NewLogger builds the host logger for a log level and format.
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	o := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// catalogView lets the long-lived script engine use whichever catalog the
// current configuration has.
type catalogView struct{ d *Daemon }

func (c catalogView) GetEntity(ctx context.Context, ref string) (catalog.Entity, error) {
	st := c.d.current()
	if st == nil || st.catalog == nil {
		return nil, fmt.Errorf("no catalog is configured (set backstage.backend_url or backstage.catalog_files): %w", catalog.ErrNotFound)
	}
	return st.catalog.GetEntity(ctx, ref)
}

func (c catalogView) FindUsers(ctx context.Context, q catalog.UserQuery) ([]catalog.Entity, error) {
	st := c.d.current()
	if st == nil || st.catalog == nil {
		return nil, nil
	}
	return st.catalog.FindUsers(ctx, q)
}

func scriptSpecs(cfg *config.Config) []scripting.Script {
	out := make([]scripting.Script, 0, len(cfg.Scripts))
	for _, s := range cfg.Scripts {
		out = append(out, scripting.Script{Name: s.Name, File: s.File, Hook: s.Hook, Timeout: s.Timeout})
	}
	return out
}

func (d *Daemon) pluginSpec(cfg *config.Config, p config.Plugin) pluginhost.Spec {
	spec := pluginhost.Spec{
		ID: p.ID, Path: p.Path, PluginDir: cfg.PluginDir, SHA256: p.SHA256,
		PassEnv: p.PassEnv, Env: p.Env, StartTimeout: p.StartTimeout,
		HealthInterval: p.HealthInterval, MaxBodyBytes: p.MaxBodyBytes,
		MaxInFlightBytes: p.MaxInFlightBytes, Timeout: p.Timeout,
	}
	if rc, ok := d.reattach[p.ID]; ok {
		spec.Reattach = &rc
	}
	return spec
}

// plan is a configuration that passed check, with what check read.
type plan struct {
	cfg     *config.Config
	catalog catalog.Catalog
	seed    *fakecoder.Seed // the demo deployment's seed, when one must start
}

// check finds every problem in cfg that shows without starting anything:
// the scripts, the catalog files, the demo seed, the pass-through settings
// and each plugin binary that would be launched (its path, plugin_dir and
// sha256), each pointing into the file where it can. Plugins prev runs
// unchanged are not checked again.
func (d *Daemon) check(cfg *config.Config, prev *state) (*plan, error) {
	p := &plan{cfg: cfg}
	var errs []error
	if err := d.engine.Check(scriptSpecs(cfg)); err != nil {
		errs = append(errs, err)
	}
	switch {
	case cfg.Backstage.BackendURL != "":
		p.catalog = catalog.NewClient(cfg.Backstage.BackendURL, cfg.Backstage.CatalogToken,
			catalog.WithCacheTTL(cfg.Backstage.CatalogCacheTTL, min(cfg.Backstage.CatalogCacheTTL, 10*time.Second)))
	case len(cfg.Backstage.CatalogFiles) > 0:
		files, err := catalog.LoadFiles(cfg.Backstage.CatalogFiles)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: backstage.catalog_files: %w", cfg.Path, err))
		} else {
			p.catalog = files
		}
	}
	if cfg.Coder.Demo && (prev == nil || prev.demo == nil || prev.cfg.Coder != cfg.Coder || !sameAuthCallback(prev.cfg, cfg)) {
		p.seed = fakecoder.DemoSeed()
		if cfg.Coder.DemoSeed != "" {
			seed, err := fakecoder.LoadSeed(cfg.Coder.DemoSeed)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: coder.demo_seed: %w", cfg.Path, err))
			}
			p.seed = seed
		}
		if p.seed != nil {
			demoCallback(p.seed, cfg)
		}
	}
	// The demo deployment's address is not known yet; any will do to check
	// the other settings.
	if _, err := d.newProxy(cfg, "http://127.0.0.1"); err != nil {
		errs = append(errs, err)
	}
	for _, pc := range cfg.Plugins {
		spec := d.pluginSpec(cfg, pc)
		if spec.Reattach != nil || reused(prev, spec) != nil {
			continue
		}
		if err := pluginhost.CheckBinary(spec.ID, spec.Path, spec.PluginDir, spec.SHA256); err != nil {
			errs = append(errs, binaryDiagnostic(cfg, pc, err))
		}
	}
	return p, errors.Join(errs...)
}

// binaryDiagnostic points a problem with a plugin's binary at the attribute
// that causes it.
func binaryDiagnostic(cfg *config.Config, pc config.Plugin, err error) error {
	rng, summary := pc.PathRange, "Plugin binary not usable"
	switch {
	case errors.Is(err, pluginhost.ErrChecksum):
		rng, summary = pc.SHA256Range, "Plugin checksum mismatch"
	case errors.Is(err, pluginhost.ErrOutsideDir):
		summary = "Plugin outside the plugin directory"
	case errors.Is(err, fs.ErrNotExist):
		summary = "Plugin binary not found"
	case errors.Is(err, pluginhost.ErrNotExecutable):
		summary = "Plugin binary not executable"
	}
	return cfg.Wrap(&rng, summary, err)
}

// reused returns prev's plugin for spec when it runs with that spec already.
func reused(prev *state, spec pluginhost.Spec) *pluginhost.Plugin {
	if prev == nil {
		return nil
	}
	if old, ok := prev.plugins[spec.ID]; ok && reflect.DeepEqual(old.Spec(), withDefaults(spec, old.Spec())) {
		return old
	}
	return nil
}

func (d *Daemon) coderTransport() *http.Transport {
	d.transportOnce.Do(func() { d.transport = proxy.NewTransport() })
	return d.transport
}

func (d *Daemon) newProxy(cfg *config.Config, coderURL string) (*proxy.Proxy, error) {
	upstream, err := url.Parse(coderURL)
	if err != nil {
		return nil, fmt.Errorf("coder access URL %q: %w", coderURL, err)
	}
	px, err := proxy.New(proxy.Options{
		Transport:            d.coderTransport(),
		Upstream:             upstream,
		AllowedMethods:       cfg.Proxy.AllowedMethods,
		AllowedHeaders:       cfg.Proxy.AllowedHeaders,
		Headers:              cfg.Proxy.Headers,
		ForwardCookies:       cfg.Proxy.ForwardCookies,
		ForwardAuthorization: cfg.Proxy.ForwardAuthorization,
		Timeout:              cfg.Proxy.Timeout,
		MaxBodyBytes:         cfg.Proxy.MaxBodyBytes,
		Logger:               d.log.With("component", "proxy"),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: proxy: %w", cfg.Path, err)
	}
	return px, nil
}

// build turns a checked plan into a state, reusing what prev already runs
// when it is unchanged. On error everything it started is stopped again.
func (d *Daemon) build(ctx context.Context, pl *plan, prev *state) (_ *state, err error) {
	cfg := pl.cfg
	st := &state{cfg: cfg, catalog: pl.catalog, plugins: map[string]*pluginhost.Plugin{}}
	var launched []*pluginhost.Plugin
	defer func() {
		if err == nil {
			return
		}
		for _, p := range launched {
			p.Stop()
		}
		if st.demo != nil && (prev == nil || st.demo != prev.demo) {
			_ = st.demo.Close()
		}
	}()

	if cfg.Coder.Demo {
		if pl.seed == nil {
			st.demo = prev.demo
		} else {
			st.demo, err = fakecoder.Start("127.0.0.1:0", fakecoder.WithSeed(pl.seed), fakecoder.WithLogger(d.log.With("component", "demo-coder")))
			if err != nil {
				return nil, fmt.Errorf("start the embedded demo Coder: %w", err)
			}
		}
		st.coderURL = st.demo.URL()
	} else {
		st.coderURL = cfg.Coder.AccessURL
	}
	px, err := d.newProxy(cfg, st.coderURL)
	if err != nil {
		return nil, err
	}
	st.proxy = px

	popts := pluginhost.Options{Logger: d.log, Redact: cfg.SensitiveValues()}
	for _, pc := range cfg.Plugins {
		spec := d.pluginSpec(cfg, pc)
		if old := reused(prev, spec); old != nil {
			st.plugins[pc.ID] = old
			st.order = append(st.order, pc.ID)
			continue
		}
		p, err := pluginhost.Launch(ctx, spec, popts)
		if err != nil {
			return nil, cfg.Wrap(&pc.DeclRange, "Plugin failed to start", err)
		}
		launched = append(launched, p)
		st.plugins[pc.ID] = p
		st.order = append(st.order, pc.ID)
	}

	// Check every config block against its plugin's schema before any
	// plugin is configured, so all mistakes are reported at once.
	var diags []error
	configs := map[string][]byte{}
	for _, pc := range cfg.Plugins {
		schema := st.plugins[pc.ID].Describe().ConfigSchema
		js, err := cfg.DecodePluginConfig(pc, schema)
		if err != nil {
			diags = append(diags, err)
			continue
		}
		configs[pc.ID] = js
	}
	if len(diags) > 0 {
		return nil, errors.Join(diags...)
	}
	if err := d.configurePlugins(ctx, cfg, st, configs); err != nil {
		return nil, err
	}
	return st, nil
}

// configurePlugins hands every plugin of st its config block. When one
// rejects its block, the plugins already given a new configuration get
// their previous one back, so a failed reload changes nothing.
func (d *Daemon) configurePlugins(ctx context.Context, cfg *config.Config, st *state, configs map[string][]byte) error {
	type undo struct {
		p        *pluginhost.Plugin
		previous pluginhost.ConfigureFunc
	}
	var done []undo
	for _, id := range st.order {
		info := protocol.HostInfo{
			ExternalURL:         cfg.ExternalURL,
			CoderURL:            st.coderURL,
			BackstageAppURL:     cfg.Backstage.AppURL,
			BackstageBackendURL: cfg.Backstage.BackendURL,
			HostVersion:         d.opts.Version,
			MountPath:           "/api/" + id + "/",
		}
		js := configs[id]
		fn := func(ctx context.Context, c *protocol.Client) error {
			return c.Configure(ctx, js, info, hostServices{d})
		}
		p := st.plugins[id]
		previous := p.Configured()
		cctx, cancel := context.WithTimeout(ctx, p.Spec().StartTimeout)
		err := p.Configure(cctx, fn)
		cancel()
		if err != nil {
			for _, u := range done {
				rctx, cancel := context.WithTimeout(context.Background(), u.p.Spec().StartTimeout)
				if rerr := u.p.Configure(rctx, u.previous); rerr != nil {
					d.log.Error("could not restore a plugin's previous configuration", "plugin", u.p.Spec().ID, "error", rerr)
				}
				cancel()
			}
			for _, pc := range cfg.Plugins {
				if pc.ID == id {
					err = cfg.PluginError(pc, err)
				}
			}
			return err
		}
		if previous != nil {
			done = append(done, undo{p, previous})
		}
	}
	return nil
}

// demoCallback points the demo deployment's "backstage" OAuth2 app at the
// auth plugin's callback on this host (by default
// <external_url>/api/auth/coder/handler/frame), so the default
// configuration signs in with no extra set-up.
func demoCallback(seed *fakecoder.Seed, cfg *config.Config) {
	auth, _, callback := wiring.AuthURLs(cfg)
	if auth == nil {
		return
	}
	for i, app := range seed.OAuth2Apps {
		if app.Name == "backstage" {
			seed.OAuth2Apps[i].CallbackURL = callback
		}
	}
}

// sameAuthCallback reports whether two configurations register the same
// callback with the demo deployment.
func sameAuthCallback(a, b *config.Config) bool {
	_, _, ca := wiring.AuthURLs(a)
	_, _, cb := wiring.AuthURLs(b)
	return ca == cb
}

// withDefaults fills the zero fields of spec the way Launch did for prev, so
// an unchanged block compares equal to the running plugin's spec.
func withDefaults(spec, prev pluginhost.Spec) pluginhost.Spec {
	if spec.StartTimeout == 0 {
		spec.StartTimeout = prev.StartTimeout
	}
	if spec.HealthInterval == 0 {
		spec.HealthInterval = prev.HealthInterval
	}
	if spec.MaxBodyBytes == 0 {
		spec.MaxBodyBytes = prev.MaxBodyBytes
	}
	if spec.MaxInFlightBytes == 0 {
		spec.MaxInFlightBytes = prev.MaxInFlightBytes
	}
	return spec
}

// commit makes st live: scripts swap in, new plugins get supervised and
// plugins prev ran that st does not are stopped.
func (d *Daemon) commit(st, prev *state) {
	if err := d.engine.Load(scriptSpecs(st.cfg)); err != nil {
		d.log.Error("scripts failed to load; the previous versions keep running", "error", err)
	}
	if prev == nil {
		return
	}
	for id, p := range prev.plugins {
		if st.plugins[id] != p {
			p.Stop()
		}
	}
	if prev.demo != nil && prev.demo != st.demo {
		_ = prev.demo.Close()
	}
	if prev.coderURL != st.coderURL {
		// Connections to the previous deployment are no use any more.
		d.coderTransport().CloseIdleConnections()
	}
}

// Reload re-reads the configuration file and swaps it in only if all of it
// is valid and every plugin accepted its new configuration. On error the
// running configuration stays in place.
func (d *Daemon) Reload(ctx context.Context) error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	prev := d.current()
	cfg, err := d.loadConfig()
	if err != nil {
		return err
	}
	if d.opts.Listen == "" && cfg.Listen != prev.cfg.Listen {
		d.log.Warn("listen address changes take effect on restart", "running", prev.cfg.Listen, "configured", cfg.Listen)
	}
	p, err := d.check(cfg, prev)
	if err != nil {
		return err
	}
	st, err := d.build(ctx, p, prev)
	if err != nil {
		return err
	}
	d.state.Store(st)
	d.commit(st, prev)
	d.log.Info("configuration reloaded", "plugins", len(st.order), "scripts", len(cfg.Scripts))
	return nil
}

// Handler is the host's HTTP handler.
func (d *Daemon) Handler() http.Handler {
	return server.New(backend{d}, server.Options{
		Logger: d.log, Registry: d.reg, Version: d.opts.Version, ProxyPrefixes: proxy.Prefixes,
		WriteTimeout: d.current().cfg.WriteTimeout,
	})
}

// listen binds the configured address (or the override).
func (d *Daemon) listen(cfg *config.Config) error {
	ln, err := bind(cfg, d.opts.Listen, false)
	if err != nil {
		return err
	}
	d.ln, d.addr = ln, ln.Addr()
	return nil
}

// bind listens on override, or else on the file's listen address, and
// reports a failure at the listen attribute (as a warning when warn is
// set).
func bind(cfg *config.Config, override string, warn bool) (net.Listener, error) {
	addr, where, rng := override, "-listen "+override, (*hcl.Range)(nil)
	if addr == "" {
		addr, where, rng = cfg.Listen, fmt.Sprintf("listen = %q", cfg.Listen), cfg.ListenRange
		if rng == nil {
			where = fmt.Sprintf("the default listen address %s", cfg.Listen)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	detail := fmt.Sprintf("%s: %v. Is another coderhost running? Stop it, or pick another address with listen or -listen.", where, err)
	if warn {
		return nil, cfg.Warn(rng, "Listen address unavailable", detail)
	}
	return nil, cfg.Diagnose(rng, "Listen address unavailable", detail)
}

// Run serves until ctx ends, reloading the configuration on SIGHUP, then
// shuts down gracefully and returns Shutdown's result.
func (d *Daemon) Run(ctx context.Context) error {
	d.banner()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		d.engine.Watch(watchCtx, 2*time.Second)
	}()
	defer func() { <-watched }()
	defer stopWatch()

	serveErr := make(chan error, 1)
	go func() { serveErr <- d.srv.Serve(d.ln) }()

	for {
		select {
		case err := <-serveErr:
			if errors.Is(err, http.ErrServerClosed) {
				// Shutdown was called from elsewhere.
				return d.Shutdown()
			}
			return errors.Join(fmt.Errorf("http server: %w", err), d.Shutdown())
		case <-ctx.Done():
			d.log.Info("shutting down")
			return d.Shutdown()
		case <-hup:
			d.log.Info("SIGHUP: reloading configuration", "file", d.opts.ConfigPath)
			if err := d.Reload(ctx); err != nil {
				d.log.Error("reload failed; the previous configuration keeps running\n" + err.Error())
			}
		}
	}
}

// Shutdown stops accepting, drains in-flight requests for up to
// shutdown_timeout, stops every plugin and waits for their supervisors, and
// stops the demo deployment. It returns the first error. It is safe to call
// from any goroutine and more than once; later calls wait for the first and
// return its result.
func (d *Daemon) Shutdown() error {
	d.shutdownOnce.Do(func() {
		d.draining.Store(true)
		var errs []error
		ctx, cancel := context.WithTimeout(context.Background(), d.current().cfg.ShutdownTimeout)
		if err := d.srv.Shutdown(ctx); err != nil {
			d.log.Warn("requests still running at the shutdown deadline were cut off", "error", err)
			errs = append(errs, fmt.Errorf("drain: %w", err))
			_ = d.srv.Close()
		}
		cancel()
		// Serve was never called when Shutdown comes before Run.
		_ = d.ln.Close()
		d.reloadMu.Lock()
		if err := d.stopAll(); err != nil {
			errs = append(errs, err)
		}
		d.reloadMu.Unlock()
		d.log.Info("stopped")
		if len(errs) > 0 {
			d.shutdownErr = errs[0]
		}
	})
	return d.shutdownErr
}

// stopAll stops every plugin, waiting for their supervisors, and the demo
// deployment.
func (d *Daemon) stopAll() error {
	st := d.current()
	if st == nil {
		return nil
	}
	var wg sync.WaitGroup
	for _, p := range st.plugins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Stop()
		}()
	}
	wg.Wait()
	d.coderTransport().CloseIdleConnections()
	if st.demo != nil {
		if err := st.demo.Close(); err != nil {
			return fmt.Errorf("stop the demo deployment: %w", err)
		}
	}
	return nil
}

func (d *Daemon) banner() {
	st := d.current()
	out := d.opts.Stdout
	fmt.Fprintf(out, "coderhost %s listening on http://%s\n", d.opts.Version, d.addr)
	if st.demo != nil {
		fmt.Fprintf(out, "demo coder: %s\n", st.demo.URL())
		fmt.Fprintf(out, "demo session token: %s\n", st.demo.Token("demo"))
		if id, secret, ok := st.demo.OAuth2App("backstage"); ok {
			fmt.Fprintf(out, "demo oauth client id: %s\n", id)
			fmt.Fprintf(out, "demo oauth client secret: %s\n", secret)
		}
	}
	fmt.Fprint(out, wiring.ProxyEndpoint(d.addr.String(), st.cfg))
	fmt.Fprint(out, wiring.Catalog(d.addr.String(), st.cfg))
	d.log.Info("coderhost started", "version", d.opts.Version, "listen", d.addr.String(),
		"coder", st.coderURL, "plugins", len(st.order), "scripts", len(st.cfg.Scripts))
}

// backend exposes the current state to the HTTP server.
type backend struct{ d *Daemon }

func (b backend) Plugin(id string) (server.PluginRoute, bool) {
	p, ok := b.d.current().plugins[id]
	if !ok {
		return nil, false
	}
	return p, true
}

func (b backend) Plugins() []server.PluginRoute {
	st := b.d.current()
	out := make([]server.PluginRoute, 0, len(st.order))
	for _, id := range st.order {
		out = append(out, st.plugins[id])
	}
	return out
}

func (b backend) Proxy() http.Handler { return b.d.current().proxy }

func (b backend) NotReady() []string {
	var reasons []string
	if b.d.draining.Load() {
		reasons = append(reasons, "shutting down")
	}
	for _, p := range b.Plugins() {
		if !p.Ready() {
			st := p.Status()
			reasons = append(reasons, fmt.Sprintf("plugin %q is %s", st.ID, st.State))
		}
	}
	return reasons
}
