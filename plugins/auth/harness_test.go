package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/fakecoder"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

const appOrigin = "http://localhost:3000"

// rig is the plugin served as the host serves it, in front of a fake Coder
// whose "backstage" OAuth2 app calls back to it, and a browser with a
// cookie jar.
type rig struct {
	t       testing.TB
	fake    *fakecoder.Server
	coder   *httptest.Server
	front   *httptest.Server
	browser *browser
	harness *plugintest.Harness
	// scriptRuns counts the signin hook runs the plugin asked for.
	scriptRuns int
}

type rigOptions struct {
	// config is merged over the default plugin config.
	config map[string]any
	seed   func(*fakecoder.Seed)
	// wrapCoder wraps the fake Coder's handler.
	wrapCoder func(http.Handler) http.Handler
	// script plays the admin's signin hook: nil result means null.
	script   func(profile map[string]any) (map[string]any, error)
	catalog  []map[string]any
	autoUser string
	// fake adds options to the fake Coder.
	fake []fakecoder.Option
}

// demoCatalog mirrors examples/catalog: users demo (in platform-team and
// web-team) and admin (in platform-team).
var demoCatalog = []map[string]any{
	catalogUser("demo", "demo@example.com", "platform-team", "web-team"),
	catalogUser("admin", "admin@example.com", "platform-team"),
	{"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": map[string]any{"name": "platform-team", "namespace": "default"}},
}

func catalogUser(name, email string, groups ...string) map[string]any {
	var rels []any
	for _, g := range groups {
		rels = append(rels, map[string]any{"type": "memberOf", "targetRef": "group:default/" + g})
	}
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1", "kind": "User",
		"metadata":  map[string]any{"name": name, "namespace": "default"},
		"spec":      map[string]any{"profile": map[string]any{"email": email}, "memberOf": groups},
		"relations": rels,
	}
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	r := &rig{t: t}
	var plugin http.Handler
	r.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { plugin.ServeHTTP(w, req) }))
	t.Cleanup(r.front.Close)

	seed := fakecoder.DemoSeed()
	for i, app := range seed.OAuth2Apps {
		if app.Name == "backstage" {
			seed.OAuth2Apps[i].CallbackURL = r.front.URL + "/api/auth/coder/handler/frame"
		}
	}
	if o.seed != nil {
		o.seed(seed)
	}
	if o.autoUser == "" {
		o.autoUser = "demo"
	}
	fake, err := fakecoder.New(append([]fakecoder.Option{fakecoder.WithSeed(seed), fakecoder.WithOAuth2AutoApprove(o.autoUser)}, o.fake...)...)
	if err != nil {
		t.Fatal(err)
	}
	r.fake = fake
	t.Cleanup(func() { _ = fake.Close() })
	var coderHandler = fake.Handler()
	if o.wrapCoder != nil {
		coderHandler = o.wrapCoder(coderHandler)
	}
	r.coder = httptest.NewServer(coderHandler)
	t.Cleanup(r.coder.Close)

	id, secret, _ := fake.OAuth2App("backstage")
	cfg := map[string]any{"client_id": id, "client_secret": secret}
	maps.Copy(cfg, o.config)
	raw, _ := json.Marshal(cfg)

	catalog := o.catalog
	if catalog == nil {
		catalog = demoCatalog
	}
	host := &plugintest.Host{
		GetEntityFunc: func(_ context.Context, ref string) (json.RawMessage, error) {
			for _, e := range catalog {
				md := e["metadata"].(map[string]any)
				if strings.ToLower(fmt.Sprintf("%s:%s/%s", e["kind"], md["namespace"], md["name"])) == ref {
					return json.Marshal(e)
				}
			}
			return nil, sdk.ErrNotFound
		},
		FindUsersFunc: func(_ context.Context, q sdk.UserQuery) ([]json.RawMessage, error) {
			email := q.Email
			var out []json.RawMessage
			for _, e := range catalog {
				spec, _ := e["spec"].(map[string]any)
				profile, _ := spec["profile"].(map[string]any)
				if e["kind"] == "User" && strings.EqualFold(fmt.Sprint(profile["email"]), email) {
					b, _ := json.Marshal(e)
					out = append(out, b)
				}
			}
			return out, nil
		},
	}
	if o.script != nil {
		host.RunHookFunc = func(_ context.Context, hook string, input json.RawMessage) (json.RawMessage, string, error) {
			r.scriptRuns++
			if hook != "signin" {
				return nil, "", sdk.ErrNoScript
			}
			var in map[string]any
			_ = json.Unmarshal(input, &in)
			out, err := o.script(in)
			if err != nil || out == nil {
				return json.RawMessage("null"), "", err
			}
			b, _ := json.Marshal(out)
			return b, "username", nil
		}
	}
	h := plugintest.Start(t, authPlugin{},
		plugintest.WithConfig(string(raw)),
		plugintest.WithHost(host),
		plugintest.WithHostInfo(sdk.HostInfo{
			ExternalURL: r.front.URL, CoderURL: r.coder.URL, BackstageAppURL: appOrigin + "/",
		}))
	plugin, r.harness = h, h
	r.browser = newBrowser(t)
	return r
}

// url is a path on the plugin's host.
func (r *rig) url(path string) string { return r.front.URL + path }

func (r *rig) startQuery(flow string, extra ...string) string {
	q := url.Values{"scope": {""}, "origin": {appOrigin}, "flow": {flow}, "env": {"development"}}
	if flow == "redirect" {
		q.Set("redirectUrl", appOrigin+"/catalog/default/component/web?tab=coder")
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return r.url("/api/auth/coder/start?" + q.Encode())
}

// authorize runs start and Coder's (auto-approved) consent, and returns the
// callback URL Coder sent the browser to.
func (r *rig) authorize(startURL string) string {
	r.t.Helper()
	resp := r.browser.get(startURL, nil)
	if resp.StatusCode != http.StatusFound {
		r.t.Fatalf("start: %d %s", resp.StatusCode, readBody(resp))
	}
	resp = r.browser.get(resp.Header.Get("Location"), nil)
	if resp.StatusCode != http.StatusFound {
		r.t.Fatalf("authorize at Coder: %d %s", resp.StatusCode, readBody(resp))
	}
	return resp.Header.Get("Location")
}

// signIn runs the popup flow and returns the callback page's message.
func (r *rig) signIn(extra ...string) (page *http.Response, msg map[string]any, target string) {
	r.t.Helper()
	cb := r.authorize(r.startQuery("popup", extra...))
	page = r.browser.get(cb, nil)
	msg, target = parsePage(r.t, page)
	return page, msg, target
}

func (r *rig) xhr(method, path string, origin string) *http.Response {
	h := http.Header{"X-Requested-With": {"XMLHttpRequest"}}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return r.browser.do(method, r.url(path), h)
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each hop can be checked.
type browser struct {
	t      testing.TB
	jar    *cookiejar.Jar
	client *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, jar: jar, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) get(u string, h http.Header) *http.Response { return b.do(http.MethodGet, u, h) }

func (b *browser) do(method, u string, h http.Header) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	maps.Copy(req.Header, h)
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (b *browser) cookie(rawURL, name string) string {
	u, _ := url.Parse(rawURL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func readBody(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

var pageLiteral = regexp.MustCompile(`decodeURIComponent\('(.+?)'\)`)

// parsePage reads the callback page's message and target origin the way
// Backstage's own tests do.
func parsePage(t testing.TB, resp *http.Response) (map[string]any, string) {
	t.Helper()
	body := readBody(resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("callback answered %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	m := pageLiteral.FindAllStringSubmatch(body, -1)
	if len(m) != 2 {
		t.Fatalf("page has %d literals:\n%s", len(m), body)
	}
	data, err1 := url.PathUnescape(m[0][1])
	origin, err2 := url.PathUnescape(m[1][1])
	if err1 != nil || err2 != nil {
		t.Fatalf("page literals are not URI-encoded: %v %v", err1, err2)
	}
	var msg map[string]any
	if err := json.Unmarshal([]byte(data), &msg); err != nil {
		t.Fatalf("page message is not JSON: %v", err)
	}
	return msg, origin
}

// writeKey writes a P-256 PKCS#8 key file.
func writeKey(t testing.TB) string {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	p := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func get(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

type captureWriter struct {
	header http.Header
	status int
	body   strings.Builder
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(s int)   { c.status = s }
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = 200
	}
	return c.body.Write(b)
}

func ioNopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
