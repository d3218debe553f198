package plugintest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/coderhost/coderhost/internal/protocol"
	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

// bridge is a plugin whose handler reports what it received.
type bridge struct{}

func (bridge) Describe() sdk.Description {
	return sdk.Description{ID: "bridge", Version: "1.0.0", Summary: "echoes", ConfigSchema: sdk.Schema{
		Attributes: []sdk.Attribute{{Name: "token", Type: sdk.TypeString, Sensitive: true}},
	}}
}

func (bridge) Configure(_ context.Context, req sdk.ConfigureRequest) (http.Handler, error) {
	var cfg struct {
		Token string `json:"token"`
	}
	if err := req.DecodeConfig(&cfg); err != nil {
		return nil, err
	}
	if cfg.Token == "reject" {
		return nil, errors.New(`token "reject" is refused; set another token`)
	}
	m := http.NewServeMux()
	m.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Path", r.URL.Path)
		w.Header().Set("X-Raw-Path", r.URL.EscapedPath())
		w.Header().Set("X-Query", r.URL.RawQuery)
		w.Header().Set("X-Connection-Leak", r.Header.Get("X-Hop"))
		w.Header().Set("X-Request-Id-Seen", sdk.RequestID(r.Context()))
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.WriteHeader(http.StatusAccepted)
		w.Write(body)
	})
	m.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		for range 100 {
			w.Write([]byte(strings.Repeat("x", 1<<10)))
		}
	})
	m.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := 0; ; i++ {
			fmt.Fprintf(w, "data: %d\n\n", i)
			if err := rc.Flush(); err != nil {
				return
			}
			select {
			case <-r.Context().Done():
				streamsEnded <- struct{}{}
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	m.HandleFunc("/half", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("start"))
		http.NewResponseController(w).Flush()
		panic("broke mid-response")
	})
	m.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("handler bug") })
	m.HandleFunc("/config", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Mount", sdk.Info(r.Context()).MountPath)
		w.Write(req.Config)
	})
	return m, nil
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
	h := plugintest.Start(t, bridge{})
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
	h := plugintest.Start(t, bridge{}, plugintest.WithMaxBodyBytes(1024))
	resp, body := send(t, "POST", h.URL+"/api/bridge/echo/", strings.Repeat("x", 2000), nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "1024") {
		t.Fatalf("oversized request: %d %s", resp.StatusCode, body)
	}
	// Responses stream in parts, so the body limit does not bound them.
	resp, body = send(t, "GET", h.URL+"/api/bridge/big", "", nil)
	if resp.StatusCode != http.StatusOK || body != strings.Repeat("x", 100<<10) {
		t.Fatalf("large response: %d, %d bytes", resp.StatusCode, len(body))
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
	h := plugintest.Start(t, bridge{}, plugintest.WithConfig(`{"token":"t0k3n"}`))
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

// streamsEnded reports handlers of /events that saw their request end.
var streamsEnded = make(chan struct{}, 10)

func TestBridgeStreamsFlushedPartsAndStopsWithTheClient(t *testing.T) {
	h := plugintest.Start(t, bridge{})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", h.URL+"/api/bridge/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	for want := 0; want < 3; want++ {
		line, err := r.ReadString('\n')
		if err != nil || line != fmt.Sprintf("data: %d\n", want) {
			t.Fatalf("event %d: %q %v", want, line, err)
		}
		if blank, _ := r.ReadString('\n'); blank != "\n" {
			t.Fatalf("event %d not terminated: %q", want, blank)
		}
	}
	cancel()
	resp.Body.Close()
	select {
	case <-streamsEnded:
	case <-time.After(5 * time.Second):
		t.Fatal("the plugin's handler kept streaming after the client went away")
	}
}

func TestBridgeCutsOffAResponseBrokenMidway(t *testing.T) {
	h := plugintest.Start(t, bridge{})
	resp, err := http.Get(h.URL + "/api/bridge/half")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("a response the plugin broke off read as complete: %d %q", resp.StatusCode, body)
	}
}

func TestReconfigureSwapsHandlerAndRejectionKeepsTheOldOne(t *testing.T) {
	h := plugintest.Start(t, bridge{}, plugintest.WithConfig(`{"token":"one"}`))
	if _, body := send(t, "GET", h.URL+"/api/bridge/config", "", nil); body != `{"token":"one"}` {
		t.Fatalf("first config: %q", body)
	}
	if err := h.Configure(context.Background(), json.RawMessage(`{"token":"two"}`)); err != nil {
		t.Fatal(err)
	}
	if _, body := send(t, "GET", h.URL+"/api/bridge/config", "", nil); body != `{"token":"two"}` {
		t.Fatalf("after reload: %q", body)
	}
	err := h.Configure(context.Background(), json.RawMessage(`{"token":"reject"}`))
	if err == nil || !strings.Contains(err.Error(), `token "reject" is refused`) {
		t.Fatalf("rejected config: %v", err)
	}
	var se *protocol.StatusError
	if !errors.As(err, &se) || se.Code != codes.InvalidArgument {
		t.Fatalf("a rejected configuration keeps its code across the hop: %#v", err)
	}
	if _, body := send(t, "GET", h.URL+"/api/bridge/config", "", nil); body != `{"token":"two"}` {
		t.Fatalf("a rejected reload replaced the handler: %q", body)
	}
}

// hostUser hands its host services to the test.
type hostUser struct {
	bridge
	host chan sdk.Host
}

func (h *hostUser) Configure(ctx context.Context, req sdk.ConfigureRequest) (http.Handler, error) {
	h.host <- req.Host
	return http.NotFoundHandler(), nil
}

func startHostUser(t *testing.T, opts ...plugintest.Option) sdk.Host {
	p := &hostUser{host: make(chan sdk.Host, 1)}
	plugintest.Start(t, p, opts...)
	return <-p.host
}

func TestHostServicesWithoutFakesAreNotConfigured(t *testing.T) {
	host := startHostUser(t)
	ctx := context.Background()
	if _, err := host.GetEntity(ctx, "user:default/x"); !errors.Is(err, sdk.ErrNotConfigured) {
		t.Fatalf("GetEntity: %v", err)
	}
	if _, err := host.RunHook(ctx, "signin", map[string]string{}, nil); !errors.Is(err, sdk.ErrNotConfigured) {
		t.Fatalf("RunHook: %v", err)
	}
}

func TestHostErrorsKeepTheirIdentityAcrossTheHop(t *testing.T) {
	fake := &plugintest.Host{
		GetEntityFunc: func(_ context.Context, ref string) (json.RawMessage, error) {
			if ref == "user:default/ada" {
				return json.RawMessage(`{"kind":"User"}`), nil
			}
			return nil, fmt.Errorf("entity %q: %w", ref, sdk.ErrNotFound)
		},
		RunHookFunc: func(_ context.Context, hook string, in json.RawMessage) (json.RawMessage, string, error) {
			switch hook {
			case "signin":
				return json.RawMessage(`null`), "", nil
			case "workspace_params":
				return nil, "region", &sdk.ScriptError{Script: "region", Pos: "region.js:3:9", Message: "boom"}
			}
			return nil, "", fmt.Errorf("hook %q: %w", hook, sdk.ErrNoScript)
		},
		RunScriptFunc: func(_ context.Context, name string, in json.RawMessage) (json.RawMessage, error) {
			return in, nil
		},
	}
	host := startHostUser(t, plugintest.WithHost(fake))
	ctx := context.Background()

	if e, err := host.GetEntity(ctx, "user:default/ada"); err != nil || string(e) != `{"kind":"User"}` {
		t.Fatalf("GetEntity: %s %v", e, err)
	}
	if _, err := host.GetEntity(ctx, "user:default/bob"); !errors.Is(err, sdk.ErrNotFound) || !strings.Contains(err.Error(), "bob") {
		t.Fatalf("missing entity: %v", err)
	}
	if _, err := host.RunHook(ctx, "signin", map[string]string{}, nil); !errors.Is(err, sdk.ErrNoResult) {
		t.Fatalf("null result: %v", err)
	}
	if _, err := host.RunHook(ctx, "nope", map[string]string{}, nil); !errors.Is(err, sdk.ErrNoScript) {
		t.Fatalf("unknown hook: %v", err)
	}
	_, err := host.RunHook(ctx, "workspace_params", map[string]string{}, nil)
	var se *sdk.ScriptError
	if !errors.As(err, &se) || se.Script != "region" || se.Pos != "region.js:3:9" || se.Message != "boom" {
		t.Fatalf("script error: %#v", err)
	}
	var out struct{ A int }
	if err := host.RunScript(ctx, "echo", map[string]int{"A": 7}, &out); err != nil || out.A != 7 {
		t.Fatalf("RunScript: %+v %v", out, err)
	}
}
