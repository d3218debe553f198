package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/coderhost/coderhost/plugins/catalog/internal/api"
	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

// demoCatalog loads examples/catalog as JSON entities keyed by lower-case ref.
func demoCatalog(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	files, err := filepath.Glob("../../../../examples/catalog/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalog files: %v", err)
	}
	out := map[string]json.RawMessage{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var e map[string]any
			if err := dec.Decode(&e); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			md := e["metadata"].(map[string]any)
			if _, ok := md["namespace"]; !ok {
				md["namespace"] = "default"
			}
			raw, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			ref := strings.ToLower(e["kind"].(string) + ":" + md["namespace"].(string) + "/" + md["name"].(string))
			out[ref] = raw
		}
	}
	return out
}

// fakeHost serves the demo catalog and runs the workspace_params hook with
// fn (nil: no script configured).
func fakeHost(t *testing.T, hook func(input json.RawMessage) (json.RawMessage, string, error)) *plugintest.Host {
	entities := demoCatalog(t)
	return &plugintest.Host{
		GetEntityFunc: func(_ context.Context, ref string) (json.RawMessage, error) {
			if e, ok := entities[ref]; ok {
				return e, nil
			}
			return nil, sdk.ErrNotFound
		},
		RunHookFunc: func(_ context.Context, name string, input json.RawMessage) (json.RawMessage, string, error) {
			if name != "workspace_params" {
				t.Errorf("RunHook(%q)", name)
			}
			if hook == nil {
				return nil, "", sdk.ErrNoScript
			}
			return hook(input)
		},
	}
}

const demoConfig = `{"default_template":"devcontainers","repo_url_param_keys":["custom_repo","repo_url"]}`

type harness struct {
	*plugintest.Harness
	fake *fakecoder.Server
}

// start runs the plugin against the fake Coder with config and host.
func start(t *testing.T, config string, host sdk.Host) harness {
	t.Helper()
	fake := codertest.NewServer(t)
	h := plugintest.Start(t, api.New(),
		plugintest.WithConfig(config),
		plugintest.WithHostInfo(sdk.HostInfo{CoderURL: fake.URL(), ExternalURL: "http://localhost:7007/api/proxy/coder"}),
		plugintest.WithHost(host))
	return harness{Harness: h, fake: fake}
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// coderError is Coder's error shape.
type coderError struct {
	Message string `json:"message"`
	Detail  string `json:"detail"`
}

func decodeError(t *testing.T, body []byte) coderError {
	t.Helper()
	var e coderError
	if err := json.Unmarshal(body, &e); err != nil || e.Message == "" {
		t.Fatalf("not a Coder error: %s", body)
	}
	return e
}

// config is the JSON of the /coder routes.
type config struct {
	Mode                string            `json:"mode"`
	TemplateName        string            `json:"templateName"`
	CreationURL         string            `json:"creationUrl"`
	RepoURL             string            `json:"repoUrl"`
	RepoURLParamKeys    []string          `json:"repoUrlParamKeys"`
	Params              map[string]string `json:"params"`
	IsReadingEntityData bool              `json:"isReadingEntityData"`
	Compatible          bool              `json:"compatible"`
	Reasons             []string          `json:"reasons"`
	RepoURLVariants     []string          `json:"repoUrlVariants"`
	Script              string            `json:"script"`
	EntityRef           string            `json:"entityRef"`
	OpenURL             string            `json:"openUrl"`
	BadgeURL            string            `json:"badgeUrl"`
}

func decodeConfig(t *testing.T, body []byte) config {
	t.Helper()
	var c config
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return c
}
