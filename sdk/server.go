package sdk

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coderhost/coderhost/sdk/grpcplugin"
	"github.com/coderhost/coderhost/sdk/proto/pluginv1"
)

// server adapts a Plugin to the protocol v1 service.
type server struct {
	pluginv1.UnimplementedPluginServer

	impl    Plugin
	broker  *plugin.GRPCBroker
	maxBody int64

	mu        sync.RWMutex
	handler   http.Handler
	mount     string
	hostConn  *grpc.ClientConn
	hostID    uint32
	configure sync.Mutex
}

// NewServer adapts p to the protocol service. Serve and sdk/plugintest use
// it; plugin authors call Serve instead.
func NewServer(p Plugin, broker *plugin.GRPCBroker, maxBody int64) pluginv1.PluginServer {
	return &server{impl: p, broker: broker, maxBody: maxBody}
}

func (s *server) Describe(context.Context, *pluginv1.DescribeRequest) (*pluginv1.DescribeResponse, error) {
	d := s.impl.Describe()
	return &pluginv1.DescribeResponse{
		Id:           d.ID,
		Version:      d.Version,
		Description:  d.Description,
		Capabilities: d.Capabilities,
		ConfigSchema: schemaToProto(d.ConfigSchema),
	}, nil
}

func (s *server) Configure(ctx context.Context, req *pluginv1.ConfigureRequest) (*pluginv1.ConfigureResponse, error) {
	s.configure.Lock()
	defer s.configure.Unlock()

	var services Host = noHost{}
	if req.HostServiceId != 0 {
		s.mu.RLock()
		conn, id := s.hostConn, s.hostID
		s.mu.RUnlock()
		if conn == nil || id != req.HostServiceId {
			rpc, c, err := grpcplugin.DialHost(s.broker, req.HostServiceId)
			if err != nil {
				return nil, status.Errorf(codes.Unavailable, "%v", err)
			}
			if conn != nil {
				_ = conn.Close()
			}
			conn, id = c, req.HostServiceId
			s.mu.Lock()
			s.hostConn, s.hostID = conn, id
			s.mu.Unlock()
			services = &hostClient{rpc: rpc}
		} else {
			services = &hostClient{rpc: pluginv1.NewHostClient(conn)}
		}
	}
	info := HostInfo{}
	if h := req.Host; h != nil {
		info = HostInfo{
			ExternalURL:         h.ExternalUrl,
			CoderURL:            h.CoderUrl,
			BackstageAppURL:     h.BackstageAppUrl,
			BackstageBackendURL: h.BackstageBackendUrl,
			HostVersion:         h.HostVersion,
			MountPath:           h.MountPath,
		}
	}
	if err := s.impl.Configure(ctx, ConfigureRequest{Config: req.ConfigJson, Host: info, Services: services}); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}
	s.mu.Lock()
	if s.handler == nil {
		s.handler = s.impl.Handler()
	}
	s.mount = info.MountPath
	s.mu.Unlock()
	return &pluginv1.ConfigureResponse{}, nil
}

func (s *server) ServeHTTP(ctx context.Context, req *pluginv1.HTTPRequest) (*pluginv1.HTTPResponse, error) {
	s.mu.RLock()
	h, mount := s.handler, s.mount
	s.mu.RUnlock()
	if h == nil {
		return nil, status.Error(codes.FailedPrecondition, "plugin is not configured yet")
	}
	return grpcplugin.HandleHTTP(ctx, h, req, mount, s.maxBody), nil
}

func (s *server) Health(ctx context.Context, _ *pluginv1.HealthRequest) (*pluginv1.HealthResponse, error) {
	hc, ok := s.impl.(HealthChecker)
	if !ok {
		return &pluginv1.HealthResponse{Status: pluginv1.HealthResponse_STATUS_OK}, nil
	}
	h := hc.CheckHealth(ctx)
	st := pluginv1.HealthResponse_STATUS_ERROR
	switch h.Status {
	case HealthOK:
		st = pluginv1.HealthResponse_STATUS_OK
	case HealthDegraded:
		st = pluginv1.HealthResponse_STATUS_DEGRADED
	}
	return &pluginv1.HealthResponse{Status: st, Message: h.Message}, nil
}

func schemaToProto(s Schema) *pluginv1.Schema {
	out := &pluginv1.Schema{}
	for _, a := range s.Attributes {
		out.Attributes = append(out.Attributes, &pluginv1.Attribute{
			Name: a.Name, Type: string(a.Type), Required: a.Required, Sensitive: a.Sensitive, Description: a.Description,
		})
	}
	for _, b := range s.Blocks {
		out.Blocks = append(out.Blocks, &pluginv1.Block{
			Name: b.Name, Nesting: string(b.Nesting), Required: b.Required, Description: b.Description,
			Label: b.Label, Schema: schemaToProto(b.Schema),
		})
	}
	return out
}

// SchemaFromProto converts a wire schema back to the SDK type. The host uses
// it to check config blocks.
func SchemaFromProto(s *pluginv1.Schema) Schema {
	var out Schema
	if s == nil {
		return out
	}
	for _, a := range s.Attributes {
		out.Attributes = append(out.Attributes, Attribute{
			Name: a.Name, Type: AttrType(a.Type), Required: a.Required, Sensitive: a.Sensitive, Description: a.Description,
		})
	}
	for _, b := range s.Blocks {
		out.Blocks = append(out.Blocks, Block{
			Name: b.Name, Nesting: Nesting(b.Nesting), Required: b.Required, Description: b.Description,
			Label: b.Label, Schema: SchemaFromProto(b.Schema),
		})
	}
	return out
}

// validate checks a Description before it is served.
func (d Description) validate() error {
	if d.ID == "" {
		return fmt.Errorf("plugin description has no ID")
	}
	return nil
}
