// Package coderauth is the plugin's OAuth2 client of Coder's OAuth2
// provider (golang.org/x/oauth2 over sdk/coder): the authorize URL, the code
// exchange (with PKCE S256 when configured), the refresh grant, the user's
// profile and token revocation.
//
// Coder rotates refresh tokens: each refresh invalidates the token it used.
// Several browser tabs of one user refresh with the same cookie at once, so
// concurrent and closely repeated refreshes of one token share a single
// upstream call and its result.
package coderauth
