//go:build browser

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrowserSignsInWithBackstagesOAuth2Class opens a test app in headless
// Chromium (Debian's, driven by playwright-core) whose page bundles the real
// OAuth2 class of @backstage/core-app-api. It completes the popup flow
// against coderhost and the demo deployment (Coder's sign-in and consent
// pages included), then checks that the session's access token passes
// users/me through the host, that the Backstage identity arrived, and that a
// reload restores the session from the refresh cookie without a popup.
//
// Run with `make e2e`, which installs host/e2e/browser's npm packages and
// bundles the page first.
func TestBrowserSignsInWithBackstagesOAuth2Class(t *testing.T) {
	dir := filepath.Join(repoRoot, "host", "e2e", "browser")
	for _, need := range []string{filepath.Join(dir, "dist", "page.js"), filepath.Join(dir, "node_modules", "playwright-core")} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing: run `make e2e`, which installs and bundles the test page", need)
		}
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s: install Debian's chromium package (apt-get install chromium)", chromium)
	}

	addr := freePort(t)
	_, coderhostPort, _ := net.SplitHostPort(addr)
	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	appOrigin := "http://localhost:" + fmt.Sprint(appLn.Addr().(*net.TCPAddr).Port)
	cfg := strings.Replace(authConfig(addr), `external_url = "http://`+addr+`"`, `external_url = "http://localhost:`+coderhostPort+`"`, 1)
	cfg = strings.Replace(cfg, `app_url       = "http://localhost:3000"`, `app_url       = "`+appOrigin+`"`, 1)
	d := startAt(t, addr, writeConfig(t, cfg), nil)

	// The app: the page, and Backstage's '/coder' proxy endpoint in front of
	// coderhost's pass-through.
	target, _ := url.Parse(d.url("/"))
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.URL.Path = strings.TrimPrefix(r.In.URL.Path, "/api/proxy/coder")
		r.Out.URL.RawPath = ""
		r.Out.Header = http.Header{"Coder-Session-Token": r.In.Header.Values("Coder-Session-Token"), "Accept": r.In.Header.Values("Accept")}
	}}
	mux := http.NewServeMux()
	mux.Handle("/api/proxy/coder/", proxy)
	mux.Handle("/", http.FileServer(http.Dir(dir)))
	app := &httptest.Server{Listener: appLn, Config: &http.Server{Handler: mux}}
	app.Start()
	t.Cleanup(app.Close)

	page := appOrigin + "/index.html?auth=" + url.QueryEscape("http://localhost:"+coderhostPort+"/api/auth")
	cmd := exec.Command("node", "run.mjs", page)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser run failed: %v\n%s", err, stderr.String())
	}
	type result struct {
		Error    string
		SignedIn bool
		UsersMe  struct {
			Status int
			Body   struct{ Username string }
		}
		Profile  struct{ Email, DisplayName string }
		Identity struct {
			UserEntityRef       string
			OwnershipEntityRefs []string
		}
		BackstageToken string
	}
	var got struct{ First, Reload result }
	t.Logf("browser results: %s", out)
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("browser output %q: %v\n%s", out, err, stderr.String())
	}
	for name, r := range map[string]result{"after the popup": got.First, "after a reload": got.Reload} {
		if r.Error != "" || !r.SignedIn {
			t.Errorf("%s: %+v", name, r)
			continue
		}
		if r.UsersMe.Status != 200 || r.UsersMe.Body.Username != "demo" {
			t.Errorf("%s: users/me through the host with the session's token = %+v", name, r.UsersMe)
		}
		if r.Profile.Email != "demo@example.com" || r.Identity.UserEntityRef != "user:default/demo" || r.BackstageToken == "" ||
			!sameSet(r.Identity.OwnershipEntityRefs, []string{"user:default/demo", "group:default/platform-team", "group:default/web-team"}) {
			t.Errorf("%s: profile %+v, identity %+v", name, r.Profile, r.Identity)
		}
	}
	if got.First.BackstageToken == got.Reload.BackstageToken {
		t.Error("the reload did not refresh the session")
	}
}
