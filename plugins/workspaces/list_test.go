package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/fakecoder"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

// TestListIsOneRequestForEveryKeyAndVariant: an entity whose repository is
// searched under 2 parameter keys × 3 URL variants costs one Coder search,
// and finds every workspace stored under any of them.
func TestListIsOneRequestForEveryKeyAndVariant(t *testing.T) {
	e := startEnv(t)
	e.fake.ResetRequests()
	l := e.list(entityAPI, e.token("alice"))

	reqs := e.searches()
	if len(reqs) != 1 {
		t.Fatalf("%d workspace searches reached Coder, want 1", len(reqs))
	}
	q, _ := url.ParseQuery(reqs[0].RawQuery)
	if !strings.HasPrefix(q.Get("q"), "owner:me ") || q.Get("limit") != "" {
		t.Errorf("q=%q limit=%q; want owner:me first and no limit", q.Get("q"), q.Get("limit"))
	}
	for _, k := range []string{"repo_url", "custom_repo"} {
		for _, v := range repoVariants {
			if !strings.Contains(q.Get("q"), k+"="+v) {
				t.Errorf("the search lacks %s=%s: %s", k, v, q.Get("q"))
			}
		}
	}
	got := l.names()
	slices.Sort(got)
	if want := []string{"api-git", "api-main", "api-old", "api-slash"}; !slices.Equal(got, want) {
		t.Errorf("workspaces %v, want %v (every key and variant, only alice's)", got, want)
	}
	if l.Count != 4 || l.RepoURL != repo || l.RepoLabel != "repo: api" || l.PollAfterSeconds != 60 || !l.Fresh || l.Source != "fetched" {
		t.Errorf("count %d, repoUrl %q, repoLabel %q, pollAfterSeconds %d, fresh %v, source %q",
			l.Count, l.RepoURL, l.RepoLabel, l.PollAfterSeconds, l.Fresh, l.Source)
	}
	for _, w := range l.Workspaces {
		wantURL := e.fake.URL() + "/@alice/" + w.Name
		if w.URL != wantURL {
			t.Errorf("%s: url %q, want %q", w.Name, w.URL, wantURL)
		}
		switch {
		case w.Name == "api-git" && w.TemplateIcon != "https://cdn.example.com/node.svg":
			t.Errorf("an absolute icon changed: %q", w.TemplateIcon)
		case w.Name != "api-git" && w.TemplateIcon != proxyURL+"/icon/go.svg":
			t.Errorf("%s: template_icon %q, want it through the proxy", w.Name, w.TemplateIcon)
		}
		want := map[string]string{"running": "Online", "stopped": "Offline"}[w.LatestBuild.Status]
		if w.DisplayStatus != want {
			t.Errorf("%s (%s): display_status %q, want %q", w.Name, w.LatestBuild.Status, w.DisplayStatus, want)
		}
	}
}

func TestListFilters(t *testing.T) {
	e := startEnv(t)
	t.Run("the user's filter narrows the search", func(t *testing.T) {
		l := e.list(entityAPI+"?q="+url.QueryEscape("owner:me status:stopped"), e.token("alice"))
		if !slices.Equal(l.names(), []string{"api-slash"}) {
			t.Errorf("got %v", l.names())
		}
	})
	t.Run("an empty filter searches everything the caller can read", func(t *testing.T) {
		l := e.list(entityAPI+"?q=", e.token("admin"))
		if !slices.Contains(l.names(), "bob-api") || !slices.Contains(l.names(), "api-main") || slices.Contains(l.names(), "web") {
			t.Errorf("admin with q='' got %v", l.names())
		}
	})
	t.Run("Coder's 400 for a bad filter passes through", func(t *testing.T) {
		r := e.do(http.MethodGet, entityAPI+"?q="+url.QueryEscape("colour:blue"), e.token("alice"), nil)
		ce := r.coderError(t)
		if r.status != http.StatusBadRequest || ce.Message != "Invalid workspace search query." || len(ce.Validations) == 0 || ce.Validations[0].Field != "colour" {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
	t.Run("a param value term is refused before it widens the search", func(t *testing.T) {
		e.fake.ResetRequests()
		r := e.do(http.MethodGet, entityAPI+"?q="+url.QueryEscape(`param:"repo_url=https://github.com/acme/web"`), e.token("alice"), nil)
		ce := r.coderError(t)
		if r.status != http.StatusBadRequest || !strings.Contains(ce.Validations[0].Detail, "other repositories") || len(e.searches()) != 0 {
			t.Errorf("%d %s; %d searches", r.status, r.body, len(e.searches()))
		}
	})
}

func TestListWithoutRepoMakesNoRequest(t *testing.T) {
	e := startEnv(t)
	e.fake.ResetRequests()
	l := e.list("/v1/entities/component/default/norepo/workspaces", e.token("alice"))
	if len(l.Workspaces) != 0 || l.Count != 0 || l.RepoURL != "" || l.Query != "" || len(e.fake.Requests()) != 0 {
		t.Errorf("got %+v and %d Coder requests; want an empty list and none", l, len(e.fake.Requests()))
	}
	if r := e.do(http.MethodGet, "/v1/entities/component/default/missing/workspaces", e.token("alice"), nil); r.status != 404 ||
		!strings.Contains(r.coderError(t).Message, "component:default/missing") {
		t.Errorf("unknown entity: %d %s", r.status, r.body)
	}
}

func TestErrorsAreCoderShaped(t *testing.T) {
	e := startEnv(t)
	t.Run("no token", func(t *testing.T) {
		for _, path := range []string{entityAPI, entityAPI + "/watch", "/v1/workspaces/" + e.workspaceID("alice", "api-main") + "/start"} {
			method := http.MethodGet
			if strings.HasSuffix(path, "/start") {
				method = http.MethodPost
			}
			r := e.do(method, path, "", nil)
			if ce := r.coderError(t); r.status != http.StatusUnauthorized || !strings.Contains(ce.Detail, "Coder-Session-Token") {
				t.Errorf("%s %s: %d %s", method, path, r.status, r.body)
			}
		}
	})
	t.Run("a token Coder rejects", func(t *testing.T) {
		r := e.do(http.MethodGet, entityAPI, "AbCdEfGhIj-0123456789abcdefghijkl", nil)
		if ce := r.coderError(t); r.status != http.StatusUnauthorized || ce.Detail != "API key is invalid." {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		if r := e.do(http.MethodGet, "/v1/nope", "", nil); r.status != 404 || r.coderError(t).Message == "" {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
}

func TestCoderUnreachableIs502(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	cfg, _ := json.Marshal(newOptions(nil).config)
	h := plugintest.Start(t, plugin{}, plugintest.WithConfig(string(cfg)),
		plugintest.WithHostInfo(sdk.HostInfo{CoderURL: dead}),
		plugintest.WithHost(&plugintest.Host{GetEntityFunc: catalog(t)}))
	e := &env{t: t, base: h.URL + "/api/workspaces", http: http.DefaultClient}
	r := e.do(http.MethodGet, entityAPI, "AbCdEfGhIj-0123456789abcdefghijkl", nil)
	ce := r.coderError(t)
	if r.status != http.StatusBadGateway || !strings.Contains(ce.Message, "unreachable at "+dead) || ce.Detail == "" {
		t.Errorf("%d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "AbCdEfGhIj") {
		t.Error("the error shows the token")
	}
	health, err := h.Health(context.Background())
	if err != nil || health.Status != sdk.HealthDegraded || !strings.Contains(health.Message, "unreachable") {
		t.Errorf("health %+v, %v", health, err)
	}
}

func TestUpstreamTimeoutIs504(t *testing.T) {
	faults := &fakecoder.Faults{}
	e := startEnv(t, withFake(fakecoder.WithFaults(faults)), withConfig("upstream_timeout", "200ms"))
	faults.SetLatency(2 * time.Second)
	faults.SetPathPrefix("/api/v2/workspaces")
	start := time.Now()
	r := e.do(http.MethodGet, entityAPI, e.token("alice"), nil)
	if ce := r.coderError(t); r.status != http.StatusGatewayTimeout || !strings.Contains(ce.Message, "200ms") {
		t.Errorf("%d %s", r.status, r.body)
	}
	if time.Since(start) > 1500*time.Millisecond {
		t.Errorf("the answer took %s; the timeout is 200ms", time.Since(start))
	}
}

// TestUsersNeverSeeEachOthersLists runs 100 concurrent callers, two users
// with identical searches, through the cache and the coalescing.
func TestUsersNeverSeeEachOthersLists(t *testing.T) {
	faults := &fakecoder.Faults{}
	e := startEnv(t, withFake(fakecoder.WithFaults(faults)))
	faults.SetLatency(20 * time.Millisecond) // let calls overlap
	users := []string{"alice", "bob"}
	want := map[string][]string{"alice": {"api-git", "api-main", "api-old", "api-slash"}, "bob": {"bob-api"}}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := users[i%2]
			r := e.do(http.MethodGet, entityAPI, e.token(user), nil)
			var l listBody
			r.decode(t, &l)
			got := l.names()
			slices.Sort(got)
			for _, w := range l.Workspaces {
				if w.OwnerName != user {
					errs <- fmt.Errorf("%s saw %s's workspace %s", user, w.OwnerName, w.Name)
				}
			}
			if !slices.Equal(got, want[user]) {
				errs <- fmt.Errorf("%s got %v, want %v", user, got, want[user])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(e.searches()); n < 2 || n > 4 {
		t.Errorf("%d searches for 100 calls of 2 users; want about one per user", n)
	}
}

// TestIdenticalConcurrentCallsMakeOneRequest: 50 identical calls of one user
// at once reach Coder as one search.
func TestIdenticalConcurrentCallsMakeOneRequest(t *testing.T) {
	faults := &fakecoder.Faults{}
	e := startEnv(t, withFake(fakecoder.WithFaults(faults)), withConfig("cache_ttl", "0s"))
	// Long enough that all 50 callers are in flight before Coder answers,
	// even on a loaded machine under -race.
	faults.SetLatency(3 * time.Second)
	faults.SetPathPrefix("/api/v2/workspaces")
	e.fake.ResetRequests()
	var wg sync.WaitGroup
	sources := make(chan string, 50)
	start := make(chan struct{})
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var l listBody
			e.do(http.MethodGet, entityAPI, e.token("alice"), nil).decode(t, &l)
			if l.Count != 4 {
				t.Errorf("count %d", l.Count)
			}
			sources <- l.Source
		}()
	}
	close(start)
	wg.Wait()
	close(sources)
	count := map[string]int{}
	for s := range sources {
		count[s]++
	}
	if n := len(e.searches()); n != 1 {
		t.Errorf("%d searches reached Coder for 50 identical calls, want 1 (sources %v)", n, count)
	}
	if count["fetched"] != 1 || count["coalesced"] != 49 {
		t.Errorf("sources %v; want 1 fetched, 49 coalesced", count)
	}
}

func TestRepeatsWithinTTLAreServedFromMemory(t *testing.T) {
	e := startEnv(t)
	first := e.list(entityAPI, e.token("alice"))
	second := e.list(entityAPI, e.token("alice"))
	if !first.Fresh || second.Fresh || second.Source != "cached" || !second.FetchedAt.Equal(first.FetchedAt) || len(e.searches()) != 1 {
		t.Errorf("first fresh=%v, second fresh=%v source=%s; %d searches", first.Fresh, second.Fresh, second.Source, len(e.searches()))
	}
	// An action of the user invalidates their lists.
	if r := e.do(http.MethodPost, "/v1/workspaces/"+e.workspaceID("alice", "api-main")+"/stop", e.token("alice"), nil); r.status != 201 {
		t.Fatalf("stop: %d %s", r.status, r.body)
	}
	third := e.list(entityAPI, e.token("alice"))
	if !third.Fresh || len(e.searches()) != 2 {
		t.Errorf("after an action: fresh=%v, %d searches", third.Fresh, len(e.searches()))
	}
}

// TestEntityConfigurationErrors: the entity's configuration is compiled by
// the shared entityconfig rules and the admin's workspace_params hook.
func TestEntityConfigurationErrors(t *testing.T) {
	e := startEnv(t)
	t.Run("invalid spec.coder", func(t *testing.T) {
		r := e.do(http.MethodGet, "/v1/entities/component/default/badspec/workspaces", e.token("alice"), nil)
		ce := r.coderError(t)
		if r.status != http.StatusUnprocessableEntity || len(ce.Validations) == 0 || ce.Validations[0].Field != "spec.coder.mode" ||
			!strings.Contains(ce.Detail, "createMode must be 'manual' or 'auto'") {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
	scripted := func(t *testing.T, hook func(ctx context.Context, hook string, input json.RawMessage) (json.RawMessage, string, error)) *env {
		fake := newFake(t, newOptions(nil))
		cfg, _ := json.Marshal(newOptions(nil).config)
		h := plugintest.Start(t, plugin{}, plugintest.WithConfig(string(cfg)),
			plugintest.WithHostInfo(sdk.HostInfo{CoderURL: fake.URL()}),
			plugintest.WithHost(&plugintest.Host{GetEntityFunc: catalog(t), RunHookFunc: hook}))
		return &env{t: t, fake: fake, base: h.URL + "/api/workspaces", http: http.DefaultClient}
	}
	t.Run("a failing workspace_params script", func(t *testing.T) {
		s := scripted(t, func(context.Context, string, json.RawMessage) (json.RawMessage, string, error) {
			return nil, "", &sdk.ScriptError{Script: "region", Pos: "region.js:3:7", Message: "TypeError: x is undefined"}
		})
		r := s.do(http.MethodGet, entityAPI, s.token("alice"), nil)
		if ce := r.coderError(t); r.status != 500 || !strings.Contains(ce.Message, `"region"`) || !strings.Contains(ce.Detail, "region.js:3:7") {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
	t.Run("scripts that return null change nothing", func(t *testing.T) {
		s := scripted(t, func(context.Context, string, json.RawMessage) (json.RawMessage, string, error) {
			return json.RawMessage("null"), "", nil
		})
		if l := s.list(entityAPI, s.token("alice")); l.Count != 4 {
			t.Errorf("count %d", l.Count)
		}
	})
	t.Run("a script's template is the one created from", func(t *testing.T) {
		s := scripted(t, func(context.Context, string, json.RawMessage) (json.RawMessage, string, error) {
			return json.RawMessage(`{"templateName":"node"}`), "pick-node", nil
		})
		r := s.do(http.MethodPost, entityAPI, s.token("alice"), map[string]string{"name": "by-script"})
		var ws struct {
			TemplateName string `json:"template_name"`
		}
		r.decode(t, &ws)
		if r.status != 201 || ws.TemplateName != "node" {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
}

// TestLongPollThroughTheProtocol: ?version=&wait= waits for a change on the
// user's poller and works through the host's HTTP bridge, which answers
// once.
func TestLongPollThroughTheProtocol(t *testing.T) {
	e := startEnv(t, withConfig("watch_interval", "1h"), withConfig("watch_idle_interval", "1h"))
	first := e.list(entityAPI, e.token("alice"))
	if first.Version == "" {
		t.Fatal("the list has no version")
	}
	t.Run("unchanged until the wait ends", func(t *testing.T) {
		start := time.Now()
		l := e.list(entityAPI+"?version="+first.Version+"&wait=150ms", e.token("alice"))
		if l.Version != first.Version || time.Since(start) < 150*time.Millisecond {
			t.Errorf("version %s after %s", l.Version, time.Since(start))
		}
	})
	t.Run("an old version answers at once", func(t *testing.T) {
		start := time.Now()
		l := e.list(entityAPI+"?version=0123456789abcdef&wait=20s", e.token("alice"))
		if l.Version != first.Version || time.Since(start) > 5*time.Second {
			t.Errorf("version %s after %s", l.Version, time.Since(start))
		}
	})
	t.Run("a change ends the wait", func(t *testing.T) {
		done := make(chan listBody)
		go func() {
			done <- e.list(entityAPI+"?version="+first.Version+"&wait=20s", e.token("alice"))
		}()
		time.Sleep(50 * time.Millisecond) // let the long poll subscribe
		if r := e.do(http.MethodPost, "/v1/workspaces/"+e.workspaceID("alice", "api-main")+"/stop", e.token("alice"), nil); r.status != 201 {
			t.Fatalf("stop: %d %s", r.status, r.body)
		}
		select {
		case l := <-done:
			if l.Version == first.Version || statusOf(l, "api-main") == "running" {
				t.Errorf("after the stop: version %s, api-main %s", l.Version, statusOf(l, "api-main"))
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the long poll did not end after a change")
		}
	})
	t.Run("bad wait", func(t *testing.T) {
		r := e.do(http.MethodGet, entityAPI+"?version=x&wait=soon", e.token("alice"), nil)
		if ce := r.coderError(t); r.status != 400 || ce.Validations[0].Field != "wait" {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
}
