package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/coderhost/coderhost/internal/protocol"
)

// Plugin is what a plugin author implements.
type Plugin interface {
	// Describe reports the plugin's id, version, summary, capabilities and
	// config schema. The host calls it before reading the plugin's config
	// block, so it must not depend on configuration.
	Describe() Description
	// Configure checks one configuration and returns the handler that
	// serves requests under it. It is called before the first request and
	// again whenever the host reloads its configuration; once it returns,
	// new requests go to the new handler while requests in flight finish on
	// the old one. An error keeps the previous handler (on reload) or stops
	// the host from starting (at launch), and the host shows its message to
	// the admin, so say which setting is wrong and how to fix it.
	Configure(ctx context.Context, req ConfigureRequest) (http.Handler, error)
}

// HealthChecker reports a plugin's own health, for example whether its
// upstream is reachable. The host asks the handler Configure returned, then
// the Plugin; a plugin implementing neither is healthy while it serves.
type HealthChecker interface {
	CheckHealth(ctx context.Context) Health
}

// ConfigureRequest is one configuration for a plugin.
type ConfigureRequest struct {
	// Config is the plugin's config {} block as a JSON object, already
	// checked by the host against Description.ConfigSchema.
	Config json.RawMessage
	// Info are facts about the host: its external URL, the Coder and
	// Backstage URLs, the plugin's mount path.
	Info HostInfo
	// Host reaches the host's services: admin scripts and the catalog.
	Host Host
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

// Description identifies a plugin: ID (the host mounts the plugin at
// /api/<ID>/ and the admin's plugin "<ID>" block uses the same id; lower-case
// letters, digits, '-' and '_'), Version, Summary (one line shown in
// /api/plugins), Capabilities (optional features such as "http") and
// ConfigSchema (the HCL shape of the config {} block).
type Description = protocol.Description

// HostInfo are facts about the host a plugin runs under: ExternalURL (how
// browsers reach the host, for example
// http://localhost:7007/api/proxy/coder), CoderURL (the Coder deployment's
// access URL), BackstageAppURL, BackstageBackendURL, HostVersion and
// MountPath (for example /api/hello/).
type HostInfo = protocol.HostInfo

// Health is a plugin's health report: a Status and a Message for people.
type Health = protocol.Health

// HealthStatus is the coarse state a plugin reports.
type HealthStatus = protocol.HealthStatus

// Health states.
const (
	HealthOK       = protocol.HealthOK
	HealthDegraded = protocol.HealthDegraded
	HealthError    = protocol.HealthError
)

// Schema is the HCL shape of a plugin's config {} block: Attributes and
// nested Blocks. The host checks the admin's block against it (unknown
// names, missing required names and type mismatches are reported with
// file:line:col) before the plugin is configured, and hands the decoded
// value to Configure as JSON.
type Schema = protocol.Schema

// Attribute is one attribute of a config block: Name, Type, Required,
// Sensitive (values the host never prints or logs) and Description.
type Attribute = protocol.Attribute

// Block is a nested block type of a config block: Name, Nesting, Required,
// Description, Label (the block label's name for NestingMap, as in
// `resolver "name" { ... }`) and Schema.
type Block = protocol.Block

// AttrType names the type of a config attribute, written as in HCL type
// constraints.
type AttrType = protocol.AttrType

// Attribute types a plugin may declare in its config schema.
const (
	TypeString     = protocol.TypeString
	TypeNumber     = protocol.TypeNumber
	TypeBool       = protocol.TypeBool
	TypeListString = protocol.TypeListString
	TypeMapString  = protocol.TypeMapString
)

// Nesting says how often a nested block may appear.
type Nesting = protocol.Nesting

// Block nesting modes: NestingSingle (at most once; an object), NestingList
// (any number; a list of objects in source order), NestingMap (one label per
// block; an object keyed by that label).
const (
	NestingSingle = protocol.NestingSingle
	NestingList   = protocol.NestingList
	NestingMap    = protocol.NestingMap
)
