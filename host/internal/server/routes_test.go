package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestPluginRoutesRefuseNonCanonicalPaths(t *testing.T) {
	var reached atomic.Int32
	b := &fakeBackend{plugins: map[string]*fakePlugin{"hello": {id: "hello", ready: true, h: func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
	}}}}
	s, _, _ := newTestServer(t, b)
	cases := []struct {
		path string
		want int
	}{
		{"/api/hello/../plugins", 400},
		{"/api/hello/./greet", 400},
		{"/api/hello/%2e%2e/plugins", 400},
		{"/api/hello/a/..%2f..%2fplugins", 400},
		{"/api/hello/a%5c..%5c", 400},
		{"/api/hello/a//b", 400},
		{"/api/hello/%252e%252e/x", 400},
		{"/api/hello/greet", 200},
		{"/api/hello/", 200},
		{"/api/hello/a%20b/c", 200},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			before := reached.Load()
			conn, err := net.Dial("tcp", s.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", c.path)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.want)
			}
			got := reached.Load() - before
			if c.want == 400 {
				var e struct{ Message, Detail string }
				if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Message == "" || e.Detail == "" {
					t.Errorf("400 body is not a Coder-shaped error: %+v (%v)", e, err)
				}
				if got != 0 {
					t.Errorf("the plugin was reached by a refused path")
				}
			} else if got != 1 {
				t.Errorf("the plugin was reached %d times, want once", got)
			}
		})
	}
}
