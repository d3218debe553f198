package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/coderhost/coderhost/plugins/auth/internal/backstage"
)

// coderMe asks the fake Coder who a token belongs to.
func (r *rig) coderMe(token string) (int, string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.coder.URL+"/api/v2/users/me", nil)
	req.Header.Set("Coder-Session-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var u struct{ Username string }
	_ = json.NewDecoder(resp.Body).Decode(&u)
	return resp.StatusCode, u.Username
}

func TestPopupFlowLinksCoderAccount(t *testing.T) {
	r := newRig(t, rigOptions{})

	start := r.browser.get(r.startQuery("popup", "scope", "openid,  email openid"), nil)
	if start.StatusCode != http.StatusFound || start.Header.Get("Content-Length") != "0" {
		t.Fatalf("start = %d, Content-Length %q", start.StatusCode, start.Header.Get("Content-Length"))
	}
	authorize, _ := url.Parse(start.Header.Get("Location"))
	q := authorize.Query()
	if !strings.HasPrefix(authorize.String(), r.coder.URL+"/oauth2/authorize?") || q.Get("response_type") != "code" ||
		q.Get("client_id") != demoClientID || q.Get("redirect_uri") != r.url("/api/auth/coder/handler/frame") || q.Get("scope") != "openid email" {
		t.Errorf("authorize URL = %s", authorize)
	}
	rawState, _ := hex.DecodeString(q.Get("state"))
	state, _ := url.ParseQuery(string(rawState))
	nonce := r.browser.cookie(r.url("/api/auth/coder/handler/frame"), "coder-nonce")
	if nonce == "" || state.Get("env") != "development" || state.Get("origin") != appOrigin || state.Get("flow") != "popup" {
		t.Errorf("state = %v, nonce cookie %q", state, nonce)
	}
	if n, _ := url.PathUnescape(nonce); n != state.Get("nonce") {
		t.Errorf("cookie nonce %q does not match the state's %q", n, state.Get("nonce"))
	}
	if b, err := base64.StdEncoding.DecodeString(state.Get("nonce")); err != nil || len(b) != 16 {
		t.Errorf("nonce %q is not 16 bytes of standard base64", state.Get("nonce"))
	}

	consent := r.browser.get(authorize.String(), nil)
	callback := consent.Header.Get("Location")
	page := r.browser.get(callback, nil)
	msg, target := parsePage(t, page)
	if page.Header.Get("X-Frame-Options") != "sameorigin" || !strings.HasPrefix(page.Header.Get("Content-Security-Policy"), "script-src 'sha256-") {
		t.Errorf("page headers %v", page.Header)
	}
	if target != appOrigin {
		t.Errorf("posted to %q, want %q", target, appOrigin)
	}
	if msg["type"] != "authorization_response" || msg["error"] != nil {
		t.Fatalf("message = %v", msg)
	}
	if get(msg, "response", "profile", "email") != "demo@example.com" || get(msg, "response", "profile", "displayName") != "Demo User" {
		t.Errorf("profile = %v", get(msg, "response", "profile"))
	}
	info := get(msg, "response", "providerInfo").(map[string]any)
	if info["scope"] != "openid email" || info["expiresInSeconds"].(float64) < 86000 {
		t.Errorf("providerInfo = %v", info)
	}
	if get(msg, "response", "backstageIdentity") != nil {
		t.Error("a backstageIdentity without sign-in configured")
	}
	// The access token is a Coder API key for the user.
	if code, who := r.coderMe(info["accessToken"].(string)); code != 200 || who != "demo" {
		t.Errorf("users/me with the access token = %d %q", code, who)
	}
	// The refresh cookie is scoped to the provider and HttpOnly.
	var refresh *http.Cookie
	for _, c := range page.Cookies() {
		if c.Name == "coder-refresh-token" && c.MaxAge > 0 {
			refresh = c
		}
	}
	if refresh == nil || refresh.Path != "/api/auth/coder" || !refresh.HttpOnly || refresh.SameSite != http.SameSiteLaxMode || refresh.Secure {
		t.Errorf("refresh cookie = %v", refresh)
	}
}

func TestRedirectFlow(t *testing.T) {
	r := newRig(t, rigOptions{})
	cb := r.authorize(r.startQuery("redirect"))
	resp := r.browser.get(cb, nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != appOrigin+"/catalog/default/component/web?tab=coder" {
		t.Fatalf("callback = %d to %q: %s", resp.StatusCode, resp.Header.Get("Location"), readBody(resp))
	}
	// The app then restores the session through refresh.
	refresh := r.xhr(http.MethodGet, "/api/auth/coder/refresh?optional&scope=&env=development", appOrigin)
	var session backstage.ClientAuthResponse
	if err := json.NewDecoder(refresh.Body).Decode(&session); err != nil || refresh.StatusCode != 200 {
		t.Fatalf("refresh = %d, %v", refresh.StatusCode, err)
	}
	if code, who := r.coderMe(session.ProviderInfo.AccessToken); code != 200 || who != "demo" {
		t.Errorf("refreshed token: %d %q", code, who)
	}
}

func TestCallbackRejections(t *testing.T) {
	tests := []struct {
		name string
		flow string
		// callback turns a valid callback URL (and the rig) into the one
		// the browser visits.
		callback func(r *rig, cb string) string
		wantName string
		wantMsg  string
	}{
		{name: "nonce mismatch", flow: "popup", callback: func(r *rig, cb string) string {
			r.browser.get(r.startQuery("popup"), nil) // a second sign-in replaces the nonce cookie
			return cb
		}, wantName: "NotAllowedError", wantMsg: "Invalid nonce"},
		{name: "nonce mismatch, redirect flow", flow: "redirect", callback: func(r *rig, cb string) string {
			r.browser.get(r.startQuery("redirect"), nil)
			return cb
		}, wantMsg: "Invalid nonce"},
		{name: "no nonce cookie", flow: "popup", callback: func(r *rig, cb string) string {
			r.browser = newBrowser(r.t)
			return cb
		}, wantName: "NotAllowedError", wantMsg: "Auth response is missing cookie nonce"},
		{name: "state re-encoded for another origin", flow: "popup", callback: func(r *rig, cb string) string {
			return withState(r.t, cb, func(s url.Values) { s.Set("origin", "http://evil.example") })
		}, wantName: "NotAllowedError", wantMsg: "Origin 'http://evil.example' is not allowed"},
		{name: "state with a forged nonce", flow: "popup", callback: func(r *rig, cb string) string {
			return withState(r.t, cb, func(s url.Values) { s.Set("nonce", "AAAAAAAAAAAAAAAAAAAAAA==") })
		}, wantName: "NotAllowedError", wantMsg: "Invalid nonce"},
		{name: "redirect flow to a foreign site is not followed", flow: "redirect", callback: func(r *rig, cb string) string {
			return withState(r.t, cb, func(s url.Values) { s.Set("redirectUrl", "https://evil.example/steal") })
		}, wantName: "NotAllowedError", wantMsg: "Redirect URL is not on an allowed origin"},
		{name: "user cancelled at Coder", flow: "popup", callback: func(r *rig, cb string) string {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Del("code")
			q.Set("error", "access_denied")
			u.RawQuery = q.Encode()
			return u.String()
		}, wantName: "Error", wantMsg: "Authentication rejected, access_denied"},
		{name: "code used twice", flow: "popup", callback: func(r *rig, cb string) string {
			r.browser.get(cb, nil)
			return cb
		}, wantName: "Error", wantMsg: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigOptions{})
			cb := tt.callback(r, r.authorize(r.startQuery(tt.flow)))
			resp := r.browser.get(cb, nil)
			if tt.flow == "redirect" && tt.wantName == "" {
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != tt.wantMsg || loc.Query().Get("tab") != "coder" ||
					!strings.HasPrefix(loc.String(), appOrigin+"/catalog/default/component/web?") {
					t.Fatalf("redirect-flow error = %d to %q", resp.StatusCode, loc)
				}
				return
			}
			msg, target := parsePage(t, resp)
			if get(msg, "error", "name") != tt.wantName || !strings.Contains(get(msg, "error", "message").(string), tt.wantMsg) {
				t.Errorf("error message = %v, want %s %q", msg["error"], tt.wantName, tt.wantMsg)
			}
			if target != appOrigin {
				t.Errorf("error posted to %q, want the app origin", target)
			}
			for _, c := range resp.Cookies() {
				if c.Name == "coder-refresh-token" && c.MaxAge > 0 {
					t.Error("a failed sign-in set a refresh cookie")
				}
			}
		})
	}
}

// withState rewrites the decoded state of a callback URL.
func withState(t testing.TB, cb string, edit func(url.Values)) string {
	t.Helper()
	u, _ := url.Parse(cb)
	q := u.Query()
	raw, _ := hex.DecodeString(q.Get("state"))
	s, _ := url.ParseQuery(string(raw))
	edit(s)
	q.Set("state", hex.EncodeToString([]byte(s.Encode())))
	u.RawQuery = q.Encode()
	return u.String()
}

func TestRequestErrorsUseBackstageErrorJSON(t *testing.T) {
	r := newRig(t, rigOptions{})
	tests := []struct {
		name, method, path string
		headers            map[string]string
		status             int
		errName, message   string
	}{
		{"disallowed origin", "GET", "/api/auth/coder/start?env=development&origin=http://evil.example:3000", nil,
			403, "NotAllowedError", "Origin 'http://evil.example:3000' is not allowed"},
		{"unparsable origin", "GET", "/api/auth/coder/start?env=development&origin=::nope", nil,
			400, "InputError", "App origin is invalid, failed to parse"},
		{"redirect URL elsewhere", "GET", "/api/auth/coder/start?env=development&flow=redirect&redirectUrl=https://evil.example/", nil,
			403, "NotAllowedError", "Redirect origin 'https://evil.example' is not allowed"},
		{"no env", "GET", "/api/auth/coder/start?origin=" + url.QueryEscape(appOrigin), nil,
			400, "InputError", "Must specify 'env' query to select environment"},
		{"unknown env", "GET", "/api/auth/coder/start?env=staging", nil,
			404, "NotFoundError", "No configuration available for the 'staging' environment of this provider."},
		{"tampered state that is not hex", "GET", "/api/auth/coder/handler/frame?code=x&state=zz" + hex.EncodeToString([]byte("nonce=a&env=development")), nil,
			403, "NotAllowedError", "OAuth state is invalid, missing env"},
		{"state without nonce", "GET", "/api/auth/coder/handler/frame?code=x&state=" + hex.EncodeToString([]byte("env=development")), nil,
			403, "NotAllowedError", "OAuth state is invalid, missing nonce"},
		{"refresh without the XHR header", "GET", "/api/auth/coder/refresh?optional&env=development", nil,
			401, "AuthenticationError", "Invalid X-Requested-With header"},
		{"refresh without a cookie", "GET", "/api/auth/coder/refresh?optional&env=development", map[string]string{"X-Requested-With": "XMLHttpRequest"},
			401, "AuthenticationError", "Refresh failed; caused by InputError: Missing session cookie"},
		{"logout without the XHR header", "POST", "/api/auth/coder/logout?env=development", nil,
			401, "AuthenticationError", "Invalid X-Requested-With header"},
		{"logout from a foreign origin", "POST", "/api/auth/coder/logout?env=development", map[string]string{"X-Requested-With": "XMLHttpRequest", "Origin": "http://evil.example"},
			403, "NotAllowedError", "Origin 'http://evil.example' is not allowed"},
		{"unknown provider", "GET", "/api/auth/github/start?env=development", nil,
			404, "NotFoundError", "Unknown auth provider 'github'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			resp := newBrowser(t).do(tt.method, r.url(tt.path), h)
			var body struct {
				Error    struct{ Name, Message string }
				Request  struct{ Method, URL string }
				Response struct{ StatusCode int }
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("%d: not JSON: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != tt.status || body.Response.StatusCode != tt.status || body.Error.Name != tt.errName || body.Error.Message != tt.message {
				t.Errorf("got %d %+v", resp.StatusCode, body)
			}
			if body.Request.Method != tt.method || !strings.HasPrefix(tt.path, "/api/auth"+strings.SplitN(body.Request.URL, "?", 2)[0]) {
				t.Errorf("request = %+v", body.Request)
			}
			for _, c := range resp.Cookies() {
				if c.MaxAge > 0 {
					t.Errorf("a rejected request set cookie %s", c.Name)
				}
			}
		})
	}
}

func TestRefreshRotation(t *testing.T) {
	r := newRig(t, rigOptions{})
	_, msg, _ := r.signIn()
	first := get(msg, "response", "providerInfo", "accessToken").(string)
	cookieURL := r.url("/api/auth/coder/refresh")
	rt1 := r.browser.cookie(cookieURL, "coder-refresh-token")

	resp := r.xhr(http.MethodGet, "/api/auth/coder/refresh?optional&scope=&env=development", appOrigin)
	var s1 backstage.ClientAuthResponse
	if err := json.NewDecoder(resp.Body).Decode(&s1); err != nil || resp.StatusCode != 200 {
		t.Fatalf("refresh = %d %v", resp.StatusCode, err)
	}
	rt2 := r.browser.cookie(cookieURL, "coder-refresh-token")
	if rt2 == "" || rt2 == rt1 {
		t.Fatal("the rotated refresh token was not written to the cookie")
	}
	if s1.ProviderInfo.AccessToken == first || s1.ProviderInfo.ExpiresInSeconds <= 0 || s1.Profile.Email != "demo@example.com" {
		t.Errorf("refreshed session = %+v", s1)
	}
	if code, _ := r.coderMe(first); code != http.StatusUnauthorized {
		t.Errorf("the access token before rotation still works: %d", code)
	}
	if code, who := r.coderMe(s1.ProviderInfo.AccessToken); code != 200 || who != "demo" {
		t.Errorf("the rotated access token: %d %q", code, who)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != appOrigin || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("CORS headers %v", resp.Header)
	}

	// Tabs that still hold the previous cookie refresh at the same moment:
	// they share one rotation instead of failing.
	var wg sync.WaitGroup
	tokens := make([]string, 4)
	codes := make([]int, 4)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, r.url("/api/auth/coder/refresh?env=development"), nil)
			req.Header.Set("X-Requested-With", "XMLHttpRequest")
			req.AddCookie(&http.Cookie{Name: "coder-refresh-token", Value: rt2})
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			defer res.Body.Close()
			var s backstage.ClientAuthResponse
			_ = json.NewDecoder(res.Body).Decode(&s)
			tokens[i], codes[i] = s.ProviderInfo.AccessToken, res.StatusCode
		}()
	}
	wg.Wait()
	for i := range tokens {
		if codes[i] != 200 || tokens[i] != tokens[0] {
			t.Errorf("concurrent refresh %d: %d %q (first got %q)", i, codes[i], tokens[i], tokens[0])
		}
	}

	// A refresh token Coder no longer knows fails like Backstage's.
	bad := newBrowser(t)
	req := http.Header{"X-Requested-With": {"XMLHttpRequest"}, "Cookie": {"coder-refresh-token=coder_aaaaaaaaaa_" + strings.Repeat("b", 40)}}
	res := bad.do(http.MethodGet, r.url("/api/auth/coder/refresh?env=development"), req)
	if body := readBody(res); res.StatusCode != 401 || !strings.Contains(body, `"message":"Refresh failed; caused by Error: refresh grant: Coder answered 400: invalid_grant`) {
		t.Errorf("refresh with a dead token = %d %s", res.StatusCode, body)
	}
}

// paddedTokens makes the fake Coder issue 5000-character refresh tokens,
// as IdPs with JWT refresh tokens do, and accept them back.
func paddedTokens(next http.Handler) http.Handler {
	pad := "." + strings.Repeat("p", 5000)
	re := regexp.MustCompile(`"refresh_token":"([^"]+)"`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/tokens" || r.URL.Path == "/oauth2/revoke" {
			_ = r.ParseForm()
			for _, k := range []string{"refresh_token", "token"} {
				if v := r.PostForm.Get(k); v != "" {
					r.PostForm.Set(k, strings.TrimSuffix(v, pad))
				}
			}
			body := r.PostForm.Encode()
			r.Body = http.NoBody
			r.Form = nil
			r2 := r.Clone(r.Context())
			r2.Body = ioNopCloser(body)
			r2.ContentLength = int64(len(body))
			r2.PostForm = nil
			rec := &captureWriter{header: http.Header{}}
			next.ServeHTTP(rec, r2)
			out := re.ReplaceAllString(rec.body.String(), `"refresh_token":"${1}`+pad+`"`)
			for k, v := range rec.header {
				if k != "Content-Length" {
					w.Header()[k] = v
				}
			}
			w.WriteHeader(rec.status)
			_, _ = w.Write([]byte(out))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func TestChunkedRefreshCookie(t *testing.T) {
	r := newRig(t, rigOptions{wrapCoder: paddedTokens})
	page, msg, _ := r.signIn()
	if msg["error"] != nil {
		t.Fatalf("sign-in failed: %v", msg["error"])
	}
	var chunks []*http.Cookie
	for _, c := range page.Cookies() {
		if strings.HasPrefix(c.Name, "coder-refresh-token-") && c.MaxAge > 0 {
			chunks = append(chunks, c)
		}
	}
	if len(chunks) != 2 || len(chunks[0].Value) != 4000 || chunks[0].Path != "/api/auth/coder" {
		t.Fatalf("want 2 chunks of which the first is 4000 characters, got %d", len(chunks))
	}
	for i := range 2 {
		resp := r.xhr(http.MethodGet, "/api/auth/coder/refresh?optional&env=development", appOrigin)
		var s backstage.ClientAuthResponse
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || resp.StatusCode != 200 {
			t.Fatalf("refresh %d with chunked cookies = %d %v", i, resp.StatusCode, err)
		}
		if code, _ := r.coderMe(s.ProviderInfo.AccessToken); code != 200 {
			t.Errorf("refresh %d: token does not work", i)
		}
	}
	resp := r.xhr(http.MethodPost, "/api/auth/coder/logout?env=development", appOrigin)
	cleared := 0
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "coder-refresh-token") && c.MaxAge < 0 {
			cleared++
		}
	}
	if resp.StatusCode != 200 || cleared != 2 {
		t.Errorf("logout = %d, cleared %d chunk cookies", resp.StatusCode, cleared)
	}
}

func TestLogoutRevokesAtCoder(t *testing.T) {
	r := newRig(t, rigOptions{})
	_, msg, _ := r.signIn()
	token := get(msg, "response", "providerInfo", "accessToken").(string)
	rt := r.browser.cookie(r.url("/api/auth/coder/logout"), "coder-refresh-token")

	resp := r.xhr(http.MethodPost, "/api/auth/coder/logout?env=development", appOrigin)
	if resp.StatusCode != 200 || readBody(resp) != "" {
		t.Fatalf("logout = %d", resp.StatusCode)
	}
	var cleared bool
	for _, c := range resp.Cookies() {
		cleared = cleared || (c.Name == "coder-refresh-token" && c.MaxAge < 0 && c.Path == "/api/auth/coder")
	}
	if !cleared || r.browser.cookie(r.url("/api/auth/coder/refresh"), "coder-refresh-token") != "" {
		t.Error("the refresh cookie was not cleared")
	}
	if code, _ := r.coderMe(token); code != http.StatusUnauthorized {
		t.Errorf("the access token still works after sign-out: %d", code)
	}
	var revoked bool
	for _, req := range r.fake.Requests() {
		revoked = revoked || (req.Method == "POST" && req.Path == "/oauth2/revoke")
	}
	if !revoked {
		t.Error("Coder's revoke endpoint was not called")
	}
	// The old refresh token is dead too.
	res := newBrowser(t).do(http.MethodGet, r.url("/api/auth/coder/refresh?env=development"),
		http.Header{"X-Requested-With": {"XMLHttpRequest"}, "Cookie": {"coder-refresh-token=" + rt}})
	if res.StatusCode != 401 {
		t.Errorf("refresh after sign-out = %d", res.StatusCode)
	}
}

func TestPKCE(t *testing.T) {
	r := newRig(t, rigOptions{config: map[string]any{"pkce": true}})
	start := r.browser.get(r.startQuery("popup"), nil)
	loc, _ := url.Parse(start.Header.Get("Location"))
	challenge := loc.Query().Get("code_challenge")
	if loc.Query().Get("code_challenge_method") != "S256" || len(challenge) != 43 {
		t.Fatalf("authorize URL has no S256 challenge: %s", loc)
	}
	verifier, _ := url.PathUnescape(r.browser.cookie(r.url("/api/auth/coder/handler/frame"), "coder-code-verifier"))
	if sum := sha256.Sum256([]byte(verifier)); base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
		t.Error("the verifier cookie does not match the challenge")
	}
	cb := r.browser.get(loc.String(), nil).Header.Get("Location")
	msg, _ := parsePage(t, r.browser.get(cb, nil))
	if msg["error"] != nil {
		t.Fatalf("PKCE sign-in failed: %v", msg["error"])
	}
	if r.browser.cookie(r.url("/api/auth/coder/handler/frame"), "coder-code-verifier") != "" {
		t.Error("the verifier cookie outlives its use")
	}

	// Without the verifier the callback is refused before Coder is asked.
	cb = r.authorize(r.startQuery("popup"))
	u, _ := url.Parse(r.url("/api/auth/coder/handler/frame"))
	r.browser.jar.SetCookies(u, []*http.Cookie{{Name: "coder-code-verifier", Value: "", Path: "/api/auth/coder/handler", MaxAge: -1}})
	msg, _ = parsePage(t, r.browser.get(cb, nil))
	if get(msg, "error", "message") != "Auth response is missing cookie code verifier" {
		t.Errorf("error = %v", msg["error"])
	}
}

func TestCORSPreflight(t *testing.T) {
	r := newRig(t, rigOptions{config: map[string]any{"allowed_origins": []string{"https://*.backstage.test"}}})
	for origin, allowed := range map[string]bool{appOrigin: true, "https://dev.backstage.test": true, "http://evil.example": false} {
		resp := newBrowser(t).do(http.MethodOptions, r.url("/api/auth/coder/refresh"), http.Header{
			"Origin": {origin}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"x-requested-with"},
		})
		got := resp.Header.Get("Access-Control-Allow-Origin") == origin &&
			resp.Header.Get("Access-Control-Allow-Credentials") == "true" &&
			strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Requested-With")
		if got != allowed || resp.StatusCode != http.StatusNoContent {
			t.Errorf("preflight from %s: %d %v, want allowed=%v", origin, resp.StatusCode, resp.Header, allowed)
		}
	}
}
