package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/coderhost/coderhost/internal/protocol"
	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

const (
	repo      = "https://github.com/acme/api"
	proxyURL  = "http://localhost:7007/api/proxy/coder"
	entityAPI = "/v1/entities/component/default/api/workspaces"
)

// repoVariants are the URLs under which the test seed's workspaces may have
// stored the api entity's repository.
var repoVariants = []string{repo, repo + ".git", repo + "/", "http://github.com/acme/api",
	"ssh://git@github.com/acme/api.git", "git@github.com:acme/api.git"}

// catalog serves testdata/catalog.yaml as the host's catalog service.
func catalog(t testing.TB) func(context.Context, string) (json.RawMessage, error) {
	data, err := os.ReadFile("testdata/catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	entities := map[string]json.RawMessage{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var e map[string]any
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		md := e["metadata"].(map[string]any)
		ref := strings.ToLower(fmt.Sprintf("%s:default/%s", e["kind"], md["name"]))
		entities[ref], _ = json.Marshal(e)
	}
	return func(_ context.Context, ref string) (json.RawMessage, error) {
		if e, ok := entities[ref]; ok {
			return e, nil
		}
		return nil, sdk.ErrNotFound
	}
}

// env is the plugin serving one configuration in front of a fake Coder.
type env struct {
	t    *testing.T
	fake *fakecoder.Server
	base string // where the plugin's routes are
	http *http.Client
	// h is the handler, when the test serves it directly (see startDirect).
	h *handler
	// close stops the servers of a direct env.
	close func()
}

// options is the plugin's config block; tests override single attributes.
type options struct {
	config map[string]any
	fake   []fakecoder.Option
}

type envOption func(*options)

func withConfig(name string, v any) envOption {
	return func(o *options) { o.config[name] = v }
}

func withFake(opts ...fakecoder.Option) envOption {
	return func(o *options) { o.fake = append(o.fake, opts...) }
}

// newOptions keeps every wait short.
func newOptions(opts []envOption) options {
	o := options{config: map[string]any{
		"repo_url_param_keys":  []string{"repo_url", "custom_repo"},
		"cache_ttl":            "1m",
		"upstream_timeout":     "5s",
		"restart_timeout":      "10s",
		"build_poll_interval":  "10ms",
		"watch_interval":       "20ms",
		"watch_idle_interval":  "50ms",
		"heartbeat_interval":   "1h",
		"max_streams_per_user": 3,
	}}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

func newFake(t *testing.T, o options) *fakecoder.Server {
	seed, err := fakecoder.LoadSeed("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return codertest.NewServer(t, append([]fakecoder.Option{fakecoder.WithSeed(seed), fakecoder.WithBuildDelays(0, 0)}, o.fake...)...)
}

// startEnv runs the plugin the way the host does (sdk.Serve, the real
// protocol and HTTP bridge) with the test catalog as host service.
func startEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	o := newOptions(opts)
	fake := newFake(t, o)
	cfg, _ := json.Marshal(o.config)
	h := plugintest.Start(t, plugin{},
		plugintest.WithConfig(string(cfg)),
		plugintest.WithHostInfo(sdk.HostInfo{CoderURL: fake.URL(), ExternalURL: proxyURL}),
		plugintest.WithHost(&plugintest.Host{GetEntityFunc: catalog(t)}))
	e := &env{t: t, fake: fake, base: h.URL + "/api/workspaces", http: &http.Client{Transport: &http.Transport{}}}
	t.Cleanup(e.http.CloseIdleConnections)
	return e
}

// startDirect serves the handler in-process, without the protocol: for
// streams (the protocol's HTTP bridge answers once) and for tests that look
// at the handler's pollers.
func startDirect(t *testing.T, opts ...envOption) *env {
	t.Helper()
	o := newOptions(opts)
	fake := newFake(t, o)
	raw, _ := json.Marshal(o.config)
	info := sdk.HostInfo{CoderURL: fake.URL(), ExternalURL: proxyURL, MountPath: "/api/workspaces/"}
	cfg, err := parseConfig(sdk.ConfigureRequest{Config: raw, Info: info})
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(cfg, info, &plugintest.Host{GetEntityFunc: catalog(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(withInfo(h, info))
	e := &env{t: t, fake: fake, base: srv.URL, http: &http.Client{Transport: &http.Transport{}}, h: h}
	e.close = func() {
		e.http.CloseIdleConnections()
		srv.Close()
		_ = fake.Close()
	}
	t.Cleanup(e.close)
	return e
}

// withInfo puts the host facts in each request's context, as sdk.Serve does.
func withInfo(h http.Handler, info sdk.HostInfo) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(protocol.WithHostInfo(r.Context(), info)))
	})
}

// token is a seeded user's session token.
func (e *env) token(user string) string { return e.fake.Token(user) }

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d, body %s: %v", r.status, r.body, err)
	}
}

func (r response) coderError(t *testing.T) fakecoder.Response {
	t.Helper()
	var e fakecoder.Response
	r.decode(t, &e)
	if e.Message == "" {
		t.Fatalf("status %d: body %s is not a Coder error", r.status, r.body)
	}
	return e
}

func (e *env) do(method, path, token string, body any) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set(coder.SessionTokenHeader, token)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// listBody is the list route's answer as a client reads it.
type listBody struct {
	Workspaces []struct {
		ID            string `json:"id"`
		Name          string `json:"name"`
		OwnerName     string `json:"owner_name"`
		TemplateIcon  string `json:"template_icon"`
		DisplayStatus string `json:"display_status"`
		URL           string `json:"url"`
		LatestBuild   struct {
			Status string `json:"status"`
		} `json:"latest_build"`
	} `json:"workspaces"`
	Count            int       `json:"count"`
	RepoURL          string    `json:"repoUrl"`
	RepoLabel        string    `json:"repoLabel"`
	PollAfterSeconds int       `json:"pollAfterSeconds"`
	Version          string    `json:"version"`
	Query            string    `json:"query"`
	Fresh            bool      `json:"fresh"`
	Source           string    `json:"source"`
	FetchedAt        time.Time `json:"fetchedAt"`
}

func (l listBody) names() []string {
	var out []string
	for _, w := range l.Workspaces {
		out = append(out, w.Name)
	}
	return out
}

func (e *env) list(path, token string) listBody {
	e.t.Helper()
	r := e.do(http.MethodGet, path, token, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var l listBody
	r.decode(e.t, &l)
	return l
}

// searches counts the workspace searches the fake Coder received.
func (e *env) searches() []fakecoder.RecordedRequest {
	var out []fakecoder.RecordedRequest
	for _, r := range e.fake.Requests() {
		if r.Method == http.MethodGet && r.Path == "/api/v2/workspaces" {
			out = append(out, r)
		}
	}
	return out
}

// workspaceID finds a seeded workspace.
func (e *env) workspaceID(owner, name string) string {
	e.t.Helper()
	w, ok := e.fake.Workspace(owner, name)
	if !ok {
		e.t.Fatalf("no workspace %s/%s", owner, name)
	}
	return w.ID
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	name string
	data string
}

// stream is an open watch stream.
type stream struct {
	resp   *http.Response
	events chan sseEvent
	done   chan struct{}
	once   sync.Once
}

func (e *env) watch(path, token string) (*stream, response) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
	req.Header.Set(coder.SessionTokenHeader, token)
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return nil, response{status: resp.StatusCode, header: resp.Header, body: b}
	}
	s := &stream{resp: resp, events: make(chan sseEvent, 100), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "":
				s.events <- ev
				ev = sseEvent{}
			}
		}
		close(s.events)
	}()
	e.t.Cleanup(s.close)
	return s, response{status: resp.StatusCode, header: resp.Header}
}

func (s *stream) close() {
	s.once.Do(func() {
		s.resp.Body.Close()
		<-s.done
	})
}

// next returns the next event other than a ping.
func (s *stream) next(t *testing.T) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if ev.name != "ping" {
				return ev
			}
		case <-timeout:
			t.Fatal("no event within 10s")
		}
	}
}
