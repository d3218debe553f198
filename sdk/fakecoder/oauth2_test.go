package fakecoder_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

const demoCallback = "http://localhost:7007/api/auth/coder/handler/frame"

// authorizeCode runs GET /oauth2/authorize on a server with auto-approve and
// returns the code from the redirect.
func authorizeCode(t *testing.T, s *fakecoder.Server, app string, extra url.Values) string {
	t.Helper()
	clientID, _, ok := s.OAuth2App(app)
	if !ok {
		t.Fatalf("no app %q", app)
	}
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "state": {"st4te"}}
	for k, v := range extra {
		q[k] = v
	}
	r := get(t, s.URL()+"/oauth2/authorize?"+q.Encode())
	wantStatus(t, r, http.StatusFound)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Query().Get("state") != "st4te" {
		t.Errorf("redirect %s lost the state", loc)
	}
	code := loc.Query().Get("code")
	if !strings.HasPrefix(code, "coder_") {
		t.Fatalf("redirect %s has no code", loc)
	}
	return code
}

func exchange(t *testing.T, s *fakecoder.Server, form url.Values) result {
	t.Helper()
	return send(t, http.MethodPost, s.URL()+"/oauth2/tokens", form)
}

// oauthCodeFlow authorizes and exchanges the code, returning the tokens.
func oauthCodeFlow(t *testing.T, s *fakecoder.Server, app string, extra url.Values) fakecoder.OAuth2Token {
	t.Helper()
	code := authorizeCode(t, s, app, extra)
	clientID, secret, _ := s.OAuth2App(app)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {clientID}, "client_secret": {secret}}
	if res := extra.Get("resource"); res != "" {
		form.Set("resource", res)
	}
	r := exchange(t, s, form)
	wantStatus(t, r, http.StatusOK)
	var tok fakecoder.OAuth2Token
	r.decode(t, &tok)
	return tok
}

func oauthError(t *testing.T, r result) fakecoder.OAuth2Error {
	t.Helper()
	var e fakecoder.OAuth2Error
	r.decode(t, &e)
	return e
}

func whoAmI(t *testing.T, s *fakecoder.Server, bearer string) (int, string) {
	t.Helper()
	r := get(t, s.URL()+"/api/v2/users/me", withHeader("Authorization", "Bearer "+bearer))
	if r.status != http.StatusOK {
		return r.status, ""
	}
	var u fakecoder.User
	r.decode(t, &u)
	return r.status, u.Username
}

func TestOAuth2AuthorizationCode(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithOAuth2AutoApprove("demo"))
	clientID, secret, _ := s.OAuth2App("backstage")
	code := authorizeCode(t, s, "backstage", url.Values{"redirect_uri": {demoCallback}})
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "client_id": {clientID},
		"client_secret": {secret}, "redirect_uri": {demoCallback},
	}
	r := exchange(t, s, form)
	wantStatus(t, r, http.StatusOK)
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	var tok fakecoder.OAuth2Token
	r.decode(t, &tok)
	if tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 || tok.ExpiresIn > 86400 || !strings.HasPrefix(tok.RefreshToken, "coder_") || tok.Expiry.IsZero() {
		t.Errorf("token = %+v", tok)
	}
	if status, user := whoAmI(t, s, tok.AccessToken); status != http.StatusOK || user != "demo" {
		t.Errorf("access token as Bearer: %d %q", status, user)
	}
	wantStatus(t, get(t, s.URL()+"/api/v2/users/me", withToken(tok.AccessToken)), http.StatusOK)

	t.Run("a code works once", func(t *testing.T) {
		r := exchange(t, s, form)
		wantStatus(t, r, http.StatusBadRequest)
		if e := oauthError(t, r); e.Error != "invalid_grant" || e.ErrorDescription != "The authorization code is invalid or expired" {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("a new exchange replaces the previous token", func(t *testing.T) {
		next := oauthCodeFlow(t, s, "backstage", nil)
		if status, _ := whoAmI(t, s, tok.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("old access token: status %d, want 401", status)
		}
		if status, _ := whoAmI(t, s, next.AccessToken); status != http.StatusOK {
			t.Errorf("new access token: status %d", status)
		}
	})
}

func TestOAuth2PKCE(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithOAuth2AutoApprove("demo"))
	clientID, secret, _ := s.OAuth2App("backstage")
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	tests := []struct {
		name     string
		verifier string
		status   int
	}{
		{"no verifier", "", http.StatusBadRequest},
		{"wrong verifier", "not-the-verifier-not-the-verifier-not-the-ver", http.StatusBadRequest},
		{"right verifier", verifier, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := authorizeCode(t, s, "backstage", url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}})
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {clientID}, "client_secret": {secret}}
			if tt.verifier != "" {
				form.Set("code_verifier", tt.verifier)
			}
			r := exchange(t, s, form)
			wantStatus(t, r, tt.status)
			if tt.status != http.StatusOK {
				if e := oauthError(t, r); e.Error != "invalid_grant" || e.ErrorDescription != "The PKCE code verifier is invalid" {
					t.Errorf("error = %+v", e)
				}
			}
		})
	}
	t.Run("plain is refused", func(t *testing.T) {
		q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "code_challenge": {verifier}, "code_challenge_method": {"plain"}}
		// Auto-approved, so refused as Coder refuses the consent itself.
		r := get(t, s.URL()+"/oauth2/authorize?"+q.Encode())
		wantStatus(t, r, http.StatusBadRequest)
		if e := oauthError(t, r); e.Error != "invalid_request" || e.ErrorDescription != "code_challenge_method 'plain' is not supported; use 'S256'" {
			t.Errorf("error = %+v", e)
		}
	})
}

func TestOAuth2RefreshRotation(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithOAuth2AutoApprove("demo"))
	clientID, secret, _ := s.OAuth2App("backstage")
	first := oauthCodeFlow(t, s, "backstage", nil)

	// Backstage sends the secret and an empty scope with a refresh.
	refresh := func(token string) result {
		return exchange(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "client_id": {clientID}, "client_secret": {secret}, "scope": {""}})
	}
	r := refresh(first.RefreshToken)
	wantStatus(t, r, http.StatusOK)
	var second fakecoder.OAuth2Token
	r.decode(t, &second)
	if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken {
		t.Fatal("refresh did not rotate the tokens")
	}
	if status, _ := whoAmI(t, s, first.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("old access token after refresh: status %d, want 401", status)
	}
	if status, user := whoAmI(t, s, second.AccessToken); status != http.StatusOK || user != "demo" {
		t.Errorf("new access token: %d %q", status, user)
	}
	r = refresh(first.RefreshToken)
	wantStatus(t, r, http.StatusBadRequest)
	if e := oauthError(t, r); e.Error != "invalid_grant" || e.ErrorDescription != "The refresh token is invalid or expired" {
		t.Errorf("reusing a rotated refresh token: %+v", e)
	}
	// The secret is not checked on refresh in v2.30, only the client.
	r = exchange(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.RefreshToken}, "client_id": {clientID}})
	wantStatus(t, r, http.StatusOK)
}

func TestOAuth2Revoke(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithOAuth2AutoApprove("demo"))
	clientID, _, _ := s.OAuth2App("backstage")
	revoke := func(form url.Values) result {
		if form.Get("client_id") == "" {
			form.Set("client_id", clientID)
		}
		return send(t, http.MethodPost, s.URL()+"/oauth2/revoke", form)
	}

	t.Run("refresh token, which also ends its access token", func(t *testing.T) {
		tok := oauthCodeFlow(t, s, "backstage", nil)
		r := revoke(url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}})
		wantStatus(t, r, http.StatusOK)
		if len(r.body) != 0 {
			t.Errorf("body = %q, want empty", r.body)
		}
		if status, _ := whoAmI(t, s, tok.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("access token after revoking its refresh token: %d", status)
		}
	})
	t.Run("access token", func(t *testing.T) {
		tok := oauthCodeFlow(t, s, "backstage", nil)
		wantStatus(t, revoke(url.Values{"token": {tok.AccessToken}}), http.StatusOK)
		if status, _ := whoAmI(t, s, tok.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("access token after revocation: %d", status)
		}
		r := exchange(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {clientID}})
		wantStatus(t, r, http.StatusBadRequest)
	})
	t.Run("session tokens are not revocable by an app", func(t *testing.T) {
		wantStatus(t, revoke(url.Values{"token": {s.Token("demo")}}), http.StatusOK)
		wantStatus(t, get(t, s.URL()+"/api/v2/users/me", withToken(s.Token("demo"))), http.StatusOK)
	})
	tests := []struct {
		name   string
		form   url.Values
		status int
		err    fakecoder.OAuth2Error
	}{
		{"unknown token", url.Values{"token": {"coder_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}}, http.StatusOK, fakecoder.OAuth2Error{}},
		{"missing token", url.Values{}, http.StatusBadRequest, fakecoder.OAuth2Error{Error: "invalid_request", ErrorDescription: "missing token parameter"}},
		{"malformed token", url.Values{"token": {"xyz"}}, http.StatusBadRequest, fakecoder.OAuth2Error{Error: "invalid_request", ErrorDescription: "Invalid token format"}},
		{"unknown client", url.Values{"token": {"xyz"}, "client_id": {"00000000-0000-4000-8000-000000000000"}}, http.StatusUnauthorized, fakecoder.OAuth2Error{Error: "invalid_client", ErrorDescription: "The client credentials are invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := revoke(tt.form)
			wantStatus(t, r, tt.status)
			if tt.status != http.StatusOK {
				if e := oauthError(t, r); e != tt.err {
					t.Errorf("error = %+v, want %+v", e, tt.err)
				}
			}
		})
	}
	t.Run("DELETE /oauth2/tokens", func(t *testing.T) {
		tok := oauthCodeFlow(t, s, "backstage", nil)
		r := send(t, http.MethodDelete, s.URL()+"/oauth2/tokens?client_id="+clientID, nil, withToken(s.Token("demo")))
		wantStatus(t, r, http.StatusNoContent)
		if status, _ := whoAmI(t, s, tok.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("access token after DELETE /oauth2/tokens: %d", status)
		}
	})
}

func TestOAuth2TokenRequestErrors(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithOAuth2AutoApprove("demo"))
	clientID, secret, _ := s.OAuth2App("backstage")
	valid := func(mutate func(url.Values)) url.Values {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {authorizeCode(t, s, "backstage", nil)}, "client_id": {clientID}, "client_secret": {secret}}
		mutate(form)
		return form
	}
	tests := []struct {
		name   string
		form   func() url.Values
		status int
		err    string
		descr  string
	}{
		{"no grant_type", func() url.Values { return valid(func(f url.Values) { f.Del("grant_type") }) }, 400, "unsupported_grant_type", "The grant type is missing or unsupported"},
		{"password grant", func() url.Values { return valid(func(f url.Values) { f.Set("grant_type", "password") }) }, 400, "unsupported_grant_type", `The grant type "password" is not supported`},
		{"no code", func() url.Values { return valid(func(f url.Values) { f.Del("code") }) }, 400, "invalid_request", "Missing required parameter: code"},
		{"no client_secret (even with PKCE)", func() url.Values {
			return valid(func(f url.Values) { f.Del("client_secret"); f.Set("code_verifier", "x") })
		}, 400, "invalid_request", "Missing required parameter: client_secret"},
		{"unknown form key", func() url.Values { return valid(func(f url.Values) { f.Set("nonce", "n") }) }, 400, "invalid_request", "The request is missing required parameters or is otherwise malformed"},
		{"key given twice", func() url.Values { return valid(func(f url.Values) { f.Add("code", "again") }) }, 400, "invalid_request", "Missing required parameter: code"},
		{"redirect_uri on another host", func() url.Values {
			return valid(func(f url.Values) { f.Set("redirect_uri", "http://evil.example/api/auth/coder/handler/frame") })
		}, 400, "invalid_request", "The request is missing required parameters or is otherwise malformed"},
		{"wrong secret", func() url.Values {
			return valid(func(f url.Values) {
				f.Set("client_secret", "coder_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
			})
		}, 401, "invalid_client", "The client credentials are invalid"},
		{"bad code", func() url.Values { return valid(func(f url.Values) { f.Set("code", "coder_nope_nope") }) }, 400, "invalid_grant", "The authorization code is invalid or expired"},
		{"resource not given at authorize", func() url.Values { return valid(func(f url.Values) { f.Set("resource", s.URL()) }) }, 400, "invalid_target", "The resource parameter is invalid"},
		{"unknown client", func() url.Values {
			return valid(func(f url.Values) { f.Set("client_id", "11111111-1111-4111-8111-111111111111") })
		}, 401, "invalid_client", "The client credentials are invalid"},
		{"client_id not a UUID", func() url.Values { return valid(func(f url.Values) { f.Set("client_id", "backstage") }) }, 401, "invalid_client", "The client credentials are invalid"},
		{"no client_id", func() url.Values { return valid(func(f url.Values) { f.Del("client_id") }) }, 400, "invalid_request", "Missing client_id parameter"},
		{"refresh without refresh_token", func() url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}}
		}, 400, "invalid_request", "Missing required parameter: refresh_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exchange(t, s, tt.form())
			wantStatus(t, r, tt.status)
			if e := oauthError(t, r); e.Error != tt.err || e.ErrorDescription != tt.descr {
				t.Errorf("error = %+v, want %s: %s", e, tt.err, tt.descr)
			}
		})
	}
}

func TestOAuth2Audience(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithOAuth2AutoApprove("demo"))
	bound := oauthCodeFlow(t, s, "backstage", url.Values{"resource": {s.URL() + "/"}})
	if status, user := whoAmI(t, s, bound.AccessToken); status != http.StatusOK || user != "demo" {
		t.Errorf("token bound to this deployment: %d %q", status, user)
	}
	other := oauthCodeFlow(t, s, "backstage", url.Values{"resource": {"https://other.example.com"}})
	r := get(t, s.URL()+"/api/v2/users/me", withToken(other.AccessToken))
	wantStatus(t, r, http.StatusForbidden)
	if msg := r.response(t).Message; msg != "Token audience validation failed" {
		t.Errorf("message = %q", msg)
	}
	if www := r.header.Get("WWW-Authenticate"); !strings.Contains(www, `error="insufficient_scope"`) {
		t.Errorf("WWW-Authenticate = %q", www)
	}
}

func TestOAuth2BrowserFlow(t *testing.T) {
	s := codertest.NewServer(t)
	clientID, _, _ := s.OAuth2App("backstage")
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {demoCallback}, "state": {"abc"}}
	authorizeURL := s.URL() + "/oauth2/authorize?" + q.Encode()

	// Without a session Coder sends the browser to sign in first.
	r := get(t, authorizeURL)
	wantStatus(t, r, http.StatusSeeOther)
	loc, _ := url.Parse(r.header.Get("Location"))
	if loc.Path != "/login" || !strings.HasPrefix(loc.Query().Get("redirect"), "/oauth2/authorize?") {
		t.Fatalf("redirect to %s", loc)
	}

	// The sign-in page sets the session cookie and goes back.
	r = send(t, http.MethodPost, s.URL()+"/login", url.Values{"username": {"demo"}, "redirect": {loc.Query().Get("redirect")}})
	wantStatus(t, r, http.StatusSeeOther)
	var session *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "coder_session_token" {
			session = c
		}
	}
	if session == nil || session.Value != s.Token("demo") {
		t.Fatalf("no session cookie in %v", r.header)
	}
	withCookie := func(req *http.Request) { req.AddCookie(session) }

	r = get(t, authorizeURL, withCookie)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), "Authorize backstage") || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("consent page: %s", r.body)
	}
	r = send(t, http.MethodPost, authorizeURL, nil, withCookie)
	wantStatus(t, r, http.StatusFound)
	dest, _ := url.Parse(r.header.Get("Location"))
	if dest.Host != "localhost:7007" || dest.Query().Get("state") != "abc" || dest.Query().Get("code") == "" {
		t.Errorf("redirect to %s", dest)
	}

	t.Run("unknown query parameters", func(t *testing.T) {
		bad := authorizeURL + "&nonce=n"
		r := get(t, bad, withCookie)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(string(r.body), "Invalid Query Parameters") || !strings.Contains(string(r.body), "&#34;nonce&#34; is not a valid query param") {
			t.Errorf("GET body: %s", r.body)
		}
		r = send(t, http.MethodPost, bad, nil, withCookie)
		wantStatus(t, r, http.StatusBadRequest)
		if e := oauthError(t, r); e.Error != "invalid_request" || !strings.Contains(e.ErrorDescription, `"nonce" is not a valid query param`) {
			t.Errorf("POST error: %+v", e)
		}
	})
	t.Run("client errors come first", func(t *testing.T) {
		r := get(t, s.URL()+"/oauth2/authorize?response_type=code")
		wantStatus(t, r, http.StatusBadRequest)
		if e := oauthError(t, r); e.Error != "invalid_request" || e.ErrorDescription != "Missing client_id parameter" {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("redirect_uri must stay under the callback", func(t *testing.T) {
		q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"http://localhost:7007/elsewhere"}}
		r := get(t, s.URL()+"/oauth2/authorize?"+q.Encode(), withCookie)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(string(r.body), "must be a subset of") {
			t.Errorf("body: %s", r.body)
		}
	})
}

func TestOAuth2Metadata(t *testing.T) {
	s := codertest.NewServer(t)
	var meta map[string]any
	get(t, s.URL()+"/.well-known/oauth-authorization-server").decode(t, &meta)
	want := map[string]any{
		"issuer":                 s.URL(),
		"authorization_endpoint": s.URL() + "/oauth2/authorize",
		"token_endpoint":         s.URL() + "/oauth2/tokens",
		"revocation_endpoint":    s.URL() + "/oauth2/revoke",
	}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("%s = %v, want %v", k, meta[k], v)
		}
	}
	if m := meta["token_endpoint_auth_methods_supported"].([]any); len(m) != 1 || m[0] != "client_secret_post" {
		t.Errorf("auth methods = %v", m)
	}
	var pr map[string]any
	get(t, s.URL()+"/.well-known/oauth-protected-resource").decode(t, &pr)
	if pr["resource"] != s.URL() {
		t.Errorf("protected resource = %v", pr)
	}

	var apps []fakecoder.OAuth2ProviderApp
	get(t, s.URL()+"/api/v2/oauth2-provider/apps", withToken(s.Token("admin"))).decode(t, &apps)
	if len(apps) != 1 || apps[0].Name != "backstage" || apps[0].Endpoints.Token != s.URL()+"/oauth2/tokens" {
		t.Errorf("apps = %+v", apps)
	}
}

func TestOAuth2ProviderDisabled(t *testing.T) {
	s := codertest.NewServer(t, fakecoder.WithOAuth2ProviderDisabled())
	r := send(t, http.MethodPost, s.URL()+"/oauth2/tokens", url.Values{"grant_type": {"refresh_token"}})
	wantStatus(t, r, http.StatusForbidden)
	if msg := r.response(t).Message; msg != "OAuth2 Provider Functionality functionality requires enabling the 'oauth2' experiment." {
		t.Errorf("message = %q", msg)
	}
	// v2.30 serves the discovery documents either way.
	wantStatus(t, get(t, s.URL()+"/.well-known/oauth-authorization-server"), http.StatusOK)
}
