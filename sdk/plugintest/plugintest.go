// Package plugintest runs a coderhost plugin in-process for tests: the real
// gRPC client and server pair and the real HTTP bridge, without a subprocess.
//
//	h := plugintest.Start(t, myplugin.New(), plugintest.WithConfig(`{"greeting":"hi"}`))
//	resp, _ := http.Get(h.URL + "/api/hello/greet")
package plugintest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-plugin"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/grpcplugin"
	"github.com/coderhost/coderhost/sdk/proto/pluginv1"
)

// Option tunes Start.
type Option func(*options)

type options struct {
	config  json.RawMessage
	host    sdk.HostInfo
	svc     *Host
	maxBody int64
}

// WithConfig sets the config block handed to Configure, as JSON.
func WithConfig(configJSON string) Option {
	return func(o *options) { o.config = json.RawMessage(configJSON) }
}

// WithHostInfo sets the host facts handed to Configure.
func WithHostInfo(info sdk.HostInfo) Option {
	return func(o *options) { o.host = info }
}

// WithHost sets the host services the plugin can call.
func WithHost(h *Host) Option {
	return func(o *options) { o.svc = h }
}

// WithMaxBodyBytes sets the body limit on both ends of the bridge.
func WithMaxBodyBytes(n int64) Option {
	return func(o *options) { o.maxBody = n }
}

// Harness is a configured plugin reachable over the real protocol.
type Harness struct {
	// Description is what the plugin reported.
	Description sdk.Description
	// URL is an httptest server that forwards every request to the plugin
	// the way the host does.
	URL string

	client *grpcplugin.Client
}

// Start describes, configures and serves p. The plugin is mounted at
// /api/<id>/ as under the host. Everything stops when the test ends.
func Start(t testing.TB, p sdk.Plugin, opts ...Option) *Harness {
	t.Helper()
	o := options{maxBody: grpcplugin.DefaultMaxBodyBytes}
	for _, fn := range opts {
		fn(&o)
	}
	gp := &grpcplugin.GRPCPlugin{
		Impl:         func(b *plugin.GRPCBroker) pluginv1.PluginServer { return sdk.NewServer(p, b, o.maxBody) },
		MaxBodyBytes: o.maxBody,
	}
	client, server := plugin.TestPluginGRPCConn(t, true, map[string]plugin.Plugin{grpcplugin.PluginName: gp})
	t.Cleanup(func() {
		// Stop the server first: closing the client asks the server to stop
		// itself, and two concurrent stops race inside go-plugin.
		server.Stop()
		_ = client.Close()
	})
	raw, err := client.Dispense(grpcplugin.PluginName)
	if err != nil {
		t.Fatalf("plugintest: dispense: %v", err)
	}
	c := raw.(*grpcplugin.Client)
	ctx := context.Background()
	d, err := c.Describe(ctx)
	if err != nil {
		t.Fatalf("plugintest: describe: %v", err)
	}
	h := &Harness{client: c, Description: sdk.Description{
		ID: d.Id, Version: d.Version, Description: d.Description, Capabilities: d.Capabilities,
		ConfigSchema: sdk.SchemaFromProto(d.ConfigSchema),
	}}
	mount := "/api/" + d.Id + "/"
	if o.host.MountPath == "" {
		o.host.MountPath = mount
	}
	cfg := o.config
	if len(cfg) == 0 {
		cfg = json.RawMessage(`{}`)
	}
	var svc pluginv1.HostServer
	if o.svc != nil {
		svc = grpcplugin.NewHostServer(o.svc)
	} else {
		svc = grpcplugin.NewHostServer(&Host{})
	}
	if err := c.Configure(ctx, cfg, &pluginv1.HostInfo{
		ExternalUrl:         o.host.ExternalURL,
		CoderUrl:            o.host.CoderURL,
		BackstageAppUrl:     o.host.BackstageAppURL,
		BackstageBackendUrl: o.host.BackstageBackendURL,
		HostVersion:         o.host.HostVersion,
		MountPath:           o.host.MountPath,
	}, svc); err != nil {
		t.Fatalf("plugintest: configure: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// ServeHTTP forwards r to the plugin over gRPC, as the host does.
func (h *Harness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.client.ServeHTTP(w, r, grpcplugin.Meta{RequestID: r.Header.Get("X-Request-Id"), Scheme: "http"})
}

// Health asks the plugin for its health.
func (h *Harness) Health(ctx context.Context) (sdk.Health, error) {
	r, err := h.client.Health(ctx)
	if err != nil {
		return sdk.Health{}, err
	}
	st := sdk.HealthError
	switch r.Status {
	case pluginv1.HealthResponse_STATUS_OK:
		st = sdk.HealthOK
	case pluginv1.HealthResponse_STATUS_DEGRADED:
		st = sdk.HealthDegraded
	}
	return sdk.Health{Status: st, Message: r.Message}, nil
}
