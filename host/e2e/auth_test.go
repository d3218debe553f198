package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// authConfig is the default configuration's auth block against the demo
// deployment, with the host at addr as browsers see it. The script resolver
// comes first: were the resolvers tried in another order than written, the
// email resolver's domain rule would refuse the demo user.
func authConfig(addr string) string {
	return fmt.Sprintf(`
plugin_dir   = %q
external_url = "http://%s"
%s
backstage {
  app_url       = "http://localhost:3000"
  catalog_files = [%q]
}
proxy { allowed_headers = ["Coder-Session-Token"] }
script "username" {
  file = %q
  hook = "signin"
}
plugin "auth" {
  path = %q
  config {
    client_id     = env("CODER_OAUTH_CLIENT_ID", "bac57a9e-0000-4000-8000-00000000c0de")
    client_secret = env("CODER_OAUTH_CLIENT_SECRET", "coder_demoprefix_backstagedemoclientsecretnotsecret000001")
    sign_in {
      resolver "script" {
        hook = "signin"
      }
      resolver "emailLocalPartMatchingUserEntityName" {
        allowed_domains = ["nowhere.example"]
      }
    }
  }
}
`, pluginDir, addr, coderBlock(), filepath.Join(repoRoot, "examples/catalog/*.yaml"),
		filepath.Join(repoRoot, "scripts/signin/username.js"),
		filepath.Join(pluginDir, "coderhost-plugin-auth"))
}

// authBrowser follows one redirect at a time with a cookie jar.
type authBrowser struct {
	t *testing.T
	c *http.Client
}

func (b *authBrowser) do(method, target string, form url.Values, header http.Header) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// next resolves a response's Location against its request.
func next(t *testing.T, resp *http.Response, want int) string {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s answered %d, want %d", resp.Request.Method, resp.Request.URL, resp.StatusCode, want)
	}
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.String()
}

// TestCoderSignInThroughTheHost signs in the way the frontend's OAuth2
// popup does, through the real daemon and its demo deployment: start, sign
// in at Coder and consent, the callback page; then uses the session: the
// access token against Coder through the pass-through, the Backstage token
// against the published keys and userinfo, refresh and sign-out.
func TestCoderSignInThroughTheHost(t *testing.T) {
	addr := freePort(t)
	d := startAt(t, addr, writeConfig(t, withSigningKey(t, authConfig(addr))), oauthAppEnv(t, addr))
	jar, _ := cookiejar.New(nil)
	b := &authBrowser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	q := url.Values{"scope": {""}, "origin": {"http://localhost:3000"}, "flow": {"popup"}, "env": {"development"}}
	resp, _ := b.do("GET", d.url("/api/auth/coder/start?"+q.Encode()), nil, nil)
	authorize := next(t, resp, http.StatusFound)
	if !strings.Contains(authorize, "/oauth2/authorize?") || !strings.Contains(authorize, url.QueryEscape(d.url("/api/auth/coder/handler/frame"))) {
		t.Fatalf("start sent the browser to %s", authorize)
	}
	// Coder asks the browser to sign in first, then for consent.
	callback := consent(t, b, authorize)
	if !strings.HasPrefix(callback, d.url("/api/auth/coder/handler/frame?")) {
		t.Fatalf("Coder called back to %s", callback)
	}
	resp, page := b.do("GET", callback, nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-Frame-Options") != "sameorigin" {
		t.Fatalf("callback: %d %s", resp.StatusCode, page)
	}
	m := regexp.MustCompile(`decodeURIComponent\('(.+?)'\)`).FindAllStringSubmatch(page, -1)
	if len(m) != 2 {
		t.Fatalf("callback page:\n%s", page)
	}
	raw, _ := url.PathUnescape(m[0][1])
	target, _ := url.PathUnescape(m[1][1])
	var msg struct {
		Type     string
		Error    map[string]string
		Response struct {
			Profile      struct{ Email, DisplayName string }
			ProviderInfo struct {
				AccessToken      string
				ExpiresInSeconds int64
			}
			BackstageIdentity struct {
				Token    string
				Identity struct {
					UserEntityRef       string
					OwnershipEntityRefs []string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(raw), &msg); err != nil || msg.Error != nil || target != "http://localhost:3000" {
		t.Fatalf("message to %s: %s (%v)", target, raw, err)
	}
	r := msg.Response
	if r.Profile.Email != "demo@example.com" || r.BackstageIdentity.Identity.UserEntityRef != "user:default/demo" ||
		!sameSet(r.BackstageIdentity.Identity.OwnershipEntityRefs, []string{"user:default/demo", "group:default/platform-team", "group:default/web-team"}) {
		t.Fatalf("session = %+v", r)
	}

	// The access token is the user's Coder session through the pass-through.
	token := r.ProviderInfo.AccessToken
	var me struct{ Username string }
	if code := getJSON(t, d.url("/api/v2/users/me"), http.Header{"Coder-Session-Token": {token}}, &me); code != 200 || me.Username != "demo" {
		t.Fatalf("users/me with the access token: %d %+v", code, me)
	}

	// The Backstage token verifies against the host's published keys.
	var set jose.JSONWebKeySet
	if code := getJSON(t, d.url("/api/auth/.well-known/jwks.json"), nil, &set); code != 200 || len(set.Keys) != 1 {
		t.Fatalf("jwks: %d %d keys", code, len(set.Keys))
	}
	parsed, err := jwt.ParseSigned(r.BackstageIdentity.Token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := parsed.Claims(set.Key(parsed.Headers[0].KeyID)[0].Key, &claims); err != nil || claims["sub"] != "user:default/demo" || claims["iss"] != d.url("/api/auth") {
		t.Fatalf("Backstage token: %v %v", claims, err)
	}
	var info struct{ Claims struct{ Ent []string } }
	if code := getJSON(t, d.url("/api/auth/v1/userinfo"), http.Header{"Authorization": {"Bearer " + r.BackstageIdentity.Token}}, &info); code != 200 || len(info.Claims.Ent) != 3 {
		t.Fatalf("userinfo: %d %+v", code, info)
	}

	// Refresh rotates; sign-out revokes at Coder.
	xhr := http.Header{"X-Requested-With": {"XMLHttpRequest"}, "Origin": {"http://localhost:3000"}}
	resp, body := b.do("GET", d.url("/api/auth/coder/refresh?optional&scope=&env=development"), nil, xhr)
	var refreshed struct{ ProviderInfo struct{ AccessToken string } }
	if err := json.Unmarshal([]byte(body), &refreshed); err != nil || resp.StatusCode != 200 || refreshed.ProviderInfo.AccessToken == token {
		t.Fatalf("refresh: %d %s", resp.StatusCode, body)
	}
	token = refreshed.ProviderInfo.AccessToken
	if resp, _ = b.do("POST", d.url("/api/auth/coder/logout?env=development"), nil, xhr); resp.StatusCode != 200 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if code := getJSON(t, d.url("/api/v2/users/me"), http.Header{"Coder-Session-Token": {token}}, nil); code != 401 {
		t.Fatalf("users/me after sign-out: %d", code)
	}
}

// TestAuthConfigurationErrorsPointIntoTheFile starts the host with auth
// configurations only the plugin can judge, or that the schema rejects, and
// checks that each error names its place in the file and what to set.
func TestAuthConfigurationErrorsPointIntoTheFile(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	keyFile := filepath.Join(t.TempDir(), "rsa.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	base := authConfig(addr)
	// at is "config.hcl:LINE,COL" of the first occurrence of text in cfg.
	at := func(cfg, text string) string {
		i := strings.Index(cfg, text)
		line := strings.Count(cfg[:i], "\n") + 1
		col := i - strings.LastIndex(cfg[:i], "\n")
		return fmt.Sprintf("config.hcl:%d,%d: ", line, col)
	}
	keyEdit := fmt.Sprintf("signing_key_files = [%q]\n    sign_in {", keyFile)
	withKey := strings.Replace(base, "sign_in {", keyEdit, 1)
	noID := strings.Replace(base, `client_id     = env("CODER_OAUTH_CLIENT_ID", "bac57a9e-0000-4000-8000-00000000c0de")`, "", 1)
	emptyID := strings.Replace(base, `env("CODER_OAUTH_CLIENT_ID", "bac57a9e-0000-4000-8000-00000000c0de")`, `env("CODER_OAUTH_CLIENT_ID", "")`, 1)
	tests := []struct {
		name, cfg string
		want      []string
	}{
		{"an RSA signing key", withKey, []string{
			at(withKey, fmt.Sprintf("%q]", keyFile)) + `Plugin "auth" rejected its configuration; signing_key_files[0] ` + keyFile +
				": not a P-256 (prime256v1) EC key: it is an RSA 2048-bit key", "set CODERHOST_AUTH_SIGNING_KEY_FILE"}},
		{"an empty client id", emptyID, []string{
			at(emptyID, `env("CODER_OAUTH_CLIENT_ID", "")`) + `Plugin "auth" rejected its configuration; client_id is empty: set CODER_OAUTH_CLIENT_ID`}},
		{"no client id at all", noID, []string{
			at(noID, "{\n    \n") + `Missing required argument; plugin "auth" config: The argument "client_id" is required`,
			`Set CODER_OAUTH_CLIENT_ID: client_id = env("CODER_OAUTH_CLIENT_ID").`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg == base {
				t.Fatal("the edit did not apply")
			}
			out, err := exec.Command(coderhost, "run", "-config", writeConfig(t, tt.cfg), "-listen", addr).CombinedOutput()
			if err == nil {
				t.Fatalf("started:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
