package provider

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/coderhost/coderhost/plugins/auth/internal/backstage"
	"github.com/coderhost/coderhost/plugins/auth/internal/coderauth"
	"github.com/coderhost/coderhost/plugins/auth/internal/signin"
	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
)

// start begins a sign-in: it checks the app origin, sets the nonce cookie
// and sends the browser to Coder's authorize page with the encoded state.
func (h *handler) start(w http.ResponseWriter, r *http.Request, env string) {
	q := r.URL.Query()
	origin := q.Get("origin")
	if origin != "" {
		o, err := backstage.Origin(origin)
		if err != nil {
			backstage.WriteError(w, r, backstage.Errorf(backstage.InputError, "App origin is invalid, failed to parse"))
			return
		}
		if !h.Origins.Allowed(o) {
			backstage.WriteError(w, r, backstage.Errorf(backstage.NotAllowedError, "Origin '%s' is not allowed", o))
			return
		}
		origin = o
	}
	redirectURL, flow := q.Get("redirectUrl"), q.Get("flow")
	// Backstage sends the browser wherever redirectUrl says; only send it
	// back to an app this provider serves.
	if redirectURL != "" {
		o, err := backstage.Origin(redirectURL)
		if err != nil {
			backstage.WriteError(w, r, backstage.Errorf(backstage.InputError, "redirectUrl is invalid, failed to parse"))
			return
		}
		if !h.Origins.Allowed(o) {
			backstage.WriteError(w, r, backstage.Errorf(backstage.NotAllowedError, "Redirect origin '%s' is not allowed", o))
			return
		}
	}
	nonce := newNonce()
	h.Cookies.SetNonce(w, r, nonce, origin)
	verifier := ""
	if h.Coder.PKCE() {
		verifier = coderauth.NewVerifier()
		h.Cookies.SetVerifier(w, r, verifier, origin)
	}
	scope := normalizeScope(q.Get("scope"))
	state := backstage.State{Nonce: nonce, Env: env, Origin: origin, RedirectURL: redirectURL, Flow: flow, Scope: scope}
	w.Header().Set("Location", h.Coder.AuthCodeURL(state.Encode(), scope, verifier))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusFound)
}

// frame is the OAuth callback: it checks the state against the nonce
// cookie, exchanges the code, resolves the user and hands the session to the
// app, through the web-message page or, in the redirect flow, the refresh
// cookie and a redirect.
func (h *handler) frame(w http.ResponseWriter, r *http.Request, _ string) {
	origin := h.Origins.AppOrigin()
	state, err := backstage.DecodeState(stateParam(r))
	if err == nil {
		origin, err = h.completeSignIn(w, r, state)
	}
	if err == nil {
		return
	}
	h.Logger.Warn("sign-in failed", "provider", ID, "request_id", sdk.RequestID(r.Context()), "error", err.Error())
	// The state reaching here may be forged: only go back to an allowed app.
	if state.Flow == "redirect" && h.redirectAllowed(state.RedirectURL) {
		if u, perr := url.Parse(state.RedirectURL); perr == nil {
			q := u.Query()
			_, msg := backstage.NameAndMessage(err)
			q.Set("error", msg)
			u.RawQuery = q.Encode()
			w.Header().Set("Location", u.String())
			w.WriteHeader(http.StatusFound)
			return
		}
	}
	backstage.WriteWebMessage(w, origin, backstage.ErrorMessage(err))
}

// completeSignIn does the callback's work and answers on success. It
// returns the app origin the answer goes to, which stays the default one
// until the state's origin has passed the allowlist.
func (h *handler) completeSignIn(w http.ResponseWriter, r *http.Request, state backstage.State) (string, error) {
	origin := h.Origins.AppOrigin()
	if state.Origin != "" {
		o, err := backstage.Origin(state.Origin)
		if err != nil {
			return origin, backstage.Errorf(backstage.NotAllowedError, "App origin is invalid, failed to parse")
		}
		if !h.Origins.Allowed(o) {
			return origin, backstage.Errorf(backstage.NotAllowedError, "Origin '%s' is not allowed", o)
		}
		origin = o
	}
	cookieNonce := h.Cookies.Nonce(r)
	if cookieNonce == "" {
		return origin, backstage.Errorf(backstage.NotAllowedError, "Auth response is missing cookie nonce")
	}
	if subtle.ConstantTimeCompare([]byte(cookieNonce), []byte(state.Nonce)) != 1 {
		return origin, backstage.Errorf(backstage.NotAllowedError, "Invalid nonce")
	}
	if state.Flow == "redirect" {
		if state.RedirectURL == "" {
			return origin, backstage.Errorf(backstage.InputError, "No redirectUrl provided in request query parameters")
		}
		if !h.redirectAllowed(state.RedirectURL) {
			return origin, backstage.Errorf(backstage.NotAllowedError, "Redirect URL is not on an allowed origin")
		}
	}
	code := formValue(r, "code")
	if e := formValue(r, "error"); e != "" {
		desc := formValue(r, "error_description")
		if desc == "" {
			desc = e
		}
		return origin, backstage.Errorf(backstage.GenericError, "Authentication rejected, %s", desc)
	}
	if code == "" {
		return origin, backstage.Errorf(backstage.InputError, "Authentication failed, the callback carries no code")
	}
	verifier := ""
	if h.Coder.PKCE() {
		if verifier = h.Cookies.Verifier(r); verifier == "" {
			return origin, backstage.Errorf(backstage.NotAllowedError, "Auth response is missing cookie code verifier")
		}
		h.Cookies.RemoveVerifier(w, origin)
	}
	tok, err := h.Coder.Exchange(r.Context(), code, verifier)
	if err != nil {
		return origin, err
	}
	resp, err := h.session(r.Context(), tok, state.Scope)
	if err != nil {
		return origin, err
	}
	if tok.RefreshToken != "" {
		h.Cookies.SetRefreshToken(w, r, tok.RefreshToken, origin)
	}
	if state.Flow == "redirect" {
		w.Header().Set("Location", state.RedirectURL)
		w.WriteHeader(http.StatusFound)
		return origin, nil
	}
	backstage.WriteWebMessage(w, origin, backstage.SuccessMessage(resp))
	return origin, nil
}

// redirectAllowed reports whether the redirect flow may send the browser to
// raw: an absolute URL on an allowed app origin.
func (h *handler) redirectAllowed(raw string) bool {
	o, err := backstage.Origin(raw)
	return err == nil && h.Origins.Allowed(o)
}

func formValue(r *http.Request, key string) string {
	if v := r.URL.Query().Get(key); v != "" {
		return v
	}
	if r.Method == http.MethodPost {
		return r.PostFormValue(key)
	}
	return ""
}

// session builds the ClientAuthResponse for a token: the Coder profile,
// the provider info and, when sign-in is configured, a fresh Backstage
// identity.
func (h *handler) session(ctx context.Context, tok *oauth2.Token, requestedScope string) (*backstage.ClientAuthResponse, error) {
	user, err := h.Coder.Profile(ctx, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	resp := &backstage.ClientAuthResponse{
		Profile: profileOf(user),
		ProviderInfo: backstage.ProviderInfo{
			AccessToken:      tok.AccessToken,
			Scope:            grantedScope(tok, requestedScope),
			ExpiresInSeconds: coderauth.ExpiresIn(tok, h.Now()),
		},
	}
	if h.SignIn == nil {
		return resp, nil
	}
	id, err := h.SignIn.Resolve(ctx, signinProfile(user))
	if err != nil {
		return nil, err
	}
	token, exp, err := h.Issuer.Issue(id.UserEntityRef, id.OwnershipEntityRefs)
	if err != nil {
		return nil, backstage.Wrap(backstage.GenericError, "Failed to issue a Backstage token", err)
	}
	resp.BackstageIdentity = &backstage.BackstageIdentity{
		Token:            token,
		ExpiresInSeconds: int64(exp.Sub(h.Now()).Round(time.Second) / time.Second),
		Identity: backstage.Identity{
			Type: "user", UserEntityRef: id.UserEntityRef, OwnershipEntityRefs: id.OwnershipEntityRefs,
		},
	}
	h.Logger.Info("signed in", "provider", ID, "request_id", sdk.RequestID(ctx), "coder_user", user.Username, "user_entity_ref", id.UserEntityRef)
	return resp, nil
}

// grantedScope is the scope Coder reports, or else the requested one:
// Coder grants every token the user's full access whatever was asked, and
// reporting less would make the frontend ask again and again.
func grantedScope(tok *oauth2.Token, requested string) string {
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		return normalizeScope(s)
	}
	return requested
}

func profileOf(u coder.User) backstage.Profile {
	name := u.Name
	if name == "" {
		name = u.Username
	}
	return backstage.Profile{Email: u.Email, DisplayName: name, Picture: u.AvatarURL}
}

func signinProfile(u coder.User) signin.Profile {
	p := signin.Profile{ID: u.ID, Username: u.Username, Name: u.Name, Email: u.Email, AvatarURL: u.AvatarURL, Roles: []signin.Role{}}
	for _, r := range u.Roles {
		p.Roles = append(p.Roles, signin.Role{Name: r.Name, DisplayName: r.DisplayName, OrganizationID: r.OrganizationID})
	}
	return p
}

// refresh turns the refresh cookie into a fresh session, rewriting the
// cookie when Coder rotated the refresh token (it always does).
func (h *handler) refresh(w http.ResponseWriter, r *http.Request, _ string) {
	if r.Header.Get("X-Requested-With") != "XMLHttpRequest" {
		backstage.WriteError(w, r, backstage.Errorf(backstage.AuthenticationError, "Invalid X-Requested-With header"))
		return
	}
	resp, err := h.refreshSession(w, r)
	if err != nil {
		h.Logger.Info("refresh failed", "provider", ID, "request_id", sdk.RequestID(r.Context()), "error", err.Error())
		backstage.WriteError(w, r, backstage.Wrap(backstage.AuthenticationError, "Refresh failed", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = backstage.WriteJSONBody(w, resp)
}

func (h *handler) refreshSession(w http.ResponseWriter, r *http.Request) (*backstage.ClientAuthResponse, error) {
	old := h.Cookies.RefreshToken(r)
	if old == "" {
		return nil, backstage.Errorf(backstage.InputError, "Missing session cookie")
	}
	tok, err := h.Coder.Refresh(r.Context(), old)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken != "" && tok.RefreshToken != old {
		h.Cookies.SetRefreshToken(w, r, tok.RefreshToken, h.requestOrigin(r))
	}
	return h.session(r.Context(), tok, normalizeScope(r.URL.Query().Get("scope")))
}

// requestOrigin is the Origin header when it names an allowed app, for the
// cookies' SameSite choice.
func (h *handler) requestOrigin(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" && h.Origins.Allowed(o) {
		return o
	}
	return ""
}

// logout revokes the session's tokens at Coder and clears the cookie.
func (h *handler) logout(w http.ResponseWriter, r *http.Request, _ string) {
	if r.Header.Get("X-Requested-With") != "XMLHttpRequest" {
		backstage.WriteError(w, r, backstage.Errorf(backstage.AuthenticationError, "Invalid X-Requested-With header"))
		return
	}
	origin := r.Header.Get("Origin")
	if origin != "" && !h.Origins.Allowed(origin) {
		backstage.WriteError(w, r, backstage.Errorf(backstage.NotAllowedError, "Origin '%s' is not allowed", origin))
		return
	}
	if rt := h.Cookies.RefreshToken(r); rt != "" {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		err := h.Coder.Revoke(ctx, rt)
		cancel()
		// Signing out must not fail because Coder is unreachable: the
		// cookie goes either way, and the token expires on its own.
		if err != nil {
			h.Logger.Warn("could not revoke the Coder token at sign-out", "provider", ID, "request_id", sdk.RequestID(r.Context()), "error", revokeError(err))
		}
	}
	h.Cookies.RemoveRefreshToken(w, r, h.requestOrigin(r))
	w.WriteHeader(http.StatusOK)
}

func revokeError(err error) string {
	var ce *coder.Error
	if errors.As(err, &ce) {
		return fmt.Sprintf("%d %s", ce.StatusCode, ce.OAuth2Code)
	}
	return err.Error()
}
