// Command probe serves the test plugin in internal/probe.
package main

import (
	"fmt"
	"os"

	"github.com/coderhost/coderhost/host/internal/pluginhost/internal/probe"
	"github.com/coderhost/coderhost/sdk"
)

func main() {
	if err := sdk.Serve(probe.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
