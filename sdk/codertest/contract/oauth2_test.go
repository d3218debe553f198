package contract_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/coderhost/coderhost/sdk/coder"
)

// authorize performs the consent step as the target's user and returns the
// authorization code: GET /oauth2/authorize renders the consent page, and
// the user's "Allow" POSTs the same URL, which answers with a redirect to
// the callback carrying the code.
func authorize(t *testing.T, tg *target, cfg *oauth2.Config, state string, opts ...oauth2.AuthCodeOption) string {
	t.Helper()
	authURL := cfg.AuthCodeURL(state, opts...)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method string) *http.Response {
		req, err := http.NewRequestWithContext(ctx(t), method, authURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Coder-Session-Token", tg.token)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := send(http.MethodGet); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /oauth2/authorize: status %d (%s), want the consent page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp := send(http.MethodPost)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("POST /oauth2/authorize: status %d, want 302 to the callback", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("error") != "" {
		t.Fatalf("authorize redirected with error %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != state || q.Get("code") == "" {
		t.Fatalf("redirect %s lacks the code or the state %q", loc, state)
	}
	if cfg.RedirectURL != "" && !strings.HasPrefix(loc, cfg.RedirectURL) {
		t.Errorf("redirected to %s, want %s", loc, cfg.RedirectURL)
	}
	return q.Get("code")
}

func retrieveError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want an OAuth2 error %s", err, code)
	}
	if re.Response.StatusCode != status || re.ErrorCode != code {
		t.Errorf("OAuth2 error %d %q (%s), want %d %q", re.Response.StatusCode, re.ErrorCode, re.ErrorDescription, status, code)
	}
}

func TestOAuth2Metadata(t *testing.T) {
	tg := newTarget(t)
	info, err := tg.anon.BuildInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !info.AtLeast(2, 25) {
		t.Skipf("OAuth2 discovery arrived in Coder v2.25; the deployment runs %s", info.Version)
	}
	r := tg.raw(t, http.MethodGet, "/.well-known/oauth-authorization-server", nil, nil)
	if r.Status == http.StatusNotFound && tg.real {
		t.Skip("discovery is off (the oauth2 experiment is disabled on this deployment)")
	}
	var md struct {
		AuthorizationEndpoint             string   `json:"authorization_endpoint"`
		TokenEndpoint                     string   `json:"token_endpoint"`
		RevocationEndpoint                string   `json:"revocation_endpoint"`
		TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
		CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	}
	r.decode(t, &md)

	ep := tg.client.OAuth2Endpoint()
	if md.AuthorizationEndpoint != ep.AuthURL || md.TokenEndpoint != ep.TokenURL {
		t.Errorf("metadata endpoints %s, %s; the client uses %s, %s", md.AuthorizationEndpoint, md.TokenEndpoint, ep.AuthURL, ep.TokenURL)
	}
	if strings.Join(md.TokenEndpointAuthMethodsSupported, ",") != "client_secret_post" || ep.AuthStyle != oauth2.AuthStyleInParams {
		t.Errorf("auth methods %v; the client sends credentials with style %v", md.TokenEndpointAuthMethodsSupported, ep.AuthStyle)
	}
	if md.RevocationEndpoint != tg.url+"/oauth2/revoke" {
		t.Errorf("revocation endpoint %s, RevokeToken uses %s/oauth2/revoke", md.RevocationEndpoint, tg.url)
	}
	if strings.Join(md.CodeChallengeMethodsSupported, ",") != "S256" {
		t.Errorf("code challenge methods %v, want [S256]", md.CodeChallengeMethodsSupported)
	}
}

// TestOAuth2CodeFlow is what Backstage's Coder auth provider does: code
// with PKCE, refresh (which rotates), and sign-out (revoke).
func TestOAuth2CodeFlow(t *testing.T) {
	tg := newTarget(t)
	tg.requireOAuth2(t)
	cfg := tg.client.OAuth2Config(tg.oauthID, tg.oauthSecret, tg.oauthRedirect)
	octx := tg.client.OAuth2Context(ctx(t))
	me, err := tg.client.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}

	verifier := oauth2.GenerateVerifier()
	code := authorize(t, tg, cfg, "state-1", oauth2.S256ChallengeOption(verifier))
	tok, err := cfg.Exchange(octx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ToLower(tok.TokenType) != "bearer" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Errorf("token: type %q, refresh %v, expiry %v", tok.TokenType, tok.RefreshToken != "", tok.Expiry)
	}
	if !strings.HasPrefix(tok.RefreshToken, "coder_") {
		t.Errorf("refresh token is not in Coder's coder_<prefix>_<secret> format")
	}
	user, err := tg.client.WithToken(tok.AccessToken).Me(ctx(t))
	if err != nil || user.ID != me.ID {
		t.Fatalf("access token acts as %+v, %v; want %s", user.Username, err, me.Username)
	}

	t.Run("a code works once", func(t *testing.T) {
		_, err := cfg.Exchange(octx, code, oauth2.VerifierOption(verifier))
		retrieveError(t, err, http.StatusBadRequest, "invalid_grant")
	})

	// Refresh rotates: the old pair stops working.
	stale := *tok
	stale.Expiry = time.Now().Add(-time.Minute)
	fresh, err := cfg.TokenSource(octx, &stale).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken || fresh.RefreshToken == "" {
		t.Fatal("refresh did not issue a new access and refresh token")
	}
	if _, err := tg.client.WithToken(fresh.AccessToken).Me(ctx(t)); err != nil {
		t.Errorf("refreshed access token: %v", err)
	}
	if _, err := tg.client.WithToken(tok.AccessToken).Me(ctx(t)); !coder.IsUnauthorized(err) {
		t.Errorf("access token from before the refresh: %v, want 401", err)
	}
	_, err = cfg.TokenSource(octx, &stale).Token()
	retrieveError(t, err, http.StatusBadRequest, "invalid_grant")

	// Sign-out: revoking the refresh token ends its access token too.
	if err := tg.client.RevokeToken(ctx(t), tg.oauthID, fresh.RefreshToken); err != nil {
		info, _ := tg.anon.BuildInfo(ctx(t))
		if coder.IsNotFound(err) && !info.AtLeast(2, 27) {
			t.Skipf("/oauth2/revoke arrived after Coder v2.26; the deployment runs %s", info.Version)
		}
		t.Fatal(err)
	}
	if _, err := tg.client.WithToken(fresh.AccessToken).Me(ctx(t)); !coder.IsUnauthorized(err) {
		t.Errorf("access token after revoking its refresh token: %v, want 401", err)
	}
	fresh.Expiry = time.Now().Add(-time.Minute)
	_, err = cfg.TokenSource(octx, fresh).Token()
	retrieveError(t, err, http.StatusBadRequest, "invalid_grant")
	// Revoking an unknown token is not an error (RFC 7009).
	if err := tg.client.RevokeToken(ctx(t), tg.oauthID, "coder_unknown_token"); err != nil {
		t.Errorf("revoking an unknown token: %v", err)
	}
}

func TestOAuth2Refusals(t *testing.T) {
	tg := newTarget(t)
	tg.requireOAuth2(t)
	cfg := tg.client.OAuth2Config(tg.oauthID, tg.oauthSecret, tg.oauthRedirect)
	octx := tg.client.OAuth2Context(ctx(t))

	t.Run("PKCE verifier mismatch", func(t *testing.T) {
		code := authorize(t, tg, cfg, "s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
		_, err := cfg.Exchange(octx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		retrieveError(t, err, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("PKCE verifier missing", func(t *testing.T) {
		code := authorize(t, tg, cfg, "s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
		_, err := cfg.Exchange(octx, code)
		retrieveError(t, err, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("wrong client secret", func(t *testing.T) {
		code := authorize(t, tg, cfg, "s")
		bad := *cfg
		bad.ClientSecret = "coder_0123456789_" + strings.Repeat("x", 40)
		_, err := bad.Exchange(octx, code)
		retrieveError(t, err, http.StatusUnauthorized, "invalid_client")
	})
	t.Run("HTTP Basic client authentication is not read", func(t *testing.T) {
		// The app is looked up by the form's client_id, which Basic
		// authentication leaves out.
		code := authorize(t, tg, cfg, "s")
		basic := *cfg
		basic.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
		_, err := basic.Exchange(octx, code)
		retrieveError(t, err, http.StatusBadRequest, "invalid_request")
	})
	t.Run("a new exchange replaces the previous token", func(t *testing.T) {
		first, err := cfg.Exchange(octx, authorize(t, tg, cfg, "s"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cfg.Exchange(octx, authorize(t, tg, cfg, "s")); err != nil {
			t.Fatal(err)
		}
		if _, err := tg.client.WithToken(first.AccessToken).Me(ctx(t)); !coder.IsUnauthorized(err) {
			t.Errorf("the first token still works: %v", err)
		}
	})
	t.Run("unknown form keys", func(t *testing.T) {
		form := url.Values{"grant_type": {"refresh_token"}, "client_id": {tg.oauthID}, "refresh_token": {"x"}, "access_type": {"offline"}}
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		r := tg.raw(t, http.MethodPost, "/oauth2/tokens", h, strings.NewReader(form.Encode()))
		var body struct{ Error string }
		r.decode(t, &body)
		if r.Status != http.StatusBadRequest || body.Error != "invalid_request" {
			t.Errorf("status %d body %s; want 400 invalid_request", r.Status, r.Body)
		}
	})
}
