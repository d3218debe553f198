package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/coderhost/coderhost/host/internal/catalog"
	"github.com/coderhost/coderhost/host/internal/scripting"
	"github.com/coderhost/coderhost/sdk/grpcplugin"
)

// hostServices answers plugins' calls to the host with whatever the current
// configuration provides.
type hostServices struct {
	d *Daemon
}

var _ grpcplugin.HostServices = hostServices{}

func (h hostServices) RunScript(ctx context.Context, hook, script string, input []byte) ([]byte, string, error) {
	out, ran, err := h.d.engine.Run(ctx, hook, script, input)
	if errors.Is(err, scripting.ErrNoScript) {
		return nil, "", fmt.Errorf("hook %q script %q: %w", hook, script, grpcplugin.ErrNoScript)
	}
	return out, ran, err
}

func (h hostServices) GetEntity(ctx context.Context, ref string) ([]byte, error) {
	st := h.d.current()
	if st == nil || st.catalog == nil {
		return nil, fmt.Errorf("no catalog: set backstage.backend_url or backstage.catalog_files: %w", grpcplugin.ErrNotConfigured)
	}
	e, err := st.catalog.GetEntity(ctx, ref)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, fmt.Errorf("entity %q: %w", ref, grpcplugin.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

func (h hostServices) FindUsers(ctx context.Context, email, key, value string) ([][]byte, error) {
	st := h.d.current()
	if st == nil || st.catalog == nil {
		return nil, fmt.Errorf("no catalog: set backstage.backend_url or backstage.catalog_files: %w", grpcplugin.ErrNotConfigured)
	}
	users, err := st.catalog.FindUsers(ctx, catalog.UserQuery{Email: email, AnnotationKey: key, AnnotationValue: value})
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(users))
	for _, u := range users {
		b, err := json.Marshal(u)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
