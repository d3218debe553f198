package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The end-to-end tests talk to the embedded demo Coder deployment unless
// these variables name a real one (`make test-real` sets them from the
// deployment test/real/realcoder starts, seeded like the demo). A test that
// is about the demo deployment itself skips against a real one.
const (
	envE2ECoderURL   = "CODERHOST_E2E_CODER_URL"
	envE2ECoderToken = "CODERHOST_E2E_CODER_TOKEN" // the seeded member "demo"
)

// realCoder is the Coder deployment named by the environment, if any.
var realCoder = struct{ url, token string }{
	url:   os.Getenv(envE2ECoderURL),
	token: os.Getenv(envE2ECoderToken),
}

func usingRealCoder() bool { return realCoder.url != "" }

// coderBlock is the configuration's coder block: the demo deployment, or
// the real one.
func coderBlock() string {
	if usingRealCoder() {
		return fmt.Sprintf("coder { access_url = %q }", realCoder.url)
	}
	return "coder { demo = true }"
}

func checkRealCoderEnv() error {
	if realCoder.url != "" && realCoder.token == "" {
		return fmt.Errorf("%s is set but %s is not: the tests act as the seeded member \"demo\" with that session token", envE2ECoderURL, envE2ECoderToken)
	}
	return nil
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// envE2ECoderAdminToken is the session token of the real deployment's owner
// "admin", for the tests that act as the demo's admin.
const envE2ECoderAdminToken = "CODERHOST_E2E_CODER_ADMIN_TOKEN"

// adminToken is the session token of the seeded owner "admin".
func adminToken(t *testing.T) string {
	t.Helper()
	if !usingRealCoder() {
		return "DemoAdmin1-DemoOnlyNotASecret0002" // public demo credential (examples/catalog/README.md)
	}
	tok := os.Getenv(envE2ECoderAdminToken)
	if tok == "" {
		t.Skipf("acts as the owner \"admin\": set %s for the real deployment", envE2ECoderAdminToken)
	}
	return tok
}

// onRealCoderFile points the configuration file at path, written for the
// demo deployment (the repository's config.hcl), at the real deployment, and
// returns the new file's path.
func onRealCoderFile(t *testing.T, path string) string {
	t.Helper()
	if !usingRealCoder() {
		return path
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return writeConfig(t, onRealCoder(t, string(b)))
}

// onRealCoder points a configuration written for the demo deployment (the
// repository's config.hcl) at the real deployment, with the owner's token
// wherever the demo admin's public token stands.
func onRealCoder(t *testing.T, config string) string {
	t.Helper()
	if !usingRealCoder() {
		return config
	}
	out := regexp.MustCompile(`(?m)^(\s*)demo\s*=\s*true\s*$`).ReplaceAllString(config, fmt.Sprintf("${1}access_url = %q", realCoder.url))
	out = strings.ReplaceAll(out, `"DemoAdmin1-DemoOnlyNotASecret0002"`, fmt.Sprintf("%q", adminToken(t)))
	if out == config {
		t.Fatal("the configuration has no demo coder block to point at the real deployment")
	}
	return out
}

// oauthAppEnv gives the host an OAuth2 app of the deployment whose callback
// is coderhost's at addr: the demo deployment rewrites its app's callback to
// the host's external URL, so nothing is needed there; on a real deployment
// the owner registers one for the test and deletes it afterwards.
func oauthAppEnv(t *testing.T, addr string) []string {
	t.Helper()
	if !usingRealCoder() {
		return nil
	}
	admin := adminToken(t)
	call := func(method, path string, body any, out any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, realCoder.url+path, rd)
		req.Header.Set("Coder-Session-Token", admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var app struct{ ID string }
	call(http.MethodPost, "/api/v2/oauth2-provider/apps", map[string]string{
		"name": "e2e-" + randomHex(4), "callback_url": "http://" + addr + "/api/auth/coder/handler/frame",
	}, &app)
	t.Cleanup(func() { call(http.MethodDelete, "/api/v2/oauth2-provider/apps/"+app.ID, nil, nil) })
	var secret struct {
		ClientSecretFull string `json:"client_secret_full"`
	}
	call(http.MethodPost, "/api/v2/oauth2-provider/apps/"+app.ID+"/secrets", nil, &secret)
	return []string{"CODER_OAUTH_CLIENT_ID=" + app.ID, "CODER_OAUTH_CLIENT_SECRET=" + secret.ClientSecretFull}
}

// consent takes the browser from Coder's authorize URL to the callback URL
// Coder redirects to once the demo user has agreed. The demo deployment asks
// the browser to sign in on its stand-in page first. A real Coder's sign-in
// page is its web UI, so there the demo user's session token stands in for
// the session cookie the UI would set.
func consent(t *testing.T, b *authBrowser, authorize string) string {
	t.Helper()
	if usingRealCoder() {
		h := http.Header{"Coder-Session-Token": {realCoder.token}}
		resp, page := b.do("GET", authorize, nil, h)
		if resp.StatusCode != 200 || !strings.Contains(page, "<form") {
			t.Fatalf("consent page: %d %s", resp.StatusCode, page)
		}
		resp, _ = b.do("POST", authorize, nil, h) // "Allow"
		return next(t, resp, http.StatusFound)
	}
	resp, _ := b.do("GET", authorize, nil, nil)
	login := next(t, resp, http.StatusSeeOther)
	loginURL, _ := url.Parse(login)
	resp, _ = b.do("POST", loginURL.Scheme+"://"+loginURL.Host+"/login", url.Values{"username": {"demo"}, "redirect": {loginURL.Query().Get("redirect")}}, nil)
	back := next(t, resp, http.StatusSeeOther)
	resp, page := b.do("GET", back, nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "backstage") {
		t.Fatalf("consent page: %d %s", resp.StatusCode, page)
	}
	resp, _ = b.do("POST", back, nil, nil) // "Allow"
	return next(t, resp, http.StatusFound)
}

// withSigningKey gives an auth configuration a signing key file when the
// host runs against a real deployment: only with the embedded demo does the
// auth plugin sign identity tokens with a key of its own making.
func withSigningKey(t *testing.T, cfg string) string {
	t.Helper()
	if !usingRealCoder() {
		return cfg
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	out := strings.Replace(cfg, "    sign_in {", fmt.Sprintf("    signing_key_files = [%q]\n    sign_in {", path), 1)
	if out == cfg {
		t.Fatal("the auth configuration has no sign_in block to give a signing key")
	}
	return out
}
