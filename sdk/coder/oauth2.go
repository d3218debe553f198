package coder

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"
)

// OAuth2Endpoint is Coder's OAuth2 provider endpoint. Coder reads client
// credentials only from the form body (client_secret_post).
func (c *Client) OAuth2Endpoint() oauth2.Endpoint {
	base := c.core.base.String()
	return oauth2.Endpoint{
		AuthURL:   base + "/oauth2/authorize",
		TokenURL:  base + "/oauth2/tokens",
		AuthStyle: oauth2.AuthStyleInParams,
	}
}

// OAuth2Config returns an authorization-code configuration for the Coder
// OAuth2 app clientID (the app's UUID). Coder ignores scopes and requires
// the client secret even with PKCE. Add PKCE with oauth2.GenerateVerifier,
// oauth2.S256ChallengeOption (AuthCodeURL) and oauth2.VerifierOption
// (Exchange). Refresh tokens rotate: persist the token a TokenSource
// returns, because the previous refresh token stops working.
//
// The provider is experimental in Coder v2.30: a release build needs the
// "oauth2" experiment enabled, or every /oauth2 route answers 403.
func (c *Client) OAuth2Config(clientID, clientSecret, redirectURL string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
		Endpoint:     c.OAuth2Endpoint(),
	}
}

// OAuth2Context returns ctx carrying the client's *http.Client for
// golang.org/x/oauth2 (Exchange, TokenSource), so that OAuth2 calls use the
// same transport, timeouts and TLS settings as API calls.
func (c *Client) OAuth2Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.core.http)
}

// RevokeToken revokes an OAuth2 access or refresh token issued to the app
// clientID (RFC 7009). Revoking a refresh token also ends its access token.
// Coder answers success for unknown tokens too. The endpoint arrived after
// Coder v2.26; older servers answer 404.
func (c *Client) RevokeToken(ctx context.Context, clientID, token string) error {
	if clientID == "" || token == "" {
		return errors.New("coder: revoke token: client ID and token are required")
	}
	form := url.Values{"token": {token}, "client_id": {clientID}}
	return c.do(ctx, request{method: http.MethodPost, path: "/oauth2/revoke", form: form, noAuth: true})
}

// RevokeAppTokens revokes every token the caller (the owner of the client's
// session token) holds for the app clientID.
func (c *Client) RevokeAppTokens(ctx context.Context, clientID string) error {
	if clientID == "" {
		return errors.New("coder: revoke app tokens: client ID is required")
	}
	return c.do(ctx, request{method: http.MethodDelete, path: "/oauth2/tokens", query: url.Values{"client_id": {clientID}}})
}
