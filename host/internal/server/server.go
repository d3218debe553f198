package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/coderhost/coderhost/host/internal/pluginhost"
	"github.com/coderhost/coderhost/host/internal/proxy"
	"github.com/coderhost/coderhost/internal/protocol"
)

// PluginRoute is a mounted plugin.
type PluginRoute interface {
	http.Handler
	Status() pluginhost.Status
	Ready() bool
}

// Backend is what the router serves. The daemon swaps what it returns on
// reload, so every method is called per request and must be cheap and safe
// for concurrent use.
type Backend interface {
	// Plugin returns the plugin mounted under id.
	Plugin(id string) (PluginRoute, bool)
	// Plugins lists every configured plugin.
	Plugins() []PluginRoute
	// Proxy is the pass-through to Coder, or nil when none is configured.
	Proxy() http.Handler
	// NotReady lists what keeps the host from being ready (empty: ready).
	NotReady() []string
}

// Options configure the router.
type Options struct {
	Logger   *slog.Logger
	Registry *prometheus.Registry
	Version  string
	// ProxyPrefixes are the paths passed through to Coder.
	ProxyPrefixes []string
	// WriteTimeout is the server's write_timeout; a plugin's streamed
	// response gets it again after every flush.
	WriteTimeout time.Duration
}

// New builds the host's router.
func New(b Backend, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	m := newMetrics(opts.Registry, b)
	r := mux.NewRouter()
	r.UseEncodedPath()
	r.SkipClean(true)

	r.Handle("/healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": opts.Version})
	})).Methods(http.MethodGet, http.MethodHead).Name("/healthz")

	r.Handle("/readyz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if reasons := b.NotReady(); len(reasons) > 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "reasons": reasons})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})).Methods(http.MethodGet, http.MethodHead).Name("/readyz")

	r.Handle("/metrics", promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{})).
		Methods(http.MethodGet).Name("/metrics")

	r.Handle("/api/plugins", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		ps := b.Plugins()
		out := make([]pluginhost.Status, 0, len(ps))
		for _, p := range ps {
			out = append(out, p.Status())
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		writeJSON(w, http.StatusOK, out)
	})).Methods(http.MethodGet).Name("/api/plugins")

	for _, prefix := range opts.ProxyPrefixes {
		r.PathPrefix(prefix).Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			p := b.Proxy()
			if p == nil {
				protocol.WriteError(w, http.StatusNotFound, "No Coder deployment is configured.",
					"Set coder.access_url (or coder.demo = true) in the host configuration.")
				return
			}
			p.ServeHTTP(w, req)
		})).Name("coder:" + strings.TrimSuffix(prefix, "/"))
	}

	r.PathPrefix("/api/{plugin}/").Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		id := mux.Vars(req)["plugin"]
		p, ok := b.Plugin(id)
		if !ok {
			protocol.WriteError(w, http.StatusNotFound, "No plugin is mounted at /api/"+id+"/.",
				"GET /api/plugins lists the loaded plugins.")
			return
		}
		// A plugin sees paths relative to its mount, so a path that its
		// router would clean or decode differently could leave the mount
		// (/api/hello/../plugins) or reach another route than the one
		// checked here.
		if reason := proxy.UnsafePath("/api/"+id+"/", req.URL.EscapedPath()); reason != "" {
			protocol.WriteError(w, http.StatusBadRequest, "Invalid request path.",
				"The host refused the path: "+reason+".")
			return
		}
		p.ServeHTTP(w, req.WithContext(protocol.WithWriteTimeout(req.Context(), opts.WriteTimeout)))
	})).Name("plugin")

	r.Use(m.middleware)
	r.NotFoundHandler = m.middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		protocol.WriteError(w, http.StatusNotFound, "Route not found.", "")
	}))
	r.MethodNotAllowedHandler = m.middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		protocol.WriteError(w, http.StatusMethodNotAllowed, "Method not allowed.", "")
	}))

	var h http.Handler = r
	h = recoverer(opts.Logger, h)
	h = observe(opts.Logger, m, opts.WriteTimeout, h)
	h = requestID(h)
	return h
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
