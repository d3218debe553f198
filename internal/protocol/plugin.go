package protocol

import (
	"context"
	"fmt"

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
	// MaxBodyBytes bounds bodies carried over the bridge on this side.
	MaxBodyBytes int64
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the plugin service.
func (p *GRPCPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterPluginServer(s, newPluginServer(p.Provider, broker, maxBodyOrDefault(p.MaxBodyBytes)))
	return nil
}

// GRPCClient returns the host's view of the plugin.
func (p *GRPCPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{rpc: pluginv1.NewPluginClient(c), broker: broker, maxBody: maxBodyOrDefault(p.MaxBodyBytes)}, nil
}

func maxBodyOrDefault(n int64) int64 {
	if n <= 0 {
		return DefaultMaxBodyBytes
	}
	return n
}

// windowSize is the HTTP/2 flow-control window on both ends of the socket.
const windowSize = 4 << 20

// ClientConfig is the go-plugin client configuration for protocol v1, with
// either Cmd (launch) or Reattach set by the caller.
func ClientConfig(maxBody int64, logger hclog.Logger) *plugin.ClientConfig {
	msg := MaxMessageBytes(maxBody)
	set := plugin.PluginSet{PluginName: &GRPCPlugin{MaxBodyBytes: maxBody}}
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
