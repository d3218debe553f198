package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// jwks fetches the published keys.
func (r *rig) jwks() *jose.JSONWebKeySet {
	r.t.Helper()
	resp := newBrowser(r.t).get(r.url("/api/auth/.well-known/jwks.json"), nil)
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || resp.StatusCode != 200 {
		r.t.Fatalf("jwks.json = %d %v", resp.StatusCode, err)
	}
	return &set
}

// verifyToken checks a Backstage user token the way Backstage backends do,
// against the served JWKS, and checks uip against the limited user token
// rebuilt from the spec's text. It returns the claims.
func (r *rig) verifyToken(token string) map[string]any {
	r.t.Helper()
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		r.t.Fatalf("token is not an ES256 JWS: %v", err)
	}
	h := parsed.Headers[0]
	if h.ExtraHeaders["typ"] != "vnd.backstage.user" || h.KeyID == "" {
		r.t.Errorf("token header = %+v", h)
	}
	keys := r.jwks().Key(h.KeyID)
	if len(keys) != 1 {
		r.t.Fatalf("kid %q is not published", h.KeyID)
	}
	var claims map[string]any
	if err := parsed.Claims(keys[0].Key, &claims); err != nil {
		r.t.Fatalf("token does not verify against the JWKS: %v", err)
	}
	if claims["aud"] != "backstage" || claims["iss"] != r.url("/api/auth") {
		r.t.Errorf("claims = %v", claims)
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 3600 {
		r.t.Errorf("lifetime %v s", exp-iat)
	}

	// Backstage rebuilds the limited user token from the header
	// {"typ":"vnd.backstage.limited-user","alg":<alg>,"kid":<kid>}, the
	// payload {"sub":<sub>,"iat":<iat>,"exp":<exp>} (JSON.stringify, that
	// order) and uip as the signature.
	str := func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return strings.TrimSpace(b.String())
	}
	header := fmt.Sprintf(`{"typ":"vnd.backstage.limited-user","alg":"%s","kid":%s}`, h.Algorithm, str(h.KeyID))
	payload := fmt.Sprintf(`{"sub":%s,"iat":%d,"exp":%d}`, str(claims["sub"].(string)), int64(claims["iat"].(float64)), int64(claims["exp"].(float64)))
	input := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, err := base64.RawURLEncoding.DecodeString(claims["uip"].(string))
	sum := sha256.Sum256([]byte(input))
	pub := keys[0].Key.(*ecdsa.PublicKey)
	if err != nil || len(sig) != 64 || !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		r.t.Errorf("uip does not sign the limited user token %s", payload)
	}
	claims["limited"] = input + "." + claims["uip"].(string)
	return claims
}

func (r *rig) userInfo(token string) (int, map[string]any) {
	r.t.Helper()
	resp := newBrowser(r.t).get(r.url("/api/auth/v1/userinfo"), http.Header{"Authorization": {"Bearer " + token}})
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestSignInResolvers(t *testing.T) {
	keyFile := writeKey(t)
	ghost := func(s *fakecoder.Seed) {
		s.Users = append(s.Users, fakecoder.SeedUser{Username: "ghost", Email: "ghost+ci@corp.example", Name: "Ghost"})
	}
	tests := []struct {
		name      string
		signIn    map[string]any
		user      string
		seed      func(*fakecoder.Seed)
		script    func(map[string]any) (map[string]any, error)
		ent       bool
		wantUser  string
		wantOwn   []string
		wantError string
	}{
		{name: "usernameMatchingUserEntityName", user: "demo",
			signIn:   map[string]any{"resolver": map[string]any{"usernameMatchingUserEntityName": map[string]any{}}},
			wantUser: "user:default/demo", wantOwn: []string{"user:default/demo", "group:default/platform-team", "group:default/web-team"}},
		{name: "emailMatchingUserEntityProfileEmail", user: "admin",
			signIn:   map[string]any{"resolver": map[string]any{"emailMatchingUserEntityProfileEmail": map[string]any{}}},
			wantUser: "user:default/admin", wantOwn: []string{"user:default/admin", "group:default/platform-team"}, ent: true},
		{name: "emailLocalPartMatchingUserEntityName with allowed domains", user: "demo",
			signIn:   map[string]any{"resolver": map[string]any{"emailLocalPartMatchingUserEntityName": map[string]any{"allowed_domains": []string{"example.com"}}}},
			wantUser: "user:default/demo", wantOwn: []string{"user:default/demo", "group:default/platform-team", "group:default/web-team"}},
		{name: "email domain not allowed", user: "demo",
			signIn:    map[string]any{"resolver": map[string]any{"emailLocalPartMatchingUserEntityName": map[string]any{"allowed_domains": []string{"corp.example"}}}},
			wantError: "NotAllowedError: Sign-in user email is not from an allowed domain"},
		{name: "script resolver", user: "demo",
			signIn: map[string]any{"resolver": map[string]any{"script": map[string]any{"hook": "signin"}}},
			script: func(p map[string]any) (map[string]any, error) {
				if p["username"] != "demo" || p["email"] != "demo@example.com" || p["id"] == "" {
					return nil, fmt.Errorf("unexpected profile %v", p)
				}
				return map[string]any{"userEntityRef": "user:default/" + p["username"].(string), "ownershipEntityRefs": []string{"user:default/demo", "group:default/admins"}}, nil
			},
			wantUser: "user:default/demo", wantOwn: []string{"user:default/demo", "group:default/admins"}},
		{name: "script returning null falls through to the next resolver", user: "demo",
			signIn:   map[string]any{"resolver": map[string]any{"script": map[string]any{}, "usernameMatchingUserEntityName": map[string]any{}}},
			script:   func(map[string]any) (map[string]any, error) { return nil, nil },
			wantUser: "user:default/demo", wantOwn: []string{"user:default/demo", "group:default/platform-team", "group:default/web-team"}},
		{name: "a script error stops the chain", user: "demo",
			signIn: map[string]any{"resolver": map[string]any{"script": map[string]any{}, "usernameMatchingUserEntityName": map[string]any{}}},
			script: func(map[string]any) (map[string]any, error) {
				return nil, errors.New(`script "username" (username.js:3:7): boom`)
			},
			wantError: "Error: Sign-in script failed"},
		{name: "user missing from the catalog", user: "ghost", seed: ghost,
			signIn:    map[string]any{"resolver": map[string]any{"usernameMatchingUserEntityName": map[string]any{}, "emailMatchingUserEntityProfileEmail": map[string]any{}}},
			wantError: "Error: Failed to sign-in, unable to resolve user identity"},
		{name: "dangerously allowed without a catalog user", user: "ghost", seed: ghost,
			signIn: map[string]any{"resolver": map[string]any{
				"usernameMatchingUserEntityName":      map[string]any{},
				"emailMatchingUserEntityProfileEmail": map[string]any{"dangerously_allow_sign_in_without_user_in_catalog": true},
			}},
			wantUser: "user:default/ghost@corp.example", wantOwn: []string{"user:default/ghost@corp.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigOptions{autoUser: tt.user, seed: tt.seed, script: tt.script, config: map[string]any{
				"sign_in": tt.signIn, "signing_key_files": []string{keyFile}, "include_ownership_claim": tt.ent,
			}})
			_, msg, _ := r.signIn()
			if tt.wantError != "" {
				got := fmt.Sprintf("%v: %v", get(msg, "error", "name"), get(msg, "error", "message"))
				if !strings.HasPrefix(got, tt.wantError) {
					t.Fatalf("error = %q, want %q", got, tt.wantError)
				}
				return
			}
			if msg["error"] != nil {
				t.Fatalf("sign-in failed: %v", msg["error"])
			}
			bi := get(msg, "response", "backstageIdentity").(map[string]any)
			id := bi["identity"].(map[string]any)
			var own []string
			for _, o := range id["ownershipEntityRefs"].([]any) {
				own = append(own, o.(string))
			}
			if id["type"] != "user" || id["userEntityRef"] != tt.wantUser || !slices.Equal(own, tt.wantOwn) {
				t.Errorf("identity = %v", id)
			}
			if e := bi["expiresInSeconds"].(float64); e < 3590 || e > 3600 {
				t.Errorf("expiresInSeconds = %v", e)
			}
			claims := r.verifyToken(bi["token"].(string))
			if claims["sub"] != tt.wantUser {
				t.Errorf("sub = %v", claims["sub"])
			}
			if _, has := claims["ent"]; has != tt.ent {
				t.Errorf("ent in token = %v, want %v", has, tt.ent)
			}
			for _, token := range []string{bi["token"].(string), claims["limited"].(string)} {
				code, info := r.userInfo(token)
				if code != 200 || get(info, "claims", "sub") != tt.wantUser || len(get(info, "claims", "ent").([]any)) != len(tt.wantOwn) {
					t.Errorf("userinfo = %d %v", code, info)
				}
			}
			// Every refresh mints a new token for the same identity.
			resp := r.xhr(http.MethodGet, "/api/auth/coder/refresh?optional&env=development", appOrigin)
			var s map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&s)
			if tok, _ := get(s, "backstageIdentity", "token").(string); resp.StatusCode != 200 || tok == "" || tok == bi["token"] ||
				get(s, "backstageIdentity", "identity", "userEntityRef") != tt.wantUser {
				t.Errorf("refresh = %d %v", resp.StatusCode, s["backstageIdentity"])
			}
		})
	}
}

func TestIdentityEndpoints(t *testing.T) {
	oldKey, newKey := writeKey(t), writeKey(t)
	signIn := map[string]any{"resolver": map[string]any{"usernameMatchingUserEntityName": map[string]any{}}}
	before := newRig(t, rigOptions{config: map[string]any{"sign_in": signIn, "signing_key_files": []string{oldKey}}})
	_, msg, _ := before.signIn()
	oldToken := get(msg, "response", "backstageIdentity", "token").(string)

	// A rotated configuration in another process: the new key signs, the
	// old one is still published and its tokens still work for userinfo,
	// answered from the catalog.
	r := newRig(t, rigOptions{config: map[string]any{"sign_in": signIn, "signing_key_files": []string{newKey, oldKey}}})
	if n := len(r.jwks().Keys); n != 2 {
		t.Errorf("jwks has %d keys, want 2", n)
	}
	code, info := r.userInfo(oldToken)
	if code != 200 || get(info, "claims", "sub") != "user:default/demo" || len(get(info, "claims", "ent").([]any)) != 3 {
		t.Errorf("userinfo with a token from before the rotation = %d %v", code, info)
	}
	for name, header := range map[string]string{"no token": "", "not bearer": "Basic abc", "garbage": "Bearer abc.def.ghi"} {
		resp := newBrowser(t).get(r.url("/api/auth/v1/userinfo"), http.Header{"Authorization": {header}})
		if resp.StatusCode != 401 {
			t.Errorf("%s: userinfo = %d", name, resp.StatusCode)
		}
	}
	// A valid token for a user the catalog has never heard of.
	ghost := newRig(t, rigOptions{autoUser: "ghost", seed: func(s *fakecoder.Seed) {
		s.Users = append(s.Users, fakecoder.SeedUser{Username: "ghost", Email: "ghost@example.com"})
	}, config: map[string]any{"signing_key_files": []string{newKey}, "sign_in": map[string]any{"resolver": map[string]any{
		"usernameMatchingUserEntityName": map[string]any{"dangerously_allow_sign_in_without_user_in_catalog": true}}}}})
	_, msg, _ = ghost.signIn()
	ghostToken := get(msg, "response", "backstageIdentity", "token").(string)
	if code, _ := r.userInfo(ghostToken); code != 404 {
		t.Errorf("userinfo for a user unknown here = %d, want 404", code)
	}

	resp := newBrowser(t).get(r.url("/api/auth/.well-known/openid-configuration"), nil)
	var oidc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&oidc)
	base := r.url("/api/auth")
	if oidc["issuer"] != base || oidc["jwks_uri"] != base+"/.well-known/jwks.json" || oidc["userinfo_endpoint"] != base+"/v1/userinfo" {
		t.Errorf("openid-configuration = %v", oidc)
	}
}

func TestTokenLifetimeIsClamped(t *testing.T) {
	for lifetime, want := range map[string]float64{"5m": 600, "2h": 7200, "30d": 86400} {
		r := newRig(t, rigOptions{config: map[string]any{
			"token_lifetime":    lifetime,
			"signing_key_files": []string{writeKey(t)},
			"sign_in":           map[string]any{"resolver": map[string]any{"usernameMatchingUserEntityName": map[string]any{}}},
		}})
		_, msg, _ := r.signIn()
		parsed, err := jwt.ParseSigned(get(msg, "response", "backstageIdentity", "token").(string), []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		_ = parsed.UnsafeClaimsWithoutVerification(&c)
		if got := c["exp"].(float64) - c["iat"].(float64); got != want {
			t.Errorf("token_lifetime %s: lifetime %v s, want %v", lifetime, got, want)
		}
		if e := get(msg, "response", "backstageIdentity", "expiresInSeconds").(float64); e > want || e < want-10 {
			t.Errorf("token_lifetime %s: expiresInSeconds %v", lifetime, e)
		}
	}
}
