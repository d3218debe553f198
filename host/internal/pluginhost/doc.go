// Package pluginhost launches and supervises plugin processes: it checks the
// binary (plugin-dir confinement, optional sha256 pin), starts it with an
// allowlisted environment over go-plugin with AutoMTLS, watches its health,
// restarts it with exponential backoff when it dies, and answers a JSON 503
// for its routes while it is down.
package pluginhost
