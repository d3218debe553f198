package protocol

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/coderhost/coderhost/internal/pluginv1"
)

// Client is the host's handle on one running plugin. Its ServeHTTP carries
// requests to the plugin (bridge.go).
type Client struct {
	rpc    pluginv1.PluginClient
	broker *plugin.GRPCBroker
	limits Limits

	// streams is set when the plugin serves ServeHTTPStream.
	streams atomic.Bool
	// buffered counts the request body bytes held for the buffered
	// ServeHTTP, bounded by limits.MaxBufferedBytes.
	buffered atomic.Int64
	// mount is where the plugin was last configured to be mounted.
	mount atomic.Pointer[string]

	hostOnce sync.Once
	hostID   uint32
}

// Describe asks the plugin who it is, and notes which protocol features its
// side implements.
func (c *Client) Describe(ctx context.Context) (Description, error) {
	d, err := c.rpc.Describe(ctx, &pluginv1.DescribeRequest{})
	if err != nil {
		return Description{}, fromStatus(err)
	}
	c.streams.Store(slices.Contains(d.GetFeatures(), FeatureRequestBodyStream))
	return fromDescription(d), nil
}

// Configure hands the plugin its config block (JSON) and the host facts.
// The first call with a non-nil host serves it on the broker for the life of
// the plugin process; later calls (reloads) reuse that server, so host must
// answer from the host's current state rather than capture it. A rejected
// configuration is a *StatusError with codes.InvalidArgument.
func (c *Client) Configure(ctx context.Context, config json.RawMessage, info HostInfo, host Host) error {
	if host != nil && c.broker != nil {
		c.hostOnce.Do(func() {
			c.hostID = c.broker.NextId()
			go c.broker.AcceptAndServe(c.hostID, func(opts []grpc.ServerOption) *grpc.Server {
				s := grpc.NewServer(opts...)
				pluginv1.RegisterHostServer(s, &hostServer{h: host})
				return s
			})
		})
	}
	_, err := c.rpc.Configure(ctx, &pluginv1.ConfigureRequest{
		ConfigJson:    config,
		Host:          toHostInfo(info),
		HostServiceId: c.hostID,
	})
	if err != nil {
		return fromStatus(err)
	}
	mount := info.MountPath
	c.mount.Store(&mount)
	return nil
}

// Health asks the plugin whether it can serve.
func (c *Client) Health(ctx context.Context) (Health, error) {
	h, err := c.rpc.Health(ctx, &pluginv1.HealthRequest{})
	if err != nil {
		return Health{}, fromStatus(err)
	}
	return fromHealth(h), nil
}
