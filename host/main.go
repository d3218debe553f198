// Command coderhost is the daemon Backstage's proxy points at. It serves
// Coder features as plugins; see the README for how to run it.
package main

import (
	"os"

	"github.com/coderhost/coderhost/host/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
