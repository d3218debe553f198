package grpcplugin

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/coderhost/coderhost/sdk/proto/pluginv1"
)

// GRPCPlugin is the go-plugin Plugin for protocol v1. On the plugin side
// Impl builds the service implementation; on the host side GRPCClient
// returns a *Client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin

	// Impl builds the plugin-side implementation. The broker reaches the
	// host services. Unused on the host side.
	Impl func(broker *plugin.GRPCBroker) pluginv1.PluginServer
	// MaxBodyBytes bounds bodies the host sends over the bridge. Host side only.
	MaxBodyBytes int64
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the plugin service.
func (p *GRPCPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterPluginServer(s, p.Impl(broker))
	return nil
}

// GRPCClient returns the host's view of the plugin.
func (p *GRPCPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	maxBody := p.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	return &Client{rpc: pluginv1.NewPluginClient(c), broker: broker, maxBody: maxBody}, nil
}
