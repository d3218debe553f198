package pluginhost

import (
	"os/exec"
	"syscall"
)

// bindToHost makes the kernel stop the plugin if the host dies without
// stopping it, so no plugin is orphaned.
func bindToHost(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
