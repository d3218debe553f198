package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var pluginDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "daemon-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pluginDir = dir
	for name, pkg := range map[string]string{
		"coderhost-plugin-hello": "../../../examples/plugins/hello",
		"probe":                  "../pluginhost/testdata/probe",
	} {
		build := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build", pkg+":", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func helloConfig(t *testing.T, greeting string) string {
	t.Helper()
	abs, err := filepath.Abs("../../../examples/catalog")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.hcl")
	body := fmt.Sprintf(`
plugin_dir = %q
shutdown_timeout = "5s"
coder { demo = true }
backstage { catalog_files = [%q] }
plugin "hello" {
  path = %q
  config { greeting = %q }
}
`, pluginDir, abs+"/*.yaml", filepath.Join(pluginDir, "coderhost-plugin-hello"), greeting)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func get(t *testing.T, c *http.Client, url string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestShutdownLeavesNoGoroutine starts the daemon with a plugin and the demo
// deployment, serves plugin and pass-through requests, stops it, and checks
// that nothing it started is still running.
func TestShutdownLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := New(ctx, Options{
		ConfigPath: helloConfig(t, "Hi"),
		Listen:     "127.0.0.1:0",
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()

	tr := &http.Transport{}
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	base := "http://" + d.Addr().String()
	if code, body := get(t, c, base+"/api/hello/greet?name=Ada"); code != 200 || !strings.Contains(body, "Hi, Ada!") {
		t.Fatalf("plugin route: %d %s", code, body)
	}
	token := d.current().demo.Token("demo")
	if code, body := get(t, c, base+"/api/v2/users/me", "Coder-Session-Token", token); code != 200 || !strings.Contains(body, `"username":"demo"`) {
		t.Fatalf("pass-through: %d %s", code, body)
	}
	if code, body := get(t, c, base+"/api/hello/me", "Coder-Session-Token", token); code != 200 || !strings.Contains(body, `"username":"demo"`) {
		t.Fatalf("plugin calling Coder as the caller: %d %s", code, body)
	}
	tr.CloseIdleConnections()

	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if pid := d.current().plugins["hello"].Status().PID; pid != 0 {
		if p, err := os.FindProcess(pid); err == nil && p.Signal(nil) == nil {
			t.Errorf("plugin process %d is still running after Shutdown", pid)
		}
	}
}

// TestShutdownFromManyGoroutines calls Shutdown concurrently with Run's own
// stop: every caller gets the same result and nothing is stopped twice.
func TestShutdownFromManyGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	d, err := New(context.Background(), Options{
		ConfigPath: helloConfig(t, "Hi"),
		Listen:     "127.0.0.1:0",
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- d.Run(context.Background()) }()
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Shutdown()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Shutdown #%d: %v", i, err)
		}
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run after Shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after Shutdown")
	}
	if _, err := http.Get("http://" + d.Addr().String() + "/healthz"); err == nil {
		t.Fatal("the daemon still accepts connections after Shutdown")
	}
}
