// Command realcoder runs a real Coder deployment on this machine for the
// real-system tests (`make real-coder`, `make test-real`): PostgreSQL from
// the Debian package with its own data directory, `coder server` on
// 127.0.0.1 with echo provisioners and the oauth2 experiment, and the seed of
// package realseed (the demo deployment plus a regional template).
//
//	realcoder -coder-bin PATH [-callback-url URL] [-env-file FILE] [-- COMMAND ARGS...]
//
// Without a command it prints CODER_URL, the session tokens and the OAuth2
// client of the deployment and serves until interrupted. With a command it
// runs the command with those variables in its environment and exits with
// its status. Either way it stops everything it started and removes its
// state directory. Everything listens on 127.0.0.1 only.
package main
