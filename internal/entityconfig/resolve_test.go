package entityconfig

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

// hooks plays the host's hook service: a fixed JSON result from a named
// script, or an error.
type hooks struct {
	script string
	result string
	err    error
	input  json.RawMessage // what the script was given
	calls  int
}

func (h *hooks) host() sdk.Host {
	return &plugintest.Host{RunHookFunc: func(_ context.Context, hook string, input json.RawMessage) (json.RawMessage, string, error) {
		h.calls++
		if hook != Hook {
			return nil, "", errors.New("unexpected hook " + hook)
		}
		h.input = input
		if h.err != nil {
			return nil, "", h.err
		}
		return json.RawMessage(h.result), h.script, nil
	}}
}

func TestResolve(t *testing.T) {
	a := app(t, `{"default_template":"devcontainers","repo_url_param_keys":["repo_url"],"params":{"region":"eu"}}`)
	e := entity("url:https://github.com/acme/payments-api/tree/main/", `{"params":{"cpu":"2"}}`)
	scriptErr := &sdk.ScriptError{Script: "boom", Pos: "boom.js:3:9", Message: "Error: no region"}

	tests := []struct {
		name  string
		hooks *hooks
		check func(t *testing.T, c Config, err error)
	}{
		{"a script changes template, mode and params; repo params are set again", &hooks{script: "region", result: `{"templateName":"docker-go","mode":"auto","params":{"region":"us","repo_url":"elsewhere"}}`},
			func(t *testing.T, c Config, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if c.TemplateName != "docker-go" || c.Mode != "auto" || c.Script != "region" {
					t.Errorf("config = %+v", c)
				}
				want := "https://coder.example.com/templates/docker-go/workspace?mode=auto&param.region=us&param.repo_url=https%3A%2F%2Fgithub.com%2Facme%2Fpayments-api"
				if c.CreationURL != want {
					t.Errorf("creationUrl = %s\nwant %s", c.CreationURL, want)
				}
				if _, ok := c.Params["cpu"]; ok {
					t.Errorf("params = %v: a script's params replace the map", c.Params)
				}
			}},
		{"a script that only sets the mode keeps the params", &hooks{script: "auto", result: `{"mode":"auto"}`},
			func(t *testing.T, c Config, err error) {
				if err != nil || c.Mode != "auto" || c.Params["cpu"] != "2" || c.Params["region"] != "eu" {
					t.Errorf("config = %+v, %v", c, err)
				}
			}},
		{"every script returns null: unchanged", &hooks{result: "null"}, unchanged},
		{"no script configured: unchanged", &hooks{err: sdk.ErrNoScript}, unchanged},
		{"no script service: unchanged", &hooks{err: sdk.ErrNotConfigured}, unchanged},
		{"a script error is returned as is", &hooks{err: scriptErr}, func(t *testing.T, _ Config, err error) {
			var se *sdk.ScriptError
			if !errors.As(err, &se) || se.Script != "boom" || se.Pos != "boom.js:3:9" {
				t.Errorf("err = %v", err)
			}
		}},
		{"an empty templateName is rejected", &hooks{script: "s", result: `{"templateName":""}`}, wantErr(`script "s": bad result: an empty templateName`)},
		{"a bad mode is rejected", &hooks{script: "s", result: `{"mode":"fast"}`}, wantErr(`script "s": bad result: mode "fast"`)},
		{"a non-string parameter is rejected", &hooks{script: "s", result: `{"params":{"cpu":4}}`}, wantErr(`bad result: params.cpu that is a number`)},
		{"params must be an object", &hooks{script: "s", result: `{"params":["x"]}`}, wantErr(`bad result: params that are an array`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Resolve(context.Background(), tt.hooks.host(), a, e)
			tt.check(t, c, err)
		})
	}

	t.Run("the script sees the entity and the compiled config", func(t *testing.T) {
		h := &hooks{result: "null"}
		if _, err := Resolve(context.Background(), h.host(), a, e); err != nil {
			t.Fatal(err)
		}
		var in struct {
			Entity struct{ Kind string } `json:"entity"`
			Config struct {
				TemplateName string            `json:"templateName"`
				Mode         string            `json:"mode"`
				Params       map[string]string `json:"params"`
				RepoURL      string            `json:"repoUrl"`
			} `json:"config"`
		}
		if err := json.Unmarshal(h.input, &in); err != nil {
			t.Fatal(err)
		}
		if in.Entity.Kind != "Component" || in.Config.TemplateName != "devcontainers" || in.Config.Mode != "manual" ||
			in.Config.Params["repo_url"] != "https://github.com/acme/payments-api" || in.Config.RepoURL != "https://github.com/acme/payments-api" {
			t.Errorf("hook input = %s", h.input)
		}
	})
	t.Run("opted-out entities are not shown to scripts", func(t *testing.T) {
		h := &hooks{script: "s", result: `{"mode":"auto"}`}
		out := json.RawMessage(`{"kind":"Component","metadata":{"name":"x","annotations":{"coder.com/enabled":"false"}},"spec":{}}`)
		c, err := Resolve(context.Background(), h.host(), a, out)
		if err != nil || h.calls != 0 || c.Compatible {
			t.Errorf("calls = %d, config = %+v, err = %v", h.calls, c, err)
		}
	})
	t.Run("invalid spec.coder fails before any script", func(t *testing.T) {
		h := &hooks{result: "null"}
		_, err := Resolve(context.Background(), h.host(), a, entity("", `{"mode":"x"}`))
		var fe *FieldError
		if !errors.As(err, &fe) || h.calls != 0 {
			t.Errorf("err = %v, calls = %d", err, h.calls)
		}
	})
}

func unchanged(t *testing.T, c Config, err error) {
	t.Helper()
	if err != nil || c.TemplateName != "devcontainers" || c.Mode != "manual" || c.Script != "" || c.Params["cpu"] != "2" {
		t.Errorf("config = %+v, %v; want the compiled one", c, err)
	}
}

func wantErr(sub string) func(*testing.T, Config, error) {
	return func(t *testing.T, _ Config, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), sub) {
			t.Errorf("err = %v, want it to contain %q", err, sub)
		}
	}
}
