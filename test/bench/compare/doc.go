// Command compare is `make bench-compare`: one run on this machine that
// puts numbers on what coderhost costs next to the alternatives.
//
// Pass-through: one upstream (a Go server answering a fixed JSON body) is
// reached directly, through a tuned bare httputil.ReverseProxy, through
// coderhost's pass-through (with and without its access log), and through
// Backstage's own proxy-backend from npm (test/bench/compare/testdata/backstage). Each runs
// in its own process; a closed-loop load generator in this process sends
// GETs over keep-alive connections on loopback, for a bounded time and
// count, in interleaved rounds, and reports throughput, p50 and p99 and
// their ratios to direct access.
//
// Then: the plugin hop and the script hook (the host's own Ratio
// benchmarks, run with go test), the time from exec to a 200 from /readyz
// with the three first-party plugins, and the idle RSS of the host and of
// each plugin process.
//
// Every server listens on 127.0.0.1 and the load generator refuses any other
// target.
package main
