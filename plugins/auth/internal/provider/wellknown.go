package provider

import (
	"errors"
	"net/http"
	"regexp"

	"github.com/go-jose/go-jose/v4"

	"github.com/coderhost/coderhost/plugins/auth/internal/backstage"
	"github.com/coderhost/coderhost/plugins/auth/internal/identity"
	"github.com/coderhost/coderhost/plugins/auth/internal/signin"
	"github.com/coderhost/coderhost/sdk"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = backstage.WriteJSONBody(w, v)
}

// jwks publishes the public signing keys; Backstage backends fetch it through
// discovery for plugin id "auth" to verify user tokens.
func (h *handler) jwks(w http.ResponseWriter, _ *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	if h.Issuer != nil {
		set = h.Issuer.Keys().JWKS()
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, set)
}

// openIDConfiguration describes the endpoints this plugin serves. It
// advertises only what exists here: Backstage's experimental authorization
// server routes (/v1/authorize, /v1/token) are not implemented.
func (h *handler) openIDConfiguration(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                h.BaseURL,
		"jwks_uri":                              h.BaseURL + "/.well-known/jwks.json",
		"userinfo_endpoint":                     h.BaseURL + "/v1/userinfo",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{string(identity.Algorithm)},
		"scopes_supported":                      []string{"openid"},
		"claims_supported":                      []string{"sub", "ent"},
	})
}

var bearer = regexp.MustCompile(`(?i)^Bearer[ ]+(\S+)$`)

// userInfo answers {"claims": {"sub", "ent", "exp"}} for a user or limited
// user token this plugin issued. The claims are those of the user's last
// token from this process; after a restart, or from another replica, the
// ownership is recomputed from the catalog.
func (h *handler) userInfo(w http.ResponseWriter, r *http.Request) {
	m := bearer.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		backstage.WriteError(w, r, backstage.Errorf(backstage.AuthenticationError, "No token provided"))
		return
	}
	if h.Issuer == nil {
		backstage.WriteError(w, r, backstage.Errorf(backstage.AuthenticationError, "Failed user token verification"))
		return
	}
	v, err := h.Issuer.Verify(m[1])
	if err != nil {
		backstage.WriteError(w, r, backstage.Wrap(backstage.AuthenticationError, "Failed user token verification", err))
		return
	}
	claims, ok := h.Issuer.UserInfo(v.Sub)
	if !ok {
		claims = identity.Claims{Sub: v.Sub, Ent: v.Ent, Exp: v.Exp}
		if claims.Ent == nil {
			ent, err := signin.Ownership(r.Context(), h.Catalog, v.Sub)
			switch {
			case errors.Is(err, sdk.ErrNotFound):
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte("User info not found"))
				return
			case err != nil:
				backstage.WriteError(w, r, backstage.Wrap(backstage.GenericError, "Could not look up the user's ownership", err))
				return
			}
			claims.Ent = ent
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"claims": claims})
}
