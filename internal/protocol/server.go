package protocol

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coderhost/coderhost/internal/pluginv1"
)

// Provider is the plugin side of the protocol; package sdk adapts a Plugin
// to it.
type Provider interface {
	Describe() Description
	// Configure returns the handler for one accepted configuration.
	Configure(ctx context.Context, config json.RawMessage, info HostInfo, host Host) (http.Handler, error)
}

// healthChecker is implemented by handlers or providers that report their
// own health.
type healthChecker interface {
	CheckHealth(ctx context.Context) Health
}

// served is one accepted configuration.
type served struct {
	handler http.Handler
	info    HostInfo
}

// pluginServer adapts a Provider to the Plugin service.
type pluginServer struct {
	pluginv1.UnimplementedPluginServer

	p       Provider
	broker  *plugin.GRPCBroker
	maxBody int64

	current atomic.Pointer[served]

	// configure serialises Configure calls and guards the host connection.
	configure sync.Mutex
	hostConn  *grpc.ClientConn
	hostID    uint32
	host      Host
}

func newPluginServer(p Provider, broker *plugin.GRPCBroker, maxBody int64) *pluginServer {
	return &pluginServer{p: p, broker: broker, maxBody: maxBody}
}

func (s *pluginServer) Describe(context.Context, *pluginv1.DescribeRequest) (*pluginv1.DescribeResponse, error) {
	return toDescription(s.p.Describe()), nil
}

func (s *pluginServer) Configure(ctx context.Context, req *pluginv1.ConfigureRequest) (*pluginv1.ConfigureResponse, error) {
	s.configure.Lock()
	defer s.configure.Unlock()
	host, err := s.dialHost(req.GetHostServiceId())
	if err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	info := fromHostInfo(req.GetHost())
	h, err := s.p.Configure(ctx, req.GetConfigJson(), info, host)
	if err != nil {
		return nil, toStatus(err, codes.InvalidArgument)
	}
	if h == nil {
		return nil, status.Error(codes.InvalidArgument, "the plugin's Configure returned no handler")
	}
	s.current.Store(&served{handler: h, info: info})
	return &pluginv1.ConfigureResponse{}, nil
}

// dialHost connects to the host services under id, reusing the connection
// while the host keeps offering the same id.
func (s *pluginServer) dialHost(id uint32) (Host, error) {
	if id == 0 || s.broker == nil {
		return NoHost{}, nil
	}
	if s.hostConn != nil && s.hostID == id {
		return s.host, nil
	}
	conn, err := s.broker.Dial(id)
	if err != nil {
		return nil, fmt.Errorf("dial host services: %w", err)
	}
	if s.hostConn != nil {
		_ = s.hostConn.Close()
	}
	s.hostConn, s.hostID = conn, id
	s.host = &hostClient{rpc: pluginv1.NewHostClient(conn)}
	return s.host, nil
}

func (s *pluginServer) ServeHTTP(req *pluginv1.HTTPRequest, stream grpc.ServerStreamingServer[pluginv1.HTTPResponse]) error {
	cur := s.current.Load()
	if cur == nil {
		return status.Error(codes.FailedPrecondition, "plugin is not configured yet")
	}
	ctx := WithHostInfo(WithRequestID(stream.Context(), req.GetRequestId()), cur.info)
	return serveHTTP(ctx, cur.handler, req, nil, cur.info.MountPath, s.maxBody, stream.Send)
}

func (s *pluginServer) ServeHTTPStream(stream grpc.BidiStreamingServer[pluginv1.HTTPRequestPart, pluginv1.HTTPResponse]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	req := first.GetHead()
	if req == nil {
		return status.Error(codes.InvalidArgument, "the first part of ServeHTTPStream must carry the request")
	}
	cur := s.current.Load()
	if cur == nil {
		return status.Error(codes.FailedPrecondition, "plugin is not configured yet")
	}
	ctx := WithHostInfo(WithRequestID(stream.Context(), req.GetRequestId()), cur.info)
	// Whatever the handler leaves unread is dropped with the stream when it
	// returns; the host stops sending.
	body := &partReader{recv: stream.Recv}
	return serveHTTP(ctx, cur.handler, req, body, cur.info.MountPath, s.maxBody, stream.Send)
}

// bufferingServer serves the plugin service without ServeHTTPStream, as a
// plugin built before it does, so tests can reach the host's buffered path.
type bufferingServer struct{ *pluginServer }

func (b bufferingServer) Describe(ctx context.Context, req *pluginv1.DescribeRequest) (*pluginv1.DescribeResponse, error) {
	d, err := b.pluginServer.Describe(ctx, req)
	if d != nil {
		d.Features = nil
	}
	return d, err
}

func (bufferingServer) ServeHTTPStream(grpc.BidiStreamingServer[pluginv1.HTTPRequestPart, pluginv1.HTTPResponse]) error {
	return status.Error(codes.Unimplemented, "method ServeHTTPStream not implemented")
}

func (s *pluginServer) Health(ctx context.Context, _ *pluginv1.HealthRequest) (*pluginv1.HealthResponse, error) {
	if cur := s.current.Load(); cur != nil {
		if hc, ok := cur.handler.(healthChecker); ok {
			return toHealth(hc.CheckHealth(ctx)), nil
		}
	}
	if hc, ok := s.p.(healthChecker); ok {
		return toHealth(hc.CheckHealth(ctx)), nil
	}
	return toHealth(Health{Status: HealthOK}), nil
}
