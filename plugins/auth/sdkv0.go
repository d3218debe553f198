package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"

	"github.com/coderhost/coderhost/plugins/auth/internal/signin"
	"github.com/coderhost/coderhost/sdk"
)

// authPlugin adapts newHandler to the SDK's Plugin interface: each accepted
// configuration's handler is swapped in atomically.
type authPlugin struct {
	current atomic.Pointer[authHandler]
}

func (p *authPlugin) Describe() sdk.Description { return describe() }

func (p *authPlugin) Configure(_ context.Context, req sdk.ConfigureRequest) error {
	var cfg config
	if err := req.DecodeConfig(&cfg); err != nil {
		return err
	}
	h, err := newHandler(cfg, req.Host, hostServices{req.Services})
	if err != nil {
		return err
	}
	p.current.Store(h)
	return nil
}

func (p *authPlugin) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.current.Load().ServeHTTP(w, r) })
}

func (p *authPlugin) CheckHealth(ctx context.Context) sdk.Health {
	if h := p.current.Load(); h != nil {
		return h.CheckHealth(ctx)
	}
	return sdk.Health{Status: sdk.HealthError, Message: "not configured"}
}

// hostServices gives the SDK's host services the shape sign-in uses.
type hostServices struct{ h sdk.Host }

func (s hostServices) RunHook(ctx context.Context, hook string, input, out any) (string, error) {
	script, err := s.h.RunScript(ctx, hook, "", input, out)
	if err == nil && script == "" {
		return "", signin.ErrNoResult
	}
	return script, err
}

func (s hostServices) RunScript(ctx context.Context, name string, input, out any) error {
	script, err := s.h.RunScript(ctx, "signin", name, input, out)
	if err == nil && script == "" {
		return signin.ErrNoResult
	}
	return err
}

func (s hostServices) GetEntity(ctx context.Context, ref string) (json.RawMessage, error) {
	return s.h.GetEntity(ctx, ref)
}

func (s hostServices) FindUsers(ctx context.Context, q sdk.UserQuery) ([]json.RawMessage, error) {
	return s.h.FindUsers(ctx, q)
}

func main() {
	sdk.Serve(&authPlugin{})
}
