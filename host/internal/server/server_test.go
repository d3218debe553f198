package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/coderhost/coderhost/host/internal/pluginhost"
	"github.com/coderhost/coderhost/internal/protocol"
)

type fakePlugin struct {
	id    string
	ready bool
	h     http.HandlerFunc
}

func (f *fakePlugin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Seen-Request-Id", protocol.RequestID(r.Context()))
	f.h(w, r)
}
func (f *fakePlugin) Status() pluginhost.Status {
	st := pluginhost.StateRunning
	if !f.ready {
		st = pluginhost.StateRestarting
	}
	return pluginhost.Status{ID: f.id, State: st, Capabilities: []string{}}
}
func (f *fakePlugin) Ready() bool { return f.ready }

type fakeBackend struct {
	plugins map[string]*fakePlugin
	proxy   http.Handler
}

func (b *fakeBackend) Plugin(id string) (PluginRoute, bool) {
	p, ok := b.plugins[id]
	return p, ok
}
func (b *fakeBackend) Plugins() []PluginRoute {
	var out []PluginRoute
	for _, p := range b.plugins {
		out = append(out, p)
	}
	return out
}
func (b *fakeBackend) Proxy() http.Handler { return b.proxy }
func (b *fakeBackend) NotReady() []string {
	var r []string
	for _, p := range b.plugins {
		if !p.ready {
			r = append(r, p.id+" down")
		}
	}
	return r
}

func newTestServer(t *testing.T, b *fakeBackend) (*httptest.Server, *prometheus.Registry, *strings.Builder) {
	logs := &strings.Builder{}
	reg := prometheus.NewRegistry()
	h := New(b, Options{
		Logger:        slog.New(slog.NewTextHandler(logs, nil)),
		Registry:      reg,
		Version:       "test",
		ProxyPrefixes: []string{"/api/v2/", "/icon/"},
	})
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s, reg, logs
}

func do(t *testing.T, method, url string, hdr map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp, m
}

func TestRoutesAndJSONErrors(t *testing.T) {
	b := &fakeBackend{plugins: map[string]*fakePlugin{
		"hello": {id: "hello", ready: true, h: func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }},
		"boom":  {id: "boom", ready: true, h: func(http.ResponseWriter, *http.Request) { panic("kaboom") }},
	}}
	s, reg, logs := newTestServer(t, b)

	resp, _ := do(t, "GET", s.URL+"/api/hello/x?token=secret-query-value", nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-Seen-Request-Id") == "" || resp.Header.Get("X-Request-Id") != resp.Header.Get("X-Seen-Request-Id") {
		t.Fatalf("plugin route: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body := do(t, "GET", s.URL+"/api/missing/x", nil)
	if resp.StatusCode != 404 || !strings.Contains(body["message"].(string), "/api/missing/") {
		t.Fatalf("unknown plugin: %d %v", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", s.URL+"/api/boom/x", nil)
	if resp.StatusCode != 500 || body["message"] != "Internal server error." {
		t.Fatalf("panic: %d %v", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", s.URL+"/api/v2/users/me", nil)
	if resp.StatusCode != 404 || !strings.Contains(body["detail"].(string), "coder.access_url") {
		t.Fatalf("no proxy configured: %d %v", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", s.URL+"/nowhere", nil)
	if resp.StatusCode != 404 || body["message"] != "Route not found." {
		t.Fatalf("not found: %d %v", resp.StatusCode, body)
	}
	if strings.Contains(logs.String(), "secret-query-value") {
		t.Fatal("access log contains the query string")
	}
	if !strings.Contains(logs.String(), "kaboom") {
		t.Fatal("panic not logged")
	}
	if n := testutil.ToFloat64(mustCounter(t, reg, "plugin:hello", "200")); n != 1 {
		t.Fatalf("requests metric for plugin:hello = %v", n)
	}
	if n := testutil.ToFloat64(mustCounter(t, reg, "plugin:unknown", "404")); n != 1 {
		t.Fatalf("unknown plugins share one label: %v", n)
	}
}

func mustCounter(t *testing.T, reg *prometheus.Registry, route, code string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "coderhost_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["route"] == route && labels["code"] == code {
				c := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
				c.Add(m.GetCounter().GetValue())
				return c
			}
		}
	}
	t.Fatalf("no sample for route=%s code=%s", route, code)
	return nil
}

func TestRequestIDIsKeptWhenSaneAndReplacedOtherwise(t *testing.T) {
	b := &fakeBackend{plugins: map[string]*fakePlugin{"hello": {id: "hello", ready: true, h: func(http.ResponseWriter, *http.Request) {}}}}
	s, _, _ := newTestServer(t, b)
	resp, _ := do(t, "GET", s.URL+"/api/hello/", map[string]string{"X-Request-Id": "abc-123"})
	if resp.Header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("sane id replaced: %q", resp.Header.Get("X-Request-Id"))
	}
	resp, _ = do(t, "GET", s.URL+"/api/hello/", map[string]string{"X-Request-Id": "evil id\twith stuff"})
	if got := resp.Header.Get("X-Request-Id"); got == "" || strings.Contains(got, "evil") {
		t.Fatalf("hostile id kept: %q", got)
	}
}

func TestReadyzAndPluginList(t *testing.T) {
	b := &fakeBackend{plugins: map[string]*fakePlugin{
		"a": {id: "a", ready: true},
		"b": {id: "b", ready: false},
	}}
	s, _, _ := newTestServer(t, b)
	resp, body := do(t, "GET", s.URL+"/readyz", nil)
	if resp.StatusCode != 503 || !strings.Contains(strings.Join(toStrings(body["reasons"]), ","), "b down") {
		t.Fatalf("readyz: %d %v", resp.StatusCode, body)
	}
	if resp, _ := do(t, "GET", s.URL+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	resp, err := http.Get(s.URL + "/api/plugins")
	if err != nil {
		t.Fatal(err)
	}
	var ps []map[string]any
	err = json.NewDecoder(resp.Body).Decode(&ps)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || len(ps) != 2 || ps[0]["id"] != "a" || ps[1]["state"] != "restarting" {
		t.Fatalf("plugins: %v (%v)", ps, err)
	}
	b.plugins["b"].ready = true
	if resp, _ := do(t, "GET", s.URL+"/readyz", nil); resp.StatusCode != 200 {
		t.Fatalf("readyz after recovery: %d", resp.StatusCode)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
