package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A real Backstage backend (test/real/backstage: backend-defaults with the
// proxy and catalog plugins, from npm) is started once for the package when
// CODERHOST_E2E_BACKSTAGE_DIR names its directory with node_modules
// installed (`make test-real` does both). Its proxy endpoint /coder points at
// hostAddr, where a test starts coderhost before it sends requests through
// the proxy; its catalog reads examples/catalog plus generated users.
const envE2EBackstageDir = "CODERHOST_E2E_BACKSTAGE_DIR"

type backstageBackend struct {
	url      string // http://127.0.0.1:<port>
	token    string // static external access token
	hostAddr string // where the proxy's /coder endpoint sends requests
	cmd      *exec.Cmd
	exited   chan struct{}

	mu   sync.Mutex
	logs strings.Builder
}

var (
	sharedBS     *backstageBackend
	sharedBSErr  error
	sharedBSOnce sync.Once
)

// pagedUsers is how many generated users carry the pagination annotation:
// more than the host's catalog client asks for in one page (100).
const pagedUsers = 130

// useBackstage returns the shared Backstage backend, starting it on first
// use, or skips the test when none is configured.
func useBackstage(t *testing.T) *backstageBackend {
	t.Helper()
	dir := os.Getenv(envE2EBackstageDir)
	if dir == "" {
		t.Skipf("needs a real Backstage backend: set %s to test/real/backstage after `npm ci` there (make test-real does)", envE2EBackstageDir)
	}
	sharedBSOnce.Do(func() { sharedBS, sharedBSErr = startBackstage(dir) })
	if sharedBSErr != nil {
		t.Fatalf("starting Backstage: %v", sharedBSErr)
	}
	select {
	case <-sharedBS.exited:
		t.Fatalf("the Backstage backend exited:\n%s", sharedBS.output())
	default:
	}
	return sharedBS
}

func stopSharedBackstage() {
	if sharedBS == nil || sharedBS.cmd == nil {
		return
	}
	_ = syscall.Kill(-sharedBS.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-sharedBS.exited:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-sharedBS.cmd.Process.Pid, syscall.SIGKILL)
		<-sharedBS.exited
	}
}

func (b *backstageBackend) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.logs.String()
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

func freeAddr() (string, error) {
	ln, err := netListen()
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// pagedUsersYAML is a catalog file of users that share one annotation value,
// for the catalog client's pagination.
func pagedUsersYAML() string {
	var b strings.Builder
	for i := range pagedUsers {
		fmt.Fprintf(&b, `---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: paged-user-%03d
  annotations:
    coderhost.dev/e2e-batch: paged
spec:
  profile:
    email: paged-user-%03d@example.com
  memberOf: []
`, i, i)
	}
	return b.String()
}

func startBackstage(dir string) (*backstageBackend, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@backstage", "backend-defaults")); err != nil {
		return nil, fmt.Errorf("%s has no node_modules: run `npm ci` there: %w", dir, err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	hostAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	b := &backstageBackend{url: "http://" + addr, token: randomHex(24), hostAddr: hostAddr, exited: make(chan struct{})}
	work := filepath.Join(binDir, "backstage")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, err
	}
	paged := filepath.Join(work, "paged-users.yaml")
	if err := os.WriteFile(paged, []byte(pagedUsersYAML()), 0o600); err != nil {
		return nil, err
	}
	catalogFiles, _ := filepath.Glob(filepath.Join(repoRoot, "examples", "catalog", "*.yaml"))
	catalogFiles = append(catalogFiles, paged)
	var locations strings.Builder
	for _, f := range catalogFiles {
		fmt.Fprintf(&locations, "    - { type: file, target: %q }\n", f)
	}
	_, port, _ := strings.Cut(addr, ":")
	config := fmt.Sprintf(`app:
  baseUrl: http://127.0.0.1:3000
backend:
  baseUrl: %[1]s
  listen: { host: 127.0.0.1, port: %[2]s }
  database: { client: better-sqlite3, connection: ':memory:' }
  auth:
    externalAccess:
      - type: static
        options: { token: %[3]q, subject: coderhost-e2e }
discovery:
  endpoints:
    # coderhost serves plugin ids of its own under /api/<id>; the auth
    # plugin's sign-in and identity keys among them.
    - target: http://%[4]s/api/{{pluginId}}
      plugins: [auth]
proxy:
  endpoints:
    '/coder':
      target: http://%[4]s/
      changeOrigin: true
      allowedMethods: ['GET']
      allowedHeaders: ['Coder-Session-Token']
catalog:
  rules:
    - allow: [Component, System, API, Resource, Location, User, Group, Domain]
  locations:
%[5]s`, b.url, port, b.token, hostAddr, locations.String())
	configPath := filepath.Join(work, "app-config.yaml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return nil, err
	}

	b.cmd = exec.Command("node", filepath.Join(dir, "backend.js"), "--config", configPath)
	b.cmd.Dir = dir
	b.cmd.Env = append(os.Environ(), "NODE_ENV=production")
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	b.cmd.Stderr = b.cmd.Stdout
	if err := b.cmd.Start(); err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	go func() {
		s := bufio.NewScanner(out)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		for s.Scan() {
			b.mu.Lock()
			b.logs.WriteString(s.Text() + "\n")
			b.mu.Unlock()
		}
		_ = b.cmd.Wait()
		close(b.exited)
	}()

	// Ready when the catalog has processed every location: the last
	// generated user is there.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	last := fmt.Sprintf("/api/catalog/entities/by-name/user/default/paged-user-%03d", pagedUsers-1)
	for {
		code, _ := b.get(ctx, last, nil)
		if code == http.StatusOK {
			for _, ref := range []string{"user/default/demo", "group/default/platform-team", "component/default/payments-api"} {
				if code, body := b.get(ctx, "/api/catalog/entities/by-name/"+ref, nil); code != http.StatusOK {
					stopBackstage(b)
					return nil, fmt.Errorf("catalog lacks %s after processing: %d %s", ref, code, body)
				}
			}
			return b, nil
		}
		select {
		case <-b.exited:
			return nil, fmt.Errorf("node backend.js exited:\n%s", b.output())
		case <-ctx.Done():
			stopBackstage(b)
			return nil, fmt.Errorf("the catalog did not finish processing in time:\n%s", b.output())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func stopBackstage(b *backstageBackend) {
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	<-b.exited
}

// get sends an authenticated GET (the static token) to the backend.
func (b *backstageBackend) get(ctx context.Context, path string, header http.Header) (int, []byte) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.url+path, nil)
	if err != nil {
		return 0, nil
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}
