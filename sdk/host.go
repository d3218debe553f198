package sdk

import (
	"context"
	"encoding/json"

	"github.com/coderhost/coderhost/internal/protocol"
)

// Host is the set of services the host offers to plugins. Its errors keep
// errors.Is and errors.As across the process boundary.
type Host interface {
	// RunHook runs the admin's scripts for hook (for example "signin" or
	// "workspace_params") in their configured order on input (marshalled to
	// JSON). The first non-null result is decoded into out, and the name of
	// the script that gave it is returned. ErrNoScript: no script implements
	// the hook. ErrNoResult: every script returned null; out is untouched.
	// *ScriptError: a script threw, ran out of time or returned a value of
	// the wrong shape.
	RunHook(ctx context.Context, hook string, input, out any) (script string, err error)
	// RunScript runs the one script configured under name. Its errors are
	// RunHook's.
	RunScript(ctx context.Context, name string, input, out any) error
	// GetEntity returns one catalog entity as JSON, by ref
	// "kind:namespace/name", or ErrNotFound.
	GetEntity(ctx context.Context, ref string) (json.RawMessage, error)
	// FindUsers returns the User entities matching q.
	FindUsers(ctx context.Context, q UserQuery) ([]json.RawMessage, error)
}

// UserQuery selects User entities in the catalog: by Email
// (spec.profile.email, case-insensitive), or by the exact value of the
// annotation AnnotationKey.
type UserQuery = protocol.UserQuery

// ScriptError is an admin script that failed: Script names it, Pos is
// "file.js:LINE:COL" when known, Message says what went wrong.
type ScriptError = protocol.ScriptError

// Errors returned by Host.
var (
	// ErrNotFound: the entity does not exist.
	ErrNotFound = protocol.ErrNotFound
	// ErrNoScript: no script is configured for the hook, or by that name.
	ErrNoScript = protocol.ErrNoScript
	// ErrNoResult: every script of the hook returned null.
	ErrNoResult = protocol.ErrNoResult
	// ErrNotConfigured: the host has no such service configured (for
	// example no catalog).
	ErrNotConfigured = protocol.ErrNotConfigured
)
