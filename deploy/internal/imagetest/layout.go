package imagetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	layoutOnce sync.Once
	layoutDir  string
	layoutErr  error
	scratch    string
)

// Main runs the tests and removes the layout they shared. Call it from
// TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	if scratch != "" {
		_ = os.RemoveAll(scratch)
	}
	return code
}

// RepoRoot is the repository's root directory: deploy/'s parent.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Layout returns the image's /opt/coderhost as deploy/image/layout.sh
// builds it; the first call builds it, later ones share it. Tests must not
// change it: Root copies it.
func Layout(t testing.TB) string {
	t.Helper()
	layoutOnce.Do(func() {
		scratch, layoutErr = os.MkdirTemp("", "coderhost-image-")
		if layoutErr != nil {
			return
		}
		layoutDir = filepath.Join(scratch, "opt", "coderhost")
		cmd := exec.Command(filepath.Join(RepoRoot(), "deploy", "image", "layout.sh"), layoutDir)
		cmd.Env = append(os.Environ(), "VERSION=imagetest")
		out, err := cmd.CombinedOutput()
		if err != nil {
			layoutErr = fmt.Errorf("deploy/image/layout.sh: %w\n%s", err, out)
		}
	})
	if layoutErr != nil {
		t.Fatal(layoutErr)
	}
	return layoutDir
}

// FirstPartyPlugins lists the ids of the plugins under plugins/, which the
// image must hold.
func FirstPartyPlugins(t testing.TB) []string {
	t.Helper()
	mains, err := filepath.Glob(filepath.Join(RepoRoot(), "plugins", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range mains {
		ids = append(ids, filepath.Base(filepath.Dir(m)))
	}
	return ids
}
