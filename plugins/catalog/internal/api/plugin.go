package api

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/coderhost/coderhost/sdk"
)

// version is the plugin's version.
const version = "0.1.0"

// Plugin is the catalog plugin.
type Plugin struct {
	handler atomic.Pointer[http.Handler]
}

// New returns the catalog plugin.
func New() *Plugin { return &Plugin{} }

// Describe reports the plugin's id and config schema.
func (p *Plugin) Describe() sdk.Description {
	return sdk.Description{
		ID:           "catalog",
		Version:      version,
		Description:  "Entity → Coder workspace configuration, \"Open in Coder\" links and badges, Coder templates as catalog entities.",
		Capabilities: []string{"http"},
		ConfigSchema: schema(),
	}
}

// Configure builds the handler for a configuration and swaps it in.
func (p *Plugin) Configure(_ context.Context, req sdk.ConfigureRequest) error {
	h, err := newHandler(req.Config, req.Host, hookAdapter{req.Services}, sdk.Logger())
	if err != nil {
		return err
	}
	p.handler.Store(&h)
	return nil
}

// Handler serves the current configuration's handler.
func (p *Plugin) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := p.handler.Load()
		if h == nil {
			sdk.WriteError(w, http.StatusServiceUnavailable, "The catalog plugin is not configured yet.", "")
			return
		}
		(*h).ServeHTTP(w, r)
	})
}

// hookAdapter offers the host's script service as RunHook.
type hookAdapter struct{ sdk.Host }

func (a hookAdapter) RunHook(ctx context.Context, hook string, input, out any) (string, error) {
	return a.RunScript(ctx, hook, "", input, out)
}
