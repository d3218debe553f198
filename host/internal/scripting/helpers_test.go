package scripting

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderhost/coderhost/host/internal/catalog"
)

// logBuffer collects JSON log lines from concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the logged records as maps.
func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func newLogger() (*slog.Logger, *logBuffer) {
	lb := &logBuffer{}
	return slog.New(slog.NewJSONHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})), lb
}

// writeScript writes src to dir/name and returns the absolute path.
func writeScript(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testCatalog is the catalog under scripts/testdata/catalog.
func testCatalog(t testing.TB) *catalog.Files {
	t.Helper()
	c, err := catalog.LoadFiles([]string{shippedPath("testdata/catalog/*.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loadOne loads a single script named "test" from source and returns the
// engine and the file; timeout, if given, is the script's deadline.
func loadOne(t *testing.T, opts Options, hook, src string, timeout ...time.Duration) (*Engine, string) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger, _ = newLogger()
	}
	file := writeScript(t, t.TempDir(), "hook.js", src)
	e := NewEngine(opts)
	s := Script{Name: "test", File: file, Hook: hook}
	if len(timeout) > 0 {
		s.Timeout = timeout[0]
	}
	if err := e.Load([]Script{s}); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return e, file
}

func runJSON(t *testing.T, e *Engine, hook, input string) (string, error) {
	t.Helper()
	out, _, err := e.Run(context.Background(), hook, "", []byte(input))
	return string(out), err
}

const jdoeProfile = `{"id":"u1","username":"jdoe","name":"Jane Doe","email":"jdoe@example.com","avatar_url":"","roles":[{"name":"member","display_name":"Member"}]}`

const webInput = `{"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"web","namespace":"default"},"spec":{"owner":"team-eu"}},"config":{"templateName":"devbox","mode":"manual","params":{"cpu":"4"}}}`
