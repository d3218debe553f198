// Command probe serves the test plugin in internal/probe. With
// PROBE_BUFFERED=1 it takes request bodies whole, as plugins built before
// the protocol streamed them do.
package main

import (
	"fmt"
	"os"

	"github.com/coderhost/coderhost/host/internal/pluginhost/internal/probe"
	"github.com/coderhost/coderhost/internal/protocol"
	"github.com/coderhost/coderhost/sdk"
)

func main() {
	var opts []sdk.ServeOption
	if os.Getenv("PROBE_BUFFERED") == "1" {
		opts = append(opts, func(o *protocol.ServeOptions) { o.BufferRequestBodies = true })
	}
	if err := sdk.Serve(probe.New(), opts...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
