package grpcplugin

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coderhost/coderhost/sdk/proto/pluginv1"
)

// Errors a HostServices implementation returns so that plugins can tell the
// cases apart.
var (
	ErrNotFound      = errors.New("not found")
	ErrNoScript      = errors.New("no script configured")
	ErrNotConfigured = errors.New("not configured")
)

// HostServices is what the host offers to plugins, free of protobuf types.
type HostServices interface {
	// RunScript runs a hook and returns its JSON result and the script that
	// produced it ("" when every script returned null).
	RunScript(ctx context.Context, hook, script string, input []byte) (output []byte, ran string, err error)
	// GetEntity returns one entity as JSON, or ErrNotFound.
	GetEntity(ctx context.Context, ref string) ([]byte, error)
	// FindUsers returns matching User entities as JSON.
	FindUsers(ctx context.Context, email, annotationKey, annotationValue string) ([][]byte, error)
}

// NewHostServer serves h as the protocol's Host service.
func NewHostServer(h HostServices) pluginv1.HostServer {
	return &hostServer{h: h}
}

type hostServer struct {
	pluginv1.UnimplementedHostServer
	h HostServices
}

func (s *hostServer) RunScript(ctx context.Context, req *pluginv1.RunScriptRequest) (*pluginv1.RunScriptResponse, error) {
	out, ran, err := s.h.RunScript(ctx, req.Hook, req.Script, req.InputJson)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.RunScriptResponse{OutputJson: out, Script: ran}, nil
}

func (s *hostServer) GetEntity(ctx context.Context, req *pluginv1.GetEntityRequest) (*pluginv1.GetEntityResponse, error) {
	e, err := s.h.GetEntity(ctx, req.Ref)
	if errors.Is(err, ErrNotFound) {
		return &pluginv1.GetEntityResponse{Found: false}, nil
	}
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.GetEntityResponse{Found: true, EntityJson: e}, nil
}

func (s *hostServer) FindUsers(ctx context.Context, req *pluginv1.FindUsersRequest) (*pluginv1.FindUsersResponse, error) {
	es, err := s.h.FindUsers(ctx, req.Email, req.AnnotationKey, req.AnnotationValue)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.FindUsersResponse{EntitiesJson: es}, nil
}

func toStatus(err error) error {
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrNoScript):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, ErrNotConfigured):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	default:
		return status.Error(codes.Unknown, err.Error())
	}
}
