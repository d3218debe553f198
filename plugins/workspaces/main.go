// Command coderhost-plugin-workspaces serves an entity's Coder workspaces to
// Backstage: the list in one Coder request, actions (start, stop, restart,
// update, cancel, delete), creation from the entity's configuration, and live
// updates over Server-Sent Events. Every route acts as the calling user,
// with the Coder-Session-Token the request carries. See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/coderhost/coderhost/sdk"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

type plugin struct {
	current atomic.Pointer[handler]
}

func (p *plugin) Describe() sdk.Description {
	return sdk.Description{
		ID:           "workspaces",
		Version:      version,
		Description:  "An entity's Coder workspaces in one request, with actions, creation and live updates.",
		Capabilities: []string{"http"},
		ConfigSchema: sdk.Schema{Attributes: knobAttributes},
	}
}

func (p *plugin) Configure(_ context.Context, req sdk.ConfigureRequest) error {
	s, err := parseSettings(req.Config)
	if err != nil {
		return err
	}
	h, err := newHandler(config{settings: s, resolve: resolveUnavailable}, req.Host, req.Services)
	if err != nil {
		return err
	}
	p.current.Store(h)
	return nil
}

func (p *plugin) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.current.Load().ServeHTTP(w, r) })
}

func resolveUnavailable(context.Context, json.RawMessage) (target, error) {
	return target{}, errors.New("entity configuration is not available in this build")
}

func main() {
	sdk.Serve(&plugin{})
}
