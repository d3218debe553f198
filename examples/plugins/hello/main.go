// Command coderhost-plugin-hello is an example third-party coderhost plugin.
// It is written only against the public sdk packages: copy this directory to
// start a plugin of your own.
//
// Routes, under /api/hello/ on the host:
//
//	GET /greet?name=Ada          {"message": "Hello, Ada!"}
//	GET /entities/{kind}/{namespace}/{name}
//	                             the entity's title, looked up through the host's catalog
//	GET /whois/{username}        the Backstage identity the admin's signin scripts
//	                             give a Coder user of that name
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/coderhost/coderhost/sdk"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

type config struct {
	Greeting string `json:"greeting"`
}

type hello struct {
	mu   sync.RWMutex
	cfg  config
	host sdk.Host
}

func (p *hello) Describe() sdk.Description {
	return sdk.Description{
		ID:           "hello",
		Version:      version,
		Description:  "Example plugin: greets, and looks entities up through the host catalog.",
		Capabilities: []string{"http"},
		ConfigSchema: sdk.Schema{Attributes: []sdk.Attribute{{
			Name:        "greeting",
			Type:        sdk.TypeString,
			Description: `Word used to greet (default "Hello").`,
		}}},
	}
}

func (p *hello) Configure(_ context.Context, req sdk.ConfigureRequest) error {
	var c config
	if err := req.DecodeConfig(&c); err != nil {
		return err
	}
	if c.Greeting == "" {
		c.Greeting = "Hello"
	}
	if len(c.Greeting) > 100 {
		return fmt.Errorf("greeting is %d characters long; keep it under 100", len(c.Greeting))
	}
	p.mu.Lock()
	p.cfg, p.host = c, req.Services
	p.mu.Unlock()
	return nil
}

func (p *hello) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /greet", p.greet)
	mux.HandleFunc("GET /entities/{kind}/{namespace}/{name}", p.entity)
	mux.HandleFunc("GET /whois/{username}", p.whois)
	return mux
}

func (p *hello) greet(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "world"
	}
	p.mu.RLock()
	g := p.cfg.Greeting
	p.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]string{"message": fmt.Sprintf("%s, %s!", g, name)})
}

func (p *hello) entity(w http.ResponseWriter, r *http.Request) {
	ref := strings.ToLower(fmt.Sprintf("%s:%s/%s", r.PathValue("kind"), r.PathValue("namespace"), r.PathValue("name")))
	p.mu.RLock()
	host := p.host
	p.mu.RUnlock()
	raw, err := host.GetEntity(r.Context(), ref)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		sdk.WriteError(w, http.StatusNotFound, fmt.Sprintf("No entity %q in the catalog.", ref), "")
		return
	case errors.Is(err, sdk.ErrNotConfigured):
		sdk.WriteError(w, http.StatusServiceUnavailable, "The host has no catalog configured.",
			"Set backstage.backend_url or backstage.catalog_files in the host configuration.")
		return
	case err != nil:
		sdk.WriteError(w, http.StatusBadGateway, "Catalog lookup failed.", err.Error())
		return
	}
	var e struct {
		Metadata struct {
			Name  string `json:"name"`
			Title string `json:"title"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		sdk.WriteError(w, http.StatusBadGateway, "The catalog returned a malformed entity.", err.Error())
		return
	}
	title := e.Metadata.Title
	if title == "" {
		title = e.Metadata.Name
	}
	writeJSON(w, http.StatusOK, map[string]string{"ref": ref, "title": title})
}

// whois runs the host's signin hook on a minimal Coder profile.
func (p *hello) whois(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	profile := map[string]any{"id": "", "username": username, "name": "", "email": "", "avatar_url": "", "roles": []any{}}
	var identity struct {
		UserEntityRef       string   `json:"userEntityRef"`
		OwnershipEntityRefs []string `json:"ownershipEntityRefs,omitempty"`
	}
	p.mu.RLock()
	host := p.host
	p.mu.RUnlock()
	script, err := host.RunScript(r.Context(), "signin", "", profile, &identity)
	switch {
	case errors.Is(err, sdk.ErrNoScript), errors.Is(err, sdk.ErrNotConfigured):
		sdk.WriteError(w, http.StatusServiceUnavailable, "No signin script is configured.",
			`Add a script block with hook = "signin" to the host configuration.`)
		return
	case err != nil:
		sdk.WriteError(w, http.StatusBadGateway, "The signin script failed.", err.Error())
		return
	case script == "":
		sdk.WriteError(w, http.StatusNotFound, fmt.Sprintf("No signin script resolves %q.", username), "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"script": script, "identity": identity})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func main() {
	sdk.Serve(&hello{})
}
