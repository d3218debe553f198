// Package server is the host's HTTP front: the gorilla/mux router with the
// host's own endpoints (/healthz, /readyz, /metrics, /api/plugins), a mount
// per plugin at /api/<plugin id>/, the pass-through to Coder, and the
// middleware every request goes through (request id, access log, panic
// recovery, Prometheus metrics).
package server
