// Command coderhost-plugin-hello is an example third-party coderhost plugin,
// written only against the public sdk packages as sdk/README.md describes:
// copy this directory to start a plugin of your own.
//
// Routes, under /api/hello/ on the host:
//
//	GET /greet?name=Ada          {"message": "Hello, Ada!"}
//	GET /me                      the caller's Coder user, fetched with their
//	                             own Coder-Session-Token
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
	"os"
	"strings"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.2.0"

type plugin struct{}

func (plugin) Describe() sdk.Description {
	return sdk.Description{
		ID:           "hello",
		Version:      version,
		Summary:      "Example plugin: greets, and looks things up through the host and Coder.",
		Capabilities: []string{"http"},
		ConfigSchema: sdk.Schema{Attributes: []sdk.Attribute{{
			Name:        "greeting",
			Type:        sdk.TypeString,
			Description: `Word used to greet (default "Hello").`,
		}}},
	}
}

type config struct {
	Greeting string `json:"greeting"`
}

// Configure checks the config block and returns the handler that serves
// under it. The handler closes over its own configuration, so a reload
// needs no locks: the SDK swaps handlers.
func (plugin) Configure(_ context.Context, req sdk.ConfigureRequest) (http.Handler, error) {
	c := config{Greeting: "Hello"}
	if err := req.DecodeConfig(&c); err != nil {
		return nil, err
	}
	if c.Greeting == "" {
		c.Greeting = "Hello"
	}
	if len(c.Greeting) > 100 {
		return nil, fmt.Errorf("greeting is %d characters long; keep it under 100", len(c.Greeting))
	}
	h := &handler{cfg: c, host: req.Host}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /greet", h.greet)
	mux.HandleFunc("GET /me", h.me)
	mux.HandleFunc("GET /entities/{kind}/{namespace}/{name}", h.entity)
	mux.HandleFunc("GET /whois/{username}", h.whois)
	return mux, nil
}

// handler serves one configuration.
type handler struct {
	cfg  config
	host sdk.Host
}

func (h *handler) greet(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "world"
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": fmt.Sprintf("%s, %s!", h.cfg.Greeting, name)})
}

// me calls Coder as the caller: the SDK builds the client from the
// request's Coder-Session-Token and the host's Coder URL.
func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	c, err := sdk.CoderClient(r)
	if errors.Is(err, sdk.ErrNoSessionToken) {
		sdk.WriteError(w, http.StatusUnauthorized, "Send your Coder session token.", "Set the Coder-Session-Token header.")
		return
	}
	if err != nil {
		sdk.WriteError(w, http.StatusInternalServerError, "Cannot reach Coder.", err.Error())
		return
	}
	u, err := c.Me(r.Context())
	var ce *coder.Error
	switch {
	case errors.As(err, &ce):
		// Coder's own status and message, as the frontend expects them.
		sdk.WriteError(w, ce.StatusCode, ce.Message, ce.Detail)
		return
	case err != nil:
		sdk.WriteError(w, http.StatusBadGateway, "Coder did not answer.", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"username": u.Username, "message": fmt.Sprintf("%s, %s!", h.cfg.Greeting, u.Username)})
}

func (h *handler) entity(w http.ResponseWriter, r *http.Request) {
	ref := strings.ToLower(fmt.Sprintf("%s:%s/%s", r.PathValue("kind"), r.PathValue("namespace"), r.PathValue("name")))
	raw, err := h.host.GetEntity(r.Context(), ref)
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

// whois runs the admin's signin hook on a minimal Coder profile.
func (h *handler) whois(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	profile := map[string]any{"id": "", "username": username, "name": "", "email": "", "avatar_url": "", "roles": []any{}}
	var identity struct {
		UserEntityRef       string   `json:"userEntityRef"`
		OwnershipEntityRefs []string `json:"ownershipEntityRefs,omitempty"`
	}
	script, err := h.host.RunHook(r.Context(), "signin", profile, &identity)
	var se *sdk.ScriptError
	switch {
	case errors.Is(err, sdk.ErrNoScript), errors.Is(err, sdk.ErrNotConfigured):
		sdk.WriteError(w, http.StatusServiceUnavailable, "No signin script is configured.",
			`Add a script block with hook = "signin" to the host configuration.`)
		return
	case errors.Is(err, sdk.ErrNoResult):
		sdk.WriteError(w, http.StatusNotFound, fmt.Sprintf("No signin script resolves %q.", username), "")
		return
	case errors.As(err, &se):
		sdk.WriteError(w, http.StatusInternalServerError, "The signin script failed.", se.Error())
		return
	case err != nil:
		sdk.WriteError(w, http.StatusBadGateway, "The host could not run the signin scripts.", err.Error())
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
	if err := sdk.Serve(plugin{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
