package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Description identifies a plugin.
type Description struct {
	// ID is the plugin id: the host mounts the plugin at /api/<ID>/ and the
	// admin's plugin "<ID>" block must use the same id.
	ID      string
	Version string
	// Summary is one line shown in /api/plugins.
	Summary string
	// Capabilities name optional features the plugin offers, for example
	// "http" or "auth-provider".
	Capabilities []string
	// ConfigSchema is the HCL shape of the plugin's config {} block.
	ConfigSchema Schema
}

// Validate reports a description the host could not mount.
func (d Description) Validate() error {
	if d.ID == "" {
		return errors.New("plugin description has no ID")
	}
	for _, r := range d.ID {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("plugin id %q: use lower-case letters, digits, '-' and '_' only", d.ID)
		}
	}
	return nil
}

// HostInfo are facts about the host a plugin runs under.
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

// Host is the set of services the host offers to plugins. The daemon and
// sdk/plugintest implement it; plugins call it through the broker.
type Host interface {
	RunHook(ctx context.Context, hook string, input, out any) (script string, err error)
	RunScript(ctx context.Context, name string, input, out any) error
	GetEntity(ctx context.Context, ref string) (json.RawMessage, error)
	FindUsers(ctx context.Context, q UserQuery) ([]json.RawMessage, error)
}

// Sentinel errors of the host services. They keep errors.Is across the gRPC
// hop: the host sends the reason with the status and the plugin side wraps
// the same value again.
var (
	// ErrNotFound: the entity does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNoScript: no script is configured for the hook, or by that name.
	ErrNoScript = errors.New("no script configured")
	// ErrNoResult: every script of the hook returned null.
	ErrNoResult = errors.New("no script returned a result")
	// ErrNotConfigured: the host has no such service configured (for example
	// no catalog), or the plugin runs without a host.
	ErrNotConfigured = errors.New("host service not configured")
)

// ScriptError is an admin script that failed: it threw, ran out of time or
// returned a value of the wrong shape.
type ScriptError struct {
	// Script is the script's name in the host configuration.
	Script string
	// Pos is "file.js:LINE:COL" when the failure has a position.
	Pos     string
	Message string
}

func (e *ScriptError) Error() string {
	if e.Pos != "" {
		return fmt.Sprintf("script %q (%s): %s", e.Script, e.Pos, e.Message)
	}
	return fmt.Sprintf("script %q: %s", e.Script, e.Message)
}
