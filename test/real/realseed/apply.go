package realseed

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// Options tune Apply.
type Options struct {
	// OAuth2CallbackURL replaces the callback URL of every seeded OAuth2
	// app (on a test machine the Backstage or coderhost address differs from
	// the seed's). Empty keeps the seed's.
	OAuth2CallbackURL string
	// Logf reports progress and what could not be reproduced; nil is quiet.
	Logf func(format string, args ...any)
	// HTTPClient defaults to a client with a one-minute timeout.
	HTTPClient *http.Client
}

// Deployment is what Apply created that only the real deployment knows.
type Deployment struct {
	URL            string
	OrganizationID string
	// Tokens holds a session token per seeded username.
	Tokens map[string]string
	// Passwords holds each seeded user's generated password.
	Passwords map[string]string
	// OAuth2Apps holds the seeded apps by name.
	OAuth2Apps map[string]OAuth2App
	// Skipped lists seed features the deployment could not be given.
	Skipped []string
}

// OAuth2App is a seeded OAuth2 provider app with its one client secret.
type OAuth2App struct {
	ClientID, ClientSecret, CallbackURL string
}

type seeder struct {
	api     api
	opts    Options
	seed    *fakecoder.Seed
	dep     *Deployment
	tpls    map[string]*realTemplate
	userIDs map[string]string
}

type realTemplate struct {
	id       string
	seed     fakecoder.SeedTemplate
	versions map[string]string // seed version name → template version ID
	failing  string            // a version whose start builds fail, made on demand
}

// Apply creates the seed's users, templates, workspaces and OAuth2 apps on
// a fresh deployment at baseURL (one without a first user). The first owner
// in the seed becomes Coder's first user.
func Apply(ctx context.Context, baseURL string, seed *fakecoder.Seed, opts Options) (*Deployment, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	s := &seeder{
		api:  api{base: baseURL, hc: opts.HTTPClient},
		opts: opts,
		seed: seed,
		dep: &Deployment{URL: baseURL, Tokens: map[string]string{}, Passwords: map[string]string{},
			OAuth2Apps: map[string]OAuth2App{}},
		tpls:    map[string]*realTemplate{},
		userIDs: map[string]string{},
	}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"users", s.users},
		{"templates", s.templates},
		{"workspaces", s.workspaces},
		{"OAuth2 apps", s.oauth2Apps},
	}
	for _, st := range steps {
		if err := st.run(ctx); err != nil {
			return s.dep, fmt.Errorf("seeding %s: %w", st.name, err)
		}
	}
	return s.dep, nil
}

func (s *seeder) skip(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.dep.Skipped = append(s.dep.Skipped, msg)
	s.opts.Logf("not reproduced: %s", msg)
}

func (s *seeder) owner() (fakecoder.SeedUser, error) {
	for _, u := range s.seed.Users {
		if slices.Contains(u.Roles, "owner") {
			return u, nil
		}
	}
	return fakecoder.SeedUser{}, errors.New("the seed has no user with the owner role to become Coder's first user")
}

func (s *seeder) adminAPI() api {
	first, _ := s.owner()
	return s.api.as(s.dep.Tokens[first.Username])
}

func password() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *seeder) login(ctx context.Context, u fakecoder.SeedUser) error {
	var resp struct {
		SessionToken string `json:"session_token"`
	}
	if err := s.api.call(ctx, http.MethodPost, "/api/v2/users/login", map[string]string{
		"email": u.Email, "password": s.dep.Passwords[u.Username],
	}, &resp); err != nil {
		return err
	}
	s.dep.Tokens[u.Username] = resp.SessionToken
	return nil
}

func (s *seeder) users(ctx context.Context) error {
	first, err := s.owner()
	if err != nil {
		return err
	}
	s.dep.Passwords[first.Username] = password()
	var created struct {
		UserID         string `json:"user_id"`
		OrganizationID string `json:"organization_id"`
	}
	if err := s.api.call(ctx, http.MethodPost, "/api/v2/users/first", map[string]any{
		"email": first.Email, "username": first.Username, "name": first.Name,
		"password": s.dep.Passwords[first.Username], "trial": false,
	}, &created); err != nil {
		return err
	}
	s.dep.OrganizationID = created.OrganizationID
	s.userIDs[first.Username] = created.UserID
	if err := s.login(ctx, first); err != nil {
		return err
	}
	s.opts.Logf("first user %s (owner)", first.Username)
	if len(s.seed.Organizations) > 1 {
		s.skip("organizations beyond the default one (a licence feature); everything goes to the default organization")
	}
	admin := s.adminAPI()
	for _, u := range s.seed.Users {
		if u.Username == first.Username {
			continue
		}
		s.dep.Passwords[u.Username] = password()
		var user struct {
			ID string `json:"id"`
		}
		if err := admin.call(ctx, http.MethodPost, "/api/v2/users", map[string]any{
			"email": u.Email, "username": u.Username, "name": u.Name,
			"password": s.dep.Passwords[u.Username], "login_type": "password",
			"organization_ids": []string{s.dep.OrganizationID},
		}, &user); err != nil {
			return err
		}
		s.userIDs[u.Username] = user.ID
		var roles []string
		for _, r := range u.Roles {
			if r != "member" {
				roles = append(roles, r)
			}
		}
		if len(roles) > 0 {
			if err := admin.call(ctx, http.MethodPut, "/api/v2/users/"+url.PathEscape(u.Username)+"/roles",
				map[string]any{"roles": roles}, nil); err != nil {
				return err
			}
		}
		if err := s.login(ctx, u); err != nil {
			return err
		}
		switch u.Status {
		case "", "active":
		case "suspended":
			if err := admin.call(ctx, http.MethodPut, "/api/v2/users/"+url.PathEscape(u.Username)+"/status/suspend", nil, nil); err != nil {
				return err
			}
		default:
			s.skip("user %s: status %q", u.Username, u.Status)
		}
		s.opts.Logf("user %s %v", u.Username, u.Roles)
	}
	return nil
}

// uploadVersion uploads an echo archive and creates a template version from
// it, waiting for its import job.
func (s *seeder) uploadVersion(ctx context.Context, templateID, name, message string, arch echoArchive) (string, error) {
	admin := s.adminAPI()
	tarball, err := arch.Tar()
	if err != nil {
		return "", err
	}
	var file struct {
		Hash string `json:"hash"`
	}
	if err := admin.call(ctx, http.MethodPost, "/api/v2/files", rawBody{"application/x-tar", tarball}, &file); err != nil {
		return "", err
	}
	req := map[string]any{
		"name": name, "message": message, "storage_method": "file", "file_id": file.Hash,
		"provisioner": "echo", "tags": map[string]string{},
	}
	if templateID != "" {
		req["template_id"] = templateID
	}
	var tv struct {
		ID  string `json:"id"`
		Job job    `json:"job"`
	}
	if err := admin.call(ctx, http.MethodPost, "/api/v2/organizations/"+s.dep.OrganizationID+"/templateversions", req, &tv); err != nil {
		return "", err
	}
	err = poll(ctx, "template version "+name+" to import", func() (bool, error) {
		if err := admin.call(ctx, http.MethodGet, "/api/v2/templateversions/"+tv.ID, nil, &tv); err != nil {
			return false, err
		}
		return tv.Job.done(), nil
	})
	if err != nil {
		return "", err
	}
	if tv.Job.Status != "succeeded" {
		return "", fmt.Errorf("template version %s: import %s: %s", name, tv.Job.Status, tv.Job.Error)
	}
	return tv.ID, nil
}

func uuid4() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func archiveFor(t fakecoder.SeedTemplate, v fakecoder.SeedTemplateVersion) echoArchive {
	return echoArchive{
		ResourceType: t.ResourceType, Icon: t.Icon,
		AgentID:    uuid4(),
		Parameters: v.Parameters,
		HoldStart:  t.Name == HeldStartTemplate,
	}
}

func (s *seeder) templates(ctx context.Context) error {
	admin := s.adminAPI()
	for _, t := range s.seed.Templates {
		if len(t.Versions) == 0 {
			t.Versions = []fakecoder.SeedTemplateVersion{{Name: "v1"}}
		}
		rt := &realTemplate{seed: t, versions: map[string]string{}}
		for i, v := range t.Versions {
			if v.ImportStatus != "" && v.ImportStatus != "succeeded" {
				s.skip("template %s version %s: import status %q (an echo import always finishes)", t.Name, v.Name, v.ImportStatus)
			}
			id, err := s.uploadVersion(ctx, rt.id, v.Name, v.Message, archiveFor(t, v))
			if err != nil {
				return fmt.Errorf("template %s: %w", t.Name, err)
			}
			rt.versions[v.Name] = id
			if i > 0 {
				continue
			}
			req := map[string]any{
				"name": t.Name, "display_name": t.DisplayName, "description": t.Description, "icon": t.Icon,
				"template_version_id":                 id,
				"template_use_classic_parameter_flow": true,
			}
			if t.DefaultTTL != "" {
				d, err := time.ParseDuration(t.DefaultTTL)
				if err != nil {
					return fmt.Errorf("template %s: default_ttl: %w", t.Name, err)
				}
				req["default_ttl_ms"] = d.Milliseconds()
			}
			if t.AllowUserCancelWorkspaceJobs != nil {
				req["allow_user_cancel_workspace_jobs"] = *t.AllowUserCancelWorkspaceJobs
			}
			var tpl struct {
				ID string `json:"id"`
			}
			if err := admin.call(ctx, http.MethodPost, "/api/v2/organizations/"+s.dep.OrganizationID+"/templates", req, &tpl); err != nil {
				return fmt.Errorf("template %s: %w", t.Name, err)
			}
			rt.id = tpl.ID
		}
		active := t.ActiveVersion
		if active == "" {
			active = t.Versions[len(t.Versions)-1].Name
		}
		if len(t.Versions) > 1 {
			if err := admin.call(ctx, http.MethodPatch, "/api/v2/templates/"+rt.id+"/versions",
				map[string]string{"id": rt.versions[active]}, nil); err != nil {
				return fmt.Errorf("template %s: activating %s: %w", t.Name, active, err)
			}
		}
		for _, v := range t.Versions {
			if v.Archived && v.Name != active {
				if err := admin.call(ctx, http.MethodPost, "/api/v2/templateversions/"+rt.versions[v.Name]+"/archive", nil, nil); err != nil {
					return fmt.Errorf("template %s: archiving %s: %w", t.Name, v.Name, err)
				}
			}
		}
		if t.DeprecationMessage != "" {
			s.skip("template %s: deprecation (a licence feature)", t.Name)
		}
		if t.RequireActiveVersion {
			s.skip("template %s: require_active_version (a licence feature)", t.Name)
		}
		s.tpls[t.Name] = rt
		s.opts.Logf("template %s (%d versions, active %s)", t.Name, len(t.Versions), active)
	}
	return nil
}

// failingVersion returns a version of t whose start builds fail, made the
// first time a seeded workspace needs one.
func (s *seeder) failingVersion(ctx context.Context, rt *realTemplate, from string) (string, error) {
	if rt.failing != "" {
		return rt.failing, nil
	}
	var base fakecoder.SeedTemplateVersion
	for _, v := range rt.seed.Versions {
		if v.Name == from {
			base = v
		}
	}
	arch := archiveFor(rt.seed, base)
	arch.FailStart = "docker: the image could not be pulled"
	id, err := s.uploadVersion(ctx, rt.id, base.Name+"-broken", "A version whose start builds fail.", arch)
	if err != nil {
		return "", err
	}
	rt.failing = id
	return id, nil
}

type workspace struct {
	ID          string `json:"id"`
	LatestBuild struct {
		ID  string `json:"id"`
		Job job    `json:"job"`
	} `json:"latest_build"`
}

func (s *seeder) waitBuild(ctx context.Context, as api, buildID string) (job, error) {
	var b struct {
		Job job `json:"job"`
	}
	err := poll(ctx, "build "+buildID, func() (bool, error) {
		if err := as.call(ctx, http.MethodGet, "/api/v2/workspacebuilds/"+buildID, nil, &b); err != nil {
			return false, err
		}
		return b.Job.done(), nil
	})
	return b.Job, err
}

func (s *seeder) build(ctx context.Context, as api, w workspace, transition string) error {
	var b struct {
		ID string `json:"id"`
	}
	if err := as.call(ctx, http.MethodPost, "/api/v2/workspaces/"+w.ID+"/builds",
		map[string]string{"transition": transition}, &b); err != nil {
		return err
	}
	j, err := s.waitBuild(ctx, as, b.ID)
	if err != nil {
		return err
	}
	if j.Status != "succeeded" {
		return fmt.Errorf("%s build %s: %s", transition, j.Status, j.Error)
	}
	return nil
}

func (s *seeder) workspaces(ctx context.Context) error {
	for _, sw := range s.seed.Workspaces {
		if err := s.workspace(ctx, sw); err != nil {
			return fmt.Errorf("workspace %s/%s: %w", sw.Owner, sw.Name, err)
		}
	}
	return nil
}

func (s *seeder) workspace(ctx context.Context, sw fakecoder.SeedWorkspace) error {
	rt, ok := s.tpls[sw.Template]
	if !ok {
		return fmt.Errorf("unknown template %q", sw.Template)
	}
	token, ok := s.dep.Tokens[sw.Owner]
	if !ok {
		return fmt.Errorf("unknown owner %q", sw.Owner)
	}
	as := s.api.as(token)
	status := sw.Status
	if status == "" {
		status = "running"
	}
	version := ""
	if sw.TemplateVersion != "" {
		version = rt.versions[sw.TemplateVersion]
	}
	if status == "failed" {
		from := sw.TemplateVersion
		if from == "" {
			from = rt.seed.ActiveVersion
			if from == "" {
				from = rt.seed.Versions[len(rt.seed.Versions)-1].Name
			}
		}
		id, err := s.failingVersion(ctx, rt, from)
		if err != nil {
			return err
		}
		version = id
	}
	req := map[string]any{"name": sw.Name}
	if version != "" {
		req["template_version_id"] = version
	} else {
		req["template_id"] = rt.id
	}
	names := make([]string, 0, len(sw.Parameters))
	for n := range sw.Parameters {
		names = append(names, n)
	}
	sort.Strings(names)
	var params []map[string]string
	for _, n := range names {
		params = append(params, map[string]string{"name": n, "value": sw.Parameters[n]})
	}
	req["rich_parameter_values"] = params
	if sw.AutostartSchedule != "" {
		req["autostart_schedule"] = sw.AutostartSchedule
	}
	if sw.TTL != "" {
		d, err := time.ParseDuration(sw.TTL)
		if err != nil {
			return fmt.Errorf("ttl: %w", err)
		}
		req["ttl_ms"] = d.Milliseconds()
	}
	if sw.AutomaticUpdates != "" {
		req["automatic_updates"] = sw.AutomaticUpdates
	}
	var w workspace
	if err := as.call(ctx, http.MethodPost, "/api/v2/users/"+url.PathEscape(sw.Owner)+"/workspaces", req, &w); err != nil {
		return err
	}
	j, err := s.waitBuild(ctx, as, w.LatestBuild.ID)
	if err != nil {
		return err
	}
	want := "succeeded"
	if status == "failed" {
		want = "failed"
	}
	if j.Status != want {
		return fmt.Errorf("first build %s, want %s: %s", j.Status, want, j.Error)
	}
	switch status {
	case "running", "failed":
	case "stopped":
		err = s.build(ctx, as, w, "stop")
	case "deleted":
		err = s.build(ctx, as, w, "delete")
	default:
		s.skip("workspace %s/%s: status %q (left running)", sw.Owner, sw.Name, status)
	}
	if err != nil {
		return err
	}
	if sw.Favorite {
		if err := as.call(ctx, http.MethodPut, "/api/v2/workspaces/"+w.ID+"/favorite", nil, nil); err != nil {
			return err
		}
	}
	if sw.Dormant {
		s.skip("workspace %s/%s: dormancy (a licence feature)", sw.Owner, sw.Name)
	}
	s.opts.Logf("workspace %s/%s (%s, %s)", sw.Owner, sw.Name, sw.Template, status)
	return nil
}

func (s *seeder) oauth2Apps(ctx context.Context) error {
	admin := s.adminAPI()
	for _, a := range s.seed.OAuth2Apps {
		callback := a.CallbackURL
		if s.opts.OAuth2CallbackURL != "" {
			callback = s.opts.OAuth2CallbackURL
		}
		var app struct {
			ID string `json:"id"`
		}
		if err := admin.call(ctx, http.MethodPost, "/api/v2/oauth2-provider/apps", map[string]string{
			"name": a.Name, "callback_url": callback, "icon": a.Icon,
		}, &app); err != nil {
			return fmt.Errorf("app %s: %w", a.Name, err)
		}
		var secret struct {
			ClientSecretFull string `json:"client_secret_full"`
		}
		if err := admin.call(ctx, http.MethodPost, "/api/v2/oauth2-provider/apps/"+app.ID+"/secrets", nil, &secret); err != nil {
			return fmt.Errorf("app %s: %w", a.Name, err)
		}
		s.dep.OAuth2Apps[a.Name] = OAuth2App{ClientID: app.ID, ClientSecret: secret.ClientSecretFull, CallbackURL: callback}
		s.opts.Logf("OAuth2 app %s → %s", a.Name, callback)
	}
	return nil
}
