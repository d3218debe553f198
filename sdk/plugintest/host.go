package plugintest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/coderhost/coderhost/sdk"
)

// Host fakes the host services. A nil function answers
// sdk.ErrNotConfigured, like a host without scripts or catalog. Functions
// return the sdk sentinel errors (sdk.ErrNotFound, sdk.ErrNoScript,
// sdk.ErrNoResult) or an *sdk.ScriptError to play the host's answers; they
// reach the plugin across the real protocol.
type Host struct {
	// RunHookFunc receives the hook and the JSON input; it returns the JSON
	// result and the name of the script that produced it.
	RunHookFunc func(ctx context.Context, hook string, input json.RawMessage) (json.RawMessage, string, error)
	// RunScriptFunc receives the script name and the JSON input.
	RunScriptFunc func(ctx context.Context, name string, input json.RawMessage) (json.RawMessage, error)
	GetEntityFunc func(ctx context.Context, ref string) (json.RawMessage, error)
	FindUsersFunc func(ctx context.Context, q sdk.UserQuery) ([]json.RawMessage, error)
}

var _ sdk.Host = (*Host)(nil)

// RunHook implements sdk.Host.
func (h *Host) RunHook(ctx context.Context, hook string, input, out any) (string, error) {
	if h.RunHookFunc == nil {
		return "", sdk.ErrNotConfigured
	}
	in, err := json.Marshal(input)
	if err != nil {
		return "", err
	}
	res, script, err := h.RunHookFunc(ctx, hook, in)
	if err != nil {
		return script, err
	}
	return script, decode(res, out, hook)
}

// RunScript implements sdk.Host.
func (h *Host) RunScript(ctx context.Context, name string, input, out any) error {
	if h.RunScriptFunc == nil {
		return sdk.ErrNotConfigured
	}
	in, err := json.Marshal(input)
	if err != nil {
		return err
	}
	res, err := h.RunScriptFunc(ctx, name, in)
	if err != nil {
		return err
	}
	return decode(res, out, name)
}

func decode(res json.RawMessage, out any, subject string) error {
	if len(res) == 0 || string(res) == "null" {
		return fmt.Errorf("%s: %w", subject, sdk.ErrNoResult)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(res, out)
}

// GetEntity implements sdk.Host.
func (h *Host) GetEntity(ctx context.Context, ref string) (json.RawMessage, error) {
	if h.GetEntityFunc == nil {
		return nil, sdk.ErrNotConfigured
	}
	return h.GetEntityFunc(ctx, ref)
}

// FindUsers implements sdk.Host.
func (h *Host) FindUsers(ctx context.Context, q sdk.UserQuery) ([]json.RawMessage, error) {
	if h.FindUsersFunc == nil {
		return nil, sdk.ErrNotConfigured
	}
	return h.FindUsersFunc(ctx, q)
}
