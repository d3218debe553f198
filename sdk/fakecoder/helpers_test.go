package fakecoder_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// result is one HTTP exchange.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r result) response(t *testing.T) fakecoder.Response {
	t.Helper()
	var resp fakecoder.Response
	r.decode(t, &resp)
	return resp
}

// client sends raw requests; it never follows redirects so tests can look
// at them.
var client = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

type reqOpt func(*http.Request)

func withToken(token string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Coder-Session-Token", token) }
}

func withHeader(k, v string) reqOpt {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

func send(t *testing.T, method, rawURL string, body any, opts ...reqOpt) result {
	t.Helper()
	var rd io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd = strings.NewReader(b.Encode())
		contentType = "application/x-www-form-urlencoded"
	case string:
		rd = strings.NewReader(b)
		contentType = "application/json"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
		contentType = "application/json"
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, o := range opts {
		o(req)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: res.StatusCode, header: res.Header, body: data}
}

func get(t *testing.T, rawURL string, opts ...reqOpt) result {
	t.Helper()
	return send(t, http.MethodGet, rawURL, nil, opts...)
}

func wantStatus(t *testing.T, r result, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
}

// listWorkspaces runs GET /api/v2/workspaces?q=... and returns the names
// (owner/name) in order.
func listWorkspaces(t *testing.T, s *fakecoder.Server, token, q string, extra ...string) ([]string, int) {
	t.Helper()
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	r := get(t, s.URL()+"/api/v2/workspaces?"+v.Encode(), withToken(token))
	wantStatus(t, r, http.StatusOK)
	var resp fakecoder.WorkspacesResponse
	r.decode(t, &resp)
	names := []string{}
	for _, w := range resp.Workspaces {
		names = append(names, w.OwnerName+"/"+w.Name)
	}
	return names, resp.Count
}

// waitFor polls cond until it holds; builds run on timers, so tests wait on
// observable state rather than on time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func workspaceByName(t *testing.T, s *fakecoder.Server, token, owner, name string) fakecoder.Workspace {
	t.Helper()
	r := get(t, s.URL()+"/api/v2/users/"+owner+"/workspace/"+name, withToken(token))
	wantStatus(t, r, http.StatusOK)
	var w fakecoder.Workspace
	r.decode(t, &w)
	return w
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
