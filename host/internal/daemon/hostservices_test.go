package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/host/internal/catalog"
	"github.com/coderhost/coderhost/host/internal/scripting"
	"github.com/coderhost/coderhost/internal/protocol"
)

func testDaemon(t *testing.T, withCatalog bool) *Daemon {
	t.Helper()
	d := &Daemon{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	st := &state{}
	if withCatalog {
		files, err := catalog.LoadFiles([]string{"../../../examples/catalog/*.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		st.catalog = files
	}
	d.state.Store(st)
	d.engine = scripting.NewEngine(scripting.Options{Logger: d.log, Catalog: catalogView{d}})
	return d
}

func TestHostServicesCatalog(t *testing.T) {
	h := hostServices{testDaemon(t, true)}
	ctx := context.Background()

	raw, err := h.GetEntity(ctx, "user:default/demo")
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Kind string }
	if err := json.Unmarshal(raw, &e); err != nil || e.Kind != "User" {
		t.Fatalf("entity %s (%v)", raw, err)
	}
	if _, err := h.GetEntity(ctx, "component:default/nope"); !errors.Is(err, protocol.ErrNotFound) {
		t.Fatalf("missing entity: %v", err)
	}
	users, err := h.FindUsers(ctx, protocol.UserQuery{Email: "demo@example.com"})
	if err != nil || len(users) != 1 {
		t.Fatalf("find by email: %d users, %v", len(users), err)
	}
	if users, err := h.FindUsers(ctx, protocol.UserQuery{Email: "nobody@example.com"}); err != nil || len(users) != 0 {
		t.Fatalf("find unknown email: %d users, %v", len(users), err)
	}

	none := hostServices{testDaemon(t, false)}
	if _, err := none.GetEntity(ctx, "user:default/demo"); !errors.Is(err, protocol.ErrNotConfigured) {
		t.Fatalf("no catalog: %v", err)
	}
	if _, err := none.FindUsers(ctx, protocol.UserQuery{Email: "demo@example.com"}); !errors.Is(err, protocol.ErrNotConfigured) {
		t.Fatalf("no catalog: %v", err)
	}
}

func TestHostServicesRunHookAndScript(t *testing.T) {
	d := testDaemon(t, true)
	h := hostServices{d}
	ctx := context.Background()
	if _, err := h.RunHook(ctx, "signin", map[string]any{}, nil); !errors.Is(err, protocol.ErrNoScript) {
		t.Fatalf("no scripts loaded: %v", err)
	}
	dir := t.TempDir()
	write := func(name, src string) string {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	catalogJS := write("catalog.js", `function signin(p, ctx) {
  const u = ctx.catalog.getEntity("user:default/" + p.username);
  return u ? { userEntityRef: "user:default/" + u.metadata.name } : null;
}`)
	throwJS := write("throw.js", `function signin(p, ctx) {
  if (p.username === "boom") {
    throw new Error("no " + p.username);
  }
  return null;
}`)
	if err := d.engine.Load([]scripting.Script{
		{Name: "thrower", File: throwJS, Hook: "signin"},
		{Name: "s", File: catalogJS, Hook: "signin"},
	}); err != nil {
		t.Fatal(err)
	}
	profile := func(name string) map[string]any {
		return map[string]any{"id": "1", "username": name, "name": "", "email": "", "avatar_url": "", "roles": []any{}}
	}
	var got struct{ UserEntityRef string }
	ran, err := h.RunHook(ctx, "signin", profile("demo"), &got)
	if err != nil || ran != "s" || got.UserEntityRef != "user:default/demo" {
		t.Fatalf("chain: %+v %q %v", got, ran, err)
	}
	if _, err := h.RunHook(ctx, "signin", profile("nobody"), &got); !errors.Is(err, protocol.ErrNoResult) {
		t.Fatalf("every script returned null: %v", err)
	}
	_, err = h.RunHook(ctx, "signin", profile("boom"), &got)
	var se *protocol.ScriptError
	if !errors.As(err, &se) || se.Script != "thrower" || !strings.HasPrefix(se.Pos, "throw.js:3:") || !strings.Contains(se.Message, "no boom") {
		t.Fatalf("a throwing script: %#v", err)
	}
	if err := h.RunScript(ctx, "s", profile("demo"), &got); err != nil || got.UserEntityRef != "user:default/demo" {
		t.Fatalf("named script: %+v %v", got, err)
	}
	if err := h.RunScript(ctx, "missing", profile("demo"), &got); !errors.Is(err, protocol.ErrNoScript) {
		t.Fatalf("unknown script: %v", err)
	}
}
