package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/coderhost/coderhost/internal/protocol"
	"github.com/coderhost/coderhost/sdk/coder"
)

// SessionTokenHeader carries the caller's Coder session token, as the
// Backstage Coder frontend plugin sends it. A user's Coder OAuth access
// token works there too.
const SessionTokenHeader = "Coder-Session-Token"

// ErrNoSessionToken is returned by CoderClient for a request without a
// Coder session token.
var ErrNoSessionToken = errors.New("the request carries no " + SessionTokenHeader + " header")

// RequestID returns the host's id for the request ctx belongs to (also in the
// X-Request-Id header), for logs and error details.
func RequestID(ctx context.Context) string { return protocol.RequestID(ctx) }

// Info returns the facts of the configuration serving the request ctx
// belongs to.
func Info(ctx context.Context) HostInfo { return protocol.HostInfoFrom(ctx) }

// SessionToken returns the caller's Coder session token, or "".
func SessionToken(r *http.Request) string {
	return strings.TrimSpace(r.Header.Get(SessionTokenHeader))
}

// CoderClient returns a Coder API client for the host's Coder deployment
// that acts as the caller, with the request's Coder session token: a plugin
// never needs a credential of its own to act for a user. It returns
// ErrNoSessionToken when the request has none.
func CoderClient(r *http.Request, opts ...coder.Option) (*coder.Client, error) {
	token := SessionToken(r)
	if token == "" {
		return nil, ErrNoSessionToken
	}
	base := Info(r.Context()).CoderURL
	if base == "" {
		return nil, fmt.Errorf("the host did not say where Coder is: %w", ErrNotConfigured)
	}
	return coder.New(base, append([]coder.Option{coder.WithSessionToken(token)}, opts...)...)
}

// WriteError writes a JSON error body in the shape the host and Coder use,
// {"message": ..., "detail": ...}, which the Backstage frontend plugin shows
// as is.
func WriteError(w http.ResponseWriter, code int, message, detail string) {
	protocol.WriteError(w, code, message, detail)
}
