package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coderhost/coderhost/sdk/grpcplugin"
	"github.com/coderhost/coderhost/sdk/proto/pluginv1"
)

// ServeOption tunes Serve.
type ServeOption func(*serveConfig)

type serveConfig struct {
	maxBody int64
}

// WithMaxBodyBytes bounds the request bodies the plugin accepts and the
// response bodies it produces (default 10 MiB). Larger requests get a 413.
func WithMaxBodyBytes(n int64) ServeOption {
	return func(c *serveConfig) { c.maxBody = n }
}

// Serve runs p as a coderhost plugin. It never returns while the host is
// connected, and exits the process when the host goes away.
//
// Run by hand, the binary explains that it is a plugin and exits 1; with the
// single argument -describe it prints its description as JSON and exits 0.
func Serve(p Plugin, opts ...ServeOption) {
	cfg := serveConfig{maxBody: grpcplugin.DefaultMaxBodyBytes}
	for _, o := range opts {
		o(&cfg)
	}
	// Only the handshake line may reach stdout before the host connects.
	log.SetOutput(os.Stderr)
	slog.SetDefault(Logger())

	d := p.Describe()
	if len(os.Args) == 2 && (os.Args[1] == "-describe" || os.Args[1] == "--describe") {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(describeJSON(d))
		os.Exit(0)
	}
	if err := d.validate(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv(grpcplugin.Handshake.MagicCookieKey) == grpcplugin.Handshake.MagicCookieValue {
		go watchParent(os.Getppid())
	}

	msg := grpcplugin.MaxMessageBytes(cfg.maxBody)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: grpcplugin.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			grpcplugin.ProtocolVersion: {
				grpcplugin.PluginName: &grpcplugin.GRPCPlugin{
					Impl: func(b *plugin.GRPCBroker) pluginv1.PluginServer { return NewServer(p, b, cfg.maxBody) },
				},
			},
		},
		GRPCServer: func(o []grpc.ServerOption) *grpc.Server {
			o = append(o,
				grpc.MaxRecvMsgSize(msg),
				grpc.MaxSendMsgSize(msg),
				grpc.ChainUnaryInterceptor(recoverUnary),
			)
			return grpc.NewServer(o...)
		},
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       d.ID,
			Output:     os.Stderr,
			Level:      hclog.Info,
			JSONFormat: true,
		}),
	})
}

// watchParent exits when the host dies without stopping the plugin, so no
// plugin outlives its host.
func watchParent(ppid int) {
	for range time.Tick(time.Second) {
		if os.Getppid() != ppid {
			fmt.Fprintln(os.Stderr, "host process exited; stopping plugin")
			os.Exit(0)
		}
	}
}

func recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "panic in %s: %v\n%s", info.FullMethod, p, debug.Stack())
			err = status.Errorf(codes.Internal, "plugin panicked in %s: %v", info.FullMethod, p)
		}
	}()
	return h(ctx, req)
}

func describeJSON(d Description) any {
	return struct {
		ID           string   `json:"id"`
		Version      string   `json:"version"`
		Description  string   `json:"description,omitempty"`
		Capabilities []string `json:"capabilities"`
		ConfigSchema Schema   `json:"config_schema"`
	}{d.ID, d.Version, d.Description, d.Capabilities, d.ConfigSchema}
}
