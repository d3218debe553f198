package fakecoder_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

func TestStart(t *testing.T) {
	s, err := fakecoder.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || strings.HasSuffix(s.URL(), "/") {
		t.Fatalf("URL = %q", s.URL())
	}
	var info fakecoder.BuildInfo
	get(t, s.URL()+"/api/v2/buildinfo").decode(t, &info)
	if info.DashboardURL != s.URL() {
		t.Errorf("dashboard_url = %q, want %q", info.DashboardURL, s.URL())
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := http.Get(s.URL() + "/api/v2/buildinfo"); err == nil {
		t.Error("the server still answers after Close")
	}
	if _, err := fakecoder.Start("not-an-address"); err == nil {
		t.Error("Start accepted a bad address")
	}
}

func TestNewServerMounted(t *testing.T) {
	s, err := fakecoder.New()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.URL() != "" {
		t.Errorf("URL = %q, want empty", s.URL())
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	var info fakecoder.BuildInfo
	get(t, ts.URL+"/api/v2/buildinfo").decode(t, &info)
	if info.DashboardURL != ts.URL {
		t.Errorf("dashboard_url = %q, want the request's host %q", info.DashboardURL, ts.URL)
	}

	s2, err := fakecoder.New(fakecoder.WithAccessURL("https://coder.example.com/"))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ts2 := httptest.NewServer(s2.Handler())
	defer ts2.Close()
	get(t, ts2.URL+"/api/v2/buildinfo").decode(t, &info)
	if info.DashboardURL != "https://coder.example.com" {
		t.Errorf("dashboard_url = %q", info.DashboardURL)
	}

	if _, err := fakecoder.New(fakecoder.WithOAuth2AutoApprove("nobody")); err == nil || !strings.Contains(err.Error(), `"nobody"`) {
		t.Errorf("unknown auto-approve user: %v", err)
	}
}

func TestAssets(t *testing.T) {
	s := codertest.NewServer(t)
	tests := []struct {
		path, ctype string
		status      int
	}{
		{"/icon/go.svg", "image/svg+xml", 200},
		{"/icon/nodejs.svg", "image/svg+xml", 200},
		{"/emojis/1f4bb.png", "image/png", 200},
		{"/icon/nope.svg", "", 404},
		{"/emojis/nope.png", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			// The Backstage plugin sends its token with icon requests.
			r := get(t, s.URL()+tt.path, withToken(s.Token("demo")))
			wantStatus(t, r, tt.status)
			if tt.status == 200 && !strings.HasPrefix(r.header.Get("Content-Type"), tt.ctype) {
				t.Errorf("Content-Type = %q, want %q", r.header.Get("Content-Type"), tt.ctype)
			}
		})
	}
	if r := get(t, s.URL()+"/emojis/1f4bb.png"); !bytes.HasPrefix(r.body, []byte("\x89PNG")) {
		t.Error("the emoji is not a PNG")
	}

	// Every icon the demo deployment hands out resolves.
	icons := map[string]bool{}
	for _, w := range s.Workspaces() {
		icons[w.TemplateIcon] = true
		for _, res := range w.LatestBuild.Resources {
			icons[res.Icon] = true
			for _, a := range res.Agents {
				for _, app := range a.Apps {
					icons[app.Icon] = true
				}
			}
		}
	}
	for icon := range icons {
		wantStatus(t, get(t, s.URL()+icon), http.StatusOK)
	}

	// Everything else is the web UI, which answers 200 with HTML.
	r := get(t, s.URL()+"/@demo/payments-api")
	wantStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("web UI page: %q", r.header.Get("Content-Type"))
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := codertest.NewServer(t, fakecoder.WithRateLimit(3, time.Minute), fakecoder.WithClock(clock))
	demo := withToken(s.Token("demo"))

	for i := range 3 {
		r := get(t, s.URL()+"/api/v2/users/me", demo)
		wantStatus(t, r, http.StatusOK)
		if got := r.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(2-i) {
			t.Errorf("request %d: X-RateLimit-Remaining = %q", i, got)
		}
	}
	r := get(t, s.URL()+"/api/v2/users/me", demo)
	wantStatus(t, r, http.StatusTooManyRequests)
	if msg := r.response(t).Message; msg != "You've been rate limited for sending more than 3 requests in 1m0s." {
		t.Errorf("message = %q", msg)
	}
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	if r.header.Get("X-RateLimit-Limit") != "3" {
		t.Errorf("X-RateLimit-Limit = %q", r.header.Get("X-RateLimit-Limit"))
	}
	// The budget is per path, and only covers the API.
	wantStatus(t, get(t, s.URL()+"/api/v2/buildinfo"), http.StatusOK)
	for range 5 {
		wantStatus(t, get(t, s.URL()+"/icon/go.svg"), http.StatusOK)
	}
	// A new window starts after a minute.
	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	wantStatus(t, get(t, s.URL()+"/api/v2/users/me", demo), http.StatusOK)
}

func TestFaults(t *testing.T) {
	f := &fakecoder.Faults{}
	s := codertest.NewServer(t, fakecoder.WithFaults(f))
	demo := withToken(s.Token("demo"))
	me := s.URL() + "/api/v2/users/me"

	t.Run("FailNext", func(t *testing.T) {
		f.FailNext(2, http.StatusServiceUnavailable)
		for range 2 {
			r := get(t, me, demo)
			wantStatus(t, r, http.StatusServiceUnavailable)
			if r.header.Get("Retry-After") != "1" || r.response(t).Message != "Service Unavailable." {
				t.Errorf("injected response: %v %s", r.header, r.body)
			}
		}
		wantStatus(t, get(t, me, demo), http.StatusOK)
		if f.Injected() != 2 {
			t.Errorf("Injected = %d", f.Injected())
		}
	})
	t.Run("SetErrorRate", func(t *testing.T) {
		f.SetErrorRate(1, http.StatusBadGateway)
		wantStatus(t, get(t, me, demo), http.StatusBadGateway)
		f.SetErrorRate(0, 0)
		wantStatus(t, get(t, me, demo), http.StatusOK)
	})
	t.Run("SetPathPrefix", func(t *testing.T) {
		defer f.Reset()
		f.SetPathPrefix("/api/v2/workspaces")
		f.SetErrorRate(1, http.StatusInternalServerError)
		wantStatus(t, get(t, me, demo), http.StatusOK)
		wantStatus(t, get(t, s.URL()+"/api/v2/workspaces", demo), http.StatusInternalServerError)
	})
	t.Run("DropNext", func(t *testing.T) {
		// Fresh connections: Go's transport retries idempotent requests
		// that fail on a reused one.
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		f.DropNext(1)
		req, _ := http.NewRequest(http.MethodGet, me, nil)
		req.Header.Set("Coder-Session-Token", s.Token("demo"))
		if res, err := c.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("dropped request answered %d", res.StatusCode)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("after the drop: %d", res.StatusCode)
		}
	})
	t.Run("SetLatency", func(t *testing.T) {
		defer f.Reset()
		f.SetLatency(5 * time.Second)
		c := &http.Client{Timeout: 50 * time.Millisecond}
		if res, err := c.Get(s.URL() + "/api/v2/buildinfo"); err == nil {
			res.Body.Close()
			t.Error("a slow server answered within the client's timeout")
		}
	})
}

// TestConcurrentUse hammers one deployment from many clients; run with
// -race it checks that the server is safe for concurrent use.
func TestConcurrentUse(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithBuildDelays(time.Millisecond, time.Millisecond))
	demo := s.Token("demo")
	tpl := templateByName(t, s, demo, "devcontainers")
	do := func(method, path, body string) (int, error) {
		req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Coder-Session-Token", demo)
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		_, err = io.Copy(io.Discard, res.Body)
		return res.StatusCode, err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 8 {
		wg.Go(func() {
			for i := range 5 {
				name := fmt.Sprintf("load-%d-%d", g, i)
				body := fmt.Sprintf(`{"template_id":%q,"name":%q,"rich_parameter_values":[{"name":"repo_url","value":"https://github.com/acme/load"}]}`, tpl.ID, name)
				if status, err := do(http.MethodPost, "/api/v2/users/me/workspaces", body); err != nil || status != http.StatusCreated {
					errs <- fmt.Errorf("create %s: %d %v", name, status, err)
					return
				}
				if status, err := do(http.MethodGet, "/api/v2/workspaces?q=owner:me+param:%22repo_url%3Dhttps://github.com/acme/load%22", ""); err != nil || status != http.StatusOK {
					errs <- fmt.Errorf("list: %d %v", status, err)
					return
				}
				_ = s.Workspaces()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitFor(t, "every new workspace to run", func() bool {
		_, count := listWorkspaces(t, s, demo, `status:running param:"repo_url=https://github.com/acme/load"`)
		return count == 40
	})
}

func TestLoggingLeavesOutCredentials(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := codertest.NewServer(t, fakecoder.WithLogger(logger), fakecoder.WithBuildDelays(0, 0))
	demo := s.Token("demo")
	get(t, s.URL()+"/api/v2/users/me?coder_session_token="+demo)
	get(t, s.URL()+"/api/v2/workspaces", withToken(demo), withHeader("Cookie", "coder_session_token="+demo))
	ws := workspaceByName(t, s, demo, "demo", "inventory")
	wantStatus(t, postBuild(t, s, demo, ws.ID, buildRequest{Transition: "stop"}), http.StatusCreated)

	out := buf.String()
	if !strings.Contains(out, "path=/api/v2/users/me") || !strings.Contains(out, "status=200") || !strings.Contains(out, "transition=stop") {
		t.Errorf("log lacks requests or builds:\n%s", out)
	}
	_, secret, _ := strings.Cut(demo, "-")
	if strings.Contains(out, secret) {
		t.Errorf("log contains a token:\n%s", out)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
