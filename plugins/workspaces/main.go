// Command coderhost-plugin-workspaces serves an entity's Coder workspaces to
// Backstage: the list in one Coder request, actions (start, stop, restart,
// update, cancel, delete), creation from the entity's configuration, and live
// updates over Server-Sent Events. Every route acts as the calling user,
// with the Coder-Session-Token the request carries. See README.md.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"

	"github.com/coderhost/coderhost/internal/entityconfig"
	"github.com/coderhost/coderhost/sdk"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

type plugin struct{}

func (plugin) Describe() sdk.Description {
	return sdk.Description{
		ID:           "workspaces",
		Version:      version,
		Summary:      "An entity's Coder workspaces in one request, with actions, creation and live updates.",
		Capabilities: []string{"http"},
		ConfigSchema: sdk.Schema{Attributes: slices.Concat(entityconfig.SchemaAttributes(), knobAttributes)},
	}
}

func (plugin) Configure(_ context.Context, req sdk.ConfigureRequest) (http.Handler, error) {
	cfg, err := parseConfig(req)
	if err != nil {
		return nil, err
	}
	return newHandler(cfg, req.Info, req.Host)
}

func main() {
	if err := sdk.Serve(plugin{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
