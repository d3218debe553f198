package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/coderhost/coderhost/internal/entityconfig"
	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
)

// resolve compiles the entity's configuration as the catalog plugin does:
// the shared entityconfig rules, then the admin's workspace_params hook.
func (h *handler) resolve(ctx context.Context, entity json.RawMessage) (target, error) {
	c, err := entityconfig.Resolve(ctx, h.host, h.cfg.app, entity)
	if err != nil {
		return target{}, err
	}
	return target{
		repoURL: c.RepoURL, keys: c.RepoURLParamKeys, variants: c.RepoURLVariants,
		templateName: c.TemplateName, params: c.Params,
		compatible: c.Compatible, reasons: c.Reasons,
	}, nil
}

// resolveError turns a failure to compile an entity's configuration into
// the caller's answer: 422 naming the field of an invalid spec.coder, 500
// naming the script (file:line:col) that failed.
func resolveError(ref string, err error) *apiError {
	var fe *entityconfig.FieldError
	if errors.As(err, &fe) {
		return &apiError{Status: http.StatusUnprocessableEntity,
			Message: fmt.Sprintf("Entity %q has an invalid %s.", ref, fe.Field), Detail: fe.Message,
			Validations: []coder.ValidationError{{Field: fe.Field, Detail: fe.Message}}}
	}
	var se *sdk.ScriptError
	if errors.As(err, &se) {
		return &apiError{Status: http.StatusInternalServerError,
			Message: fmt.Sprintf("The %s script %q failed for %q.", entityconfig.Hook, se.Script, ref), Detail: se.Error()}
	}
	return &apiError{Status: http.StatusInternalServerError,
		Message: fmt.Sprintf("Compiling the Coder configuration of %q failed.", ref), Detail: err.Error()}
}
