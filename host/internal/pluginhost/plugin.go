package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/coderhost/coderhost/internal/protocol"
)

// Spec says how to run one plugin.
type Spec struct {
	// ID is the plugin block's label; the binary must report the same id.
	ID string
	// Path is the absolute path of the binary.
	Path string
	// PluginDir is the directory every plugin binary must live in.
	PluginDir string
	// SHA256, when set, pins the binary's hex digest.
	SHA256 string
	// PassEnv names host environment variables passed to the plugin.
	PassEnv []string
	// Env is extra environment for the plugin.
	Env            map[string]string
	StartTimeout   time.Duration
	HealthInterval time.Duration
	MaxBodyBytes   int64
	// MaxInFlightBytes bounds the request body bytes held in memory at
	// once for a plugin that cannot stream request bodies.
	MaxInFlightBytes int64
	// Timeout bounds the wait for the plugin to start answering a request
	// (0: no bound).
	Timeout time.Duration
	// Reattach, when set, attaches to a plugin already running in debug
	// mode (see sdk.WithDebug) instead of launching Path.
	Reattach *protocol.ReattachConfig
}

// State is where a plugin is in its life.
type State string

// Plugin states.
const (
	StateStarting   State = "starting"
	StateRunning    State = "running"
	StateUnhealthy  State = "unhealthy"
	StateRestarting State = "restarting"
	StateStopped    State = "stopped"
)

// Status is a plugin's state as shown in /api/plugins.
type Status struct {
	ID           string   `json:"id"`
	Version      string   `json:"version"`
	Description  string   `json:"description,omitempty"`
	State        State    `json:"state"`
	Restarts     int      `json:"restarts"`
	PID          int      `json:"pid"`
	Capabilities []string `json:"capabilities"`
	LastError    string   `json:"last_error,omitempty"`
}

// Errors callers branch on.
var (
	ErrChecksum      = errors.New("sha256 mismatch")
	ErrOutsideDir    = errors.New("outside the plugin directory")
	ErrIDMismatch    = errors.New("plugin id mismatch")
	ErrNotExecutable = errors.New("not an executable file")
	ErrPluginStopped = errors.New("plugin stopped")
)

// Options are host-wide settings for plugins.
type Options struct {
	Logger *slog.Logger
	// Redact lists secret values masked in plugin log lines.
	Redact []string
	// Backoff bounds restart delays: the first restart waits Initial, each
	// failure doubles it up to Max. A plugin that stays up for a minute
	// starts over at Initial.
	BackoffInitial, BackoffMax time.Duration
	// HealthTimeout bounds one health check (default 5s).
	HealthTimeout time.Duration
}

// ConfigureFunc (re)configures a freshly started plugin; the host calls it
// after every launch, including restarts.
type ConfigureFunc func(ctx context.Context, c *protocol.Client) error

// Plugin is one supervised plugin process.
type Plugin struct {
	spec   Spec
	opts   Options
	log    *slog.Logger
	redact *strings.Replacer

	mu        sync.RWMutex
	client    *plugin.Client
	rpc       *protocol.Client
	desc      *protocol.Description
	state     State
	restarts  int
	pid       int
	lastErr   string
	started   time.Time
	configure ConfigureFunc
	stopped   bool

	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// Launch checks and starts the binary, asks it to describe itself and
// starts supervising it (health checks, restarts) until Stop. The plugin
// serves no requests until Configure succeeds.
func Launch(ctx context.Context, spec Spec, opts Options) (*Plugin, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.BackoffInitial <= 0 {
		opts.BackoffInitial = 250 * time.Millisecond
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 30 * time.Second
	}
	if opts.HealthTimeout <= 0 {
		opts.HealthTimeout = 5 * time.Second
	}
	if spec.StartTimeout <= 0 {
		spec.StartTimeout = 10 * time.Second
	}
	if spec.HealthInterval <= 0 {
		spec.HealthInterval = 10 * time.Second
	}
	if spec.MaxBodyBytes <= 0 {
		spec.MaxBodyBytes = protocol.DefaultMaxBodyBytes
	}
	if spec.MaxInFlightBytes <= 0 {
		spec.MaxInFlightBytes = protocol.DefaultMaxBufferedBytes
	}
	var pairs []string
	for _, s := range opts.Redact {
		if len(s) >= 4 {
			pairs = append(pairs, s, "[redacted]")
		}
	}
	p := &Plugin{
		spec:   spec,
		opts:   opts,
		log:    opts.Logger.With("plugin", spec.ID),
		redact: strings.NewReplacer(pairs...),
		state:  StateStarting,
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if err := p.start(ctx); err != nil {
		return nil, err
	}
	go p.supervise()
	return p, nil
}

// CheckBinary verifies that path is an executable inside dir and, when want
// is set, that its sha256 matches.
func CheckBinary(id, path, dir, want string) error {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("plugin %q: plugin directory %s: %w (create it or set plugin_dir)", id, dir, err)
	}
	realPath, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("plugin %q: binary %s: %w (run `make build` or fix path)", id, path, err)
	}
	rel, err := filepath.Rel(realDir, realPath)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return fmt.Errorf("plugin %q: binary %s is %w %s; move it there or set plugin_dir", id, path, ErrOutsideDir, realDir)
	}
	fi, err := os.Stat(realPath)
	if err != nil {
		return fmt.Errorf("plugin %q: binary %s: %w", id, path, err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("plugin %q: %s is %w (mode %s); chmod +x it", id, path, ErrNotExecutable, fi.Mode())
	}
	if want == "" {
		return nil
	}
	got, err := fileSHA256(realPath)
	if err != nil {
		return fmt.Errorf("plugin %q: hash %s: %w", id, path, err)
	}
	if !strings.EqualFold(got, want) {
		return checksumError(id, path, got, want)
	}
	return nil
}

func checksumError(id, path, got, want string) error {
	return fmt.Errorf("plugin %q: %s has sha256 %s but the configuration pins %s; refusing to start it (rebuild the binary you meant, or update sha256): %w",
		id, path, got, strings.ToLower(want), ErrChecksum)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// baseEnv is passed to every plugin; everything else must be allowlisted.
var baseEnv = []string{"PATH", "HOME", "TMPDIR", "TZ", "LANG", "SSL_CERT_FILE", "SSL_CERT_DIR"}

func (p *Plugin) environment() []string {
	var env []string
	seen := map[string]bool{}
	for _, name := range append(append([]string{}, baseEnv...), p.spec.PassEnv...) {
		if v, ok := os.LookupEnv(name); ok && !seen[name] {
			env = append(env, name+"="+v)
			seen[name] = true
		}
	}
	for k, v := range p.spec.Env {
		env = append(env, k+"="+v)
		seen[k] = true
	}
	if !seen["GOMAXPROCS"] {
		// A plugin is an I/O-bound process beside the host: on one OS
		// thread, handing a request from gRPC's reader to the handler and
		// to gRPC's writer wakes no other CPU, which on virtual machines
		// is most of a hop's cost (make bench). env or pass_env can set
		// another value.
		env = append(env, "GOMAXPROCS=1")
	}
	return env
}

// start launches (or attaches to) one process and describes it.
func (p *Plugin) start(ctx context.Context) error {
	limits := protocol.Limits{MaxBodyBytes: p.spec.MaxBodyBytes, MaxBufferedBytes: p.spec.MaxInFlightBytes, Timeout: p.spec.Timeout}
	cfg := protocol.ClientConfig(limits, newHCLogAdapter(p.opts.Logger, p.spec.ID, p.redact))
	if rc := p.spec.Reattach; rc != nil {
		attach, err := rc.GoPlugin()
		if err != nil {
			return fmt.Errorf("plugin %q: reattach configuration from %s: %w", p.spec.ID, protocol.ReattachEnv, err)
		}
		cfg.Reattach = attach
	} else {
		if err := CheckBinary(p.spec.ID, p.spec.Path, p.spec.PluginDir, p.spec.SHA256); err != nil {
			return err
		}
		cmd := exec.Command(p.spec.Path)
		cmd.Env = p.environment()
		bindToHost(cmd)
		if p.spec.SHA256 != "" {
			sum, err := hex.DecodeString(p.spec.SHA256)
			if err != nil {
				return fmt.Errorf("plugin %q: sha256 %q is not hex", p.spec.ID, p.spec.SHA256)
			}
			cfg.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
		}
		cfg.Cmd = cmd
		cfg.SkipHostEnv = true
		cfg.AutoMTLS = true
		cfg.StartTimeout = p.spec.StartTimeout
	}
	client := plugin.NewClient(cfg)
	fail := func(err error) error {
		client.Kill()
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			got, _ := fileSHA256(p.spec.Path)
			return checksumError(p.spec.ID, p.spec.Path, got, p.spec.SHA256)
		}
		return fmt.Errorf("plugin %q (%s): %w", p.spec.ID, p.spec.Path, err)
	}
	rpc, err := protocol.Dispense(client)
	if err != nil {
		return fail(err)
	}
	dctx, cancel := context.WithTimeout(ctx, p.spec.StartTimeout)
	defer cancel()
	desc, err := rpc.Describe(dctx)
	if err != nil {
		return fail(fmt.Errorf("describe: %w", err))
	}
	if desc.ID != p.spec.ID {
		return fail(fmt.Errorf("the binary reports id %q but its block is plugin %q; rename the block or load the right binary: %w",
			desc.ID, p.spec.ID, ErrIDMismatch))
	}
	pid := 0
	if rc := client.ReattachConfig(); rc != nil {
		pid = rc.Pid
	}
	p.mu.Lock()
	p.client, p.rpc, p.desc, p.pid, p.started = client, rpc, &desc, pid, time.Now()
	p.mu.Unlock()
	p.log.Info("plugin started", "version", desc.Version, "pid", pid, "attached", p.spec.Reattach != nil)
	return nil
}

// Describe returns what the plugin reported at its last start.
func (p *Plugin) Describe() protocol.Description {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return *p.desc
}

// Spec returns how the plugin is run.
func (p *Plugin) Spec() Spec { return p.spec }

// Configure hands the plugin its configuration and remembers fn to
// configure it again after every restart. The plugin serves requests once
// this succeeds.
func (p *Plugin) Configure(ctx context.Context, fn ConfigureFunc) error {
	p.mu.RLock()
	rpc := p.rpc
	p.mu.RUnlock()
	if rpc == nil {
		return fmt.Errorf("plugin %q: %w", p.spec.ID, ErrPluginStopped)
	}
	if err := fn(ctx, rpc); err != nil {
		return fmt.Errorf("plugin %q rejected its configuration: %w", p.spec.ID, err)
	}
	p.mu.Lock()
	p.configure = fn
	if p.state == StateStarting {
		p.state = StateRunning
	}
	p.mu.Unlock()
	return nil
}

// Configured returns the function that last configured the plugin, or nil.
func (p *Plugin) Configured() ConfigureFunc {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.configure
}

// Status reports the plugin's state for /api/plugins.
func (p *Plugin) Status() Status {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := Status{ID: p.spec.ID, State: p.state, Restarts: p.restarts, PID: p.pid, LastError: p.lastErr, Capabilities: []string{}}
	if p.desc != nil {
		s.Version, s.Description = p.desc.Version, p.desc.Summary
		s.Capabilities = append(s.Capabilities, p.desc.Capabilities...)
	}
	return s
}

// Ready reports whether the plugin is configured and healthy.
func (p *Plugin) Ready() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.state == StateRunning
}

// ServeHTTP forwards r to the plugin, or answers 503 while it is down.
func (p *Plugin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.RLock()
	rpc, state, client := p.rpc, p.state, p.client
	p.mu.RUnlock()
	if rpc == nil || (state != StateRunning && state != StateUnhealthy) || client == nil || client.Exited() {
		if client != nil && client.Exited() {
			p.poke()
		}
		w.Header().Set("Retry-After", "1")
		protocol.WriteError(w, http.StatusServiceUnavailable,
			fmt.Sprintf("Plugin %q is not available (state %s).", p.spec.ID, p.displayState(state, client)),
			"coderhost restarts crashed plugins automatically; retry shortly, and see the host log or /api/plugins.")
		return
	}
	rpc.ServeHTTP(w, r.WithContext(protocol.WithPlugin(r.Context(), p.spec.ID)))
	if client.Exited() {
		p.poke()
	}
}

func (p *Plugin) displayState(s State, c *plugin.Client) State {
	if c != nil && c.Exited() && s != StateStopped {
		return StateRestarting
	}
	return s
}

// poke wakes the supervisor early.
func (p *Plugin) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// supervise watches the plugin until Stop: health checks every
// HealthInterval, and a relaunch with backoff when the process exits or
// fails three health checks in a row.
func (p *Plugin) supervise() {
	defer close(p.done)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	nextHealth := time.Now().Add(p.spec.HealthInterval)
	failures := 0
	backoff := p.opts.BackoffInitial
	for {
		select {
		case <-tick.C:
		case <-p.wake:
		case <-p.stop:
			return
		}
		p.mu.RLock()
		client, stopped, started := p.client, p.stopped, p.started
		p.mu.RUnlock()
		if stopped {
			return
		}
		if client.Exited() {
			p.setState(StateRestarting, "plugin process exited")
			p.log.Error("plugin process exited; restarting", "backoff", backoff)
			if !p.relaunch(&backoff) {
				return
			}
			failures = 0
			nextHealth = time.Now().Add(p.spec.HealthInterval)
			continue
		}
		if time.Since(started) > time.Minute {
			backoff = p.opts.BackoffInitial
		}
		if time.Now().Before(nextHealth) {
			continue
		}
		nextHealth = time.Now().Add(p.spec.HealthInterval)
		if err := p.checkHealth(); err != nil {
			failures++
			p.log.Warn("plugin health check failed", "error", err, "failures", failures)
			if failures >= 3 {
				p.log.Error("plugin failed three health checks; restarting it")
				client.Kill()
				failures = 0
			}
			continue
		}
		failures = 0
	}
}

func (p *Plugin) checkHealth() error {
	p.mu.RLock()
	rpc := p.rpc
	p.mu.RUnlock()
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.HealthTimeout)
	defer cancel()
	h, err := rpc.Health(ctx)
	if err != nil {
		p.setState(StateUnhealthy, "health check: "+err.Error())
		return err
	}
	switch h.Status {
	case protocol.HealthOK:
		p.setState(StateRunning, "")
	default:
		p.setState(StateUnhealthy, h.Message)
	}
	return nil
}

func (p *Plugin) setState(s State, lastErr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || (p.configure == nil && s == StateRunning) {
		return
	}
	p.state = s
	if lastErr != "" {
		p.lastErr = lastErr
	}
}

// relaunch restarts the process with backoff until it succeeds or the
// plugin is stopped. It reports false when stopped.
func (p *Plugin) relaunch(backoff *time.Duration) bool {
	for {
		t := time.NewTimer(*backoff)
		select {
		case <-t.C:
		case <-p.stop:
			t.Stop()
			return false
		}
		*backoff = min(*backoff*2, p.opts.BackoffMax)
		p.mu.RLock()
		old, stopped, configure := p.client, p.stopped, p.configure
		p.mu.RUnlock()
		if stopped {
			return false
		}
		old.Kill()
		if err := p.start(context.Background()); err != nil {
			p.setState(StateRestarting, err.Error())
			p.log.Error("plugin restart failed", "error", err, "next_attempt_in", *backoff)
			continue
		}
		p.mu.RLock()
		stopped = p.stopped
		p.mu.RUnlock()
		if stopped {
			p.mu.RLock()
			c := p.client
			p.mu.RUnlock()
			c.Kill()
			return false
		}
		if configure != nil {
			ctx, cancel := context.WithTimeout(context.Background(), p.spec.StartTimeout)
			err := configure(ctx, p.rpc)
			cancel()
			if err != nil {
				p.setState(StateRestarting, "configure after restart: "+err.Error())
				p.log.Error("plugin rejected its configuration after restart", "error", err)
				p.mu.RLock()
				c := p.client
				p.mu.RUnlock()
				c.Kill()
				continue
			}
		}
		p.mu.Lock()
		p.restarts++
		if !p.stopped {
			p.state = StateRunning
			p.lastErr = ""
		}
		n := p.restarts
		p.mu.Unlock()
		p.log.Info("plugin restarted", "restarts", n)
		return true
	}
}

// Stop ends supervision and stops the process (gracefully, then by force
// after two seconds), and returns once the supervisor has finished. It is
// safe to call more than once and from any goroutine.
func (p *Plugin) Stop() {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.stopped = true
		p.state = StateStopped
		client := p.client
		p.mu.Unlock()
		close(p.stop)
		p.poke()
		if client != nil {
			client.Kill()
		}
	})
	<-p.done
}
