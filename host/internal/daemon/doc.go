// Package daemon assembles a running coderhost from a configuration: the
// catalog client, the script engine, the Coder deployment (real or the
// embedded demo), the pass-through proxy and the plugins, behind the HTTP
// server. Everything that can be checked without starting anything (the
// file, scripts, catalog files, plugin binaries and their checksums, the
// listen address) is checked before any plugin starts, and every problem is
// reported at once with its position in the file. It owns the process
// lifecycle: SIGHUP reloads (validate, then swap; a bad file keeps the old
// configuration running) and SIGINT/SIGTERM shut down gracefully (stop
// accepting, drain, stop plugins).
package daemon
