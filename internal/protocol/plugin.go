package protocol

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/coderhost/coderhost/internal/pluginv1"
)

// GRPCPlugin is the go-plugin Plugin for protocol v1. On the plugin side
// Provider is served; on the host side GRPCClient returns a *Client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin

	// Provider is the plugin's implementation. Plugin side only.
	Provider Provider
	// MaxBodyBytes bounds request bodies the plugin side accepts.
	MaxBodyBytes int64
	// BufferRequestBodies makes the plugin side leave ServeHTTPStream
	// unserved, as a plugin built before it did. Tests only.
	BufferRequestBodies bool
	// Limits bound the host side. Host side only.
	Limits Limits
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the plugin service.
func (p *GRPCPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	srv := newPluginServer(p.Provider, broker, maxBodyOrDefault(p.MaxBodyBytes))
	if p.BufferRequestBodies {
		pluginv1.RegisterPluginServer(s, bufferingServer{srv})
		return nil
	}
	pluginv1.RegisterPluginServer(s, srv)
	return nil
}

// GRPCClient returns the host's view of the plugin.
func (p *GRPCPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{rpc: pluginv1.NewPluginClient(c), broker: broker, limits: p.Limits.withDefaults()}, nil
}

func maxBodyOrDefault(n int64) int64 {
	if n <= 0 {
		return DefaultMaxBodyBytes
	}
	return n
}

// DefaultMaxBufferedBytes bounds the request body bytes the host holds in
// memory at once for a plugin that cannot stream request bodies.
const DefaultMaxBufferedBytes int64 = 64 << 20

// Limits bound what the host side of the bridge accepts, holds and waits
// for, per plugin process.
type Limits struct {
	// MaxBodyBytes bounds a request body (413 above it). Zero means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxBufferedBytes bounds the request body bytes held in memory at once
	// for a plugin that cannot stream request bodies (503 with Retry-After
	// beyond it). Zero means DefaultMaxBufferedBytes, and a value below
	// MaxBodyBytes is raised to it.
	MaxBufferedBytes int64
	// Timeout bounds the wait for the plugin to start its answer (504
	// after it). Zero means no bound.
	Timeout time.Duration
}

func (l Limits) withDefaults() Limits {
	l.MaxBodyBytes = maxBodyOrDefault(l.MaxBodyBytes)
	if l.MaxBufferedBytes <= 0 {
		l.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	l.MaxBufferedBytes = max(l.MaxBufferedBytes, l.MaxBodyBytes)
	return l
}

// windowSize is the HTTP/2 flow-control window on both ends of the socket.
const windowSize = 4 << 20

// ClientConfig is the go-plugin client configuration for protocol v1, with
// either Cmd (launch) or Reattach set by the caller.
func ClientConfig(limits Limits, logger hclog.Logger) *plugin.ClientConfig {
	msg := MaxMessageBytes(limits.MaxBodyBytes)
	set := plugin.PluginSet{PluginName: &GRPCPlugin{Limits: limits}}
	return &plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{ProtocolVersion: set},
		// A reattached client dispenses from Plugins: it skips negotiation.
		Plugins:          set,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(msg), grpc.MaxCallSendMsgSize(msg)),
			// A fixed window turns off BDP estimation, whose pings add a
			// frame to most round trips on a local socket.
			grpc.WithInitialWindowSize(windowSize),
			grpc.WithInitialConnWindowSize(windowSize),
		},
	}
}

// Dispense connects c and returns the plugin's protocol client.
func Dispense(c *plugin.Client) (*Client, error) {
	proto, err := c.Client()
	if err != nil {
		return nil, err
	}
	raw, err := proto.Dispense(PluginName)
	if err != nil {
		return nil, err
	}
	rpc, ok := raw.(*Client)
	if !ok {
		return nil, fmt.Errorf("unexpected plugin type %T", raw)
	}
	return rpc, nil
}
