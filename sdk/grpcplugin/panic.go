package grpcplugin

import (
	"io"
	"os"
)

// panicOutput receives panic reports from plugin handlers; stderr reaches the
// host log through go-plugin.
var panicOutput io.Writer = os.Stderr
