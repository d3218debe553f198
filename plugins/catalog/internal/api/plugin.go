package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/coderhost/coderhost/sdk"
)

// version is the plugin's version.
const version = "0.1.0"

// Plugin is the catalog plugin.
type Plugin struct{}

// New returns the catalog plugin.
func New() Plugin { return Plugin{} }

// Describe reports the plugin's id and config schema.
func (Plugin) Describe() sdk.Description {
	return sdk.Description{
		ID:           "catalog",
		Version:      version,
		Summary:      "Entity → Coder workspace configuration, \"Open in Coder\" links and badges, Coder templates as catalog entities.",
		Capabilities: []string{"http"},
		ConfigSchema: schema(),
	}
}

// Configure checks a configuration and returns the handler serving it.
func (Plugin) Configure(_ context.Context, req sdk.ConfigureRequest) (http.Handler, error) {
	return newHandler(req.Config, req.Info, req.Host, slog.Default())
}
