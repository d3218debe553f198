// Package coder is a typed client for the part of the Coder v2 REST API and
// OAuth2 provider that a Backstage integration needs: build info, users,
// organizations, workspaces and their builds, templates and their rich
// parameters, workspace creation, and the OAuth2 authorization-code flow.
//
// A Client is safe for concurrent use. Create one per Coder deployment and
// derive cheap per-user copies with WithToken:
//
//	c, err := coder.New("https://coder.example.com", coder.WithUserAgent("my-plugin/1.0"))
//	...
//	me, err := c.WithToken(userToken).Me(ctx)
//
// The session token travels in the Coder-Session-Token header, which every
// Coder v2 release accepts. The client never logs tokens or request bodies.
//
// # Errors
//
// A non-2xx answer becomes a *Error carrying the status code and Coder's
// {message, detail, validations} body. Use IsNotFound, IsUnauthorized,
// IsConflict, IsGone and friends, or StatusCode, to branch on it:
//
//	ws, err := c.Workspace(ctx, id)
//	switch {
//	case coder.IsGone(err): // deleted
//	case coder.IsNotFound(err): // missing, or not visible to this user
//	}
//
// # Retries
//
// Reads (GET) are retried on 5xx answers and connection errors with capped,
// jittered exponential backoff. Writes are never retried on those, because
// the server may already have acted on them. A 429 answer is retried for any
// method after the delay its Retry-After header asks for, within the bounds
// of the RetryPolicy. Every call takes a context; cancelling it stops both
// the request in flight and any wait between attempts.
//
// # Searching workspaces
//
// Coder's workspace search language (the q parameter) lower-cases the whole
// expression, splits it on unquoted spaces and colons, strips quotes, and
// splits list values on commas. Some values therefore cannot be expressed at
// all. Query builds expressions safely and refuses such values with an error
// that names them:
//
//	q, err := coder.Query().Owner("me").Param("repo_url", "https://github.com/acme/api").Build()
//	// owner:me param:"repo_url=https://github.com/acme/api"
//
// # OAuth2
//
// OAuth2Config returns a golang.org/x/oauth2 configuration for Coder's
// provider (client credentials in the form body, as Coder requires). Use
// oauth2.GenerateVerifier, oauth2.S256ChallengeOption and
// oauth2.VerifierOption for PKCE; RevokeToken ends a token early.
package coder
