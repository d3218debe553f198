package protocol

import (
	"context"
	"encoding/json"
	"fmt"

	"google.golang.org/grpc/codes"

	"github.com/coderhost/coderhost/internal/pluginv1"
)

// hostServer serves a Host as the protocol's Host service (host side).
type hostServer struct {
	pluginv1.UnimplementedHostServer
	h Host
}

func (s *hostServer) RunScript(ctx context.Context, req *pluginv1.RunScriptRequest) (*pluginv1.RunScriptResponse, error) {
	var out json.RawMessage
	in := json.RawMessage(req.GetInputJson())
	if req.GetScript() != "" {
		if err := s.h.RunScript(ctx, req.GetScript(), in, &out); err != nil {
			return nil, toStatus(err, codes.InvalidArgument)
		}
		return &pluginv1.RunScriptResponse{OutputJson: out, Script: req.GetScript()}, nil
	}
	ran, err := s.h.RunHook(ctx, req.GetHook(), in, &out)
	if err != nil {
		return nil, toStatus(err, codes.InvalidArgument)
	}
	return &pluginv1.RunScriptResponse{OutputJson: out, Script: ran}, nil
}

func (s *hostServer) GetEntity(ctx context.Context, req *pluginv1.GetEntityRequest) (*pluginv1.GetEntityResponse, error) {
	e, err := s.h.GetEntity(ctx, req.GetRef())
	if err != nil {
		return nil, toStatus(err, codes.Unknown)
	}
	return &pluginv1.GetEntityResponse{Found: true, EntityJson: e}, nil
}

func (s *hostServer) FindUsers(ctx context.Context, req *pluginv1.FindUsersRequest) (*pluginv1.FindUsersResponse, error) {
	es, err := s.h.FindUsers(ctx, fromUserQuery(req))
	if err != nil {
		return nil, toStatus(err, codes.Unknown)
	}
	out := make([][]byte, len(es))
	for i, e := range es {
		out[i] = e
	}
	return &pluginv1.FindUsersResponse{EntitiesJson: out}, nil
}

// hostClient implements Host over the broker connection (plugin side).
type hostClient struct {
	rpc pluginv1.HostClient
}

func (h *hostClient) RunHook(ctx context.Context, hook string, input, out any) (string, error) {
	return h.run(ctx, hook, "", input, out)
}

func (h *hostClient) RunScript(ctx context.Context, name string, input, out any) error {
	_, err := h.run(ctx, "", name, input, out)
	return err
}

func (h *hostClient) run(ctx context.Context, hook, name string, input, out any) (string, error) {
	subject := fmt.Sprintf("hook %q", hook)
	if name != "" {
		subject = fmt.Sprintf("script %q", name)
	}
	in, err := json.Marshal(input)
	if err != nil {
		return "", fmt.Errorf("%s: encode input: %w", subject, err)
	}
	resp, err := h.rpc.RunScript(ctx, &pluginv1.RunScriptRequest{Hook: hook, Script: name, InputJson: in})
	if err != nil {
		return "", fromStatus(err)
	}
	ran := resp.GetScript()
	if isNull(resp.GetOutputJson()) {
		return "", fmt.Errorf("%s: %w", subject, ErrNoResult)
	}
	if out != nil {
		if err := json.Unmarshal(resp.GetOutputJson(), out); err != nil {
			return ran, fmt.Errorf("script %q: decode result: %w", ran, err)
		}
	}
	return ran, nil
}

func isNull(b []byte) bool {
	return len(b) == 0 || string(b) == "null"
}

func (h *hostClient) GetEntity(ctx context.Context, ref string) (json.RawMessage, error) {
	resp, err := h.rpc.GetEntity(ctx, &pluginv1.GetEntityRequest{Ref: ref})
	if err != nil {
		return nil, fromStatus(err)
	}
	if !resp.GetFound() {
		return nil, fmt.Errorf("entity %q: %w", ref, ErrNotFound)
	}
	return resp.GetEntityJson(), nil
}

func (h *hostClient) FindUsers(ctx context.Context, q UserQuery) ([]json.RawMessage, error) {
	resp, err := h.rpc.FindUsers(ctx, toUserQuery(q))
	if err != nil {
		return nil, fromStatus(err)
	}
	out := make([]json.RawMessage, len(resp.GetEntitiesJson()))
	for i, e := range resp.GetEntitiesJson() {
		out[i] = e
	}
	return out, nil
}

// NoHost answers every call with ErrNotConfigured, for plugins run without
// a host.
type NoHost struct{}

// RunHook implements Host.
func (NoHost) RunHook(context.Context, string, any, any) (string, error) { return "", ErrNotConfigured }

// RunScript implements Host.
func (NoHost) RunScript(context.Context, string, any, any) error { return ErrNotConfigured }

// GetEntity implements Host.
func (NoHost) GetEntity(context.Context, string) (json.RawMessage, error) {
	return nil, ErrNotConfigured
}

// FindUsers implements Host.
func (NoHost) FindUsers(context.Context, UserQuery) ([]json.RawMessage, error) {
	return nil, ErrNotConfigured
}
