package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDebugPluginReattach runs the hello plugin on its own in debug mode, as
// under a debugger, and starts the host with the line it prints: the host
// attaches to that process instead of launching the binary, and serves its
// routes.
func TestDebugPluginReattach(t *testing.T) {
	plugin := exec.Command(filepath.Join(pluginDir, "coderhost-plugin-hello"))
	plugin.Env = append(os.Environ(), "CODERHOST_PLUGIN_DEBUG=1")
	stdout, err := plugin.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := plugin.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- plugin.Wait() }()
	t.Cleanup(func() {
		_ = plugin.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = plugin.Process.Kill()
		}
	})

	lines := make(chan string, 10)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	var reattach string
	timeout := time.After(15 * time.Second)
	for reattach == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the plugin closed stdout without printing a reattach line")
			}
			if v, found := strings.CutPrefix(line, "CODERHOST_REATTACH_PLUGINS="); found {
				reattach = strings.Trim(v, "'")
			}
		case <-timeout:
			t.Fatal("no CODERHOST_REATTACH_PLUGINS line from the plugin in debug mode")
		}
	}

	// The configured path is never run: the host attaches instead.
	cfg := strings.Replace(baseConfig("Ahoy"), filepath.Join(pluginDir, "coderhost-plugin-hello"), filepath.Join(pluginDir, "probe"), 1)
	d := startWithEnv(t, writeConfig(t, cfg), []string{"CODERHOST_REATTACH_PLUGINS=" + reattach})
	if code, msg := d.greet(); code != 200 || msg != "Ahoy, Ada!" {
		t.Fatalf("through the attached plugin: %d %q", code, msg)
	}
	if !strings.Contains(d.logs(), "attached=true") {
		t.Errorf("the host log does not say it attached:\n%s", d.logs())
	}
}
