package coder

import (
	"context"
	"net/http"
)

// Templates returns the templates of an organization (UUID, name, or
// "default"). Deprecated templates are not included.
func (c *Client) Templates(ctx context.Context, org string) ([]Template, error) {
	var out []Template
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/organizations/%s/templates", org), out: &out})
	return out, err
}

// TemplateByName returns an organization's template by its name (not its
// display name); Coder compares names case-insensitively.
func (c *Client) TemplateByName(ctx context.Context, org, name string) (Template, error) {
	var out Template
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/organizations/%s/templates/%s", org, name), out: &out})
	return out, err
}

// Template returns a template by ID.
func (c *Client) Template(ctx context.Context, id string) (Template, error) {
	var out Template
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/templates/%s", id), out: &out})
	return out, err
}

// TemplateVersion returns a template version by ID.
func (c *Client) TemplateVersion(ctx context.Context, id string) (TemplateVersion, error) {
	var out TemplateVersion
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/templateversions/%s", id), out: &out})
	return out, err
}

// TemplateVersionRichParameters returns the parameters a workspace of that
// version takes; pass Template.ActiveVersionID for new workspaces. While the
// version is still importing Coder answers 425 (IsTooEarly). The list does
// not reflect conditional (dynamic) parameters.
func (c *Client) TemplateVersionRichParameters(ctx context.Context, versionID string) ([]TemplateVersionParameter, error) {
	var out []TemplateVersionParameter
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/templateversions/%s/rich-parameters", versionID), out: &out})
	return out, err
}
