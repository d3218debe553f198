// Package protocol is protocol version 1 between the coderhost daemon and its
// plugins, in Go: the go-plugin handshake, the dispensable plugin type, the
// HTTP bridge that carries a request to a plugin's http.Handler and back
// (bridge.go on the host's side, bridge_plugin.go on the plugin's; bodies
// stream both ways in parts, and the host bounds every wait), the
// host services served over go-plugin's broker, and every conversion between
// the generated types of internal/pluginv1 and the Go types plugin authors see
// (convert.go).
//
// Package sdk re-exports the data types declared here, so the daemon and
// plugins share one definition, one set of sentinel errors and one mapping of
// errors to gRPC status codes. The wire contract itself is
// proto/pluginv1/plugin.proto, described for authors in other languages in
// proto/README.md.
package protocol
