package protocol

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/coderhost/coderhost/internal/slowclient"
)

// handlerProvider serves one handler under the id "t".
type handlerProvider struct{ h http.Handler }

func (p handlerProvider) Describe() Description { return Description{ID: "t", Version: "1"} }
func (p handlerProvider) Configure(context.Context, json.RawMessage, HostInfo, Host) (http.Handler, error) {
	return p.h, nil
}

type bridgeOptions struct {
	limits      Limits
	buffered    bool          // the plugin side serves only the buffered ServeHTTP
	readTimeout time.Duration // the host's http.Server ReadTimeout
}

// startBridge serves h as a plugin over real go-plugin gRPC and returns the
// URL of a host-side HTTP server that forwards /api/t/ to it.
func startBridge(t *testing.T, h http.Handler, o bridgeOptions) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go func() {
		_ = Serve(handlerProvider{h}, ServeOptions{
			MaxBodyBytes:        o.limits.MaxBodyBytes,
			BufferRequestBodies: o.buffered,
			Logger:              hclog.NewNullLogger(),
			InProcess:           &InProcess{Context: ctx, Reattach: reattach, Closed: closed},
		})
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-time.After(10 * time.Second):
		t.Fatal("the plugin did not start")
	}
	cfg := ClientConfig(o.limits, hclog.NewNullLogger())
	cfg.Reattach = rc
	pc := plugin.NewClient(cfg)
	client, err := Dispense(pc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Describe(ctx); err != nil {
		t.Fatal(err)
	}
	if client.streams.Load() == o.buffered {
		t.Fatalf("the plugin streams request bodies: %v, want %v", client.streams.Load(), !o.buffered)
	}
	if err := client.Configure(ctx, []byte(`{}`), HostInfo{MountPath: "/api/t/"}, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client.ServeHTTP(w, r.WithContext(WithPlugin(r.Context(), "t")))
	}))
	srv.Config.ReadTimeout = o.readTimeout
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		pc.Kill()
		cancel()
		<-closed
	})
	return srv.URL
}

// both runs f against a plugin that streams request bodies and one that
// takes them whole.
func both(t *testing.T, f func(t *testing.T, buffered bool)) {
	for _, buffered := range []bool{false, true} {
		name := "streamed"
		if buffered {
			name = "buffered"
		}
		t.Run(name, func(t *testing.T) { f(t, buffered) })
	}
}

// trickle sends a request with a declared body of size bytes, one byte
// every interval, until the server answers or the body is complete, and
// returns the response and how many body bytes were sent by then.
func trickle(t *testing.T, rawURL string, size int, interval time.Duration) (*http.Response, []byte, int) {
	t.Helper()
	u, _ := url.Parse(rawURL)
	resp, body, sent, err := slowclient.Send(u.Host, "POST", u.RequestURI(), []string{"Content-Type: text/plain"}, size, interval)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body, sent
}

func TestSlowBodyIsCutOffWith408(t *testing.T) {
	both(t, func(t *testing.T, buffered bool) {
		read := func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			fmt.Fprintf(w, "read %d", len(b))
		}
		base := startBridge(t, http.HandlerFunc(read), bridgeOptions{buffered: buffered, readTimeout: 300 * time.Millisecond})
		resp, body, sent := trickle(t, base+"/api/t/upload", 100, 50*time.Millisecond)
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("a body that trickles in got %d %s, want 408", resp.StatusCode, body)
		}
		if sent >= 100 {
			t.Fatalf("the answer came only after the whole body was sent")
		}
		var e ErrorBody
		if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Detail, "read_timeout") {
			t.Fatalf("408 body %q does not name the setting (%v)", body, err)
		}
		if !resp.Close {
			t.Error("the connection stays open after a 408")
		}
	})
}

func TestPluginAnsweringEarlyDoesNotWaitForTheBody(t *testing.T) {
	refuse := func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusMethodNotAllowed, "Method not allowed.", "")
	}
	// No read timeout: only the host's own choice can end the wait.
	base := startBridge(t, http.HandlerFunc(refuse), bridgeOptions{})
	resp, _, sent := trickle(t, base+"/api/t/greet", 1000, 50*time.Millisecond)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("status %d, want the plugin's 405", resp.StatusCode)
	}
	if sent >= 1000 {
		t.Fatal("the plugin's answer was held back until the client had sent the whole body")
	}
}

func TestPluginThatDoesNotAnswerGets504(t *testing.T) {
	both(t, func(t *testing.T, buffered bool) {
		gaveUp := make(chan struct{}, 2)
		stall := func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			gaveUp <- struct{}{}
		}
		base := startBridge(t, http.HandlerFunc(stall), bridgeOptions{buffered: buffered, limits: Limits{Timeout: 200 * time.Millisecond}})
		resp, err := http.Post(base+"/api/t/slow", "text/plain", strings.NewReader("payload"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(string(body), `Plugin \"t\" did not answer in time`) {
			t.Fatalf("got %d %s, want a 504 naming the plugin", resp.StatusCode, body)
		}
		select {
		case <-gaveUp:
		case <-time.After(5 * time.Second):
			t.Fatal("the plugin's handler was not cancelled")
		}
		// The same while the client still sends its body: the 504 does
		// not wait for it.
		resp, body, sent := trickle(t, base+"/api/t/slow", 1000, 50*time.Millisecond)
		if resp.StatusCode != http.StatusGatewayTimeout || sent >= 1000 {
			t.Fatalf("with a body still arriving: %d %s after %d of 1000 bytes, want a 504 before the end", resp.StatusCode, body, sent)
		}
	})
}

func TestBodiesPassIntactWithinTheLimit(t *testing.T) {
	const limit = 1 << 20
	echoSum := func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			WriteError(w, http.StatusBadRequest, err.Error(), "")
			return
		}
		fmt.Fprintf(w, "%d %x %d", n, h.Sum(nil), r.ContentLength)
	}
	both(t, func(t *testing.T, buffered bool) {
		base := startBridge(t, http.HandlerFunc(echoSum), bridgeOptions{buffered: buffered, limits: Limits{MaxBodyBytes: limit}})
		cases := []struct {
			name    string
			size    int
			chunked bool
			want    int
		}{
			{"empty", 0, false, 200},
			{"small", 100, false, 200},
			{"at the limit", limit, false, 200},
			{"at the limit, chunked", limit, true, 200},
			{"over the limit", limit + 1, false, 413},
			{"over the limit, chunked", limit + 1, true, 413},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				payload := bytes.Repeat([]byte("0123456789abcdef"), c.size/16+1)[:c.size]
				var body io.Reader = bytes.NewReader(payload)
				if c.chunked {
					body = io.MultiReader(body) // hides the length
				}
				resp, err := http.Post(base+"/api/t/sum", "application/octet-stream", body)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != c.want {
					t.Fatalf("status %d %s, want %d", resp.StatusCode, got, c.want)
				}
				if c.want != 200 {
					return
				}
				length := int64(c.size)
				if c.chunked && !buffered {
					length = -1 // a buffered body's length is always known
				}
				if want := fmt.Sprintf("%d %x %d", c.size, sha256.Sum256(payload), length); string(got) != want {
					t.Fatalf("the plugin got %q, want %q", got, want)
				}
			})
		}
	})
}

func TestBufferedBodiesAreBoundedPerPlugin(t *testing.T) {
	const size = 1 << 20
	entered := make(chan struct{}, 4)
	release := make(chan struct{})
	hold := func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		fmt.Fprint(w, "done")
	}
	// Room for two bodies at once.
	base := startBridge(t, http.HandlerFunc(hold), bridgeOptions{buffered: true,
		limits: Limits{MaxBodyBytes: size, MaxBufferedBytes: 2*size + size/2}})
	post := func() (*http.Response, string) {
		resp, err := http.Post(base+"/api/t/upload", "application/octet-stream", bytes.NewReader(make([]byte, size)))
		if err != nil {
			t.Error(err)
			return nil, ""
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, body := post(); resp != nil && resp.StatusCode != 200 {
				t.Errorf("a request within the budget got %d %s", resp.StatusCode, body)
			}
		}()
	}
	<-entered
	<-entered
	resp, body := post()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "max_in_flight") {
		t.Fatalf("a third body while two are held got %d %q (Retry-After %q), want 503 with Retry-After",
			resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	close(release)
	wg.Wait()
	// The budget is given back.
	release = make(chan struct{})
	close(release)
	if resp, body := post(); resp.StatusCode != 200 {
		t.Fatalf("after the others finished: %d %s", resp.StatusCode, body)
	}
}

func TestRedirectsStayUnderTheMount(t *testing.T) {
	redirect := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", r.URL.Query().Get("to"))
		w.WriteHeader(http.StatusFound)
	}
	base := startBridge(t, http.HandlerFunc(redirect), bridgeOptions{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cases := []struct {
		path, to, want string
	}{
		{"/api/t/a/b", "/plugins", "/api/t/plugins"},
		{"/api/t/", "/", "/api/t/"},
		{"/api/t/a/b", "c", "/api/t/a/c"},
		{"/api/t/a/b", "../../../../x?q=1#f", "/api/t/x?q=1#f"},
		{"/api/t/a/b", "/x%2Fy", "/api/t/x%2Fy"},
		{"/api/t/a/b", `/\evil.example/`, "/api/t/%5Cevil.example/"},
		{"/api/t/a", "https://coder.example.com/login", "https://coder.example.com/login"},
		{"/api/t/a", "//evil.example/x", "//evil.example/x"},
		{"/api/t/a", "?page=2", "?page=2"},
	}
	for _, c := range cases {
		t.Run(c.path+" to "+c.to, func(t *testing.T) {
			resp, err := client.Get(base + c.path + "?to=" + url.QueryEscape(c.to))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			ref, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("Location %q: %v", loc, err)
			}
			got := ref.String()
			if !ref.IsAbs() && ref.Host == "" && ref.Path != "" {
				// Resolve as a browser would, against the request URL.
				req, _ := url.Parse("http://h" + c.path)
				abs := req.ResolveReference(ref)
				got = abs.EscapedPath()
				if abs.RawQuery != "" {
					got += "?" + abs.RawQuery
				}
				if abs.Fragment != "" {
					got += "#" + abs.Fragment
				}
			}
			if got != c.want {
				t.Fatalf("Location %q leads to %q, want %q", loc, got, c.want)
			}
		})
	}
}
