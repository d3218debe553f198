package imagetest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ImageDir is where the image keeps coderhost.
const ImageDir = "/opt/coderhost"

// NonRoot is the base image's unprivileged user and group (distroless's
// "nonroot").
const NonRoot = 65532

// Root is a directory standing for a container's root filesystem.
type Root struct {
	Dir string
}

// NewRoot lays out a root filesystem in a temporary directory: the image
// layout at /opt/coderhost, and from the base image /etc/passwd, /etc/group
// and the /tmp, /dev and /proc mount points.
func NewRoot(t testing.TB) *Root {
	t.Helper()
	layout := Layout(t)
	r := &Root{Dir: filepath.Join(t.TempDir(), "root")}
	for _, d := range []string{"opt", "etc", "tmp", "dev", "proc", "home/nonroot"} {
		if err := os.MkdirAll(filepath.Join(r.Dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("cp", "-a", layout, filepath.Join(r.Dir, "opt", "coderhost")).CombinedOutput(); err != nil {
		t.Fatalf("copy the image layout: %v\n%s", err, out)
	}
	r.WriteFile(t, "/etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n", 0o644)
	r.WriteFile(t, "/etc/group", "root:x:0:\nnonroot:x:65532:\n", 0o644)
	return r
}

// Path maps an absolute path inside the container to the host.
func (r *Root) Path(p string) string {
	return filepath.Join(r.Dir, filepath.FromSlash(p))
}

// WriteFile writes a file owned by root at an absolute path inside the
// container, creating its directories, as a volume mount would.
func (r *Root) WriteFile(t testing.TB, path, data string, mode os.FileMode) {
	t.Helper()
	r.WriteFileGroup(t, path, data, mode, 0)
}

// WriteFileGroup is WriteFile with the file's group set to gid, as the
// kubelet sets a volume's files to the pod's fsGroup.
func (r *Root) WriteFileGroup(t testing.TB, path, data string, mode os.FileMode, gid int) {
	t.Helper()
	host := r.Path(path)
	if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(host, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(host, 0, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(host, mode); err != nil {
		t.Fatal(err)
	}
}

// RequireSandbox skips the test when this machine cannot isolate a process
// the way Run does (it needs root and mount namespaces).
func RequireSandbox(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"unshare", "mount", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("running the image needs %s (util-linux, coreutils): %v", tool, err)
		}
	}
	if out, err := exec.Command("unshare", "--mount", "--propagation", "private", "true").CombinedOutput(); err != nil {
		t.Skipf("running the image needs root and mount namespaces: unshare: %v %s", err, out)
	}
}

// RunOptions say how to start a container process.
type RunOptions struct {
	// Argv is the command line inside the container (entrypoint and args).
	Argv []string
	// Env is the container's whole environment.
	Env []string
	// UID and GID run the process; the base image's user is NonRoot.
	// Groups are its supplementary groups (a pod's fsGroup is one).
	UID, GID int
	Groups   []int
	// Writable leaves the root filesystem writable; by default it is
	// read-only, as with `docker run --read-only` or readOnlyRootFilesystem.
	Writable bool
}

// sandboxScript runs inside a fresh private mount namespace: it mounts the
// root onto itself (read-only unless RW=1), a tmpfs on /tmp, the host's
// /dev and a /proc, then becomes the process in a chroot.
const sandboxScript = `set -eu
root=$1; uid=$2; gid=$3; groups=$4; shift 4
mount --bind "$root" "$root"
mount -t tmpfs -o mode=1777,size=64m tmpfs "$root/tmp"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
if [ "$RW" != 1 ]; then mount -o remount,bind,ro "$root"; fi
exec chroot --userspec="$uid:$gid" --groups="$groups" "$root" "$@"
`

// Container is a process running in a Root.
type Container struct {
	t      testing.TB
	cmd    *exec.Cmd
	mu     sync.Mutex
	stdout strings.Builder
	stderr strings.Builder
	exited chan struct{}
	err    error
}

// Run starts a process in the root and stops it (SIGTERM, then SIGKILL)
// when the test ends. Call RequireSandbox first.
func (r *Root) Run(t testing.TB, o RunOptions) *Container {
	t.Helper()
	rw := "0"
	if o.Writable {
		rw = "1"
	}
	groups := []string{strconv.Itoa(o.GID)}
	for _, g := range o.Groups {
		groups = append(groups, strconv.Itoa(g))
	}
	args := append([]string{"--mount", "--propagation", "private", "--", "sh", "-c", sandboxScript, "sandbox",
		r.Dir, strconv.Itoa(o.UID), strconv.Itoa(o.GID), strings.Join(groups, ",")}, o.Argv...)
	c := &Container{t: t, cmd: exec.Command("unshare", args...), exited: make(chan struct{})}
	// The sandbox's own tools need a PATH; the container sees o.Env and
	// these two, as a runtime sets PATH and HOSTNAME.
	c.cmd.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "RW=" + rw}, o.Env...)
	stdout, _ := c.cmd.StdoutPipe()
	stderr, _ := c.cmd.StderrPipe()
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start the container: %v", err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	copyTo := func(dst *strings.Builder, src io.Reader) {
		defer readers.Done()
		s := bufio.NewScanner(src)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		for s.Scan() {
			c.mu.Lock()
			dst.WriteString(s.Text() + "\n")
			c.mu.Unlock()
		}
	}
	go copyTo(&c.stdout, stdout)
	go copyTo(&c.stderr, stderr)
	go func() {
		readers.Wait()
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.Stop(15 * time.Second)
		if t.Failed() {
			t.Logf("container stdout:\n%s\ncontainer stderr:\n%s", c.Stdout(), c.Stderr())
		}
	})
	return c
}

// PID is the container process's pid on the host.
func (c *Container) PID() int { return c.cmd.Process.Pid }

// Stdout and Stderr return what the process printed so far.
func (c *Container) Stdout() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stdout.String()
}

// Stderr: see Stdout.
func (c *Container) Stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// Signal sends sig to the process.
func (c *Container) Signal(sig syscall.Signal) error { return c.cmd.Process.Signal(sig) }

// Wait waits up to timeout for the process to exit and returns its error
// (nil for exit status 0). It fails the test on timeout.
func (c *Container) Wait(timeout time.Duration) error {
	c.t.Helper()
	select {
	case <-c.exited:
		return c.err
	case <-time.After(timeout):
		c.t.Fatalf("container did not exit within %s", timeout)
		return nil
	}
}

// Exited reports whether the process has exited.
func (c *Container) Exited() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM, and SIGKILL after grace.
func (c *Container) Stop(grace time.Duration) {
	if c.Exited() {
		return
	}
	_ = c.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(grace):
		_ = c.Signal(syscall.SIGKILL)
		<-c.exited
	}
}

// WaitHTTP polls url until it answers want, failing the test after
// timeout or when the process exits first.
func (c *Container) WaitHTTP(url string, want int, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		if c.Exited() {
			c.t.Fatalf("container exited (%v) before %s answered %d\nstderr:\n%s", c.err, url, want, c.Stderr())
		}
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("%s did not answer %d within %s (last: %s)", url, want, timeout, last)
}

// FreeAddr returns a free loopback address.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// ProcUID returns the real user id of a host process, from /proc.
func ProcUID(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Uid:" {
			return strconv.Atoi(f[1])
		}
	}
	return 0, fmt.Errorf("pid %d: no Uid line in status", pid)
}

// RootMountOptions returns the mount options of the filesystem a process
// sees as "/", from its /proc/<pid>/mountinfo.
func RootMountOptions(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return nil, err
	}
	var opts []string
	for _, line := range strings.Split(string(b), "\n") {
		// id parent major:minor root mountpoint options ...
		f := strings.Fields(line)
		if len(f) >= 6 && f[4] == "/" {
			opts = strings.Split(f[5], ",") // the last mount on "/" is the visible one
		}
	}
	if opts == nil {
		return nil, fmt.Errorf("pid %d: no mount on / in mountinfo", pid)
	}
	return opts, nil
}
