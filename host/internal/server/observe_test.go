package server

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// lockedBuilder is a log sink written from the server's goroutines.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newTimedServer serves the router over loopback with the given write
// timeout, as the daemon does.
func newTimedServer(t *testing.T, b *fakeBackend, writeTimeout time.Duration) (*httptest.Server, *prometheus.Registry, *lockedBuilder) {
	t.Helper()
	logs := &lockedBuilder{}
	reg := prometheus.NewRegistry()
	h := New(b, Options{
		Logger:        slog.New(slog.NewTextHandler(logs, nil)),
		Registry:      reg,
		ProxyPrefixes: []string{"/api/v2/"},
		WriteTimeout:  writeTimeout,
	})
	s := httptest.NewUnstartedServer(h)
	s.Config.WriteTimeout = writeTimeout
	s.Start()
	t.Cleanup(s.Close)
	return s, reg, logs
}

// accessLine waits for the access log line of path.
func accessLine(t *testing.T, logs *lockedBuilder, path string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `msg=request`) && strings.Contains(line, "path="+path+" ") {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no access log line for %s:\n%s", path, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAccessLogRecordsWhatTheClientGot(t *testing.T) {
	handlerDone := make(chan string, 4)
	b := &fakeBackend{plugins: map[string]*fakePlugin{"p": {id: "p", ready: true, h: func(w http.ResponseWriter, r *http.Request) {
		defer func() { handlerDone <- r.URL.Path }()
		switch r.URL.Path {
		case "/api/p/gone":
			// Gives up once the client has left, writing nothing.
			<-r.Context().Done()
		case "/api/p/abort":
			panic(http.ErrAbortHandler)
		case "/api/p/late":
			time.Sleep(300 * time.Millisecond) // past the 100ms write timeout
			_, _ = io.WriteString(w, "too late")
		case "/api/p/big":
			_, _ = w.Write(make([]byte, 64<<10))
		}
	}}}}
	s, reg, logs := newTimedServer(t, b, 100*time.Millisecond)
	addr := s.Listener.Addr().String()

	t.Run("client gone", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /api/p/gone HTTP/1.1\r\nHost: x\r\n\r\n")
		time.Sleep(50 * time.Millisecond) // the request is in the handler
		c.Close()
		<-handlerDone
		line := accessLine(t, logs, "/api/p/gone")
		if !strings.Contains(line, "status=0 ") || !strings.Contains(line, `incomplete="client gone"`) {
			t.Fatalf("a client that left got no response, but the log says:\n%s", line)
		}
	})
	t.Run("aborted before anything was sent", func(t *testing.T) {
		if _, err := http.Get(s.URL + "/api/p/abort"); err == nil {
			t.Fatal("an aborted response reached the client")
		}
		line := accessLine(t, logs, "/api/p/abort")
		if !strings.Contains(line, "status=0 ") || !strings.Contains(line, "incomplete=aborted") {
			t.Fatalf("aborted request logged as:\n%s", line)
		}
	})
	t.Run("answered after the write timeout", func(t *testing.T) {
		resp, err := http.Get(s.URL + "/api/p/late")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("the client got %d after the write timeout", resp.StatusCode)
		}
		line := accessLine(t, logs, "/api/p/late")
		if !strings.Contains(line, "status=0 ") || !strings.Contains(line, `incomplete="write timeout"`) {
			t.Fatalf("a response that never left is logged as:\n%s", line)
		}
	})
	t.Run("complete response", func(t *testing.T) {
		resp, err := http.Get(s.URL + "/api/p/big")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		line := accessLine(t, logs, "/api/p/big")
		if !strings.Contains(line, "status=200 ") || !strings.Contains(line, fmt.Sprintf("bytes=%d ", n)) || strings.Contains(line, "incomplete") {
			t.Fatalf("a complete response is logged as:\n%s", line)
		}
	})
	if n := testutil.ToFloat64(mustCounter(t, reg, "plugin:p", "0")); n != 3 {
		t.Errorf(`coderhost_http_requests_total{code="0"} = %v, want 3 (gone, aborted, late)`, n)
	}
}

func TestRequestIDOnlyShortAndPlainIsKept(t *testing.T) {
	b := &fakeBackend{plugins: map[string]*fakePlugin{"p": {id: "p", ready: true, h: func(http.ResponseWriter, *http.Request) {}}}}
	s, _, logs := newTimedServer(t, b, time.Second)
	jwt := "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyOmRlZmF1bHQvamRvZSIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJl"
	cases := []struct {
		name, id string
		kept     bool
	}{
		{"plain", "req-42.a_b", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"65 characters", strings.Repeat("a", 65), false},
		{"a Backstage token", jwt, false},
		{"spaces", "a b", false},
		{"unicode", "reqé", false},
	}
	fresh := regexp.MustCompile(`^[0-9a-f]{24}$`)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := fmt.Sprintf("/api/p/%d", i)
			req, _ := http.NewRequest("GET", s.URL+path, nil)
			req.Header.Set("X-Request-Id", c.id)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("X-Request-Id")
			if c.kept && got != c.id {
				t.Fatalf("id %q replaced by %q", c.id, got)
			}
			if !c.kept && !fresh.MatchString(got) {
				t.Fatalf("id %q answered with %q, want a fresh id", c.id, got)
			}
			line := accessLine(t, logs, path)
			if !c.kept && strings.Contains(line, c.id) {
				t.Fatalf("a refused id reached the log:\n%s", line)
			}
		})
	}
}

// The router still answers on a connection a slow reader keeps open.
func TestObserveKeepsKeepAlive(t *testing.T) {
	b := &fakeBackend{plugins: map[string]*fakePlugin{"p": {id: "p", ready: true, h: func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}}}}
	s, _, _ := newTimedServer(t, b, time.Second)
	c, err := net.Dial("tcp", s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := 0; i < 3; i++ {
		fmt.Fprintf(c, "GET /api/p/x HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok" || resp.ContentLength != 2 {
			t.Fatalf("request %d on one connection: %d %q (length %d)", i, resp.StatusCode, body, resp.ContentLength)
		}
	}
}
