package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/coderhost/coderhost/host/internal/catalog"
	"github.com/coderhost/coderhost/host/internal/scripting"
	"github.com/coderhost/coderhost/sdk/grpcplugin"
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
	if _, err := h.GetEntity(ctx, "component:default/nope"); !errors.Is(err, grpcplugin.ErrNotFound) {
		t.Fatalf("missing entity: %v", err)
	}
	users, err := h.FindUsers(ctx, "demo@example.com", "", "")
	if err != nil || len(users) != 1 {
		t.Fatalf("find by email: %d users, %v", len(users), err)
	}
	if users, err := h.FindUsers(ctx, "nobody@example.com", "", ""); err != nil || len(users) != 0 {
		t.Fatalf("find unknown email: %d users, %v", len(users), err)
	}

	none := hostServices{testDaemon(t, false)}
	if _, err := none.GetEntity(ctx, "user:default/demo"); !errors.Is(err, grpcplugin.ErrNotConfigured) {
		t.Fatalf("no catalog: %v", err)
	}
	if _, err := none.FindUsers(ctx, "demo@example.com", "", ""); !errors.Is(err, grpcplugin.ErrNotConfigured) {
		t.Fatalf("no catalog: %v", err)
	}
}

func TestHostServicesRunScript(t *testing.T) {
	d := testDaemon(t, true)
	h := hostServices{d}
	ctx := context.Background()
	if _, _, err := h.RunScript(ctx, "signin", "", []byte(`{}`)); !errors.Is(err, grpcplugin.ErrNoScript) {
		t.Fatalf("no scripts loaded: %v", err)
	}
	file := filepath.Join(t.TempDir(), "signin.js")
	if err := os.WriteFile(file, []byte(`function signin(p, ctx) {
  const u = ctx.catalog.getEntity("user:default/" + p.username);
  return u ? { userEntityRef: "user:default/" + u.metadata.name } : null;
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.engine.Load([]scripting.Script{{Name: "s", File: file, Hook: "signin"}}); err != nil {
		t.Fatal(err)
	}
	out, ran, err := h.RunScript(ctx, "signin", "", []byte(`{"id":"1","username":"demo","name":"","email":"","avatar_url":"","roles":[]}`))
	if err != nil || ran != "s" {
		t.Fatalf("run: %s %q %v", out, ran, err)
	}
	var got struct{ UserEntityRef string }
	if err := json.Unmarshal(out, &got); err != nil || got.UserEntityRef != "user:default/demo" {
		t.Fatalf("result %s", out)
	}
}
