package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

func get(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: %d %q is not a JSON object: %v", url, resp.StatusCode, b, err)
	}
	return resp.StatusCode, m
}

func TestGreetUsesConfiguredGreeting(t *testing.T) {
	h := plugintest.Start(t, plugin{}, plugintest.WithConfig(`{"greeting":"Hej"}`))
	code, body := get(t, h.URL+"/api/hello/greet?name=Ada")
	if code != 200 || body["message"] != "Hej, Ada!" {
		t.Fatalf("got %d %v", code, body)
	}
}

func TestEntityLooksUpThroughHostCatalog(t *testing.T) {
	host := &plugintest.Host{
		GetEntityFunc: func(_ context.Context, ref string) (json.RawMessage, error) {
			if ref != "component:default/web" {
				return nil, fmt.Errorf("entity %q: %w", ref, sdk.ErrNotFound)
			}
			return json.RawMessage(`{"kind":"Component","metadata":{"name":"web","title":"Web shop"}}`), nil
		},
	}
	h := plugintest.Start(t, plugin{}, plugintest.WithHost(host))

	code, body := get(t, h.URL+"/api/hello/entities/Component/default/web")
	if code != 200 || body["title"] != "Web shop" {
		t.Fatalf("got %d %v", code, body)
	}
	code, body = get(t, h.URL+"/api/hello/entities/component/default/missing")
	if code != 404 || !strings.Contains(body["message"], "component:default/missing") {
		t.Fatalf("missing entity: got %d %v", code, body)
	}
}

func TestEntityWithoutCatalogSaysWhatToConfigure(t *testing.T) {
	h := plugintest.Start(t, plugin{})
	code, body := get(t, h.URL+"/api/hello/entities/component/default/web")
	if code != 503 || !strings.Contains(body["detail"], "catalog_files") {
		t.Fatalf("got %d %v", code, body)
	}
}

func TestRejectsOverlongGreeting(t *testing.T) {
	_, err := plugin{}.Configure(context.Background(), configure(`{"greeting":"`+strings.Repeat("x", 200)+`"}`))
	if err == nil || !strings.Contains(err.Error(), "under 100") {
		t.Fatalf("want a clear error, got %v", err)
	}
}

func configure(js string) sdk.ConfigureRequest {
	return sdk.ConfigureRequest{Config: json.RawMessage(js)}
}

func TestWhoisRunsTheHostSigninHook(t *testing.T) {
	host := &plugintest.Host{
		RunHookFunc: func(_ context.Context, hook string, input json.RawMessage) (json.RawMessage, string, error) {
			var profile struct{ Username string }
			if err := json.Unmarshal(input, &profile); err != nil || hook != "signin" {
				return nil, "", fmt.Errorf("unexpected call %s %s", hook, input)
			}
			if profile.Username != "ada" {
				return json.RawMessage(`null`), "", nil
			}
			return json.RawMessage(`{"userEntityRef":"user:default/ada"}`), "username", nil
		},
	}
	h := plugintest.Start(t, plugin{}, plugintest.WithHost(host))
	resp, err := http.Get(h.URL + "/api/hello/whois/ada")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Script   string
		Identity struct{ UserEntityRef string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 ||
		body.Script != "username" || body.Identity.UserEntityRef != "user:default/ada" {
		t.Fatalf("got %d %+v (%v)", resp.StatusCode, body, err)
	}
	if code, _ := get(t, h.URL+"/api/hello/whois/bob"); code != 404 {
		t.Fatalf("unresolved user: %d", code)
	}
}

func TestMeCallsCoderAsTheCaller(t *testing.T) {
	fake := codertest.NewServer(t)
	h := plugintest.Start(t, plugin{}, plugintest.WithHostInfo(sdk.HostInfo{CoderURL: fake.URL()}))

	req, _ := http.NewRequest("GET", h.URL+"/api/hello/me", nil)
	req.Header.Set("Coder-Session-Token", fake.Token("demo"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 || body["username"] != "demo" {
		t.Fatalf("got %d %v (%v)", resp.StatusCode, body, err)
	}

	if code, body := get(t, h.URL+"/api/hello/me"); code != 401 || !strings.Contains(body["detail"], "Coder-Session-Token") {
		t.Fatalf("without a token: %d %v", code, body)
	}
	req.Header.Set("Coder-Session-Token", "not-a-token")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 401 {
		t.Fatalf("Coder's 401 for a bad token is passed on, got %d", resp2.StatusCode)
	}
}
