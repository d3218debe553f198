// Package grpcplugin is the go-plugin and gRPC glue between the coderhost
// daemon and its plugins: the handshake, the dispensable plugin type, the HTTP
// bridge that carries requests to a plugin's http.Handler, and the broker
// plumbing for the host services.
//
// Plugin authors do not need this package: they use package sdk, which builds
// on it. The daemon and sdk/plugintest use it directly.
package grpcplugin
