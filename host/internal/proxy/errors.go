package proxy

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// errorBody is Coder's error shape (codersdk.Response without validations), so
// the unmodified Backstage frontend plugin shows host-generated errors the same
// way it shows Coder's own.
type errorBody struct {
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

// writeError answers with a host-generated JSON error. It must only be called
// before anything of the upstream response has been written.
func writeError(w http.ResponseWriter, status int, message, detail string) {
	body, err := json.Marshal(errorBody{Message: message, Detail: detail})
	if err != nil { // cannot happen for two strings; keep the answer well-formed anyway
		body = []byte(`{"message":"Internal error."}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
