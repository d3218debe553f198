// Package plugintest runs a coderhost plugin in the test process and serves
// it the way the host does: sdk.Serve in debug mode on a real go-plugin
// socket, the host's own protocol client attached to it, and an httptest
// server in front that mounts the plugin at /api/<id>/.
//
//	h := plugintest.Start(t, &myPlugin{}, plugintest.WithConfig(`{"greeting":"hi"}`))
//	resp, _ := http.Get(h.URL + "/api/hello/greet")
package plugintest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/coderhost/coderhost/internal/protocol"
	"github.com/coderhost/coderhost/sdk"
)

// Option tunes Start.
type Option func(*options)

type options struct {
	config  json.RawMessage
	info    sdk.HostInfo
	host    sdk.Host
	maxBody int64
}

// WithConfig sets the config block handed to Configure, as JSON.
func WithConfig(configJSON string) Option {
	return func(o *options) { o.config = json.RawMessage(configJSON) }
}

// WithHostInfo sets the host facts handed to Configure. MountPath defaults
// to /api/<id>/.
func WithHostInfo(info sdk.HostInfo) Option {
	return func(o *options) { o.info = info }
}

// WithHost sets the host services the plugin can call: a *Host fake, or any
// other sdk.Host.
func WithHost(h sdk.Host) Option {
	return func(o *options) { o.host = h }
}

// WithMaxBodyBytes sets the body limit on both ends of the bridge.
func WithMaxBodyBytes(n int64) Option {
	return func(o *options) { o.maxBody = n }
}

// Harness is a configured plugin reachable over the real protocol.
type Harness struct {
	// Description is what the plugin reported.
	Description sdk.Description
	// URL is an httptest server that forwards every request under
	// /api/<id>/ to the plugin the way the host does.
	URL string

	t      testing.TB
	client *protocol.Client
	host   sdk.Host
	info   sdk.HostInfo
}

// Start serves p, describes it and configures it. Everything stops when the
// test ends.
func Start(t testing.TB, p sdk.Plugin, opts ...Option) *Harness {
	t.Helper()
	o := options{maxBody: protocol.DefaultMaxBodyBytes, host: &Host{}}
	for _, fn := range opts {
		fn(&o)
	}

	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	serveErr := make(chan error, 1)
	inProcess := sdk.ServeOption(func(so *protocol.ServeOptions) {
		so.Args = nil
		so.InProcess = &protocol.InProcess{Context: ctx, Reattach: reattach, Closed: closed}
	})
	go func() { serveErr <- sdk.Serve(p, sdk.WithMaxBodyBytes(o.maxBody), inProcess) }()

	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case err := <-serveErr:
		cancel()
		t.Fatalf("plugintest: serve: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("plugintest: the plugin did not start serving within 10s")
	}
	cfg := protocol.ClientConfig(protocol.Limits{MaxBodyBytes: o.maxBody}, hclog.NewNullLogger())
	cfg.Reattach = rc
	pc := plugin.NewClient(cfg)
	t.Cleanup(func() {
		pc.Kill()
		cancel()
		<-closed
	})
	client, err := protocol.Dispense(pc)
	if err != nil {
		t.Fatalf("plugintest: connect: %v", err)
	}
	d, err := client.Describe(ctx)
	if err != nil {
		t.Fatalf("plugintest: describe: %v", err)
	}
	if o.info.MountPath == "" {
		o.info.MountPath = "/api/" + d.ID + "/"
	}
	h := &Harness{t: t, client: client, Description: d, host: o.host, info: o.info}
	if err := h.Configure(ctx, o.config); err != nil {
		t.Fatalf("plugintest: configure: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// Configure hands the plugin a new config block, as a host reload does. It
// returns the plugin's error when it rejects it; the plugin then keeps its
// previous configuration.
func (h *Harness) Configure(ctx context.Context, config json.RawMessage) error {
	if len(config) == 0 {
		config = json.RawMessage(`{}`)
	}
	return h.client.Configure(ctx, config, h.info, h.host)
}

// ServeHTTP forwards r to the plugin over gRPC, as the host does. The
// request id is the request's X-Request-Id header when set.
func (h *Harness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := protocol.WithPlugin(r.Context(), h.Description.ID)
	if id := r.Header.Get("X-Request-Id"); id != "" {
		ctx = protocol.WithRequestID(ctx, id)
	}
	h.client.ServeHTTP(w, r.WithContext(ctx))
}

// Health asks the plugin for its health.
func (h *Harness) Health(ctx context.Context) (sdk.Health, error) {
	return h.client.Health(ctx)
}
