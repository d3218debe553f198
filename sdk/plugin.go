package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/coderhost/coderhost/sdk/grpcplugin"
)

// Plugin is what a plugin author implements.
type Plugin interface {
	// Describe reports the plugin's id, version, capabilities and config
	// schema. The host calls it before reading the plugin's config block, so
	// it must not depend on configuration.
	Describe() Description
	// Configure receives the decoded config block and the host facts. It is
	// called before the first request and again when the host reloads its
	// configuration; an error keeps the previous configuration (on reload)
	// or stops the host from starting (at launch).
	Configure(ctx context.Context, req ConfigureRequest) error
	// Handler serves the plugin's HTTP API. Paths are relative to the
	// plugin's mount point: a request for /api/<id>/things arrives as
	// /things. Handler is called once, after the first Configure.
	Handler() http.Handler
}

// HealthChecker is implemented by plugins that can report their own health
// (for example, whether their upstream is reachable). Plugins without it are
// healthy while their process serves.
type HealthChecker interface {
	CheckHealth(ctx context.Context) Health
}

// Description identifies a plugin.
type Description struct {
	// ID is the plugin id; the host mounts the plugin at /api/<ID>/ and the
	// admin's plugin "<ID>" block must use the same id.
	ID      string
	Version string
	// Description is one line shown in /api/plugins.
	Description string
	// Capabilities name optional features the plugin offers, for example
	// "http" or "auth-provider".
	Capabilities []string
	// ConfigSchema is the HCL shape of the plugin's config {} block.
	ConfigSchema Schema
}

// HostInfo are facts about the host the plugin runs under.
type HostInfo struct {
	// ExternalURL is how browsers reach the host, for example
	// http://localhost:7007/api/proxy/coder.
	ExternalURL string
	// CoderURL is the Coder deployment's access URL.
	CoderURL            string
	BackstageAppURL     string
	BackstageBackendURL string
	HostVersion         string
	// MountPath is where the plugin is mounted on the host, for example
	// /api/hello/.
	MountPath string
}

// ConfigureRequest carries the plugin's configuration.
type ConfigureRequest struct {
	// Config is the plugin's config {} block as a JSON object, already
	// checked against its schema.
	Config json.RawMessage
	Host   HostInfo
	// Services reaches the host: admin scripts and the catalog.
	Services Host
}

// DecodeConfig unmarshals the config block into v.
func (r ConfigureRequest) DecodeConfig(v any) error {
	if len(r.Config) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Config, v); err != nil {
		return fmt.Errorf("decode plugin config: %w", err)
	}
	return nil
}

// HealthStatus is the coarse state a plugin reports.
type HealthStatus int

// Health states.
const (
	HealthOK HealthStatus = iota + 1
	HealthDegraded
	HealthError
)

// Health is a plugin's health report.
type Health struct {
	Status  HealthStatus
	Message string
}

// UserQuery selects User entities in the catalog: by email, or by an
// annotation's exact value.
type UserQuery struct {
	Email           string
	AnnotationKey   string
	AnnotationValue string
}

// Host is the set of services the host offers to plugins.
type Host interface {
	// RunScript runs the admin's hook scripts on input (marshalled to JSON)
	// and decodes the result into output. script names one script; empty
	// runs the hook's scripts in order until one returns non-null. It
	// returns the name of the script whose result was used, or "" when every
	// script returned null (output is then left untouched).
	RunScript(ctx context.Context, hook, script string, input, output any) (string, error)
	// GetEntity returns one catalog entity as JSON, or ErrNotFound.
	GetEntity(ctx context.Context, ref string) (json.RawMessage, error)
	// FindUsers returns the User entities matching q.
	FindUsers(ctx context.Context, q UserQuery) ([]json.RawMessage, error)
}

// Errors returned by Host.
var (
	// ErrNotFound: the entity does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNoScript: no script is configured for the hook (or by that name).
	ErrNoScript = errors.New("no script configured")
	// ErrNotConfigured: the host has no such service configured (for
	// example no catalog), or the plugin was started without a host.
	ErrNotConfigured = errors.New("host service not configured")
)

// WriteError writes a JSON error body in the shape the host and Coder use:
// {"message": ..., "detail": ...}.
func WriteError(w http.ResponseWriter, code int, message, detail string) {
	grpcplugin.WriteError(w, code, message, detail)
}
