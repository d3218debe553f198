package coder

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// WorkspacesRequest selects a page of workspaces.
type WorkspacesRequest struct {
	// Q is a search expression; build it with Query. Empty means every
	// workspace the caller may read.
	Q string
	// Limit is the page size; 0 means no limit.
	Limit int
	// Offset is the number of matches to skip.
	Offset int
}

// Workspaces returns one page of workspaces matching r.Q, ordered as Coder
// orders them (favourites, running, owner, name). Deleted workspaces are
// never listed. A malformed Q yields a 400 *Error whose Validations explain
// the problem.
func (c *Client) Workspaces(ctx context.Context, r WorkspacesRequest) (WorkspacesResponse, error) {
	if r.Limit < 0 || r.Offset < 0 {
		return WorkspacesResponse{}, fmt.Errorf("coder: list workspaces: limit (%d) and offset (%d) must not be negative", r.Limit, r.Offset)
	}
	q := url.Values{}
	if r.Q != "" {
		q.Set("q", r.Q)
	}
	if r.Limit > 0 {
		q.Set("limit", strconv.Itoa(r.Limit))
	}
	if r.Offset > 0 {
		q.Set("offset", strconv.Itoa(r.Offset))
	}
	var out WorkspacesResponse
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v2/workspaces", query: q, out: &out})
	if out.Workspaces == nil && err == nil {
		out.Workspaces = []Workspace{}
	}
	return out, err
}

// AllWorkspaces pages through every workspace matching q, pageSize at a
// time (100 when pageSize is not positive). A workspace that moves between
// pages while paging is returned once.
func (c *Client) AllWorkspaces(ctx context.Context, q string, pageSize int) ([]Workspace, error) {
	if pageSize <= 0 {
		pageSize = 100
	}
	seen := map[string]bool{}
	out := []Workspace{}
	for offset := 0; ; {
		page, err := c.Workspaces(ctx, WorkspacesRequest{Q: q, Limit: pageSize, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, w := range page.Workspaces {
			if !seen[w.ID] {
				seen[w.ID] = true
				out = append(out, w)
			}
		}
		offset += len(page.Workspaces)
		if len(page.Workspaces) == 0 || len(page.Workspaces) < pageSize || offset >= page.Count {
			return out, nil
		}
	}
}

// Workspace returns a workspace by ID. A deleted workspace yields an error
// for which IsGone is true.
func (c *Client) Workspace(ctx context.Context, id string) (Workspace, error) {
	var out Workspace
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/workspaces/%s", id), out: &out})
	return out, err
}

// WorkspaceByOwnerAndName returns the workspace called name owned by owner
// (a username, UUID, or "me").
func (c *Client) WorkspaceByOwnerAndName(ctx context.Context, owner, name string) (Workspace, error) {
	var out Workspace
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/users/%s/workspace/%s", owner, name), out: &out})
	return out, err
}

// WorkspaceBuilds returns the builds of a workspace, newest first.
func (c *Client) WorkspaceBuilds(ctx context.Context, workspaceID string) ([]WorkspaceBuild, error) {
	var out []WorkspaceBuild
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/workspaces/%s/builds", workspaceID), out: &out})
	return out, err
}

// WorkspaceBuild returns a build by ID.
func (c *Client) WorkspaceBuild(ctx context.Context, buildID string) (WorkspaceBuild, error) {
	var out WorkspaceBuild
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/workspacebuilds/%s", buildID), out: &out})
	return out, err
}

// WorkspaceBuildParameters returns every parameter value persisted for a
// build: supplied, carried forward, defaulted or from a preset. Parameters
// are not part of the Workspace object; use LatestBuild.ID.
func (c *Client) WorkspaceBuildParameters(ctx context.Context, buildID string) ([]WorkspaceBuildParameter, error) {
	var out []WorkspaceBuildParameter
	err := c.do(ctx, request{method: http.MethodGet, path: pathf("/api/v2/workspacebuilds/%s/parameters", buildID), out: &out})
	return out, err
}

// CreateWorkspaceBuild starts, stops or deletes a workspace. Coder answers
// 409 (IsConflict) while the previous build is still active or when the
// workspace is deleted. The build is returned with its job pending; use
// WaitForBuild to follow it.
func (c *Client) CreateWorkspaceBuild(ctx context.Context, workspaceID string, r CreateWorkspaceBuildRequest) (WorkspaceBuild, error) {
	if r.Transition == "" {
		return WorkspaceBuild{}, errors.New("coder: create workspace build: transition is required (start, stop or delete)")
	}
	var out WorkspaceBuild
	err := c.do(ctx, request{method: http.MethodPost, path: pathf("/api/v2/workspaces/%s/builds", workspaceID), json: r, out: &out})
	return out, err
}

// StartWorkspace queues a start build, optionally overriding parameters.
func (c *Client) StartWorkspace(ctx context.Context, workspaceID string, params ...WorkspaceBuildParameter) (WorkspaceBuild, error) {
	return c.CreateWorkspaceBuild(ctx, workspaceID, CreateWorkspaceBuildRequest{Transition: TransitionStart, RichParameterValues: params})
}

// StopWorkspace queues a stop build.
func (c *Client) StopWorkspace(ctx context.Context, workspaceID string) (WorkspaceBuild, error) {
	return c.CreateWorkspaceBuild(ctx, workspaceID, CreateWorkspaceBuildRequest{Transition: TransitionStop})
}

// DeleteWorkspace queues a delete build. Once it succeeds the workspace
// leaves listings and reads of it answer 410 (IsGone).
func (c *Client) DeleteWorkspace(ctx context.Context, workspaceID string) (WorkspaceBuild, error) {
	return c.CreateWorkspaceBuild(ctx, workspaceID, CreateWorkspaceBuildRequest{Transition: TransitionDelete})
}

// CancelWorkspaceBuild asks Coder to cancel a build's job. expect, when
// not empty, is the job status the caller believes the build is in
// (JobPending or JobRunning): Coder then answers 412 if the job has moved on,
// so a cancel never hits a build the caller did not see. Coder answers 400
// when the job has already completed or been canceled, and 403 when the
// template does not let its users cancel builds.
func (c *Client) CancelWorkspaceBuild(ctx context.Context, buildID string, expect JobStatus) error {
	var q url.Values
	if expect != "" {
		if expect != JobPending && expect != JobRunning {
			return fmt.Errorf("coder: cancel build %s: expect is %q; Coder accepts only %q or %q", buildID, expect, JobPending, JobRunning)
		}
		q = url.Values{"expect_status": {string(expect)}}
	}
	return c.do(ctx, request{method: http.MethodPatch, path: pathf("/api/v2/workspacebuilds/%s/cancel", buildID), query: q})
}

// WaitForBuild polls a build every interval (1s when not positive) until
// its job has finished, and returns it. A finished build may have failed or
// been canceled: check its Job.Status. Cancel ctx to bound the wait.
func (c *Client) WaitForBuild(ctx context.Context, buildID string, interval time.Duration) (WorkspaceBuild, error) {
	if interval <= 0 {
		interval = time.Second
	}
	for {
		b, err := c.WorkspaceBuild(ctx, buildID)
		if err != nil || !b.Job.Status.Active() {
			return b, err
		}
		if err := sleepCtx(ctx, interval); err != nil {
			return b, fmt.Errorf("coder: waiting for build %s (job %s): %w", buildID, b.Job.Status, err)
		}
	}
}

// CreateWorkspace creates a workspace for user (a username, UUID, or "me")
// and queues its first start build.
//
// It uses POST /api/v2/users/{user}/workspaces. Coder releases before about
// v2.14 lack that route; when the server answers it with 404 or 405, the
// call is repeated on POST /api/v2/organizations/{org}/members/{user}/workspaces,
// with the organization taken from the template (or template version). A
// server found to lack the route is remembered, so later calls go straight
// to the older one.
func (c *Client) CreateWorkspace(ctx context.Context, user string, r CreateWorkspaceRequest) (Workspace, error) {
	if user == "" {
		user = "me"
	}
	var firstErr error
	if !c.core.userCreateRouteMissing.Load() {
		var out Workspace
		err := c.do(ctx, request{method: http.MethodPost, path: pathf("/api/v2/users/%s/workspaces", user), json: r, out: &out})
		st := StatusCode(err)
		if err == nil || (st != http.StatusNotFound && st != http.StatusMethodNotAllowed) {
			return out, err
		}
		if routeMissing(err) {
			c.core.userCreateRouteMissing.Store(true)
		} else {
			firstErr = err
		}
	}

	org, err := c.templateOrganization(ctx, r)
	if err != nil {
		if firstErr != nil {
			return Workspace{}, firstErr
		}
		return Workspace{}, fmt.Errorf("coder: create workspace %q: finding the template's organization for the pre-v2.14 route: %w", r.Name, err)
	}
	var out Workspace
	err = c.do(ctx, request{method: http.MethodPost, path: pathf("/api/v2/organizations/%s/members/%s/workspaces", org, user), json: r, out: &out})
	if err != nil && firstErr != nil && IsNotFound(err) {
		return Workspace{}, firstErr
	}
	return out, err
}

// routeMissing tells a missing route apart from a 404 about a resource.
func routeMissing(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	return e.StatusCode == http.StatusMethodNotAllowed ||
		(e.StatusCode == http.StatusNotFound && (e.Message == "Route not found." || e.Message == ""))
}

func (c *Client) templateOrganization(ctx context.Context, r CreateWorkspaceRequest) (string, error) {
	switch {
	case r.TemplateID != "":
		t, err := c.Template(ctx, r.TemplateID)
		return t.OrganizationID, err
	case r.TemplateVersionID != "":
		v, err := c.TemplateVersion(ctx, r.TemplateVersionID)
		return v.OrganizationID, err
	}
	return "", errors.New("the request names neither template_id nor template_version_id")
}

// WorkspaceURL is the workspace's page in the Coder dashboard.
func (c *Client) WorkspaceURL(w Workspace) string {
	return c.core.base.String() + "/@" + url.PathEscape(w.OwnerName) + "/" + url.PathEscape(w.Name)
}
