package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/coderhost/coderhost/internal/protocol"
	"github.com/coderhost/coderhost/internal/statuswriter"
)

// RequestID returns the id of the request carried by ctx.
func RequestID(ctx context.Context) string { return protocol.RequestID(ctx) }

// validRequestID accepts ids set by a trusted front (Backstage, a load
// balancer) when they are short and plain: [A-Za-z0-9._-]{1,64}. Anything
// else, which might be a credential pasted into the wrong header, is
// replaced and never logged.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
			r.Header.Set("X-Request-Id", id)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(protocol.WithRequestID(r.Context(), id)))
	})
}

// routeKey carries a *string the router fills in with the matched route's
// metric label.
type routeKey struct{}

// observe writes one access log line and the request metrics per request,
// from what actually reached the client: a client that went away, a write
// timeout or an aborted response is recorded as such, not as a 200. Query
// strings are left out of the log: they can carry tokens
// (coder_session_token).
func observe(l *slog.Logger, m *metrics, writeTimeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := statuswriter.Wrap(w)
		if writeTimeout > 0 {
			// The server set the same deadline; setting it through sw lets
			// the writer tell a response sent too late from one sent.
			_ = sw.SetWriteDeadline(start.Add(writeTimeout))
		}
		route := "unmatched"
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &route))
		defer func() {
			p := recover()
			res := sw.Result(r.Context(), p)
			elapsed := time.Since(start)
			m.observe(route, r.Method, res.Status, elapsed)
			level := slog.LevelInfo
			if res.Status >= 500 || res.Incomplete != "" {
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("request_id", RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.EscapedPath()),
				slog.Int("status", res.Status),
				slog.Int64("bytes", res.Bytes),
				slog.Duration("duration", elapsed),
				slog.String("remote", r.RemoteAddr),
			}
			if res.Incomplete != "" {
				attrs = append(attrs, slog.String("incomplete", res.Incomplete))
			}
			l.LogAttrs(r.Context(), level, "request", attrs...)
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

func recoverer(l *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := statuswriter.Wrap(w)
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			l.Error("panic serving request", "request_id", RequestID(r.Context()),
				"method", r.Method, "path", r.URL.EscapedPath(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if sw.Status() == 0 {
				protocol.WriteError(sw, http.StatusInternalServerError, "Internal server error.",
					"request id "+RequestID(r.Context()))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
