package coder

import (
	"context"
	"net/http"
)

// BuildInfo returns the deployment's version and URLs. It needs no token.
func (c *Client) BuildInfo(ctx context.Context) (BuildInfo, error) {
	var out BuildInfo
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v2/buildinfo", out: &out, noAuth: true})
	return out, err
}

// Me returns the user the token belongs to. It is the natural way to check a
// token: an invalid or expired one yields an error for which IsUnauthorized
// is true.
func (c *Client) Me(ctx context.Context) (User, error) { return c.User(ctx, "me") }

// User returns a user by username, UUID, or "me". Coder answers an unknown
// user with 400, not 404.
func (c *Client) User(ctx context.Context, user string) (User, error) {
	var out User
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/users/%s", user), out: &out})
	return out, err
}

// Organizations returns the organizations the caller can see.
func (c *Client) Organizations(ctx context.Context) ([]Organization, error) {
	var out []Organization
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v2/organizations", out: &out})
	return out, err
}

// UserOrganizations returns the organizations user (a username, UUID, or
// "me") is a member of. For an owner this can be fewer than Organizations.
func (c *Client) UserOrganizations(ctx context.Context, user string) ([]Organization, error) {
	var out []Organization
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/users/%s/organizations", user), out: &out})
	return out, err
}

// Organization returns an organization by UUID, by name, or "default".
func (c *Client) Organization(ctx context.Context, org string) (Organization, error) {
	var out Organization
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/organizations/%s", org), out: &out})
	return out, err
}
