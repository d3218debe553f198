// Package e2e holds end-to-end tests: they build the coderhost binary and
// plugins, start the daemon on a free loopback port from a temporary
// configuration, and talk to it over HTTP and signals like an operator would.
package e2e
