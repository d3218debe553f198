// Package provider serves the auth plugin's routes: Backstage's OAuth
// provider protocol for provider "coder" (start, handler/frame, refresh,
// logout) backed by Coder's OAuth2 provider, and the identity endpoints
// Backstage backends use to trust the tokens it issues
// (/.well-known/jwks.json, /.well-known/openid-configuration, /v1/userinfo).
// Paths are relative to the plugin's mount, /api/auth/ on the host.
package provider
