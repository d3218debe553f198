package entityconfig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/coderhost/coderhost/sdk"
)

// Hook is the admin's hook that may change an entity's configuration.
const Hook = "workspace_params"

// hookInput is what a workspace_params script receives (scripts/coderhost.d.ts).
type hookInput struct {
	Entity json.RawMessage `json:"entity"`
	Config hookConfig      `json:"config"`
}

type hookConfig struct {
	TemplateName     string            `json:"templateName,omitempty"`
	Mode             string            `json:"mode"`
	Params           map[string]string `json:"params"`
	RepoURL          string            `json:"repoUrl,omitempty"`
	RepoURLParamKeys []string          `json:"repoUrlParamKeys"`
}

// hookResult is what it may return; every field is optional.
type hookResult struct {
	TemplateName *string         `json:"templateName"`
	Mode         *string         `json:"mode"`
	Params       json.RawMessage `json:"params"`
}

// Resolve is [Compile] followed by the admin's workspace_params hook chain:
// the first script that returns an object sets the template, the mode or
// the whole params map; the repository parameters are set again afterwards,
// so workspaces created from the link are found under the entity. Entities
// that opt out (see [EnabledAnnotation]) are not shown to scripts.
//
// A script that throws, times out or returns a bad value fails Resolve with
// the host's *sdk.ScriptError, naming the script, file and line; a result
// the host accepted but that breaks these rules is an *sdk.ScriptError
// naming the script and the field. No script, or only null results, leave
// the compiled configuration as it is.
func Resolve(ctx context.Context, host sdk.Host, app AppConfig, entity json.RawMessage) (Config, error) {
	c, err := compile(app, entity)
	if err != nil {
		return Config{}, err
	}
	if c.optedOut || host == nil {
		return c.config(), nil
	}
	in := hookInput{Entity: entity, Config: hookConfig{
		TemplateName: c.templateName, Mode: c.mode, Params: c.params.toMap(),
		RepoURL: c.repoURL, RepoURLParamKeys: c.app.RepoURLParamKeys,
	}}
	var out hookResult
	script, err := host.RunHook(ctx, Hook, in, &out)
	switch {
	case errors.Is(err, sdk.ErrNoScript), errors.Is(err, sdk.ErrNoResult), errors.Is(err, sdk.ErrNotConfigured):
		return c.config(), nil
	case err != nil:
		return Config{}, err
	}
	if err := c.apply(out); err != nil {
		return Config{}, &sdk.ScriptError{Script: script, Message: "bad result: " + err.Error()}
	}
	c.script = script
	return c.config(), nil
}

// apply validates a script's result and makes it the configuration.
func (c *compiled) apply(r hookResult) error {
	if r.TemplateName != nil {
		if *r.TemplateName == "" {
			return errors.New("an empty templateName; leave it out to keep the configured template")
		}
		c.templateName, c.templateSet = *r.TemplateName, true
	}
	if r.Mode != nil {
		if *r.Mode != ModeManual && *r.Mode != ModeAuto {
			return fmt.Errorf("mode %q; use %q or %q", *r.Mode, ModeManual, ModeAuto)
		}
		c.mode = *r.Mode
	}
	if len(r.Params) > 0 && string(r.Params) != "null" {
		keys, vals, err := orderedObject(r.Params)
		if err != nil {
			return fmt.Errorf("params that are %s; return an object of strings", jsonType(r.Params))
		}
		var p params
		for _, k := range keys {
			var s string
			if k == "" {
				return errors.New("a parameter with an empty name")
			}
			if jsonType(vals[k]) != "a string" || json.Unmarshal(vals[k], &s) != nil {
				return fmt.Errorf("params.%s that is %s; parameter values are strings", k, jsonType(vals[k]))
			}
			p.set(k, s)
		}
		c.params = p
		c.setRepoParams()
	}
	return nil
}
