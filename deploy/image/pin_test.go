package image

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/coderhost/coderhost/deploy/internal/imagetest"
)

var (
	pluginOnce sync.Once
	pluginBin  string
	pluginErr  error
)

// helloPlugin builds examples/plugins/hello once: a plugin binary that is
// there whatever first-party plugins exist.
func helloPlugin(t *testing.T) string {
	t.Helper()
	pluginOnce.Do(func() {
		dir := filepath.Dir(imagetest.Layout(t)) // the shared scratch directory
		pluginBin = filepath.Join(dir, "hello-plugin")
		cmd := exec.Command("go", "build", "-o", pluginBin, "./examples/plugins/hello")
		cmd.Dir = imagetest.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			pluginErr = fmt.Errorf("build the hello plugin: %v\n%s", err, out)
		}
	})
	if pluginErr != nil {
		t.Fatal(pluginErr)
	}
	return pluginBin
}

// pinDir is a plugin_dir holding copies of the hello plugin under the given
// names.
func pinDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(helloPlugin(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		// A trailing byte per copy gives each binary its own digest; an ELF
		// file runs the same with it.
		if err := os.WriteFile(filepath.Join(dir, "plugins", n), append(src, byte(i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func pin(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(imagetest.RepoRoot(), "deploy", "image", "pin-plugins.sh"), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

func TestPinPlugins(t *testing.T) {
	// The hello plugin reports id "hello", so every block that the host
	// validates is plugin "hello".
	pinCases := []struct {
		name, config string
		keep         []string // lines pinning must leave alone
	}{
		{"a relative path, a stale pin and look-alikes", `plugin_dir = "plugins"
coder { demo = true }

# plugin "commented" { path = "nope" }
plugin "hello" {
  path   = "plugins/coderhost-plugin-hello" # relative to this file
  sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
  env    = { path = "x" }
  config {
    greeting = "path = \"{not a path}\""
  }
}
`, []string{`greeting = "path = \"{not a path}\""`, `# plugin "commented" { path = "nope" }`, `env    = { path = "x" }`}},
		{"an absolute path after other attributes", `plugin_dir = "plugins"
coder { demo = true }
plugin "hello" {
  start_timeout = "20s"
  path = "DIR/plugins/coderhost-plugin-hello"
}
`, []string{`start_timeout = "20s"`}},
	}
	for _, tc := range pinCases {
		t.Run("pins "+tc.name, func(t *testing.T) {
			dir := pinDir(t, "coderhost-plugin-hello")
			bin := filepath.Join(dir, "plugins", "coderhost-plugin-hello")
			config := filepath.Join(dir, "config.hcl")
			if err := os.WriteFile(config, []byte(strings.ReplaceAll(tc.config, "DIR", dir)), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, stderr, code := pin(t, config); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			cfg, err := imagetest.ReadConfig(config)
			if err != nil {
				t.Fatal(err)
			}
			blocks := cfg.Plugins()
			want := fileSHA256(t, bin)
			if len(blocks) != 1 || blocks[0].SHA256 != want || blocks[0].SHA256Count != 1 {
				t.Fatalf("plugin blocks after pinning: %+v, want one with sha256 %s", blocks, want)
			}
			pinned, _ := os.ReadFile(config)
			for _, keep := range tc.keep {
				if !strings.Contains(string(pinned), keep) {
					t.Errorf("pinning changed %q:\n%s", keep, pinned)
				}
			}

			// Pinning again gives the same file, and the host accepts it,
			// checking the digest as it launches the plugin.
			if _, stderr, code := pin(t, config); code != 0 {
				t.Fatalf("second run: exit %d: %s", code, stderr)
			}
			if again, _ := os.ReadFile(config); !bytes.Equal(again, pinned) {
				t.Errorf("a second run changed the file:\n%s\nthen:\n%s", pinned, again)
			}
			validate := exec.Command(filepath.Join(imagetest.Layout(t), "bin", "coderhost"), "validate", config)
			if out, err := validate.CombinedOutput(); err != nil {
				t.Fatalf("coderhost validate on the pinned file: %v\n%s", err, out)
			}
		})
	}

	t.Run("a tampered binary is refused after pinning", func(t *testing.T) {
		dir := pinDir(t, "coderhost-plugin-hello")
		config := filepath.Join(dir, "config.hcl")
		if err := os.WriteFile(config, []byte("plugin_dir = \"plugins\"\ncoder { demo = true }\nplugin \"hello\" {\n  path = \"plugins/coderhost-plugin-hello\"\n}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, stderr, code := pin(t, config); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		bin := filepath.Join(dir, "plugins", "coderhost-plugin-hello")
		f, err := os.OpenFile(bin, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("tampered"))
		f.Close()
		out, err := exec.Command(filepath.Join(imagetest.Layout(t), "bin", "coderhost"), "validate", config).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "sha256 "+fileSHA256(t, bin)) || !strings.Contains(string(out), "refusing to start") {
			t.Fatalf("validate with a tampered binary: %v\n%s", err, out)
		}
	})

	failures := []struct {
		name, config string
		code         int
		want         []string
	}{
		{"a missing binary", "plugin \"gone\" {\n  path = \"plugins/coderhost-plugin-gone\"\n}\n", 1,
			[]string{`plugin "gone"`, "plugins/coderhost-plugin-gone", "build the plugins before pinning"}},
		{"a block without a path", "coder { demo = true }\n\nplugin \"nopath\" {\n  config {\n    path = \"x\"\n  }\n}\n", 1,
			[]string{`plugin "nopath" (line 3)`, `no path = "..." line`}},
		{"unbalanced braces", "plugin \"a\" {\n  path = \"plugins/coderhost-plugin-a\"\n", 1, []string{"unbalanced braces"}},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			dir := pinDir(t, "coderhost-plugin-a")
			config := filepath.Join(dir, "config.hcl")
			if err := os.WriteFile(config, []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := pin(t, config)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, stderr)
				}
			}
			if after, _ := os.ReadFile(config); string(after) != tc.config {
				t.Errorf("a failed run changed the file:\n%s", after)
			}
			if leftovers, _ := filepath.Glob(config + ".pin.*"); len(leftovers) > 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
		})
	}

	t.Run("usage", func(t *testing.T) {
		if _, stderr, code := pin(t); code != 2 || !strings.Contains(stderr, "usage: pin-plugins.sh CONFIG") {
			t.Fatalf("no arguments: exit %d: %s", code, stderr)
		}
		if _, stderr, code := pin(t, filepath.Join(t.TempDir(), "nope.hcl")); code != 1 || !strings.Contains(stderr, "no such file") {
			t.Fatalf("missing file: exit %d: %s", code, stderr)
		}
	})
}
