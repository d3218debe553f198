// Package sdk is what a coderhost plugin author imports.
//
// A plugin is an ordinary Go program whose main calls Serve with a value that
// implements Plugin:
//
//	func main() {
//		if err := sdk.Serve(&hello{}); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//	}
//
// The plugin describes itself (id, version, summary, capabilities and the HCL
// schema of its config block). For each configuration the host hands it —
// at launch and on every reload — Configure returns the http.Handler that
// serves requests under it, and the SDK swaps it in atomically: a plugin
// holds no locks to survive a reload. Requests to /api/<plugin id>/... on the
// host reach that handler with paths relative to the mount, and per-request
// facts ride in the request's context: RequestID, Info, and the caller's
// Coder session through CoderClient.
//
// The host offers services to plugins (admin JavaScript hooks, catalog
// lookups) through the Host in ConfigureRequest. Log with slog.Default():
// Serve points it at the host's log. The gRPC protocol underneath is
// described in proto/README.md for authors in other languages.
package sdk
