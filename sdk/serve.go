package sdk

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/coderhost/coderhost/internal/protocol"
)

// ServeOption tunes Serve.
type ServeOption func(*protocol.ServeOptions)

// WithMaxBodyBytes bounds the request bodies the plugin accepts and the
// response bodies it produces (default 10 MiB). Larger requests get a 413.
func WithMaxBodyBytes(n int64) ServeOption {
	return func(o *protocol.ServeOptions) { o.MaxBodyBytes = n }
}

// WithDebug serves in debug mode, as the CODERHOST_PLUGIN_DEBUG=1
// environment variable does: the plugin runs on its own (for example under
// dlv) and prints a CODERHOST_REATTACH_PLUGINS=... line; a host started with
// that variable attaches to it instead of launching the binary. It serves
// until interrupted.
func WithDebug() ServeOption {
	return func(o *protocol.ServeOptions) { o.Debug = true }
}

// Serve runs p as a coderhost plugin until the host stops it. It returns an
// error when the plugin cannot serve, for example when it is run by hand
// outside debug mode.
//
// Run with the single argument -describe, the binary prints its
// description as JSON and Serve returns nil.
func Serve(p Plugin, opts ...ServeOption) error {
	o := protocol.ServeOptions{
		MaxBodyBytes: protocol.DefaultMaxBodyBytes,
		Args:         os.Args[1:],
		Stdout:       os.Stdout,
	}
	for _, fn := range opts {
		fn(&o)
	}
	if o.InProcess != nil {
		// Tests keep their own logger; go-plugin's teardown noise stays out.
		o.Logger = hclog.NewNullLogger()
		return protocol.Serve(provider{p}, o)
	}
	slog.SetDefault(newLogger(os.Stderr))
	o.Logger = hclog.New(&hclog.LoggerOptions{
		Name:       p.Describe().ID,
		Output:     os.Stderr,
		Level:      hclog.Info,
		JSONFormat: true,
	})
	return protocol.Serve(provider{p}, o)
}

// provider adapts a Plugin to the protocol.
type provider struct{ p Plugin }

func (a provider) Describe() protocol.Description { return a.p.Describe() }

func (a provider) Configure(ctx context.Context, config json.RawMessage, info protocol.HostInfo, host protocol.Host) (http.Handler, error) {
	return a.p.Configure(ctx, ConfigureRequest{Config: config, Info: info, Host: host})
}

func (a provider) CheckHealth(ctx context.Context) Health {
	if hc, ok := a.p.(HealthChecker); ok {
		return hc.CheckHealth(ctx)
	}
	return Health{Status: HealthOK}
}
