package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
)

// apiError is Coder's error body: the Backstage card and Coder's own clients
// read message, detail and validations.
type apiError struct {
	Status      int                     `json:"-"`
	Message     string                  `json:"message"`
	Detail      string                  `json:"detail,omitempty"`
	Validations []coder.ValidationError `json:"validations,omitempty"`
	RetryAfter  string                  `json:"-"`
}

func (e *apiError) Error() string { return e.Message }

func writeAPIError(w http.ResponseWriter, e *apiError) {
	if len(e.Validations) == 0 {
		if e.RetryAfter != "" {
			w.Header().Set("Retry-After", e.RetryAfter)
		}
		sdk.WriteError(w, e.Status, e.Message, e.Detail)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, e.Status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// errNoToken answers a request without a Coder-Session-Token, in the words
// Coder itself uses.
var errNoToken = &apiError{
	Status:  http.StatusUnauthorized,
	Message: "You are signed out or your session has expired. Please sign in again to continue.",
	Detail:  "Send your Coder session token (or Coder OAuth access token) in the Coder-Session-Token header.",
}

// fromCoder turns an error of a call to Coder into what the caller sees:
// Coder's own answer, status and all; 504 when Coder did not answer in time;
// 502 when it could not be reached.
func (h *handler) fromCoder(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	if e, ok := coder.AsError(err); ok {
		out := &apiError{Status: e.StatusCode, Message: e.Message, Detail: e.Detail, Validations: e.Validations, RetryAfter: e.RetryAfter}
		if out.Message == "" {
			// Not a Coder error document: a proxy in front of Coder answered.
			out.Status = http.StatusBadGateway
			out.Message = fmt.Sprintf("Coder answered %d without a Coder error body.", e.StatusCode)
			out.Detail = e.Error()
		}
		return out
	}
	// Coder not answering concerns the operator, not only the caller. The
	// error names the method and path, never the token.
	slog.Warn("coder call failed", "coder", h.coderURL, "error", err.Error())
	if errors.Is(err, context.DeadlineExceeded) {
		return &apiError{
			Status:  http.StatusGatewayTimeout,
			Message: fmt.Sprintf("Coder did not answer within %s.", h.cfg.settings.UpstreamTimeout),
			Detail:  err.Error() + " (raise upstream_timeout in the workspaces plugin's config block if Coder is just slow)",
		}
	}
	return &apiError{
		Status:  http.StatusBadGateway,
		Message: fmt.Sprintf("Coder is unreachable at %s.", h.coderURL),
		Detail:  err.Error(),
	}
}
