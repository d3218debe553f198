package plugintest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

// bridge is a plugin whose handler reports what it received.
type bridge struct {
	configured json.RawMessage
	host       sdk.HostInfo
}

func (b *bridge) Describe() sdk.Description {
	return sdk.Description{ID: "bridge", Version: "1.0.0", ConfigSchema: sdk.Schema{
		Attributes: []sdk.Attribute{{Name: "token", Type: sdk.TypeString, Sensitive: true}},
	}}
}

func (b *bridge) Configure(_ context.Context, req sdk.ConfigureRequest) error {
	b.configured, b.host = req.Config, req.Host
	return nil
}

func (b *bridge) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Path", r.URL.Path)
		w.Header().Set("X-Raw-Path", r.URL.EscapedPath())
		w.Header().Set("X-Query", r.URL.RawQuery)
		w.Header().Set("X-Connection-Leak", r.Header.Get("X-Hop"))
		w.Header().Set("X-Request-Id-Seen", r.Header.Get("X-Request-Id"))
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.WriteHeader(http.StatusAccepted)
		w.Write(body)
	})
	m.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 4096)))
	})
	m.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("handler bug") })
	m.HandleFunc("/config", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Mount", b.host.MountPath)
		w.Write(b.configured)
	})
	return m
}

func send(t *testing.T, method, url string, body string, hdr http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestBridgeCarriesRequestAndResponse(t *testing.T) {
	h := plugintest.Start(t, &bridge{})
	resp, body := send(t, "POST", h.URL+"/api/bridge/echo/a%2Fb?x=1&y=%20", "payload",
		http.Header{"Connection": {"X-Hop"}, "X-Hop": {"secret"}, "X-Request-Id": {"rid-1"}})
	if resp.StatusCode != http.StatusAccepted || body != "payload" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	checks := map[string]string{
		"X-Path":            "/echo/a/b",
		"X-Raw-Path":        "/echo/a%2Fb",
		"X-Query":           "x=1&y=%20",
		"X-Connection-Leak": "",
		"X-Request-Id-Seen": "rid-1",
	}
	for k, want := range checks {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := resp.Header.Values("Set-Cookie"); len(got) != 2 {
		t.Errorf("multi-value header lost: %v", got)
	}
	resp, body = send(t, "HEAD", h.URL+"/api/bridge/echo/x", "", nil)
	if resp.StatusCode != http.StatusAccepted || body != "" {
		t.Fatalf("HEAD: %d %q", resp.StatusCode, body)
	}
}

func TestBridgeLimitsAndFailures(t *testing.T) {
	h := plugintest.Start(t, &bridge{}, plugintest.WithMaxBodyBytes(1024))
	resp, body := send(t, "POST", h.URL+"/api/bridge/echo/", strings.Repeat("x", 2000), nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "1024") {
		t.Fatalf("oversized request: %d %s", resp.StatusCode, body)
	}
	resp, body = send(t, "GET", h.URL+"/api/bridge/big", "", nil)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "larger than the limit") {
		t.Fatalf("oversized response: %d %s", resp.StatusCode, body)
	}
	resp, body = send(t, "GET", h.URL+"/api/bridge/panic", "", nil)
	var e struct{ Message, Detail string }
	if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != 500 || !strings.Contains(e.Detail, "handler bug") {
		t.Fatalf("panic: %d %s", resp.StatusCode, body)
	}
	if resp, _ := send(t, "GET", h.URL+"/api/bridge/echo/", "", nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("plugin did not survive its panic: %d", resp.StatusCode)
	}
}

func TestConfigureReceivesConfigAndMount(t *testing.T) {
	h := plugintest.Start(t, &bridge{}, plugintest.WithConfig(`{"token":"t0k3n"}`))
	if h.Description.ID != "bridge" || !h.Description.ConfigSchema.Attributes[0].Sensitive {
		t.Fatalf("description lost in transit: %+v", h.Description)
	}
	resp, body := send(t, "GET", h.URL+"/api/bridge/config", "", nil)
	if body != `{"token":"t0k3n"}` || resp.Header.Get("X-Mount") != "/api/bridge/" {
		t.Fatalf("got %q mount %q", body, resp.Header.Get("X-Mount"))
	}
	health, err := h.Health(context.Background())
	if err != nil || health.Status != sdk.HealthOK {
		t.Fatalf("health %+v %v", health, err)
	}
}

func TestHostServicesWithoutHostAreNotConfigured(t *testing.T) {
	p := &hostUser{}
	plugintest.Start(t, p)
	if _, err := p.host.GetEntity(context.Background(), "user:default/x"); err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Fatalf("GetEntity without a host: %v", err)
	}
	if _, err := p.host.RunScript(context.Background(), "signin", "", map[string]string{}, nil); err == nil {
		t.Fatal("RunScript without a host succeeded")
	}
}

type hostUser struct {
	bridge
	host sdk.Host
}

func (h *hostUser) Configure(ctx context.Context, req sdk.ConfigureRequest) error {
	h.host = req.Services
	return nil
}
