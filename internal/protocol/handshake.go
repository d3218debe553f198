package protocol

import (
	"github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the plugin protocol major version this package speaks.
// It selects sdk/proto/pluginv1.
const ProtocolVersion = 1

// PluginName is the name under which the plugin service is dispensed.
const PluginName = "plugin"

// Handshake is shared by the host and every plugin. Changing the cookie
// breaks every plugin ever built, so it never changes.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "CODERHOST_PLUGIN",
	MagicCookieValue: "5d1c3a52-coderhost-plugin-v1",
}

// DefaultMaxBodyBytes bounds request and response bodies carried over the
// bridge unless configured otherwise.
const DefaultMaxBodyBytes int64 = 10 << 20

// MaxMessageBytes is the gRPC message limit for a given body limit: the body
// plus room for headers and framing.
func MaxMessageBytes(maxBody int64) int {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	return int(maxBody) + 1<<20
}
