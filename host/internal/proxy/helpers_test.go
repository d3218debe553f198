package proxy

import (
	"github.com/coderhost/coderhost/internal/protocol"

	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorded is what an upstream received.
type recorded struct {
	Method     string
	RequestURI string
	Host       string
	Header     http.Header
	Body       []byte
	BodyErr    error
}

// upstream is a fake Coder that records every request it receives.
type upstream struct {
	*httptest.Server
	URL *url.URL

	mu    sync.Mutex
	reqs  []recorded
	conns map[net.Conn]http.ConnState
}

// newUpstream starts a recording upstream. h answers after the request and
// its body were recorded; nil answers 200 with a small JSON body.
func newUpstream(t testing.TB, h http.HandlerFunc) *upstream {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
	}
	u := &upstream{conns: map[net.Conn]http.ConnState{}}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, recorded{
			Method: r.Method, RequestURI: r.RequestURI, Host: r.Host,
			Header: r.Header.Clone(), Body: body, BodyErr: err,
		})
		u.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	u.Server.Config.ConnState = func(c net.Conn, s http.ConnState) {
		u.mu.Lock()
		defer u.mu.Unlock()
		if s == http.StateClosed || s == http.StateHijacked {
			delete(u.conns, c)
			return
		}
		u.conns[c] = s
	}
	u.Server.Start()
	u.URL, _ = url.Parse(u.Server.URL)
	t.Cleanup(u.Server.Close)
	return u
}

// requests returns what the upstream received once every connection to it
// is idle or closed. The proxy may answer its caller before the upstream has
// finished reading an aborted request, so looking earlier could miss that
// request, or see it after a later one.
func (u *upstream) requests() []recorded {
	deadline := time.Now().Add(5 * time.Second)
	for {
		u.mu.Lock()
		busy := 0
		for _, s := range u.conns {
			if s == http.StateNew || s == http.StateActive {
				busy++
			}
		}
		if busy == 0 || time.Now().After(deadline) {
			defer u.mu.Unlock()
			return append([]recorded(nil), u.reqs...)
		}
		u.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
}

// only returns the single request the upstream received.
func (u *upstream) only(t *testing.T) recorded {
	t.Helper()
	reqs := u.requests()
	if len(reqs) != 1 {
		t.Fatalf("upstream received %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

func (u *upstream) wantNone(t *testing.T) {
	t.Helper()
	if reqs := u.requests(); len(reqs) != 0 {
		t.Fatalf("upstream was contacted %d times (first: %s %s), want never", len(reqs), reqs[0].Method, reqs[0].RequestURI)
	}
}

// front serves a Proxy over real TCP on loopback.
type front struct {
	*httptest.Server
	proxy  *Proxy
	client *http.Client
}

func newFront(t testing.TB, opts Options) *front {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(p)
	tr := &http.Transport{Proxy: nil, DisableCompression: true}
	f := &front{Server: srv, proxy: p, client: &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
		p.CloseIdleConnections()
	})
	return f
}

// do sends a request to the front with the given raw path-and-query.
func (f *front) do(t *testing.T, method, pathQuery string, header http.Header, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.URL+pathQuery, body)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for k, vv := range header {
		req.Header[k] = vv
	}
	res, err := f.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, pathQuery, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading body of %s %s: %v", method, pathQuery, err)
	}
	return res, b
}

// raw writes a hand-made HTTP/1.1 request to addr, so paths and headers reach
// the server exactly as written.
func raw(t *testing.T, addr, request string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatalf("write: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", firstLine(request), err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

// wantJSONError checks a host-generated error: status, Content-Type and
// Coder's {"message","detail"} shape.
func wantJSONError(t *testing.T, res *http.Response, body []byte, status int) protocol.ErrorBody {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status = %d, want %d (body %s)", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e protocol.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body %q is not Coder's error shape: %v", body, err)
	}
	if e.Message == "" {
		t.Errorf("error body %s has no message", body)
	}
	return e
}

// checkGoroutines fails the test if goroutines started during it are still
// running once cleanups have run.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
