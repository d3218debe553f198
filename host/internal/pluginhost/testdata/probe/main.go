// Command probe serves the test plugin in internal/probe.
package main

import (
	"github.com/coderhost/coderhost/host/internal/pluginhost/internal/probe"
	"github.com/coderhost/coderhost/sdk"
)

func main() { sdk.Serve(probe.New()) }
