package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
	"github.com/coderhost/coderhost/sdk/codertest"
)

const (
	repo      = "https://github.com/acme/api"
	proxyURL  = "http://localhost:7007/api/proxy/coder"
	entityAPI = "/v1/entities/component/default/api/workspaces"
)

// targets are the test catalog's entities, compiled.
var targets = map[string]target{
	"component:default/api": {
		repoURL: repo, keys: []string{"repo_url", "custom_repo"},
		variants:     []string{repo, repo + ".git", repo + "/"},
		templateName: "go", compatible: true,
		params: map[string]string{"repo_url": repo, "custom_repo": repo, "go_version": "1.26"},
	},
	"component:default/norepo": {templateName: "go", compatible: true, keys: []string{"repo_url"}},
	"component:default/py": {
		repoURL: "https://github.com/acme/py", keys: []string{"repo_url"}, variants: []string{"https://github.com/acme/py"},
		templateName: "py", compatible: true, params: map[string]string{"repo_url": "https://github.com/acme/py"},
	},
	"component:default/optout": {repoURL: repo, keys: []string{"repo_url"}, variants: []string{repo}, templateName: "go",
		reasons: []string{"The entity opted out of Coder."}},
}

type testHost struct{}

func (testHost) RunScript(context.Context, string, string, any, any) (string, error) {
	return "", sdk.ErrNotConfigured
}

func (testHost) GetEntity(_ context.Context, ref string) (json.RawMessage, error) {
	if _, ok := targets[ref]; !ok {
		return nil, sdk.ErrNotFound
	}
	return json.Marshal(map[string]string{"ref": ref})
}

func (testHost) FindUsers(context.Context, sdk.UserQuery) ([]json.RawMessage, error) {
	return nil, sdk.ErrNotConfigured
}

func testResolve(_ context.Context, raw json.RawMessage) (target, error) {
	var e struct{ Ref string }
	if err := json.Unmarshal(raw, &e); err != nil {
		return target{}, err
	}
	return targets[e.Ref], nil
}

// env is the plugin serving one configuration in front of a fake Coder.
type env struct {
	t    *testing.T
	fake *codertest.Server
	h    *handler
	srv  *httptest.Server
	http *http.Client
}

type envOption func(*settings, *[]codertest.Option)

func withSettings(f func(*settings)) envOption {
	return func(s *settings, _ *[]codertest.Option) { f(s) }
}

func withFake(o ...codertest.Option) envOption {
	return func(_ *settings, fo *[]codertest.Option) { *fo = append(*fo, o...) }
}

// testSettings keep every wait short.
func testSettings() settings {
	s := defaultSettings()
	s.CacheTTL = time.Minute
	s.UpstreamTimeout = 5 * time.Second
	s.RestartTimeout = 10 * time.Second
	s.BuildPollInterval = 10 * time.Millisecond
	s.WatchInterval = 20 * time.Millisecond
	s.WatchIdleInterval = 50 * time.Millisecond
	s.HeartbeatInterval = time.Hour
	s.MaxStreamsPerUser = 3
	return s
}

func startEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	seed, err := codertest.LoadSeed("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := testSettings()
	fo := []codertest.Option{codertest.WithSeed(seed), codertest.WithBuildDelays(0, 0)}
	for _, o := range opts {
		o(&s, &fo)
	}
	fake := codertest.New(t, fo...)
	e := &env{t: t, fake: fake}
	e.h, err = newHandler(config{settings: s, resolve: testResolve}, sdk.HostInfo{CoderURL: fake.URL(), ExternalURL: proxyURL}, testHost{})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.h)
	e.http = &http.Client{Transport: &http.Transport{}}
	t.Cleanup(func() {
		e.http.CloseIdleConnections()
		e.srv.Close()
	})
	return e
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

func (r response) coderError(t *testing.T) codertest.Response {
	t.Helper()
	var e codertest.Response
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
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
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
func (e *env) searches() []codertest.RecordedRequest {
	var out []codertest.RecordedRequest
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
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
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

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
