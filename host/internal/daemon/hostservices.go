package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/coderhost/coderhost/host/internal/catalog"
	"github.com/coderhost/coderhost/host/internal/scripting"
	"github.com/coderhost/coderhost/internal/protocol"
)

// hostServices answers plugins' calls to the host with whatever the current
// configuration provides.
type hostServices struct {
	d *Daemon
}

var _ protocol.Host = hostServices{}

func (h hostServices) RunHook(ctx context.Context, hook string, input, out any) (string, error) {
	return h.run(ctx, hook, "", input, out)
}

func (h hostServices) RunScript(ctx context.Context, name string, input, out any) error {
	_, err := h.run(ctx, "", name, input, out)
	return err
}

func (h hostServices) run(ctx context.Context, hook, name string, input, out any) (string, error) {
	in, err := json.Marshal(input)
	if err != nil {
		return "", fmt.Errorf("encode script input: %w", err)
	}
	res, ran, err := h.d.engine.Run(ctx, hook, name, in)
	var se *scripting.ScriptError
	switch {
	case errors.Is(err, scripting.ErrNoScript):
		return "", fmt.Errorf("%w: %w", err, protocol.ErrNoScript)
	case errors.As(err, &se):
		pos := ""
		if se.File != "" {
			pos = filepath.Base(se.File)
			if se.Line > 0 {
				pos = fmt.Sprintf("%s:%d:%d", pos, se.Line, se.Column)
			}
		}
		return ran, &protocol.ScriptError{Script: se.Script, Pos: pos, Message: se.Message}
	case err != nil:
		return ran, err
	case string(res) == "null":
		subject := fmt.Sprintf("hook %q", hook)
		if name != "" {
			subject = fmt.Sprintf("script %q", name)
		}
		return "", fmt.Errorf("%s: %w", subject, protocol.ErrNoResult)
	}
	if out != nil {
		if err := json.Unmarshal(res, out); err != nil {
			return ran, fmt.Errorf("script %q: decode result: %w", ran, err)
		}
	}
	return ran, nil
}

func (h hostServices) catalog() (catalog.Catalog, error) {
	st := h.d.current()
	if st == nil || st.catalog == nil {
		return nil, fmt.Errorf("no catalog: set backstage.backend_url or backstage.catalog_files: %w", protocol.ErrNotConfigured)
	}
	return st.catalog, nil
}

func (h hostServices) GetEntity(ctx context.Context, ref string) (json.RawMessage, error) {
	c, err := h.catalog()
	if err != nil {
		return nil, err
	}
	e, err := c.GetEntity(ctx, ref)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, fmt.Errorf("entity %q: %w", ref, protocol.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

func (h hostServices) FindUsers(ctx context.Context, q protocol.UserQuery) ([]json.RawMessage, error) {
	c, err := h.catalog()
	if err != nil {
		return nil, err
	}
	users, err := c.FindUsers(ctx, catalog.UserQuery{Email: q.Email, AnnotationKey: q.AnnotationKey, AnnotationValue: q.AnnotationValue})
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(users))
	for _, u := range users {
		b, err := json.Marshal(u)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
