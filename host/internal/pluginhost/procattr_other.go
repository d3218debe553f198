//go:build !linux

package pluginhost

import "os/exec"

// bindToHost is a no-op where the kernel cannot tie a child to its parent;
// the SDK's parent watch stops orphaned plugins there.
func bindToHost(*exec.Cmd) {}
