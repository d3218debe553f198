// Package sdk is what a coderhost plugin author imports.
//
// A plugin is an ordinary Go program whose main calls Serve with a value that
// implements Plugin. The plugin describes itself (id, version, capabilities
// and the HCL schema of its config block), receives its decoded configuration
// together with facts about the host, and serves plain net/http requests. The
// gRPC protocol between host and plugin stays out of sight: requests arriving
// at /api/<plugin id>/ on the host reach the plugin's http.Handler unchanged.
//
// Plugins reach services offered by the host (admin JavaScript hooks, catalog
// lookups) through the Host value handed over in Configure.
package sdk
