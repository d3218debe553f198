package plugintest

import (
	"context"
	"encoding/json"

	"github.com/coderhost/coderhost/sdk/grpcplugin"
)

// Host fakes the host services. A nil function answers "not configured",
// like a host without scripts or catalog.
type Host struct {
	// RunScript receives the hook, the script name and the JSON input; it
	// returns the JSON output and the name of the script that produced it.
	RunScriptFunc func(ctx context.Context, hook, script string, input json.RawMessage) (json.RawMessage, string, error)
	GetEntityFunc func(ctx context.Context, ref string) (json.RawMessage, error)
	FindUsersFunc func(ctx context.Context, email, annotationKey, annotationValue string) ([]json.RawMessage, error)
}

// Errors a fake may return to play the host's answers.
var (
	ErrNotFound      = grpcplugin.ErrNotFound
	ErrNoScript      = grpcplugin.ErrNoScript
	ErrNotConfigured = grpcplugin.ErrNotConfigured
)

var _ grpcplugin.HostServices = (*Host)(nil)

// RunScript implements grpcplugin.HostServices.
func (h *Host) RunScript(ctx context.Context, hook, script string, input []byte) ([]byte, string, error) {
	if h.RunScriptFunc == nil {
		return nil, "", ErrNotConfigured
	}
	return h.RunScriptFunc(ctx, hook, script, input)
}

// GetEntity implements grpcplugin.HostServices.
func (h *Host) GetEntity(ctx context.Context, ref string) ([]byte, error) {
	if h.GetEntityFunc == nil {
		return nil, ErrNotConfigured
	}
	return h.GetEntityFunc(ctx, ref)
}

// FindUsers implements grpcplugin.HostServices.
func (h *Host) FindUsers(ctx context.Context, email, key, value string) ([][]byte, error) {
	if h.FindUsersFunc == nil {
		return nil, ErrNotConfigured
	}
	es, err := h.FindUsersFunc(ctx, email, key, value)
	out := make([][]byte, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out, err
}
