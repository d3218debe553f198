package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/coderhost/coderhost/host/internal/pluginhost"
)

// logSink collects the host log.
type logSink struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// brokenConfig is a configuration with a script and two plugins, whose
// parts the tests break.
type brokenConfig struct {
	listen, script, helloConfig, probePath, probeSHA string
}

func (c brokenConfig) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "signin.js")
	if err := os.WriteFile(script, []byte(c.script), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := ""
	if c.listen != "" {
		listen = fmt.Sprintf("listen = %q\n", c.listen)
	}
	sha := ""
	if c.probeSHA != "" {
		sha = fmt.Sprintf("  sha256 = %q\n", c.probeSHA)
	}
	body := fmt.Sprintf(`%splugin_dir = %q
coder { demo = true }
script "signin" {
  file = %q
}
plugin "hello" {
  path = %q
  config { %s }
}
plugin "probe" {
  path = %q
%s}
`, listen, pluginDir, script, filepath.Join(pluginDir, "coderhost-plugin-hello"), c.helloConfig, c.probePath, sha)
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const goodScript = "function signin(profile, ctx) { return null; }\n"

// takenAddress returns an address another listener holds until the test
// ends.
func takenAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func TestNothingStartsUntilTheWholeConfigurationIsValid(t *testing.T) {
	probe := filepath.Join(pluginDir, "probe")
	// A link inside plugin_dir to a copy of the probe outside it.
	data, err := os.ReadFile(probe)
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(outside, data, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(pluginDir, "escape-link")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(link) })
	good := brokenConfig{script: goodScript, helloConfig: `greeting = "Hi"`, probePath: probe}
	cases := []struct {
		name string
		edit func(*brokenConfig)
		// want are patterns the error must match, each FILE:LINE,COL-led
		// where the problem sits in a file.
		want []string
	}{
		{"unset env() in a plugin's config block", func(c *brokenConfig) { c.helloConfig = `greeting = env("CODERHOST_TEST_UNSET")` },
			[]string{`config\.hcl:8,\d+: Environment variable not set; env\("CODERHOST_TEST_UNSET"\)`}},
		{"script syntax error", func(c *brokenConfig) { c.script = "function signin(profile, ctx) {\n  return {\n}\n" },
			[]string{`signin\.js:\d+:\d+`}},
		{"missing plugin binary", func(c *brokenConfig) { c.probePath = filepath.Join(pluginDir, "no-such-plugin") },
			[]string{`config\.hcl:11,10: Plugin binary not found; .*make build`}},
		{"checksum mismatch", func(c *brokenConfig) { c.probeSHA = strings.Repeat("ab", 32) },
			[]string{`config\.hcl:12,12: Plugin checksum mismatch; .*abab`}},
		{"binary escaping plugin_dir through a symlink", func(c *brokenConfig) { c.probePath = link },
			[]string{`config\.hcl:11,10: Plugin outside the plugin directory; `}},
		{"listen address in use", func(c *brokenConfig) { c.listen = takenAddress(t) },
			[]string{`config\.hcl:1,10: Listen address unavailable; listen = "127\.0\.0\.1:\d+": .*address already in use`}},
		// Once the file itself decodes, everything else is reported together.
		{"script, binary and address at once", func(c *brokenConfig) {
			c.listen = takenAddress(t)
			c.script = "function signin( {\n"
			c.probeSHA = strings.Repeat("cd", 32)
		}, []string{`signin\.js:\d+:\d+`, `Plugin checksum mismatch`, `Listen address unavailable`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := good
			c.edit(&cfg)
			logs := &logSink{}
			d, err := New(context.Background(), Options{
				ConfigPath: cfg.write(t),
				Logger:     slog.New(slog.NewTextHandler(logs, nil)),
				Env:        func(string) (string, bool) { return "", false },
			})
			if err == nil {
				_ = d.Shutdown()
				t.Fatal("the daemon started")
			}
			for _, w := range c.want {
				if !regexp.MustCompile(w).MatchString(err.Error()) {
					t.Errorf("error does not match %q:\n%v", w, err)
				}
			}
			if strings.Contains(logs.String(), "plugin started") {
				t.Errorf("a plugin was started before the problem was reported:\n%s", logs.String())
			}
		})
	}
	t.Run("the same file fixed starts", func(t *testing.T) {
		d, err := New(context.Background(), Options{ConfigPath: good.write(t), Listen: "127.0.0.1:0",
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Shutdown(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestValidateChecksWhatRunChecks(t *testing.T) {
	good := brokenConfig{script: goodScript, helloConfig: `greeting = "Hi"`, probePath: filepath.Join(pluginDir, "probe")}
	unset := func(string) (string, bool) { return "", false }

	t.Run("unset env() in a plugin block without launching plugins", func(t *testing.T) {
		cfg := good
		cfg.helloConfig = `greeting = env("CODERHOST_TEST_UNSET")`
		_, err := Validate(context.Background(), cfg.write(t), false, unset)
		if err == nil || !strings.Contains(err.Error(), `env("CODERHOST_TEST_UNSET")`) {
			t.Fatalf("validate -no-plugins: %v", err)
		}
	})
	t.Run("checksum mismatch without launching plugins", func(t *testing.T) {
		cfg := good
		cfg.probeSHA = strings.Repeat("ab", 32)
		_, err := Validate(context.Background(), cfg.write(t), false, unset)
		if !errors.Is(err, pluginhost.ErrChecksum) || !regexp.MustCompile(`config\.hcl:12,12: Plugin checksum mismatch`).MatchString(err.Error()) {
			t.Fatalf("validate -no-plugins: %v", err)
		}
	})
	t.Run("listen address in use is a warning", func(t *testing.T) {
		cfg := good
		cfg.listen = takenAddress(t)
		warnings, err := Validate(context.Background(), cfg.write(t), true, unset)
		if err != nil {
			t.Fatalf("validate: %v", err)
		}
		w := errors.Join(warnings...)
		if w == nil || !regexp.MustCompile(`config\.hcl:1,10: warning: Listen address unavailable; listen = "`+regexp.QuoteMeta(cfg.listen)+`"`).MatchString(w.Error()) {
			t.Fatalf("warnings: %v", w)
		}
	})
	t.Run("valid", func(t *testing.T) {
		warnings, err := Validate(context.Background(), good.write(t), true, unset)
		if err != nil || len(warnings) > 0 {
			t.Fatalf("validate: %v (warnings %v)", err, warnings)
		}
	})
}
