// Package wiring writes the Backstage side of a coderhost configuration: the
// app-config.yaml proxy endpoints and discovery entries, and the frontend
// apis.ts factory, with this configuration's addresses filled in. The daemon
// prints the proxy endpoint at startup; `coderhost backstage-config` prints
// all of it.
package wiring
