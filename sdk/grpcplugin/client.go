package grpcplugin

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/coderhost/coderhost/sdk/proto/pluginv1"
)

// Client is the host's handle on one running plugin.
type Client struct {
	rpc     pluginv1.PluginClient
	broker  *plugin.GRPCBroker
	maxBody int64

	hostOnce sync.Once
	hostID   uint32
}

// Describe asks the plugin who it is.
func (c *Client) Describe(ctx context.Context) (*pluginv1.DescribeResponse, error) {
	return c.rpc.Describe(ctx, &pluginv1.DescribeRequest{})
}

// Configure hands the plugin its config and the broker id to reach the host
// services. The first call with a non-nil host serves it on the broker for
// the life of the plugin process; later calls (reloads) reuse that server, so
// host must answer from the host's current state rather than capture it.
func (c *Client) Configure(ctx context.Context, configJSON []byte, info *pluginv1.HostInfo, host pluginv1.HostServer) error {
	if host != nil && c.broker != nil {
		c.hostOnce.Do(func() {
			c.hostID = c.broker.NextId()
			go c.broker.AcceptAndServe(c.hostID, func(opts []grpc.ServerOption) *grpc.Server {
				s := grpc.NewServer(opts...)
				pluginv1.RegisterHostServer(s, host)
				return s
			})
		})
	}
	id := c.hostID
	_, err := c.rpc.Configure(ctx, &pluginv1.ConfigureRequest{
		ConfigJson:    configJSON,
		Host:          info,
		HostServiceId: id,
	})
	return err
}

// Health asks the plugin whether it can serve.
func (c *Client) Health(ctx context.Context) (*pluginv1.HealthResponse, error) {
	return c.rpc.Health(ctx, &pluginv1.HealthRequest{})
}

// DialHost connects a plugin to the host services served under id.
func DialHost(broker *plugin.GRPCBroker, id uint32) (pluginv1.HostClient, *grpc.ClientConn, error) {
	if broker == nil || id == 0 {
		return nil, nil, fmt.Errorf("the host offered no services")
	}
	conn, err := broker.Dial(id)
	if err != nil {
		return nil, nil, fmt.Errorf("dial host services: %w", err)
	}
	return pluginv1.NewHostClient(conn), conn, nil
}
