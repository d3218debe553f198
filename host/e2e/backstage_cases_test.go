package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/coderhost/coderhost/host/internal/catalog"
)

func bsCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// exchange is one answer, with its headers.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

func fetchVia(t *testing.T, url string, header http.Header) exchange {
	t.Helper()
	req, err := http.NewRequestWithContext(bsCtx(t), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return exchange{resp.StatusCode, resp.Header, b}
}

// The Backstage Coder frontend plugin's requests, sent the way the browser
// sends them: through the real proxy backend at /api/proxy/coder with the
// user's Backstage token, which the proxy checks and strips, and the Coder
// token in Coder-Session-Token, which it forwards. coderhost answers behind
// it, with the demo deployment or a real Coder.
func TestBackstageProxyCarriesFrontendRequestsToTheHost(t *testing.T) {
	bs := useBackstage(t)
	d := startAt(t, bs.hostAddr, writeConfig(t, baseConfig("Hello")), nil)
	coderToken := demoToken(t, d)
	backstageAuth := "Bearer " + bs.token
	viaProxy := func(path string, coderToken string) exchange {
		h := http.Header{"Authorization": {backstageAuth}}
		if coderToken != "" {
			h.Set("Coder-Session-Token", coderToken)
		}
		return fetchVia(t, bs.url+"/api/proxy/coder"+path, h)
	}
	direct := func(path string, coderToken string) exchange {
		h := http.Header{}
		if coderToken != "" {
			h.Set("Coder-Session-Token", coderToken)
		}
		return fetchVia(t, d.url(path), h)
	}

	t.Run("users/me", func(t *testing.T) {
		r := viaProxy("/api/v2/users/me", coderToken)
		var me struct{ ID, Username string }
		if err := json.Unmarshal(r.body, &me); r.status != 200 || err != nil || me.Username != "demo" || me.ID == "" {
			t.Fatalf("users/me through Backstage: %d %s", r.status, r.body)
		}
	})

	t.Run("workspaces by repository", func(t *testing.T) {
		cases := []struct {
			rawQuery string
			want     []string
		}{
			{"q=owner%3Ame+param%3A%22repo_url%3Dhttps%3A%2F%2Fgithub.com%2Facme%2Fpayments-api%22&limit=0", []string{"payments-api", "payments-api-hotfix"}},
			{"q=owner%3Ame+param%3A%22custom_repo%3Dhttps%3A%2F%2Fgithub.com%2Facme%2Fstorefront-web%22&limit=0", []string{"storefront"}},
			{"q=owner%3Ame+param%3A%22custom_repo%3Dhttps%3A%2F%2Fgithub.com%2Facme%2Fpayments-api%22&limit=0", nil},
		}
		for _, c := range cases {
			r := viaProxy("/api/v2/workspaces?"+c.rawQuery, coderToken)
			var list struct {
				Workspaces []struct {
					Name         string `json:"name"`
					TemplateIcon string `json:"template_icon"`
				} `json:"workspaces"`
				Count int `json:"count"`
			}
			if err := json.Unmarshal(r.body, &list); r.status != 200 || err != nil {
				t.Fatalf("%s: %d %s", c.rawQuery, r.status, r.body)
			}
			var got []string
			for _, w := range list.Workspaces {
				got = append(got, w.Name)
				if w.TemplateIcon == "" {
					t.Errorf("%s: workspace %s has no template_icon for the card", c.rawQuery, w.Name)
				}
			}
			if !sameSet(got, c.want) || list.Count != len(c.want) {
				t.Errorf("%s: got %v (count %d), want %v", c.rawQuery, got, list.Count, c.want)
			}
		}
	})

	t.Run("icons", func(t *testing.T) {
		for _, c := range []struct{ path, ctype string }{
			{"/emojis/1f4bb.png", "image/png"},
			{"/icon/go.svg", "image/svg+xml"},
		} {
			r := viaProxy(c.path, coderToken)
			if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), c.ctype) || len(r.body) == 0 {
				t.Errorf("%s: %d %q %d bytes", c.path, r.status, r.header.Get("Content-Type"), len(r.body))
			}
			if want := direct(c.path, coderToken); !reflect.DeepEqual(want.body, r.body) {
				t.Errorf("%s: the proxy changed the icon (%d bytes, %d direct)", c.path, len(r.body), len(want.body))
			}
		}
	})

	// Coder's errors reach the frontend byte for byte: the status and the
	// JSON body it renders (message, detail, validations).
	t.Run("Coder errors unchanged", func(t *testing.T) {
		for _, c := range []struct {
			name, path, token string
			status            int
		}{
			{"malformed search", "/api/v2/workspaces?q=param%3A%22a%3Db%3Dc%22", coderToken, 400},
			{"no Coder token", "/api/v2/users/me", "", 401},
			{"unknown Coder token", "/api/v2/users/me", "AbCdEfGhIj-0123456789abcdefghijkl", 401},
			{"bad workspace ID", "/api/v2/workspaces/not-a-uuid", coderToken, 400},
		} {
			r, want := viaProxy(c.path, c.token), direct(c.path, c.token)
			if r.status != c.status || want.status != c.status {
				t.Errorf("%s: status %d through Backstage, %d direct; want %d", c.name, r.status, want.status, c.status)
			}
			var got, exp map[string]any
			if err := json.Unmarshal(r.body, &got); err != nil || json.Unmarshal(want.body, &exp) != nil || !reflect.DeepEqual(got, exp) {
				t.Errorf("%s: body through Backstage %s, direct %s", c.name, r.body, want.body)
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: Content-Type %q", c.name, r.header.Get("Content-Type"))
			}
		}
	})

	// The proxy itself wants Backstage credentials (credentials: require):
	// a request without them never reaches coderhost.
	t.Run("Backstage credentials required", func(t *testing.T) {
		r := fetchVia(t, bs.url+"/api/proxy/coder/api/v2/users/me", http.Header{"Coder-Session-Token": {coderToken}})
		var e struct {
			Error struct{ Name string } `json:"error"`
		}
		if err := json.Unmarshal(r.body, &e); r.status != 401 || err != nil || e.Error.Name != "AuthenticationError" {
			t.Errorf("no Backstage token: %d %s", r.status, r.body)
		}
	})
}

// coderhost reads the real catalog-backend: entities by name for plugins
// (the hello plugin's GetEntity) and users with their group relations for
// the signin scripts.
func TestBackstageCatalogThroughTheHost(t *testing.T) {
	bs := useBackstage(t)
	cfg := fmt.Sprintf(`
plugin_dir = %q
%s
backstage {
  backend_url   = %q
  catalog_token = %q
}
script "username" {
  file = %q
  hook = "signin"
}
plugin "hello" {
  path = %q
  config { greeting = "Hello" }
}
`, pluginDir, coderBlock(), bs.url, bs.token,
		filepath.Join(repoRoot, "scripts/signin/username.js"),
		filepath.Join(pluginDir, "coderhost-plugin-hello"))
	d := start(t, writeConfig(t, cfg))

	for _, c := range []struct {
		path  string
		code  int
		title string
	}{
		{"/api/hello/entities/user/default/demo", 200, "demo"},
		{"/api/hello/entities/group/default/platform-team", 200, "Platform team"},
		{"/api/hello/entities/component/default/payments-api", 200, ""},
		{"/api/hello/entities/User/Default/Admin", 200, "admin"},
		{"/api/hello/entities/component/default/no-such-thing", 404, ""},
	} {
		var body map[string]string
		code := getJSON(t, d.url(c.path), nil, &body)
		if code != c.code || (c.title != "" && body["title"] != c.title) {
			t.Errorf("%s: %d %v, want %d title %q", c.path, code, body, c.code, c.title)
		}
	}

	var who struct {
		Script   string `json:"script"`
		Identity struct {
			UserEntityRef       string   `json:"userEntityRef"`
			OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
		} `json:"identity"`
	}
	if code := getJSON(t, d.url("/api/hello/whois/demo"), nil, &who); code != 200 || who.Script != "username" ||
		who.Identity.UserEntityRef != "user:default/demo" {
		t.Fatalf("whois demo: %d %+v", code, who)
	}
	for _, g := range []string{"group:default/platform-team", "group:default/web-team"} {
		if !slices.Contains(who.Identity.OwnershipEntityRefs, g) {
			t.Errorf("ownership refs %v lack %s (the catalog's memberOf relation)", who.Identity.OwnershipEntityRefs, g)
		}
	}
	var missing map[string]string
	if code := getJSON(t, d.url("/api/hello/whois/nobody"), nil, &missing); code != 404 {
		t.Errorf("whois of a user the catalog lacks: %d %v", code, missing)
	}
}

// The host's catalog client against the real catalog-backend: lookups by
// name, user queries by email and by annotation across pages, and a
// rejected token.
func TestBackstageCatalogClient(t *testing.T) {
	bs := useBackstage(t)
	c := catalog.NewClient(bs.url, bs.token, catalog.WithCacheTTL(0, 0))
	ctx := bsCtx(t)

	t.Run("by name", func(t *testing.T) {
		for _, ref := range []string{"user:default/demo", "Group:default/web-team", "component:payments-api", "User:DEFAULT/ADMIN"} {
			e, err := c.GetEntity(ctx, ref)
			if err != nil {
				t.Errorf("%s: %v", ref, err)
				continue
			}
			want, _ := catalog.ParseRef(ref, "", catalog.DefaultNamespace)
			if got, err := e.Ref(); err != nil || !got.Equal(want) {
				t.Errorf("%s: entity ref %v, %v", ref, got, err)
			}
		}
		if _, err := c.GetEntity(ctx, "component:default/no-such-thing"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("missing entity: %v, want ErrNotFound", err)
		}
	})

	t.Run("users by email", func(t *testing.T) {
		for _, c2 := range []struct {
			email string
			want  []string
		}{
			{"demo@example.com", []string{"demo"}},
			{"ADMIN@Example.com", []string{"admin"}},
			{"nobody@example.com", nil},
		} {
			users, err := c.FindUsers(ctx, catalog.UserQuery{Email: c2.email})
			if err != nil {
				t.Fatalf("%s: %v", c2.email, err)
			}
			if got := entityNames(users); !sameSet(got, c2.want) {
				t.Errorf("%s: %v, want %v", c2.email, got, c2.want)
			}
		}
	})

	t.Run("users by annotation across pages", func(t *testing.T) {
		users, err := c.FindUsers(ctx, catalog.UserQuery{AnnotationKey: "coderhost.dev/e2e-batch", AnnotationValue: "paged"})
		if err != nil {
			t.Fatal(err)
		}
		names := entityNames(users)
		slices.Sort(names)
		if len(slices.Compact(names)) != pagedUsers {
			t.Fatalf("%d distinct users, want %d (the catalog answers 100 a page)", len(names), pagedUsers)
		}
	})

	t.Run("groups and memberships", func(t *testing.T) {
		u, err := c.GetEntity(ctx, "user:default/admin")
		if err != nil {
			t.Fatal(err)
		}
		var groups []string
		rels, _ := u["relations"].([]any)
		for _, r := range rels {
			rel, _ := r.(map[string]any)
			if rel["type"] == "memberOf" {
				groups = append(groups, fmt.Sprint(rel["targetRef"]))
			}
		}
		if !sameSet(groups, []string{"group:default/platform-team"}) {
			t.Errorf("admin memberOf %v", groups)
		}
		g, err := c.GetEntity(ctx, "group:default/platform-team")
		if err != nil {
			t.Fatal(err)
		}
		var members []string
		rels, _ = g["relations"].([]any)
		for _, r := range rels {
			rel, _ := r.(map[string]any)
			if rel["type"] == "hasMember" {
				members = append(members, fmt.Sprint(rel["targetRef"]))
			}
		}
		if !sameSet(members, []string{"user:default/admin", "user:default/demo"}) {
			t.Errorf("platform-team hasMember %v", members)
		}
	})

	t.Run("rejected token", func(t *testing.T) {
		bad := "wrong-" + randomHex(8)
		_, err := catalog.NewClient(bs.url, bad).GetEntity(ctx, "user:default/demo")
		if err == nil || errors.Is(err, catalog.ErrNotFound) || !strings.Contains(err.Error(), "401") {
			t.Fatalf("wrong token: %v, want a 401 error", err)
		}
		if strings.Contains(err.Error(), bad) {
			t.Errorf("the error leaks the token: %v", err)
		}
	})
}

func entityNames(es []catalog.Entity) []string {
	var names []string
	for _, e := range es {
		md, _ := e["metadata"].(map[string]any)
		names = append(names, fmt.Sprint(md["name"]))
	}
	return names
}

// signedIn is what the callback page hands the Backstage frontend.
type signedIn struct {
	accessToken    string // the Coder API key
	backstageToken string // the Backstage identity token coderhost minted
}

// signInThroughHost runs the popup sign-in against the host at d, as
// TestCoderSignInThroughTheHost does, and returns the session.
func signInThroughHost(t *testing.T, d *daemon) signedIn {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &authBrowser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	q := url.Values{"scope": {""}, "origin": {"http://localhost:3000"}, "flow": {"popup"}, "env": {"development"}}
	resp, _ := b.do("GET", d.url("/api/auth/coder/start?"+q.Encode()), nil, nil)
	callback := consent(t, b, next(t, resp, http.StatusFound))
	resp, page := b.do("GET", callback, nil, nil)
	m := regexp.MustCompile(`decodeURIComponent\('(.+?)'\)`).FindAllStringSubmatch(page, -1)
	if resp.StatusCode != 200 || len(m) != 2 {
		t.Fatalf("callback: %d %s", resp.StatusCode, page)
	}
	raw, _ := url.PathUnescape(m[0][1])
	var msg struct {
		Error    map[string]string
		Response struct {
			ProviderInfo      struct{ AccessToken string }
			BackstageIdentity struct{ Token string }
		}
	}
	if err := json.Unmarshal([]byte(raw), &msg); err != nil || msg.Error != nil || msg.Response.BackstageIdentity.Token == "" {
		t.Fatalf("sign-in message %s (%v)", raw, err)
	}
	return signedIn{msg.Response.ProviderInfo.AccessToken, msg.Response.BackstageIdentity.Token}
}

// The real Backstage backend, with discovery routing plugin id "auth" to
// coderhost, accepts the user tokens coderhost's auth plugin mints: it
// fetches their keys from coderhost's JWKS. The sign-in resolves the user
// in the real catalog, and the two tokens of the session then carry the
// frontend's requests through the real proxy to Coder.
func TestBackstageAcceptsUserTokensFromTheHost(t *testing.T) {
	bs := useBackstage(t)
	addr := bs.hostAddr
	cfg := regexp.MustCompile(`(?m)^  catalog_files = .*$`).ReplaceAllString(authConfig(addr),
		fmt.Sprintf("  backend_url   = %q\n  catalog_token = %q", bs.url, bs.token))
	if !strings.Contains(cfg, bs.url) {
		t.Fatal("the auth configuration has no catalog_files line to point at the Backstage backend")
	}
	d := startAt(t, addr, writeConfig(t, withSigningKey(t, cfg)), oauthAppEnv(t, addr))
	s := signInThroughHost(t, d)
	user := http.Header{"Authorization": {"Bearer " + s.backstageToken}}

	if code, body := bs.get(bsCtx(t), "/api/catalog/entities/by-name/user/default/demo", user); code != 200 {
		t.Fatalf("catalog with the host's user token: %d %s", code, body)
	}
	r := fetchVia(t, bs.url+"/api/proxy/coder/api/v2/users/me", http.Header{
		"Authorization":       {"Bearer " + s.backstageToken},
		"Coder-Session-Token": {s.accessToken},
	})
	var me struct{ Username string }
	if err := json.Unmarshal(r.body, &me); r.status != 200 || err != nil || me.Username != "demo" {
		t.Fatalf("users/me through Backstage with the session's two tokens: %d %s", r.status, r.body)
	}

	// A token whose signature does not verify, and one signed by a key
	// coderhost does not publish, are refused.
	parts := strings.Split(s.backstageToken, ".")
	sig := []byte(parts[2])
	sig[len(sig)/2] ^= 1
	tampered := parts[0] + "." + parts[1] + "." + string(sig)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType("vnd.backstage.user").WithHeader("kid", "forged"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	forged, err := jwt.Signed(signer).Claims(map[string]any{
		"sub": "user:default/admin", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "iss": d.url("/api/auth"),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"tampered": tampered, "forged": forged} {
		if code, body := bs.get(bsCtx(t), "/api/catalog/entities/by-name/user/default/demo", http.Header{"Authorization": {"Bearer " + tok}}); code != 401 {
			t.Errorf("%s token: %d %s, want 401", name, code, body)
		}
	}
}
