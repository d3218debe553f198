package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/internal/slowclient"
)

const token = "AbCdEfGhIj-0123456789abcdefghijkl"

// The requests the Backstage frontend plugin makes (specs: coder-backstage-plugins §1.3, §2.1).
func TestFrontendPluginRequests(t *testing.T) {
	up := newUpstream(t, nil)
	base := *up.URL
	base.Path = "/coder/" // access URL with a base path and the README's trailing slash
	f := newFront(t, Options{Upstream: &base, Headers: map[string]string{"X-Custom-Source": "backstage"}})

	browser := http.Header{
		"Coder-Session-Token": {token},
		"Authorization":       {"Bearer backstage-identity-jwt"},
		"Cookie":              {"backstage-auth=secret-cookie"},
		"Accept":              {"application/json, text/plain, */*"},
		"Accept-Language":     {"en"},
		"Accept-Encoding":     {"gzip, deflate, br"},
		"User-Agent":          {"Mozilla/5.0"},
		"Origin":              {"http://localhost:3000"},
		"Referer":             {"http://localhost:3000/catalog"},
		"X-Requested-With":    {"XMLHttpRequest"},
		"If-None-Match":       {`"abc"`},
	}
	tests := []struct {
		name      string
		pathQuery string
	}{
		{"token check", "/api/v2/users/me"},
		{"workspaces by repo", `/api/v2/workspaces?q=owner%3Ame+param%3A%22custom_repo%3Dhttps%3A%2F%2Fgithub.com%2Fo%2Fr%22&limit=0`},
		{"workspaces, query as the browser may leave it", `/api/v2/workspaces?q=owner:me%20param:%22custom_repo=https://github.com/o/r%22&limit=0`},
		{"workspaces, general", "/api/v2/workspaces?limit=0"},
		{"template icon", "/icon/k8s.svg"},
		{"emoji icon", "/emojis/1f4bb.png"},
		{"liveness", "/api/v2/"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := f.do(t, http.MethodGet, tt.pathQuery, browser, nil)
			if res.StatusCode != http.StatusOK || string(body) != `{"ok":true}` {
				t.Fatalf("got %d %s, want the upstream's 200", res.StatusCode, body)
			}
			got := up.requests()[i]
			if want := "/coder" + tt.pathQuery; got.RequestURI != want {
				t.Errorf("upstream request URI = %q, want %q", got.RequestURI, want)
			}
			if got.Host != up.URL.Host {
				t.Errorf("upstream Host = %q, want %q", got.Host, up.URL.Host)
			}
			want := http.Header{
				"Coder-Session-Token": {token},
				"Accept":              {"application/json, text/plain, */*"},
				"Accept-Language":     {"en"},
				"User-Agent":          {"Mozilla/5.0"},
				"X-Custom-Source":     {"backstage"},
			}
			if diff := headerDiff(want, got.Header); diff != "" {
				t.Errorf("upstream headers differ:\n%s", diff)
			}
		})
	}
}

// headerDiff reports every difference between the headers, extra ones too.
func headerDiff(want, got http.Header) string {
	var b strings.Builder
	for k, vv := range want {
		if g := got[k]; fmt.Sprint(g) != fmt.Sprint(vv) {
			fmt.Fprintf(&b, "  %s: got %q, want %q\n", k, g, vv)
		}
	}
	for k, vv := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "  %s: got %q, want absent\n", k, vv)
		}
	}
	return b.String()
}

func TestCredentials(t *testing.T) {
	in := http.Header{
		"Coder-Session-Token": {token},
		"Authorization":       {"Bearer backstage-identity-jwt"},
		"Cookie":              {"backstage-auth=secret-cookie; coder_session_token=x"},
	}
	tests := []struct {
		name     string
		opts     Options
		wantAuth bool
		wantCook bool
	}{
		{"default", Options{}, false, false},
		{"listed in allowed headers like the README", Options{AllowedHeaders: []string{"Authorization", "Coder-Session-Token", "cookie"}}, false, false},
		{"forward authorization", Options{ForwardAuthorization: true}, true, false},
		{"forward cookies", Options{ForwardCookies: true}, false, true},
		{"both", Options{ForwardAuthorization: true, ForwardCookies: true}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, nil)
			tt.opts.Upstream = up.URL
			f := newFront(t, tt.opts)
			f.do(t, http.MethodGet, "/api/v2/users/me", in, nil)
			got := up.only(t)
			if got.Header.Get("Coder-Session-Token") != token {
				t.Errorf("Coder-Session-Token not forwarded")
			}
			if has := got.Header.Get("Authorization") != ""; has != tt.wantAuth {
				t.Errorf("Authorization forwarded = %v, want %v", has, tt.wantAuth)
			}
			if has := got.Header.Get("Cookie") != ""; has != tt.wantCook {
				t.Errorf("Cookie forwarded = %v, want %v", has, tt.wantCook)
			}
		})
	}
}

func TestInjectedHeadersWin(t *testing.T) {
	up := newUpstream(t, nil)
	f := newFront(t, Options{Upstream: up.URL, Headers: map[string]string{
		"coder-session-token": "service-token", // lower case in config still matches
		"X-Custom-Source":     "backstage",
	}})
	f.do(t, http.MethodGet, "/api/v2/users/me", http.Header{
		"Coder-Session-Token": {"user-token", "second-user-token"},
		"X-Custom-Source":     {"evil"},
		"X-Custom_source":     {"evil-underscore"},
	}, nil)
	got := up.only(t)
	if v := got.Header["Coder-Session-Token"]; len(v) != 1 || v[0] != "service-token" {
		t.Errorf("Coder-Session-Token = %q, want only the injected value", v)
	}
	if v := got.Header["X-Custom-Source"]; len(v) != 1 || v[0] != "backstage" {
		t.Errorf("X-Custom-Source = %q, want only the injected value", v)
	}
	if v := got.Header["X-Custom_source"]; v != nil {
		t.Errorf("underscore variant forwarded: %q", v)
	}
}

func TestHopByHopAndForwardedHeaders(t *testing.T) {
	up := newUpstream(t, nil)
	f := newFront(t, Options{
		Upstream:       up.URL,
		AllowedHeaders: []string{"X-Trace-Id"},
		Headers:        map[string]string{"X-Custom-Source": "backstage"},
	})
	// Sent raw, so nothing on the client side tidies the headers first.
	res, body := raw(t, f.Listener.Addr().String(), "GET /api/v2/users/me HTTP/1.1\r\n"+
		"Host: "+f.Listener.Addr().String()+"\r\n"+
		"Connection: keep-alive, X-Custom-Source, X-Trace-Id, Content-Type\r\n"+
		"Coder-Session-Token: "+token+"\r\n"+
		"X-Trace-Id: abc\r\n"+
		"Content-Type: application/json\r\n"+
		"Keep-Alive: timeout=5\r\n"+
		"Upgrade: websocket\r\n"+
		"Te: trailers\r\n"+
		"Proxy-Authorization: Basic c2VjcmV0\r\n"+
		"Proxy-Connection: keep-alive\r\n"+
		"X-Forwarded-Host: evil.example\r\n"+
		"X-Forwarded-For: 203.0.113.9\r\n"+
		"X-Forwarded-Proto: https\r\n"+
		"X-Forwarded-Prefix: /../admin\r\n"+
		"Forwarded: host=evil.example\r\n"+
		"X-Real-Ip: 203.0.113.9\r\n"+
		"\r\n")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d %s", res.StatusCode, body)
	}
	got := up.only(t)
	want := http.Header{
		"Coder-Session-Token": {token},
		"X-Custom-Source":     {"backstage"}, // named by Connection, but injected after filtering
	}
	if diff := headerDiff(want, got.Header); diff != "" {
		t.Errorf("upstream headers differ:\n%s", diff)
	}
	if got.Host != up.URL.Host {
		t.Errorf("Host = %q, want %q", got.Host, up.URL.Host)
	}
}

func TestNewRejectsBadHeaders(t *testing.T) {
	up, _ := url.Parse("http://127.0.0.1:1")
	tests := []struct {
		name    string
		opts    Options
		mention string
	}{
		{"CRLF in value", Options{Headers: map[string]string{"X-Token": "s3cret\r\nX-Admin: 1"}}, `"X-Token"`},
		{"LF in value", Options{Headers: map[string]string{"X-Token": "s3cret\nX-Admin: 1"}}, `"X-Token"`},
		{"NUL in value", Options{Headers: map[string]string{"X-Token": "s3cret\x00"}}, `"X-Token"`},
		{"CRLF in name", Options{Headers: map[string]string{"X-A\r\nX-B": "v"}}, "not a valid header name"},
		{"space in name", Options{Headers: map[string]string{"X Token": "v"}}, "not a valid header name"},
		{"inject Host", Options{Headers: map[string]string{"host": "evil.example"}}, `"host"`},
		{"inject Content-Length", Options{Headers: map[string]string{"Content-Length": "0"}}, `"Content-Length"`},
		{"inject hop-by-hop", Options{Headers: map[string]string{"Connection": "close"}}, "hop-by-hop"},
		{"allow hop-by-hop", Options{AllowedHeaders: []string{"Transfer-Encoding"}}, "hop-by-hop"},
		{"allow bad name", Options{AllowedHeaders: []string{"X-A: b"}}, "not a valid header name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Upstream = up
			_, err := New(tt.opts)
			if !errors.Is(err, ErrInvalidOptions) {
				t.Fatalf("New error = %v, want ErrInvalidOptions", err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %s", err, tt.mention)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q echoes a header value", err)
			}
		})
	}
}

func TestNewValidation(t *testing.T) {
	mustURL := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tests := []struct {
		name    string
		opts    Options
		mention string // "" means New succeeds
	}{
		{"ok", Options{Upstream: mustURL("https://coder.example.com/")}, ""},
		{"no upstream", Options{}, "coder.access_url"},
		{"bad scheme", Options{Upstream: mustURL("ftp://coder.example.com")}, "ftp://coder.example.com"},
		{"no host", Options{Upstream: mustURL("https:///x")}, "host is required"},
		{"credentials", Options{Upstream: mustURL("https://admin:hunter2@coder.example.com")}, "credentials"},
		{"query", Options{Upstream: mustURL("https://coder.example.com/?x=1")}, "query"},
		{"TRACE", Options{Upstream: mustURL("http://c"), AllowedMethods: []string{"GET", "trace"}}, `"trace"`},
		{"CONNECT", Options{Upstream: mustURL("http://c"), AllowedMethods: []string{"CONNECT"}}, `"CONNECT"`},
		{"bad method", Options{Upstream: mustURL("http://c"), AllowedMethods: []string{"GE T"}}, `"GE T"`},
		{"negative timeout", Options{Upstream: mustURL("http://c"), Timeout: -time.Second}, "timeout -1s"},
		{"negative body limit", Options{Upstream: mustURL("http://c"), MaxBodyBytes: -1}, "max body size -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.opts)
			if tt.mention == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if s := p.String(); !strings.Contains(s, "GET, HEAD") || !strings.Contains(s, "30s") {
					t.Errorf("defaults not applied: %s", s)
				}
				return
			}
			if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("New error = %v, want ErrInvalidOptions mentioning %s", err, tt.mention)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q leaks the upstream password", err)
			}
		})
	}
}

func TestMethods(t *testing.T) {
	t.Run("default allows GET and HEAD only", func(t *testing.T) {
		up := newUpstream(t, nil)
		f := newFront(t, Options{Upstream: up.URL})
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"} {
			res, body := f.do(t, m, "/api/v2/workspaces/x/builds", nil, strings.NewReader(`{"transition":"stop"}`))
			e := wantJSONError(t, res, body, http.StatusMethodNotAllowed)
			if res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s: Allow = %q, want %q", m, res.Header.Get("Allow"), "GET, HEAD")
			}
			if !strings.Contains(e.Message, m) {
				t.Errorf("%s: message %q does not name the method", m, e.Message)
			}
		}
		up.wantNone(t)

		res, _ := f.do(t, http.MethodHead, "/api/v2/users/me", nil, nil)
		if res.StatusCode != http.StatusOK || res.ContentLength != int64(len(`{"ok":true}`)) {
			t.Errorf("HEAD: status %d, length %d", res.StatusCode, res.ContentLength)
		}
	})
	t.Run("configured methods", func(t *testing.T) {
		up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(b)
		})
		f := newFront(t, Options{Upstream: up.URL, AllowedMethods: []string{"get", " POST "}})
		res, body := f.do(t, http.MethodPost, "/api/v2/workspaces/x/builds", http.Header{"Content-Type": {"application/json"}},
			strings.NewReader(`{"transition":"stop"}`))
		if res.StatusCode != http.StatusCreated || string(body) != `{"transition":"stop"}` {
			t.Fatalf("POST: %d %s", res.StatusCode, body)
		}
		if got := up.only(t); string(got.Body) != `{"transition":"stop"}` || got.Header.Get("Content-Type") != "application/json" {
			t.Errorf("upstream got body %q, content type %q", got.Body, got.Header.Get("Content-Type"))
		}
		res, body = f.do(t, http.MethodDelete, "/api/v2/workspaces/x", nil, nil)
		wantJSONError(t, res, body, http.StatusMethodNotAllowed)
		if res.Header.Get("Allow") != "GET, POST" {
			t.Errorf("Allow = %q", res.Header.Get("Allow"))
		}
	})
}

func TestBodyLimit(t *testing.T) {
	const limit = 1024
	// Each case gets its own upstream: an aborted upstream request can still
	// be arriving there after the proxy has answered its caller.
	setup := func(t *testing.T) (*upstream, *front) {
		up := newUpstream(t, nil)
		return up, newFront(t, Options{Upstream: up.URL, AllowedMethods: []string{"POST"}, MaxBodyBytes: limit})
	}

	t.Run("declared length over the limit", func(t *testing.T) {
		up, f := setup(t)
		res, body := f.do(t, http.MethodPost, "/api/v2/files", nil, strings.NewReader(strings.Repeat("x", limit+1)))
		wantJSONError(t, res, body, http.StatusRequestEntityTooLarge)
		up.wantNone(t)
	})
	t.Run("chunked body over the limit", func(t *testing.T) {
		up, f := setup(t)
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < 8; i++ {
				if _, err := pw.Write([]byte(strings.Repeat("y", 512))); err != nil {
					return
				}
			}
			pw.Close()
		}()
		res, body := f.do(t, http.MethodPost, "/api/v2/files", nil, pr) // unknown length: chunked
		_ = pr.CloseWithError(errors.New("done"))
		wantJSONError(t, res, body, http.StatusRequestEntityTooLarge)
		for _, got := range up.requests() {
			if got.BodyErr == nil {
				t.Errorf("upstream received a complete body of %d bytes; it must never see an oversized body", len(got.Body))
			}
		}
	})
	t.Run("body at the limit passes intact", func(t *testing.T) {
		up, f := setup(t)
		want := strings.Repeat("z", limit)
		pr, pw := io.Pipe()
		go func() { _, _ = io.WriteString(pw, want); pw.Close() }()
		res, body := f.do(t, http.MethodPost, "/api/v2/files", nil, pr)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d %s", res.StatusCode, body)
		}
		if got := up.only(t); string(got.Body) != want || got.BodyErr != nil {
			t.Errorf("upstream got %d bytes (err %v), want %d", len(got.Body), got.BodyErr, limit)
		}
	})
}

func TestSlowUpstream(t *testing.T) {
	checkGoroutines(t)
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	f := newFront(t, Options{Upstream: up.URL, Timeout: 200 * time.Millisecond})
	start := time.Now()
	res, body := f.do(t, http.MethodGet, "/api/v2/workspaces?q=owner:me&coder_session_token="+token, nil, nil)
	elapsed := time.Since(start)
	e := wantJSONError(t, res, body, http.StatusGatewayTimeout)
	if elapsed > 5*time.Second {
		t.Errorf("504 after %s, want about the 200ms timeout", elapsed)
	}
	if !strings.Contains(e.Message, up.URL.Host) {
		t.Errorf("message %q does not name the upstream %s", e.Message, up.URL.Host)
	}
	if strings.Contains(string(body), token) {
		t.Errorf("error body leaks the token: %s", body)
	}
}

func TestStreamCutOffByTimeout(t *testing.T) {
	checkGoroutines(t)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event: ping\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	f := newFront(t, Options{Upstream: up.URL, Timeout: 300 * time.Millisecond})
	res, err := f.client.Get(f.URL + "/api/v2/workspaces/x/watch")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil {
		t.Errorf("body %q ended cleanly; a cut-off stream must end in an error", b)
	}
	if string(b) != "event: ping\n\n" {
		t.Errorf("got %q before the cut", b)
	}
}

func TestDeadUpstream(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	u := &url.URL{Scheme: "http", Host: addr, Path: "/base"}
	f := newFront(t, Options{Upstream: u, Headers: map[string]string{"Coder-Session-Token": "injected-secret"}})
	res, body := f.do(t, http.MethodGet, "/api/v2/users/me?coder_session_token="+token, nil, nil)
	e := wantJSONError(t, res, body, http.StatusBadGateway)
	if !strings.Contains(e.Message, addr) {
		t.Errorf("message %q does not name the upstream %s", e.Message, addr)
	}
	for _, secret := range []string{token, "injected-secret", "/users/me"} {
		if strings.Contains(string(body), secret) {
			t.Errorf("error body %s contains %q", body, secret)
		}
	}
}

func TestPaths(t *testing.T) {
	up := newUpstream(t, nil)
	f := newFront(t, Options{Upstream: up.URL})
	addr := f.Listener.Addr().String()

	rejected := []struct {
		path   string
		status int
	}{
		{"/api/v2/../../etc/passwd", http.StatusBadRequest},
		{"/api/v2/users/../../../admin", http.StatusBadRequest},
		{"/api/v2/%2e%2e/%2e%2e/admin", http.StatusBadRequest},
		{"/api/v2/%2E%2E/admin", http.StatusBadRequest},
		{"/api/v2/.%2e/admin", http.StatusBadRequest},
		{"/icon/..%2f..%2fetc%2fpasswd", http.StatusBadRequest},
		{"/api/v2/users%2fme", http.StatusBadRequest},
		{"/api/v2/users%2Fme", http.StatusBadRequest},
		{"/emojis/..%5c..%5cwin.ini", http.StatusBadRequest},
		{"/emojis/a%5Cb", http.StatusBadRequest},
		{`/emojis/..\..\win.ini`, http.StatusBadRequest},
		{"/api/v2/users/me%00.png", http.StatusBadRequest},
		{"/api/v2/users/me%0d%0aX-Injected:%201", http.StatusBadRequest},
		{"/api/v2/./users/me", http.StatusBadRequest},
		{"/api/v2/%252e%252e/admin", http.StatusBadRequest},
		{"/api/v2/%252f", http.StatusBadRequest},
		{"/api/v2//users/me", http.StatusBadRequest},
		{"/api/v2/%zz", http.StatusBadRequest}, // refused by net/http before the proxy sees it
		{"/api/v2/..", http.StatusBadRequest},
		{"/etc/passwd", http.StatusNotFound},
		{"/api/v3/users/me", http.StatusNotFound},
		{"/API/v2/users/me", http.StatusNotFound},
		{"/api%2fv2/users/me", http.StatusNotFound},
		{"/healthz", http.StatusNotFound},
	}
	for _, tt := range rejected {
		t.Run("reject "+tt.path, func(t *testing.T) {
			res, body := raw(t, addr, "GET "+tt.path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tt.status, body)
			}
			if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				wantJSONError(t, res, body, tt.status)
			}
		})
	}
	up.wantNone(t)

	accepted := []string{
		"/api/v2/",
		"/api/v2",
		"/api/v2/users/me",
		"/api/v2/workspaces/",
		"/api/v2/templates/a..b",
		"/api/v2/users/.hidden",
		"/icon/my%20icon.svg",
		"/emojis/1f4bb.png",
		"/api/v2/users/me%2Bx", // encoded, but nothing that changes the path's shape
	}
	for i, p := range accepted {
		t.Run("accept "+p, func(t *testing.T) {
			res, body := raw(t, addr, "GET "+p+"?a=%2f..&b=c;d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d (%s)", res.StatusCode, body)
			}
			if got := up.requests()[i].RequestURI; got != p+"?a=%2f..&b=c;d" {
				t.Errorf("upstream request URI = %q, want it unchanged", got)
			}
		})
	}
}

// Only the configured upstream is ever contacted, whatever the request says.
func TestNoSteering(t *testing.T) {
	evil := newUpstream(t, nil)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/redirect" {
			w.Header().Set("Location", evil.URL.String()+"/api/v2/users/me")
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	f := newFront(t, Options{Upstream: up.URL})
	addr := f.Listener.Addr().String()
	evilHost := evil.URL.Host

	requests := []string{
		"GET http://" + evilHost + "/api/v2/users/me HTTP/1.1\r\nHost: " + evilHost + "\r\n",
		"GET /api/v2/users/me HTTP/1.1\r\nHost: " + evilHost + "\r\n",
		"GET /api/v2/users/me HTTP/1.1\r\nHost: " + addr + "\r\nX-Forwarded-Host: " + evilHost + "\r\nForwarded: host=" + evilHost + "\r\n",
		"GET //" + evilHost + "/api/v2/users/me HTTP/1.1\r\nHost: " + addr + "\r\n",
		"GET /api/v2/redirect HTTP/1.1\r\nHost: " + addr + "\r\n",
	}
	for _, req := range requests {
		t.Run(firstLine(req), func(t *testing.T) {
			res, body := raw(t, addr, req+"Connection: close\r\n\r\n")
			if res.StatusCode >= 500 {
				t.Errorf("status %d %s", res.StatusCode, body)
			}
			if strings.Contains(req, "/redirect") {
				// Passed back, not followed; Location is dropped like Backstage does.
				if res.StatusCode != http.StatusTemporaryRedirect || res.Header.Get("Location") != "" {
					t.Errorf("redirect answered %d with Location %q, want 307 without Location", res.StatusCode, res.Header.Get("Location"))
				}
			}
		})
	}
	evil.wantNone(t)
	for _, got := range up.requests() {
		if got.Host != up.URL.Host {
			t.Errorf("upstream saw Host %q, want %q", got.Host, up.URL.Host)
		}
		if strings.Contains(got.RequestURI, evilHost) {
			t.Errorf("upstream saw request URI %q naming another host", got.RequestURI)
		}
	}
	if n := len(up.requests()); n != 4 {
		t.Errorf("upstream received %d requests, want 4 (the //host path is refused)", n)
	}
}

func TestUpstreamAnswersPassThrough(t *testing.T) {
	coderBody := `{"message":"You are signed out or your session has expired. Please sign in again to continue.","detail":"API key is invalid."}` + "\n"
	answers := []struct {
		name   string
		status int
		ctype  string
		body   string
	}{
		{"401 from Coder", http.StatusUnauthorized, "application/json; charset=utf-8", coderBody},
		{"404 route", http.StatusNotFound, "application/json; charset=utf-8", `{"message":"Route not found."}` + "\n"},
		{"429 rate limit", http.StatusTooManyRequests, "application/json; charset=utf-8", `{"message":"You've been rate limited for sending more than 512 requests in 1m0s."}`},
		{"500 plain text", http.StatusInternalServerError, "text/plain; charset=utf-8", "boom \u003c\x00\xff binary"},
		{"502 from a load balancer", http.StatusBadGateway, "text/html", "<html>bad gateway</html>"},
		{"large body", http.StatusOK, "application/json", `{"workspaces":[` + strings.Repeat(`{"id":"x"},`, 20000) + `{}],"count":20001}`},
		{"204", http.StatusNoContent, "", ""},
	}
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				h := w.Header()
				if a.ctype != "" {
					h.Set("Content-Type", a.ctype)
				}
				h.Set("Set-Cookie", "coder_session_token=leak; Path=/")
				h.Set("WWW-Authenticate", `Bearer realm="coder"`)
				h.Set("X-Coder-Build-Version", "v2.30.0+abc1234")
				h.Set("Cache-Control", "no-cache")
				w.WriteHeader(a.status)
				_, _ = io.WriteString(w, a.body)
			})
			f := newFront(t, Options{Upstream: up.URL})
			res, body := f.do(t, http.MethodGet, "/api/v2/users/me", nil, nil)
			if res.StatusCode != a.status || string(body) != a.body {
				t.Fatalf("got %d %q, want %d %q", res.StatusCode, body, a.status, a.body)
			}
			if got := res.Header.Get("Content-Type"); got != a.ctype {
				t.Errorf("Content-Type = %q, want %q", got, a.ctype)
			}
			if res.Header.Get("Cache-Control") != "no-cache" {
				t.Errorf("Cache-Control dropped")
			}
			for _, h := range []string{"Set-Cookie", "Www-Authenticate", "X-Coder-Build-Version"} {
				if v := res.Header.Get(h); v != "" {
					t.Errorf("%s passed back (%q); Backstage drops it unless allowed", h, v)
				}
			}
		})
	}

	t.Run("allowed headers pass back", func(t *testing.T) {
		up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Set-Cookie", "a=b")
			w.Header().Set("X-Coder-Build-Version", "v2.30.0")
			w.Header().Set("Connection", "X-Coder-Build-Version")
		})
		f := newFront(t, Options{Upstream: up.URL, AllowedHeaders: []string{"set-cookie", "X-Coder-Build-Version"}})
		res, _ := f.do(t, http.MethodGet, "/api/v2/users/me", nil, nil)
		if res.Header.Get("Set-Cookie") != "a=b" {
			t.Errorf("Set-Cookie = %q, want it passed back when allowed", res.Header.Get("Set-Cookie"))
		}
		if v := res.Header.Get("X-Coder-Build-Version"); v != "" {
			t.Errorf("a header named by the upstream's Connection header passed back: %q", v)
		}
	})
}

func TestTruncatedUpstreamBody(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, `{"partial":`)
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	f := newFront(t, Options{Upstream: up.URL})
	res, err := f.client.Get(f.URL + "/api/v2/users/me")
	if err != nil {
		return // cut off before the headers went out: also an error, as it must be
	}
	defer res.Body.Close()
	if b, err := io.ReadAll(res.Body); err == nil {
		t.Errorf("truncated upstream body %q arrived as a complete response", b)
	}
}

func TestStreamingFlushesIncrementally(t *testing.T) {
	checkGoroutines(t)
	next := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "event: data\ndata: {\"n\":%d}\n\n", i)
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	})
	f := newFront(t, Options{Upstream: up.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.URL+"/api/v2/workspaces/x/watch", nil)
	res, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	br := bufio.NewReader(res.Body)
	for i := 0; i < 3; i++ {
		// The upstream sends event i+1 only after we have read event i.
		var got string
		for j := 0; j < 3; j++ {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
			got += line
		}
		if want := fmt.Sprintf("event: data\ndata: {\"n\":%d}\n\n", i); got != want {
			t.Fatalf("event %d = %q, want %q", i, got, want)
		}
		next <- struct{}{}
	}
}

// trickle sends a POST whose declared body arrives one byte per interval
// until the server answers or the body is complete. It returns the response
// and how many body bytes had been sent by then.
func trickle(t *testing.T, addr, path string, size int, interval time.Duration) (*http.Response, []byte, int) {
	t.Helper()
	resp, body, sent, err := slowclient.Send(addr, "POST", path, []string{"Coder-Session-Token: " + token}, size, interval)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body, sent
}

// A client that sends its body too slowly gets a 408 at the server's read
// timeout rather than holding the handler.
func TestSlowRequestBodyGets408(t *testing.T) {
	up := newUpstream(t, nil) // reads the whole body before answering
	p, err := New(Options{Upstream: up.URL, AllowedMethods: []string{"POST"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(p)
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	res, body, sent := trickle(t, srv.Listener.Addr().String(), "/api/v2/files", 100, 50*time.Millisecond)
	e := wantJSONError(t, res, body, http.StatusRequestTimeout)
	if sent >= 100 || !strings.Contains(e.Detail, "read_timeout") || !res.Close {
		t.Fatalf("sent %d of 100 bytes before the answer; detail %q; connection closed %v", sent, e.Detail, res.Close)
	}
}

// When Coder does not answer within the proxy's timeout, the caller gets its
// 504 then, even though its body is still arriving.
func TestTimeoutDoesNotWaitForTheRequestBody(t *testing.T) {
	checkGoroutines(t)
	// A handler that leaves the body unread is not told when the proxy
	// hangs up; the test's end releases it.
	release := make(chan struct{})
	up := bodylessUpstream(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	t.Cleanup(func() { close(release) })
	f := newFront(t, Options{Upstream: up, AllowedMethods: []string{"POST"}, Timeout: 200 * time.Millisecond})
	res, body, sent := trickle(t, f.Listener.Addr().String(), "/api/v2/files", 1000, 50*time.Millisecond)
	wantJSONError(t, res, body, http.StatusGatewayTimeout)
	if sent >= 1000 {
		t.Fatal("the 504 waited for the whole body")
	}
}

// When Coder answers without reading the body, its answer reaches the
// caller while the body still arrives. (net/http, which Coder runs on, only
// answers early when over 256 KiB of the body are left unread.)
func TestEarlyAnswerDoesNotWaitForTheRequestBody(t *testing.T) {
	checkGoroutines(t)
	up := bodylessUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"message":"unauthorized"}`)
	})
	f := newFront(t, Options{Upstream: up, AllowedMethods: []string{"POST"}})
	res, body, sent := trickle(t, f.Listener.Addr().String(), "/api/v2/files", 1<<20, 50*time.Millisecond)
	if res.StatusCode != http.StatusUnauthorized || string(body) != `{"message":"unauthorized"}` {
		t.Fatalf("got %d %s, want Coder's 401", res.StatusCode, body)
	}
	if sent >= 1<<20 {
		t.Fatal("Coder's answer waited for the whole body")
	}
}

// bodylessUpstream is a Coder that answers with h without reading request
// bodies.
func bodylessUpstream(t *testing.T, h http.HandlerFunc) *url.URL {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u
}
