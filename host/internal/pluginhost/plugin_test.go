package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coderhost/coderhost/internal/protocol"
)

var pluginDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pluginhost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pluginDir = dir
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "probe"), "./testdata/probe")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build probe plugin:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func probeSpec() Spec {
	return Spec{
		ID: "probe", Path: filepath.Join(pluginDir, "probe"), PluginDir: pluginDir,
		StartTimeout: 10 * time.Second, HealthInterval: time.Hour,
	}
}

func configureWith(js string) ConfigureFunc {
	return func(ctx context.Context, c *protocol.Client) error {
		return c.Configure(ctx, []byte(js), protocol.HostInfo{MountPath: "/api/probe/"}, nil)
	}
}

func launch(t *testing.T, spec Spec, opts Options) *Plugin {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	p, err := Launch(context.Background(), spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	if err := p.Configure(context.Background(), configureWith(`{"word":"pong"}`)); err != nil {
		t.Fatal(err)
	}
	return p
}

func call(p *Plugin, method, path string, body io.Reader) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, body)
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r.WithContext(protocol.WithRequestID(r.Context(), "req-1")))
	return w
}

func TestServesConfiguredPlugin(t *testing.T) {
	p := launch(t, probeSpec(), Options{})
	w := call(p, "GET", "/api/probe/word", nil)
	if w.Code != 200 || w.Body.String() != "pong" {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	st := p.Status()
	if st.State != StateRunning || st.Version != "1.2.3" || st.PID == 0 || st.Restarts != 0 {
		t.Fatalf("status %+v", st)
	}
	w = call(p, "POST", "/api/probe/echo?a=1&b=%2F", strings.NewReader("payload"))
	if w.Code != 201 || w.Body.String() != "payload" || w.Header().Get("X-Path") != "/echo" ||
		w.Header().Get("X-Query") != "a=1&b=%2F" || w.Header().Get("X-Method") != "POST" {
		t.Fatalf("echo: %d %q %v", w.Code, w.Body, w.Header())
	}
}

func TestPanicInHandlerIsA500AndPluginSurvives(t *testing.T) {
	p := launch(t, probeSpec(), Options{})
	w := call(p, "GET", "/api/probe/panic", nil)
	if w.Code != 500 || !strings.Contains(w.Body.String(), "probe panic") {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	if w := call(p, "GET", "/api/probe/word", nil); w.Code != 200 {
		t.Fatalf("after panic: %d", w.Code)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestKilledPluginAnswers503ThenRestarts(t *testing.T) {
	p := launch(t, probeSpec(), Options{BackoffInitial: 700 * time.Millisecond})
	pid := p.Status().PID
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var down *httptest.ResponseRecorder
	waitFor(t, "a 503 while the plugin is down", func() bool {
		down = call(p, "GET", "/api/probe/word", nil)
		return down.Code == 503
	})
	var body protocol.ErrorBody
	if err := json.Unmarshal(down.Body.Bytes(), &body); err != nil || !strings.Contains(body.Message, `"probe"`) {
		t.Fatalf("503 body %q (%v)", down.Body, err)
	}
	if ct := down.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("503 content type %q", ct)
	}
	waitFor(t, "the restart", func() bool { return p.Status().Restarts == 1 && p.Status().State == StateRunning })
	if w := call(p, "GET", "/api/probe/word", nil); w.Code != 200 || w.Body.String() != "pong" {
		t.Fatalf("after restart (config re-applied): %d %q", w.Code, w.Body)
	}
	if p.Status().PID == pid {
		t.Fatal("pid did not change after restart")
	}
}

func TestPluginThatExitsMidRequestIsRestarted(t *testing.T) {
	p := launch(t, probeSpec(), Options{BackoffInitial: 50 * time.Millisecond})
	w := call(p, "GET", "/api/probe/exit", nil)
	if w.Code != 503 && w.Code != 502 {
		t.Fatalf("request that killed the plugin: %d %s", w.Code, w.Body)
	}
	waitFor(t, "the restart", func() bool { return p.Status().Restarts >= 1 && p.Ready() })
}

func TestSHA256PinMismatchIsRefused(t *testing.T) {
	spec := probeSpec()
	spec.SHA256 = strings.Repeat("ab", 32)
	_, err := Launch(context.Background(), spec, Options{Logger: testLogger(t)})
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("want ErrChecksum, got %v", err)
	}
	got, _ := fileSHA256(spec.Path)
	for _, want := range []string{spec.Path, got, spec.SHA256} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestSHA256PinMatchStarts(t *testing.T) {
	spec := probeSpec()
	sum, err := fileSHA256(spec.Path)
	if err != nil {
		t.Fatal(err)
	}
	spec.SHA256 = strings.ToUpper(sum)
	p := launch(t, spec, Options{})
	if !p.Ready() {
		t.Fatal("pinned plugin not ready")
	}
}

func TestBinaryOutsidePluginDirIsRefused(t *testing.T) {
	other := t.TempDir()
	link := filepath.Join(pluginDir, "escape")
	outside := filepath.Join(other, "probe")
	data, _ := os.ReadFile(filepath.Join(pluginDir, "probe"))
	if err := os.WriteFile(outside, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(link) })
	rel, err := filepath.Rel(pluginDir, outside)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{outside, link, filepath.Join(pluginDir, rel)} {
		spec := probeSpec()
		spec.Path = path
		_, err := Launch(context.Background(), spec, Options{Logger: testLogger(t)})
		if !errors.Is(err, ErrOutsideDir) {
			t.Errorf("%s: want ErrOutsideDir, got %v", path, err)
		}
	}
}

func TestIDMismatchIsRefused(t *testing.T) {
	spec := probeSpec()
	spec.ID = "auth"
	_, err := Launch(context.Background(), spec, Options{Logger: testLogger(t)})
	if !errors.Is(err, ErrIDMismatch) || !strings.Contains(err.Error(), `"probe"`) {
		t.Fatalf("want id mismatch naming both ids, got %v", err)
	}
}

func TestMissingBinarySaysHowToBuild(t *testing.T) {
	spec := probeSpec()
	spec.Path = filepath.Join(pluginDir, "nope")
	_, err := Launch(context.Background(), spec, Options{Logger: testLogger(t)})
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("got %v", err)
	}
}

func TestEnvironmentIsAllowlisted(t *testing.T) {
	t.Setenv("CODERHOST_TEST_SECRET", "s3cret-value")
	t.Setenv("CODERHOST_TEST_PASSED", "visible")
	spec := probeSpec()
	spec.PassEnv = []string{"CODERHOST_TEST_PASSED"}
	spec.Env = map[string]string{"EXTRA": "x"}
	p := launch(t, spec, Options{})
	keys := call(p, "GET", "/api/probe/env", nil).Body.String()
	if strings.Contains(keys, "CODERHOST_TEST_SECRET") {
		t.Fatalf("host secret leaked into plugin env: %s", keys)
	}
	if got := call(p, "GET", "/api/probe/getenv?name=CODERHOST_TEST_PASSED", nil).Body.String(); got != "visible" {
		t.Fatalf("pass_env: %q", got)
	}
	if got := call(p, "GET", "/api/probe/getenv?name=EXTRA", nil).Body.String(); got != "x" {
		t.Fatalf("env: %q", got)
	}
}

func TestPluginsRunOnOneThreadUnlessTold(t *testing.T) {
	p := launch(t, probeSpec(), Options{})
	if got := call(p, "GET", "/api/probe/getenv?name=GOMAXPROCS", nil).Body.String(); got != "1" {
		t.Fatalf("default GOMAXPROCS: %q", got)
	}
	spec := probeSpec()
	spec.Env = map[string]string{"GOMAXPROCS": "3"}
	p = launch(t, spec, Options{})
	if got := call(p, "GET", "/api/probe/getenv?name=GOMAXPROCS", nil).Body.String(); got != "3" {
		t.Fatalf("GOMAXPROCS from env: %q", got)
	}
}

func TestRejectedConfigurationIsReported(t *testing.T) {
	p, err := Launch(context.Background(), probeSpec(), Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	err = p.Configure(context.Background(), configureWith(`{"word":"x","reject":true}`))
	if err == nil || !strings.Contains(err.Error(), "rejected on purpose") || strings.Contains(err.Error(), "rpc error") {
		t.Fatalf("got %v", err)
	}
	if w := call(p, "GET", "/api/probe/word", nil); w.Code != 503 {
		t.Fatalf("unconfigured plugin served: %d", w.Code)
	}
}

func TestUnhealthyPluginIsReportedAndRestartedAfterThreeFailures(t *testing.T) {
	spec := probeSpec()
	spec.HealthInterval = 50 * time.Millisecond
	p := launch(t, spec, Options{BackoffInitial: 10 * time.Millisecond})
	call(p, "GET", "/api/probe/unhealthy", nil)
	waitFor(t, "unhealthy state", func() bool { return p.Status().State == StateUnhealthy })
	if p.Ready() {
		t.Fatal("unhealthy plugin reported ready")
	}
	if !strings.Contains(p.Status().LastError, "asked to be unhealthy") {
		t.Fatalf("last error %q", p.Status().LastError)
	}
}

func TestBodyLimitIs413(t *testing.T) {
	spec := probeSpec()
	spec.MaxBodyBytes = 1024
	p := launch(t, spec, Options{})
	w := call(p, "POST", "/api/probe/echo", strings.NewReader(strings.Repeat("x", 2048)))
	if w.Code != 413 || !strings.Contains(w.Body.String(), "1024") {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	if w := call(p, "POST", "/api/probe/echo", strings.NewReader(strings.Repeat("x", 1000))); w.Code != 201 {
		t.Fatalf("under the limit: %d", w.Code)
	}
}

func TestStopLeavesNoProcess(t *testing.T) {
	p, err := Launch(context.Background(), probeSpec(), Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	pid := p.Status().PID
	p.Stop()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("plugin pid %d still exists after Stop (kill 0: %v)", pid, err)
	}
	if w := call(p, "GET", "/api/probe/word", nil); w.Code != 503 {
		t.Fatalf("stopped plugin served: %d", w.Code)
	}
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPluginLogsReachHostLogWithSecretsMasked(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := launch(t, probeSpec(), Options{Logger: logger, Redact: []string{"hunter2-secret"}})
	call(p, "GET", "/api/probe/log?msg=token+hunter2-secret+used&detail=also+hunter2-secret", nil)
	waitFor(t, "the plugin's log line", func() bool { return strings.Contains(logs.String(), "used") })
	out := logs.String()
	if strings.Contains(out, "hunter2-secret") {
		t.Fatalf("secret reached the host log:\n%s", out)
	}
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, `msg="token [redacted] used" plugin=probe detail="also [redacted]"`) {
		t.Fatalf("plugin log line not forwarded at its level with the plugin name:\n%s", out)
	}
}

func TestExitLogNamesThePluginOnce(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := launch(t, probeSpec(), Options{Logger: logger, BackoffInitial: 50 * time.Millisecond})
	call(p, "GET", "/api/probe/exit", nil)
	waitFor(t, "the restart", func() bool { return p.Status().Restarts >= 1 })
	var exited []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "exited") {
			exited = append(exited, line)
		}
	}
	if len(exited) == 0 {
		t.Fatalf("no exit line in the log:\n%s", logs.String())
	}
	for _, line := range exited {
		if n := strings.Count(line, " plugin="); n != 1 {
			t.Errorf("log line has plugin= %d times: %s", n, line)
		}
	}
}
