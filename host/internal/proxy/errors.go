package proxy

import (
	"net/http"

	"github.com/coderhost/coderhost/internal/protocol"
)

// writeError answers with a host-generated JSON error in Coder's shape, so
// the unmodified Backstage frontend plugin shows it the same way it shows
// Coder's own. It must only be called before anything of the upstream
// response has been written.
func writeError(w http.ResponseWriter, status int, message, detail string) {
	protocol.WriteError(w, status, message, detail)
}
