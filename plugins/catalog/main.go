// Command coderhost-plugin-catalog is the catalog plugin of coderhost: for
// each Backstage catalog entity it computes the Coder workspace
// configuration the Coder frontend plugin would, serves "Open in Coder"
// redirects and badges, and describes the Coder templates as catalog
// entities. See README.md for its routes and configuration.
package main

import (
	"fmt"
	"os"

	"github.com/coderhost/coderhost/plugins/catalog/internal/api"
	"github.com/coderhost/coderhost/sdk"
)

func main() {
	if err := sdk.Serve(api.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
