// Command coderhost is the daemon Backstage's proxy points at. It serves
// Coder features as plugins; see the README for how to run it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/coderhost/coderhost/host/internal/cli"
)

func main() {
	// The first SIGINT or SIGTERM asks for a graceful stop (drain, then stop
	// the plugins); a second one exits at once.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		fmt.Fprintf(os.Stderr, "coderhost: %s: shutting down (send it again to exit at once)\n", sig)
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "coderhost: second signal: exiting now")
		os.Exit(1)
	}()
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}
