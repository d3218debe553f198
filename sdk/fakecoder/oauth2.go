package fakecoder

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Coder as an OAuth2 authorization server
// (https://github.com/coder/coder/tree/v2.30.0/coderd/oauth2provider), as of
// v2.30 with the "oauth2" experiment enabled.

const (
	accessTokenLifetime  = 24 * time.Hour  // --session-duration
	refreshTokenLifetime = 720 * time.Hour // --default-oauth-refresh-lifetime
	codeLifetime         = 10 * time.Minute
)

var oauth2Scopes = []string{
	"all", "application_connect",
	"coder:all", "coder:apikeys.manage_self", "coder:application_connect", "coder:templates.author",
	"coder:templates.build", "coder:workspaces.access", "coder:workspaces.create", "coder:workspaces.delete",
	"coder:workspaces.operate",
	"template:read", "template:use",
	"user:read", "user:read_personal", "user:update_personal",
	"workspace:create", "workspace:delete", "workspace:read", "workspace:ssh", "workspace:start",
	"workspace:stop", "workspace:update",
}

// oauth2 gates the provider's routes behind the experiment switch.
func (s *Server) oauth2(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.oauth2Disabled {
			writeJSON(w, http.StatusForbidden, Response{Message: msgOAuth2Disabled})
			return
		}
		h(w, r)
	}
}

// clientID reads client_id from the query or, for POST, the form body.
// It parses the form, so call it before taking s.mu.
func clientID(r *http.Request) string {
	if id := r.URL.Query().Get("client_id"); id != "" {
		return id
	}
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		return r.PostForm.Get("client_id")
	}
	return ""
}

// appLocked finds the app named by client_id, answering with RFC 6749
// errors as httpmw does.
func (s *Server) appLocked(w http.ResponseWriter, id string) (*oauthApp, bool) {
	if id == "" {
		writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "Missing client_id parameter")
		return nil, false
	}
	uid, err := parseUUID(id)
	if err != nil {
		writeOAuth2Error(w, http.StatusUnauthorized, "invalid_client", "The client credentials are invalid")
		return nil, false
	}
	app := s.st.appByID(uid)
	if app == nil {
		writeOAuth2Error(w, http.StatusUnauthorized, "invalid_client", "The client credentials are invalid")
		return nil, false
	}
	return app, true
}

// redirectURIParam is QueryParamParser.RedirectURL: the URI must keep the
// callback's host and port and extend its path. The scheme is not compared.
func redirectURIParam(p *queryParser, vals url.Values, callback *url.URL) *url.URL {
	raw, ok := p.single(vals, "redirect_uri")
	if !ok {
		return callback
	}
	u, err := url.Parse(raw)
	if err != nil {
		p.fail("redirect_uri", fmt.Sprintf("Query param %q must be a valid url: %s", "redirect_uri", err))
		return callback
	}
	if u.Host != callback.Host || !strings.HasPrefix(u.Path, callback.Path) {
		p.fail("redirect_uri", fmt.Sprintf("Query param %q must be a subset of %s", "redirect_uri", callback))
	}
	return u
}

func validResource(resource string) bool {
	if resource == "" {
		return true
	}
	u, err := url.Parse(resource)
	return err == nil && u.IsAbs() && u.Fragment == "" && !strings.Contains(resource, "#")
}

type authorizeParams struct {
	redirect                       *url.URL
	state, resource                string
	codeChallenge, challengeMethod string
}

func parseAuthorizeParams(vals url.Values, callback *url.URL) (authorizeParams, []ValidationError) {
	p := newQueryParser()
	p.requireNotEmpty("response_type", "client_id")
	p.String(vals, "", "client_id")
	params := authorizeParams{redirect: redirectURIParam(p, vals, callback)}
	p.Custom(vals, "response_type", func(v string) error {
		if v != "code" && v != "token" {
			return fmt.Errorf("%q is not a valid value", v)
		}
		return nil
	})
	p.String(vals, "", "scope")
	params.state = p.String(vals, "", "state")
	params.resource = p.String(vals, "", "resource")
	params.codeChallenge = p.String(vals, "", "code_challenge")
	// The method is checked only when consent is given (pkceMethodError):
	// the consent page shows whatever the client asked for.
	params.challengeMethod = p.String(vals, "", "code_challenge_method")
	if !validResource(params.resource) {
		p.fail("resource", "must be an absolute URI without fragment")
	}
	p.ErrorExcessParams(vals)
	return params, p.errs
}

// pkceMethodError is Coder's refusal of a code challenge method other than
// S256 (the default when a challenge comes without one), or "".
func pkceMethodError(p authorizeParams) string {
	switch {
	case p.codeChallenge == "", p.challengeMethod == "", p.challengeMethod == "S256":
		return ""
	case p.challengeMethod == "plain":
		return "code_challenge_method 'plain' is not supported; use 'S256'"
	default:
		return "unsupported code_challenge_method: " + p.challengeMethod
	}
}

// authorize serves GET (consent page) and POST (consent given) of
// /oauth2/authorize.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	access := s.accessURL(r)
	id := clientID(r)
	s.mu.Lock()
	app, ok := s.appLocked(w, id)
	if !ok {
		s.mu.Unlock()
		return
	}
	var u *user
	if s.cfg.autoApprove != "" {
		u = s.st.userByName(s.cfg.autoApprove)
	} else if a, fail := s.checkTokenLocked(tokenFromRequest(r), access); fail == nil {
		u = a.user
	}
	appID, appName, callbackRaw := app.id, app.name, app.callbackURL
	s.mu.Unlock()

	if u == nil {
		// Coder's API key middleware sends browsers to sign in first.
		q := url.Values{"redirect": {r.URL.Path + "?" + r.URL.RawQuery}}
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
		return
	}
	callback, err := url.Parse(callbackRaw)
	if err != nil {
		s.renderError(w, http.StatusInternalServerError, "Internal Server Error", err.Error(), nil)
		return
	}
	params, errs := parseAuthorizeParams(r.URL.Query(), callback)
	if len(errs) > 0 {
		if r.Method == http.MethodGet {
			var details []string
			for _, e := range errs {
				details = append(details, e.Detail)
			}
			s.renderError(w, http.StatusBadRequest, "Invalid Query Parameters", "One or more query parameters are missing or invalid.", details)
			return
		}
		var details []string
		for _, e := range errs {
			details = append(details, e.Error())
		}
		writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "Invalid query params: "+strings.Join(details, ", "))
		return
	}
	if r.Method == http.MethodGet && s.cfg.autoApprove == "" {
		cancel := *params.redirect
		q := cancel.Query()
		q.Set("error", "access_denied")
		if params.state != "" {
			q.Set("state", params.state)
		}
		cancel.RawQuery = q.Encode()
		s.renderConsent(w, appName, u.username, r.URL.RequestURI(), cancel.String())
		return
	}

	if msg := pkceMethodError(params); msg != "" {
		writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", msg)
		return
	}
	full, prefix, secret := newFormattedSecret()
	s.mu.Lock()
	for p, c := range s.st.codes {
		if c.appID == appID && c.userID == u.id {
			delete(s.st.codes, p)
		}
	}
	s.st.codes[prefix] = &oauthCode{
		prefix: prefix, secret: secret, appID: appID, userID: u.id,
		expiresAt: s.now().Add(codeLifetime), challenge: params.codeChallenge, resource: params.resource,
	}
	s.mu.Unlock()

	dest := *params.redirect
	q := dest.Query()
	q.Set("code", full)
	if params.state != "" {
		q.Set("state", params.state)
	}
	dest.RawQuery = q.Encode()
	http.Redirect(w, r, dest.String(), http.StatusFound)
}

var tokenFormKeys = []string{"grant_type", "client_id", "client_secret", "code", "redirect_uri", "refresh_token", "code_verifier", "resource", "scope"}

type tokenError struct {
	status      int
	code, descr string
}

var (
	errBadSecret       = &tokenError{http.StatusUnauthorized, "invalid_client", "The client credentials are invalid"}
	errBadCode         = &tokenError{http.StatusBadRequest, "invalid_grant", "The authorization code is invalid or expired"}
	errInvalidPKCE     = &tokenError{http.StatusBadRequest, "invalid_grant", "The PKCE code verifier is invalid"}
	errInvalidResource = &tokenError{http.StatusBadRequest, "invalid_target", "The resource parameter is invalid"}
	errBadToken        = &tokenError{http.StatusBadRequest, "invalid_grant", "The refresh token is invalid or expired"}
)

// tokens is POST /oauth2/tokens.
func (s *Server) tokens(w http.ResponseWriter, r *http.Request) {
	id := clientID(r)
	s.mu.Lock()
	app, ok := s.appLocked(w, id)
	s.mu.Unlock()
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "The request is missing required parameters or is otherwise malformed")
		return
	}
	vals := r.Form
	p := newQueryParser()
	p.requireNotEmpty("grant_type")
	// Coder's grant type enum knows more grants than it serves: those parse,
	// and are refused after the form is checked.
	grant, _ := p.Custom(vals, "grant_type", func(v string) error {
		if !slices.Contains([]string{"authorization_code", "refresh_token", "password", "client_credentials", "implicit"}, v) {
			return fmt.Errorf("%q is not a valid value", v)
		}
		return nil
	})
	switch grant {
	case "refresh_token":
		p.requireNotEmpty("refresh_token")
	case "authorization_code":
		p.requireNotEmpty("client_secret", "client_id", "code")
	}
	var (
		clientSecret = p.String(vals, "", "client_secret")
		code         = p.String(vals, "", "code")
		refreshToken = p.String(vals, "", "refresh_token")
		verifier     = p.String(vals, "", "code_verifier")
		resource     = p.String(vals, "", "resource")
	)
	p.String(vals, "", "client_id")
	p.String(vals, "", "scope")
	if cb, err := url.Parse(app.callbackURL); err == nil {
		redirectURIParam(p, vals, cb)
	}
	if !validResource(resource) {
		p.fail("resource", "must be an absolute URI without fragment")
	}
	p.ErrorExcessParams(vals)
	if len(p.errs) > 0 {
		has := func(field string) bool {
			for _, e := range p.errs {
				if e.Field == field {
					return true
				}
			}
			return false
		}
		if has("grant_type") {
			writeOAuth2Error(w, http.StatusBadRequest, "unsupported_grant_type", "The grant type is missing or unsupported")
			return
		}
		for _, field := range []string{"code", "client_id", "client_secret", "refresh_token"} {
			if has(field) {
				writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: "+field)
				return
			}
		}
		writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "The request is missing required parameters or is otherwise malformed")
		return
	}

	if grant != "authorization_code" && grant != "refresh_token" {
		writeOAuth2Error(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("The grant type %q is not supported", grant))
		return
	}
	s.mu.Lock()
	var tok OAuth2Token
	var terr *tokenError
	if grant == "authorization_code" {
		tok, terr = s.codeGrantLocked(app, clientSecret, code, verifier, resource)
	} else {
		tok, terr = s.refreshGrantLocked(app, refreshToken, resource)
	}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if terr != nil {
		writeOAuth2Error(w, terr.status, terr.code, terr.descr)
		return
	}
	writeJSON(w, http.StatusOK, tok)
}

func (s *Server) codeGrantLocked(app *oauthApp, clientSecret, code, verifier, resource string) (OAuth2Token, *tokenError) {
	if !secretEqual(clientSecret, app.secret) {
		return OAuth2Token{}, errBadSecret
	}
	prefix, secret, ok := parseFormattedSecret(code)
	if !ok {
		return OAuth2Token{}, errBadCode
	}
	c := s.st.codes[prefix]
	if c == nil {
		return OAuth2Token{}, errBadCode
	}
	delete(s.st.codes, prefix) // codes work once
	if !secretEqual(c.secret, secret) || c.appID != app.id || !s.now().Before(c.expiresAt) {
		return OAuth2Token{}, errBadCode
	}
	if c.challenge != "" {
		sum := sha256.Sum256([]byte(verifier))
		if verifier == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			return OAuth2Token{}, errInvalidPKCE
		}
	}
	if resource != c.resource {
		return OAuth2Token{}, errInvalidResource
	}
	// At most one live token per user and app.
	s.revokeUserAppTokensLocked(c.userID, app.id)
	return s.issueTokenLocked(app, c.userID, c.resource), nil
}

func (s *Server) refreshGrantLocked(app *oauthApp, refreshToken, resource string) (OAuth2Token, *tokenError) {
	prefix, secret, ok := parseFormattedSecret(refreshToken)
	if !ok {
		return OAuth2Token{}, errBadToken
	}
	t := s.st.refresh[prefix]
	if t == nil || !secretEqual(t.secret, secret) || t.appID != app.id || !s.now().Before(t.expiresAt) {
		return OAuth2Token{}, errBadToken
	}
	if resource != "" && resource != t.audience {
		return OAuth2Token{}, errInvalidResource
	}
	if _, ok := s.st.keys[t.apiKeyID]; !ok {
		return OAuth2Token{}, errBadToken
	}
	// Rotation: the old pair stops working.
	delete(s.st.keys, t.apiKeyID)
	delete(s.st.refresh, prefix)
	return s.issueTokenLocked(app, t.userID, t.audience), nil
}

func (s *Server) issueTokenLocked(app *oauthApp, userID, audience string) OAuth2Token {
	now := s.now()
	token, keyID, keySecret := newAPIKeyToken()
	key := &apiKey{id: keyID, secret: keySecret, userID: userID, expiresAt: now.Add(accessTokenLifetime),
		loginType: "oauth2_provider_app", appID: app.id, audience: audience}
	s.st.keys[keyID] = key
	full, prefix, secret := newFormattedSecret()
	s.st.refresh[prefix] = &oauthToken{prefix: prefix, secret: secret, appID: app.id, userID: userID,
		apiKeyID: keyID, expiresAt: now.Add(refreshTokenLifetime), audience: audience}
	return OAuth2Token{
		AccessToken: token, TokenType: "Bearer", RefreshToken: full,
		Expiry: key.expiresAt, ExpiresIn: int64(key.expiresAt.Sub(now).Seconds()),
	}
}

func (s *Server) revokeUserAppTokensLocked(userID, appID string) {
	for p, t := range s.st.refresh {
		if t.userID == userID && t.appID == appID {
			delete(s.st.keys, t.apiKeyID)
			delete(s.st.refresh, p)
		}
	}
	for id, k := range s.st.keys {
		if k.userID == userID && k.appID == appID {
			delete(s.st.keys, id)
		}
	}
}

// revoke is POST /oauth2/revoke (RFC 7009): 200 with an empty body whether
// or not the token existed.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	id := clientID(r)
	formErr := r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	app, ok := s.appLocked(w, id)
	if !ok {
		return
	}
	if r.Method != http.MethodPost {
		writeOAuth2Error(w, http.StatusMethodNotAllowed, "invalid_request", "Method not allowed")
		return
	}
	if formErr != nil {
		writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "invalid form data: "+formErr.Error())
		return
	}
	token := r.Form.Get("token")
	if token == "" {
		writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "missing token parameter")
		return
	}
	if strings.HasPrefix(token, "coder_") {
		prefix, secret, ok := parseFormattedSecret(token)
		if !ok {
			writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "Invalid token format")
			return
		}
		if t := s.st.refresh[prefix]; t != nil && secretEqual(t.secret, secret) && t.appID == app.id {
			// Revoking a refresh token also kills its access token.
			delete(s.st.keys, t.apiKeyID)
			delete(s.st.refresh, prefix)
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	id, secret, err := splitAPIToken(token)
	if err != nil {
		writeOAuth2Error(w, http.StatusBadRequest, "invalid_request", "Invalid token format")
		return
	}
	if k := s.st.keys[id]; k != nil && secretEqual(k.secret, secret) && k.appID == app.id {
		delete(s.st.keys, id)
		for p, t := range s.st.refresh {
			if t.apiKeyID == id {
				delete(s.st.refresh, p)
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

// deleteTokens is DELETE /oauth2/tokens?client_id=: the signed-in user
// revokes everything the app holds for them.
func (s *Server) deleteTokens(w http.ResponseWriter, r *http.Request, a actor) {
	id := clientID(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	app, ok := s.appLocked(w, id)
	if !ok {
		return
	}
	for p, c := range s.st.codes {
		if c.userID == a.user.id && c.appID == app.id {
			delete(s.st.codes, p)
		}
	}
	s.revokeUserAppTokensLocked(a.user.id, app.id)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) authorizationServerMetadata(w http.ResponseWriter, r *http.Request) {
	access := s.accessURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                access,
		"authorization_endpoint":                access + "/oauth2/authorize",
		"token_endpoint":                        access + "/oauth2/tokens",
		"registration_endpoint":                 access + "/oauth2/register",
		"revocation_endpoint":                   access + "/oauth2/revoke",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      oauth2Scopes,
		"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
	})
}

func (s *Server) protectedResourceMetadata(w http.ResponseWriter, r *http.Request) {
	access := s.accessURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":                 access,
		"authorization_servers":    []string{access},
		"scopes_supported":         oauth2Scopes,
		"bearer_methods_supported": []string{"header", "query"},
	})
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request, _ actor) {
	access := s.accessURL(r)
	userID := r.URL.Query().Get("user_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []OAuth2ProviderApp{}
	for _, app := range s.st.apps {
		if userID != "" && !s.userAuthorizedAppLocked(userID, app.id) {
			continue
		}
		out = append(out, s.convertApp(app, access))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) userAuthorizedAppLocked(userID, appID string) bool {
	for _, t := range s.st.refresh {
		if t.userID == userID && t.appID == appID {
			return true
		}
	}
	return false
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request, _ actor) {
	access := s.accessURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.uuidParam(w, r, "app")
	if !ok {
		return
	}
	app := s.st.appByID(id)
	if app == nil {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.convertApp(app, access))
}

// normalizeResourceURL compares resource indicators as RFC 3986 does:
// case-insensitive scheme and host, default ports dropped, no trailing slash.
func normalizeResourceURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if (scheme == "http" && strings.HasSuffix(host, ":80")) || (scheme == "https" && strings.HasSuffix(host, ":443")) {
		host = host[:strings.LastIndex(host, ":")]
	}
	return scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/")
}
