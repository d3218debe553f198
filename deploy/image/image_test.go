package image

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coderhost/coderhost/deploy/internal/imagetest"
)

func TestMain(m *testing.M) { os.Exit(imagetest.Main(m)) }

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// The Dockerfile builds with layout.sh and copies its output; running what
// it names must be possible in the tested layout.
func TestDockerfileRunsTheTestedLayout(t *testing.T) {
	img, err := imagetest.ReadDockerfile()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(img.BuildRuns, func(r string) bool {
		return strings.Contains(r, "deploy/image/layout.sh /out"+imagetest.ImageDir)
	}) {
		t.Errorf("no build-stage RUN of deploy/image/layout.sh /out%s: %q", imagetest.ImageDir, img.BuildRuns)
	}
	if !slices.ContainsFunc(img.Copies, func(c string) bool { return strings.HasSuffix(c, "/out/ /") }) {
		t.Errorf("the final stage does not COPY the build stage's /out/ to /: %q", img.Copies)
	}
	uid, _, _ := strings.Cut(img.User, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %q: want a numeric non-root uid (Kubernetes' runAsNonRoot cannot check a name)", img.User)
	}
	layout := imagetest.Layout(t)
	argv := append(slices.Clone(img.Entrypoint), img.Cmd...)
	if len(argv) == 0 {
		t.Fatal("the final stage has no ENTRYPOINT or CMD")
	}
	for _, a := range argv {
		if rel, ok := strings.CutPrefix(a, imagetest.ImageDir+"/"); ok {
			if _, err := os.Stat(filepath.Join(layout, rel)); err != nil {
				t.Errorf("ENTRYPOINT/CMD names %s, which the layout lacks: %v", a, err)
			}
		}
	}
}

// Every binary in the image is static (no interpreter, no shared
// libraries), every first-party plugin is there, and the image's config
// pins each plugin to the sha256 of the binary next to it.
func TestLayoutIsStaticAndPinned(t *testing.T) {
	layout := imagetest.Layout(t)
	bins, _ := filepath.Glob(filepath.Join(layout, "bin", "plugins", "*"))
	bins = append(bins, filepath.Join(layout, "bin", "coderhost"))
	for _, bin := range bins {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Errorf("has a program interpreter: built with cgo? the distroless/static base has no C library")
				}
			}
			if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("needs shared libraries %v", libs)
			}
		})
	}

	cfg, err := imagetest.ReadConfig(filepath.Join(layout, "config.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := cfg.Plugins()
	pinned := map[string]imagetest.PluginBlock{}
	for _, b := range blocks {
		pinned[b.ID] = b
	}
	for _, id := range imagetest.FirstPartyPlugins(t) {
		t.Run("plugin "+id, func(t *testing.T) {
			b, ok := pinned[id]
			if !ok {
				t.Fatalf("deploy/image/config.hcl has no plugin %q block (plugins/%s is first-party)", id, id)
			}
			bin := filepath.Join(layout, b.Path)
			if want := filepath.Join(layout, "bin", "plugins", "coderhost-plugin-"+id); bin != want {
				t.Errorf("path %q, want bin/plugins/coderhost-plugin-%s", b.Path, id)
			}
			if got := fileSHA256(t, bin); b.SHA256 != got {
				t.Errorf("sha256 = %q, binary has %s", b.SHA256, got)
			}
		})
	}
	for _, b := range blocks {
		if b.SHA256 == "" {
			t.Errorf("plugin %q is not pinned", b.ID)
		}
	}
}

var demoToken = regexp.MustCompile(`(?m)^demo session token: (\S+)$`)

// The image's own command, as the image's user, on a read-only root with a
// tmpfs /tmp (docker run --read-only --tmpfs /tmp): every plugin starts, the
// host is ready, and the demo deployment answers through the pass-through.
func TestImageRunsReadOnlyAsNonRoot(t *testing.T) {
	imagetest.RequireSandbox(t)
	img, err := imagetest.ReadDockerfile()
	if err != nil {
		t.Fatal(err)
	}
	uidStr, gidStr, _ := strings.Cut(img.User, ":")
	uid, _ := strconv.Atoi(uidStr)
	gid, _ := strconv.Atoi(gidStr)
	root := imagetest.NewRoot(t)
	addr := imagetest.FreeAddr(t)
	// docker run -p maps the container's :7008; here -listen puts it on a
	// free loopback port instead.
	argv := append(append(slices.Clone(img.Entrypoint), img.Cmd...), "-listen", addr)
	env := append([]string{"HOME=/home/nonroot"}, img.Env...)
	c := root.Run(t, imagetest.RunOptions{Argv: argv, Env: env, UID: uid, GID: gid})
	base := "http://" + addr
	c.WaitHTTP(base+"/readyz", 200, 60*time.Second)

	opts, err := imagetest.RootMountOptions(c.PID())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(opts, "ro") {
		t.Fatalf("the container's / is mounted %v, not read-only", opts)
	}

	var plugins []struct {
		ID, State string
		PID       int
	}
	getJSON(t, base+"/api/plugins", nil, &plugins)
	running := map[string]bool{}
	pids := []int{c.PID()}
	for _, p := range plugins {
		running[p.ID] = p.State == "running"
		pids = append(pids, p.PID)
	}
	for _, id := range imagetest.FirstPartyPlugins(t) {
		if !running[id] {
			t.Errorf("plugin %q is not running: %+v", id, plugins)
		}
	}
	for _, pid := range pids {
		if got, err := imagetest.ProcUID(pid); err != nil || got != uid {
			t.Errorf("pid %d runs as uid %d (%v), want %d", pid, got, err, uid)
		}
	}

	m := demoToken.FindStringSubmatch(c.Stdout())
	if m == nil {
		t.Fatalf("no demo session token printed:\n%s", c.Stdout())
	}
	var me struct{ Username string }
	if code := getJSON(t, base+"/api/v2/users/me", http.Header{"Coder-Session-Token": {m[1]}}, &me); code != 200 || me.Username != "demo" {
		t.Fatalf("users/me through the container: %d %+v", code, me)
	}

	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(30 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, c.Stderr())
	}
	for _, pid := range pids[1:] {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("plugin pid %d outlived the container's main process", pid)
		}
	}
}

func getJSON(t *testing.T, url string, h http.Header, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %d %s: %v", url, resp.StatusCode, b, err)
	}
	return resp.StatusCode
}
