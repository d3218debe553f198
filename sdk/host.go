package sdk

import (
	"context"
	"encoding/json"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coderhost/coderhost/sdk/proto/pluginv1"
)

// hostClient implements Host over the broker connection.
type hostClient struct {
	rpc pluginv1.HostClient
}

func (h *hostClient) RunScript(ctx context.Context, hook, script string, input, output any) (string, error) {
	in, err := json.Marshal(input)
	if err != nil {
		return "", fmt.Errorf("script %s: encode input: %w", hook, err)
	}
	resp, err := h.rpc.RunScript(ctx, &pluginv1.RunScriptRequest{Hook: hook, Script: script, InputJson: in})
	if err != nil {
		return "", hostError(err, ErrNoScript)
	}
	if resp.Script == "" || string(resp.OutputJson) == "null" {
		return "", nil
	}
	if output != nil {
		if err := json.Unmarshal(resp.OutputJson, output); err != nil {
			return resp.Script, fmt.Errorf("script %q: decode result: %w", resp.Script, err)
		}
	}
	return resp.Script, nil
}

func (h *hostClient) GetEntity(ctx context.Context, ref string) (json.RawMessage, error) {
	resp, err := h.rpc.GetEntity(ctx, &pluginv1.GetEntityRequest{Ref: ref})
	if err != nil {
		return nil, hostError(err, ErrNotFound)
	}
	if !resp.Found {
		return nil, fmt.Errorf("entity %q: %w", ref, ErrNotFound)
	}
	return resp.EntityJson, nil
}

func (h *hostClient) FindUsers(ctx context.Context, q UserQuery) ([]json.RawMessage, error) {
	resp, err := h.rpc.FindUsers(ctx, &pluginv1.FindUsersRequest{
		Email: q.Email, AnnotationKey: q.AnnotationKey, AnnotationValue: q.AnnotationValue,
	})
	if err != nil {
		return nil, hostError(err, ErrNotFound)
	}
	out := make([]json.RawMessage, len(resp.EntitiesJson))
	for i, e := range resp.EntitiesJson {
		out[i] = e
	}
	return out, nil
}

// hostError maps gRPC status codes to the SDK's sentinel errors.
func hostError(err error, notFound error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case codes.NotFound:
		return fmt.Errorf("%s: %w", st.Message(), notFound)
	case codes.FailedPrecondition:
		return fmt.Errorf("%s: %w", st.Message(), ErrNotConfigured)
	default:
		return fmt.Errorf("host: %s", st.Message())
	}
}

// noHost answers every call with ErrNotConfigured.
type noHost struct{}

func (noHost) RunScript(context.Context, string, string, any, any) (string, error) {
	return "", ErrNotConfigured
}
func (noHost) GetEntity(context.Context, string) (json.RawMessage, error) {
	return nil, ErrNotConfigured
}
func (noHost) FindUsers(context.Context, UserQuery) ([]json.RawMessage, error) {
	return nil, ErrNotConfigured
}
