package fakecoder

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The in-memory deployment. Everything below is guarded by Server.mu.

type org struct {
	id, name, displayName, description, icon string
	isDefault                                bool
	createdAt                                time.Time
}

type user struct {
	id, username, email, name, avatarURL string
	roles                                []string
	status, loginType                    string
	orgIDs                               []string
	createdAt, updatedAt, lastSeenAt     time.Time
}

func (u *user) isOwner() bool { return slices.Contains(u.roles, "owner") }

type apiKey struct {
	id, secret, userID string
	expiresAt          time.Time // zero: never
	loginType          string
	appID              string // OAuth2 access tokens: the app that issued them
	audience           string // OAuth2 access tokens bound with "resource"
}

type template struct {
	id, orgID, name, displayName, description, icon string
	createdByID                                     string
	deprecationMessage                              string
	defaultTTL                                      time.Duration
	allowUserCancel                                 bool
	requireActiveVersion                            bool
	classicFlow                                     bool
	resourceType                                    string
	activeVersionID                                 string
	versionIDs                                      []string
	createdAt, updatedAt                            time.Time
}

type templateVersion struct {
	id, templateID, orgID, name, message, readme string
	importStatus                                 string
	archived                                     bool
	params                                       []TemplateVersionParameter
	createdByID, jobID                           string
	createdAt                                    time.Time
}

type workspace struct {
	id, ownerID, orgID, templateID, name string
	createdAt, updatedAt, lastUsedAt     time.Time
	deleted, favorite                    bool
	dormantAt                            *time.Time
	autostart                            *string
	ttlMillis                            *int64
	automaticUpdates                     string
	buildIDs                             []string // oldest first
}

type job struct {
	id, fileID                         string
	status                             string // pending running succeeded canceling canceled failed
	createdAt                          time.Time
	startedAt, completedAt, canceledAt *time.Time
	err                                string
}

type build struct {
	id, workspaceID, versionID, initiatorID string
	number                                  int32
	transition, reason                      string
	createdAt, updatedAt                    time.Time
	job                                     job
	params                                  []WorkspaceBuildParameter
	agentID, resourceID, volumeID, appID    string
	agentStatus, agentLifecycle             string // set once a start build succeeded
	agentConnectedAt, agentReadyAt          *time.Time
	deadline                                *time.Time
	failWith                                string // the job fails with this error
}

type oauthApp struct {
	id, name, callbackURL, icon, secret string
	createdAt                           time.Time
}

type oauthCode struct {
	prefix, secret, appID, userID string
	expiresAt                     time.Time
	challenge, resource           string
}

type oauthToken struct {
	prefix, secret, appID, userID, apiKeyID string
	expiresAt                               time.Time
	audience                                string
}

type state struct {
	version      string
	deploymentID string

	orgs       []*org
	users      []*user
	templates  []*template
	versions   map[string]*templateVersion
	workspaces []*workspace
	builds     map[string]*build
	keys       map[string]*apiKey // by key id
	apps       []*oauthApp
	codes      map[string]*oauthCode  // by prefix
	refresh    map[string]*oauthToken // by prefix

	// userTokens are the seeded session tokens, for Server.Token.
	userTokens map[string]string
}

func (st *state) orgByID(id string) *org {
	for _, o := range st.orgs {
		if o.id == id {
			return o
		}
	}
	return nil
}

func (st *state) orgByName(name string) *org {
	for _, o := range st.orgs {
		if strings.EqualFold(o.name, name) {
			return o
		}
	}
	return nil
}

func (st *state) defaultOrg() *org {
	for _, o := range st.orgs {
		if o.isDefault {
			return o
		}
	}
	return st.orgs[0]
}

func (st *state) userByID(id string) *user {
	for _, u := range st.users {
		if u.id == id {
			return u
		}
	}
	return nil
}

func (st *state) userByName(name string) *user {
	for _, u := range st.users {
		if strings.EqualFold(u.username, name) {
			return u
		}
	}
	return nil
}

func (st *state) templateByID(id string) *template {
	for _, t := range st.templates {
		if t.id == id {
			return t
		}
	}
	return nil
}

func (st *state) workspaceByID(id string) *workspace {
	for _, w := range st.workspaces {
		if w.id == id {
			return w
		}
	}
	return nil
}

func (st *state) appByID(id string) *oauthApp {
	for _, a := range st.apps {
		if a.id == id {
			return a
		}
	}
	return nil
}

func (st *state) latestBuild(w *workspace) *build {
	return st.builds[w.buildIDs[len(w.buildIDs)-1]]
}

// ---- names and formats -----------------------------------------------------

var nameRegex = regexp.MustCompile(`^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$`)

// nameValid is codersdk.NameValid, for users, templates, workspaces and
// organizations.
func nameValid(s string) error {
	switch {
	case len(s) > 32:
		return fmt.Errorf("must be <= 32 characters")
	case len(s) < 1:
		return fmt.Errorf("must be >= 1 character")
	case s == "new" || s == "create":
		return fmt.Errorf("cannot use %q as a name", s)
	case !nameRegex.MatchString(s):
		return fmt.Errorf("must be alphanumeric with hyphens")
	}
	return nil
}

// splitAPIToken is httpmw.SplitAPIToken.
func splitAPIToken(token string) (id, secret string, err error) {
	parts := strings.Split(token, "-")
	if len(parts) != 2 {
		return "", "", fmt.Errorf("incorrect amount of API key parts, expected 2 got %d", len(parts))
	}
	if len(parts[0]) != 10 {
		return "", "", fmt.Errorf("invalid API key ID length, expected 10 got %d", len(parts[0]))
	}
	if len(parts[1]) != 22 {
		return "", "", fmt.Errorf("invalid API key secret length, expected 22 got %d", len(parts[1]))
	}
	return parts[0], parts[1], nil
}

// parseFormattedSecret splits an OAuth2 secret, code or refresh token
// formatted coder_<prefix>_<secret>.
func parseFormattedSecret(s string) (prefix, secret string, ok bool) {
	parts := strings.Split(s, "_")
	if len(parts) != 3 || parts[0] != "coder" || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

func newFormattedSecret() (full, prefix, secret string) {
	prefix, secret = randomLower(10), randomLower(40)
	return "coder_" + prefix + "_" + secret, prefix, secret
}

func newAPIKeyToken() (token, id, secret string) {
	id, secret = randomString(10), randomString(22)
	return id + "-" + secret, id, secret
}

// dbNow truncates to microseconds, the precision of Coder's database.
func dbNow(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

var siteRoles = map[string]string{
	"owner":          "Owner",
	"member":         "Member",
	"template-admin": "Template Admin",
	"user-admin":     "User Admin",
	"auditor":        "Auditor",
}

var formTypes = []string{"", "radio", "dropdown", "input", "textarea", "slider", "checkbox", "switch", "tag-select", "multi-select", "error"}

// ---- building a deployment from a seed -------------------------------------

func buildState(s *Seed, now time.Time) (*state, error) {
	now = dbNow(now)
	st := &state{
		version:      s.Deployment.Version,
		deploymentID: s.Deployment.DeploymentID,
		versions:     map[string]*templateVersion{},
		builds:       map[string]*build{},
		keys:         map[string]*apiKey{},
		codes:        map[string]*oauthCode{},
		refresh:      map[string]*oauthToken{},
		userTokens:   map[string]string{},
	}
	if st.version == "" {
		st.version = "v2.30.0+43e67d1"
	}
	if st.deploymentID == "" {
		st.deploymentID = nameUUID("deployment", "default")
	}
	created := now.Add(-90 * 24 * time.Hour)

	// Organizations.
	orgs := s.Organizations
	if len(orgs) == 0 {
		orgs = []SeedOrganization{{Name: "coder", DisplayName: "Coder", Default: true}}
	}
	hasDefault := false
	for i, so := range orgs {
		path := fmt.Sprintf("organizations[%d]", i)
		if err := nameValid(so.Name); err != nil {
			return nil, s.errorf(path+".name", "organization name %q %v", so.Name, err)
		}
		if st.orgByName(so.Name) != nil {
			return nil, s.errorf(path+".name", "organization %q is defined twice", so.Name)
		}
		if so.Default && hasDefault {
			return nil, s.errorf(path+".default", "only one organization can be the default")
		}
		hasDefault = hasDefault || so.Default
		id, err := seedID(s, path+".id", so.ID, "organization", so.Name)
		if err != nil {
			return nil, err
		}
		st.orgs = append(st.orgs, &org{
			id: id, name: so.Name, displayName: cmpOr(so.DisplayName, so.Name),
			description: so.Description, icon: so.Icon, isDefault: so.Default, createdAt: created,
		})
	}
	if !hasDefault {
		st.orgs[0].isDefault = true
	}

	// Users.
	for i, su := range s.Users {
		path := fmt.Sprintf("users[%d]", i)
		if err := nameValid(su.Username); err != nil {
			return nil, s.errorf(path+".username", "username %q %v", su.Username, err)
		}
		if st.userByName(su.Username) != nil {
			return nil, s.errorf(path+".username", "user %q is defined twice", su.Username)
		}
		if su.Email == "" || !strings.Contains(su.Email, "@") {
			return nil, s.errorf(path+".email", "a valid email address is required (got %q)", su.Email)
		}
		for _, other := range st.users {
			if strings.EqualFold(other.email, su.Email) {
				return nil, s.errorf(path+".email", "email %q is already used by user %q", su.Email, other.username)
			}
		}
		var roles []string
		for j, r := range su.Roles {
			if _, ok := siteRoles[r]; !ok {
				return nil, s.errorf(fmt.Sprintf("%s.roles[%d]", path, j), "unknown role %q (want owner, member, template-admin, user-admin or auditor)", r)
			}
			if r != "member" && !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		status := cmpOr(su.Status, "active")
		if !slices.Contains([]string{"active", "dormant", "suspended"}, status) {
			return nil, s.errorf(path+".status", "unknown status %q (want active, dormant or suspended)", status)
		}
		loginType := cmpOr(su.LoginType, "password")
		if !slices.Contains([]string{"password", "github", "oidc", "token", "none"}, loginType) {
			return nil, s.errorf(path+".login_type", "unknown login type %q (want password, github, oidc, token or none)", loginType)
		}
		id, err := seedID(s, path+".id", su.ID, "user", strings.ToLower(su.Username))
		if err != nil {
			return nil, err
		}
		u := &user{
			id: id, username: su.Username, email: su.Email, name: su.Name, avatarURL: su.AvatarURL,
			roles: roles, status: status, loginType: loginType,
			createdAt: created, updatedAt: created, lastSeenAt: now.Add(-time.Hour),
		}
		if len(su.Organizations) == 0 {
			u.orgIDs = []string{st.defaultOrg().id}
		}
		for j, name := range su.Organizations {
			o := st.orgByName(name)
			if o == nil {
				return nil, s.errorf(fmt.Sprintf("%s.organizations[%d]", path, j), "organization %q is not defined", name)
			}
			u.orgIDs = append(u.orgIDs, o.id)
		}
		token := su.Token
		if token == "" {
			token, _, _ = newAPIKeyToken()
		}
		keyID, secret, err := splitAPIToken(token)
		if err != nil {
			return nil, s.errorf(path+".token", "not a Coder API token (want 10 characters, \"-\", 22 characters): %v", err)
		}
		if _, dup := st.keys[keyID]; dup {
			return nil, s.errorf(path+".token", "token ID %q is already used by another user", keyID)
		}
		st.keys[keyID] = &apiKey{id: keyID, secret: secret, userID: u.id, loginType: loginType}
		st.userTokens[strings.ToLower(u.username)] = token
		st.users = append(st.users, u)
	}
	var firstOwner *user
	for _, u := range st.users {
		if u.isOwner() {
			firstOwner = u
			break
		}
	}

	// Templates and their versions.
	for i, stpl := range s.Templates {
		path := fmt.Sprintf("templates[%d]", i)
		if err := nameValid(stpl.Name); err != nil {
			return nil, s.errorf(path+".name", "template name %q %v", stpl.Name, err)
		}
		o := st.defaultOrg()
		if stpl.Organization != "" {
			if o = st.orgByName(stpl.Organization); o == nil {
				return nil, s.errorf(path+".organization", "organization %q is not defined", stpl.Organization)
			}
		}
		for _, other := range st.templates {
			if other.orgID == o.id && strings.EqualFold(other.name, stpl.Name) {
				return nil, s.errorf(path+".name", "template %q is defined twice in organization %q", stpl.Name, o.name)
			}
		}
		creator := firstOwner
		if stpl.CreatedBy != "" {
			if creator = st.userByName(stpl.CreatedBy); creator == nil {
				return nil, s.errorf(path+".created_by", "user %q is not defined", stpl.CreatedBy)
			}
		}
		if creator == nil && len(st.users) > 0 {
			creator = st.users[0]
		}
		creatorID := nilUUID
		if creator != nil {
			creatorID = creator.id
		}
		var ttl time.Duration
		if stpl.DefaultTTL != "" {
			d, err := time.ParseDuration(stpl.DefaultTTL)
			if err != nil || d < 0 {
				return nil, s.errorf(path+".default_ttl", "want a duration such as \"8h\", got %q", stpl.DefaultTTL)
			}
			ttl = d
		}
		id, err := seedID(s, path+".id", stpl.ID, "template", o.name+"/"+strings.ToLower(stpl.Name))
		if err != nil {
			return nil, err
		}
		allowCancel := false // Coder's default when a template is created without it
		if stpl.AllowUserCancelWorkspaceJobs != nil {
			allowCancel = *stpl.AllowUserCancelWorkspaceJobs
		}
		t := &template{
			id: id, orgID: o.id, name: stpl.Name, displayName: stpl.DisplayName,
			description: stpl.Description, icon: stpl.Icon, createdByID: creatorID,
			deprecationMessage: stpl.DeprecationMessage, defaultTTL: ttl,
			allowUserCancel: allowCancel, requireActiveVersion: stpl.RequireActiveVersion,
			classicFlow: stpl.UseClassicParameterFlow, resourceType: cmpOr(stpl.ResourceType, "docker_container"),
			createdAt: created, updatedAt: created,
		}
		versions := stpl.Versions
		if len(versions) == 0 {
			versions = []SeedTemplateVersion{{Name: "v1"}}
		}
		for j, sv := range versions {
			vpath := fmt.Sprintf("%s.versions[%d]", path, j)
			if sv.Name == "" {
				return nil, s.errorf(vpath+".name", "a version name is required")
			}
			for _, vid := range t.versionIDs {
				if st.versions[vid].name == sv.Name {
					return nil, s.errorf(vpath+".name", "version %q is defined twice", sv.Name)
				}
			}
			status := cmpOr(sv.ImportStatus, "succeeded")
			if !slices.Contains([]string{"pending", "running", "succeeded", "failed"}, status) {
				return nil, s.errorf(vpath+".import_status", "unknown status %q (want pending, running, succeeded or failed)", status)
			}
			vid, err := seedID(s, vpath+".id", sv.ID, "template-version", t.id+"/"+sv.Name)
			if err != nil {
				return nil, err
			}
			v := &templateVersion{
				id: vid, templateID: t.id, orgID: o.id, name: sv.Name, message: sv.Message, readme: sv.Readme,
				importStatus: status, archived: sv.Archived, createdByID: creatorID,
				jobID: nameUUID("import-job", vid), createdAt: created.Add(time.Duration(j) * 24 * time.Hour),
			}
			for k, sp := range sv.Parameters {
				p, err := seedParameter(s, fmt.Sprintf("%s.parameters[%d]", vpath, k), sp, v.params)
				if err != nil {
					return nil, err
				}
				v.params = append(v.params, p)
			}
			st.versions[v.id] = v
			t.versionIDs = append(t.versionIDs, v.id)
		}
		t.activeVersionID = t.versionIDs[len(t.versionIDs)-1]
		if stpl.ActiveVersion != "" {
			v := st.versionByName(t, stpl.ActiveVersion)
			if v == nil {
				return nil, s.errorf(path+".active_version", "version %q is not defined for template %q", stpl.ActiveVersion, t.name)
			}
			t.activeVersionID = v.id
		}
		st.templates = append(st.templates, t)
	}

	// Workspaces, each with the builds that lead to its seeded status.
	for i, sw := range s.Workspaces {
		path := fmt.Sprintf("workspaces[%d]", i)
		if err := nameValid(sw.Name); err != nil {
			return nil, s.errorf(path+".name", "workspace name %q %v", sw.Name, err)
		}
		owner := st.userByName(sw.Owner)
		if owner == nil {
			return nil, s.errorf(path+".owner", "user %q is not defined", sw.Owner)
		}
		t, err := st.seedTemplateRef(s, path+".template", sw.Template)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(owner.orgIDs, t.orgID) {
			return nil, s.errorf(path+".owner", "user %q is not a member of organization %q, which owns template %q", owner.username, st.orgByID(t.orgID).name, t.name)
		}
		status := cmpOr(sw.Status, "running")
		deleted := status == "deleted"
		for _, other := range st.workspaces {
			if other.ownerID == owner.id && strings.EqualFold(other.name, sw.Name) && !other.deleted && !deleted {
				return nil, s.errorf(path+".name", "user %q already has a workspace named %q", owner.username, sw.Name)
			}
		}
		v := st.versions[t.activeVersionID]
		if sw.TemplateVersion != "" {
			if v = st.versionByName(t, sw.TemplateVersion); v == nil {
				return nil, s.errorf(path+".template_version", "version %q is not defined for template %q", sw.TemplateVersion, t.name)
			}
		}
		for name := range sw.Parameters {
			if !slices.ContainsFunc(v.params, func(p TemplateVersionParameter) bool { return p.Name == name }) {
				return nil, s.errorf(path+".parameters."+name, "template %q version %q has no parameter %q", t.name, v.name, name)
			}
		}
		var given []WorkspaceBuildParameter
		for _, p := range v.params {
			if val, ok := sw.Parameters[p.Name]; ok {
				given = append(given, WorkspaceBuildParameter{Name: p.Name, Value: val})
			}
		}
		values, problems := resolveParameters(v.params, nil, given, true)
		if len(problems) > 0 {
			p := problems[0]
			return nil, s.errorf(path+".parameters", "%s: %s; %s", p.name, p.summary, p.detail)
		}
		id, err := seedID(s, path+".id", sw.ID, "workspace", strings.ToLower(owner.username)+"/"+strings.ToLower(sw.Name))
		if err != nil {
			return nil, err
		}
		lastUsed := now.Add(-time.Hour)
		if sw.LastUsed != "" {
			d, err := time.ParseDuration(sw.LastUsed)
			if err != nil || d < 0 {
				return nil, s.errorf(path+".last_used", "want a duration such as \"36h\", got %q", sw.LastUsed)
			}
			lastUsed = now.Add(-d)
		}
		w := &workspace{
			id: id, ownerID: owner.id, orgID: t.orgID, templateID: t.id, name: sw.Name,
			createdAt: now.Add(-14 * 24 * time.Hour), lastUsedAt: lastUsed,
			favorite: sw.Favorite, automaticUpdates: cmpOr(sw.AutomaticUpdates, "never"),
		}
		w.updatedAt = w.createdAt
		if w.automaticUpdates != "always" && w.automaticUpdates != "never" {
			return nil, s.errorf(path+".automatic_updates", "want always or never, got %q", sw.AutomaticUpdates)
		}
		if sw.Dormant {
			at := now.Add(-24 * time.Hour)
			w.dormantAt = &at
		}
		if sw.AutostartSchedule != "" {
			if err := validSchedule(sw.AutostartSchedule); err != nil {
				return nil, s.errorf(path+".autostart_schedule", "%v", err)
			}
			sched := sw.AutostartSchedule
			w.autostart = &sched
		}
		switch {
		case sw.TTL != "":
			d, err := time.ParseDuration(sw.TTL)
			if err != nil || d < time.Minute {
				return nil, s.errorf(path+".ttl", "want a duration of at least 1m such as \"8h\", got %q", sw.TTL)
			}
			ms := d.Milliseconds()
			w.ttlMillis = &ms
		case t.defaultTTL > 0:
			ms := t.defaultTTL.Milliseconds()
			w.ttlMillis = &ms
		}
		if err := st.seedBuilds(w, t, v, owner, values, status, now); err != nil {
			return nil, s.errorf(path+".status", "%v", err)
		}
		st.workspaces = append(st.workspaces, w)
	}

	// OAuth2 applications.
	for i, sa := range s.OAuth2Apps {
		path := fmt.Sprintf("oauth2_apps[%d]", i)
		if sa.Name == "" {
			return nil, s.errorf(path+".name", "an app name is required")
		}
		for _, other := range st.apps {
			if other.name == sa.Name {
				return nil, s.errorf(path+".name", "app %q is defined twice", sa.Name)
			}
		}
		id, err := seedID(s, path+".client_id", sa.ClientID, "oauth2-app", sa.Name)
		if err != nil {
			return nil, err
		}
		secret := sa.ClientSecret
		if secret == "" {
			secret, _, _ = newFormattedSecret()
		}
		if _, _, ok := parseFormattedSecret(secret); !ok {
			return nil, s.errorf(path+".client_secret", "want coder_<prefix>_<secret>, with no other underscores")
		}
		cb, err := url.Parse(sa.CallbackURL)
		if err != nil || cb.Scheme == "" || cb.Host == "" {
			return nil, s.errorf(path+".callback_url", "want an absolute URL, got %q", sa.CallbackURL)
		}
		st.apps = append(st.apps, &oauthApp{id: id, name: sa.Name, callbackURL: sa.CallbackURL, icon: sa.Icon, secret: secret, createdAt: created})
	}
	return st, nil
}

func (st *state) versionByName(t *template, name string) *templateVersion {
	for _, id := range t.versionIDs {
		if v := st.versions[id]; v.name == name {
			return v
		}
	}
	return nil
}

func (st *state) seedTemplateRef(s *Seed, path, ref string) (*template, error) {
	orgName, name, scoped := strings.Cut(ref, "/")
	if !scoped {
		name, orgName = orgName, ""
	}
	var found []*template
	for _, t := range st.templates {
		if strings.EqualFold(t.name, name) && (orgName == "" || strings.EqualFold(st.orgByID(t.orgID).name, orgName)) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		var names []string
		for _, t := range st.templates {
			names = append(names, t.name)
		}
		return nil, s.errorf(path, "template %q is not defined (templates: %s)", ref, strings.Join(names, ", "))
	default:
		return nil, s.errorf(path, "template %q exists in several organizations; write <organization>/%s", ref, name)
	}
}

// seedBuilds gives a seeded workspace a start build and, when its status
// needs one, a second build for the other transition.
func (st *state) seedBuilds(w *workspace, t *template, v *templateVersion, owner *user, values []WorkspaceBuildParameter, status string, now time.Time) error {
	type plan struct{ transition, job string }
	var plans []plan
	switch status {
	case "running":
		plans = []plan{{"start", "succeeded"}}
	case "pending":
		plans = []plan{{"start", "succeeded"}, {"start", "pending"}}
	case "starting":
		plans = []plan{{"start", "succeeded"}, {"start", "running"}}
	case "failed":
		plans = []plan{{"start", "succeeded"}, {"start", "failed"}}
	case "canceling":
		plans = []plan{{"start", "succeeded"}, {"start", "canceling"}}
	case "canceled":
		plans = []plan{{"start", "succeeded"}, {"start", "canceled"}}
	case "stopped":
		plans = []plan{{"start", "succeeded"}, {"stop", "succeeded"}}
	case "stopping":
		plans = []plan{{"start", "succeeded"}, {"stop", "running"}}
	case "deleting":
		plans = []plan{{"start", "succeeded"}, {"delete", "running"}}
	case "deleted":
		plans = []plan{{"start", "succeeded"}, {"delete", "succeeded"}}
	default:
		return fmt.Errorf("unknown status %q (want running, stopped, failed, canceled, deleted, pending, starting, stopping, deleting or canceling)", status)
	}
	for i, p := range plans {
		at := now.Add(-time.Duration(len(plans)-i) * 24 * time.Hour)
		if i == len(plans)-1 && p.job != "succeeded" && p.job != "failed" && p.job != "canceled" {
			at = now
		}
		b := st.newBuild(w, t, v, owner, p.transition, "initiator", values, at)
		// Seeded builds keep their IDs across runs.
		delete(st.builds, b.id)
		b.id = nameUUID("build", fmt.Sprintf("%s/%d", w.id, b.number))
		st.builds[b.id] = b
		w.buildIDs[len(w.buildIDs)-1] = b.id
		b.job.id = nameUUID("build-job", b.id)
		b.job.fileID = nameUUID("file", v.id)
		switch p.job {
		case "succeeded", "failed", "canceled":
			started, done := at.Add(2*time.Second), at.Add(40*time.Second)
			b.job.startedAt, b.job.completedAt = &started, &done
			b.job.status = p.job
			b.updatedAt = done
			switch p.job {
			case "failed":
				b.job.err = "terraform apply: exit status 1: Error: failed to pull image: manifest unknown"
			case "canceled":
				b.job.canceledAt = &done
			case "succeeded":
				if p.transition == "start" {
					b.agentStatus, b.agentLifecycle = "connected", "ready"
					b.agentConnectedAt, b.agentReadyAt = &done, &done
					b.deadline = buildDeadline(w, done)
				}
				if p.transition == "delete" {
					w.deleted = true
				}
			}
		case "running", "canceling":
			started := at
			b.job.startedAt = &started
			b.job.status = p.job
			if p.job == "canceling" {
				b.job.canceledAt = &started
			}
		}
	}
	return nil
}

func buildDeadline(w *workspace, from time.Time) *time.Time {
	if w.ttlMillis == nil {
		return nil
	}
	d := from.Add(time.Duration(*w.ttlMillis) * time.Millisecond)
	return &d
}

// newBuild appends a build with a pending job to w.
func (st *state) newBuild(w *workspace, t *template, v *templateVersion, initiator *user, transition, reason string, params []WorkspaceBuildParameter, at time.Time) *build {
	number := int32(len(w.buildIDs) + 1)
	b := &build{
		id: newUUID(), workspaceID: w.id, versionID: v.id, initiatorID: initiator.id,
		number: number, transition: transition, reason: reason,
		createdAt: at, updatedAt: at,
		job:    job{id: newUUID(), fileID: nameUUID("file", v.id), status: "pending", createdAt: at},
		params: params,
	}
	b.agentID = nameUUID("agent", w.id+fmt.Sprint(number))
	b.resourceID = nameUUID("resource", w.id+fmt.Sprint(number))
	b.volumeID = nameUUID("volume", w.id+fmt.Sprint(number))
	b.appID = nameUUID("app", w.id)
	st.builds[b.id] = b
	w.buildIDs = append(w.buildIDs, b.id)
	w.updatedAt = at
	return b
}

func seedID(s *Seed, path, given, kind, name string) (string, error) {
	if given == "" {
		return nameUUID(kind, name), nil
	}
	id, err := parseUUID(given)
	if err != nil {
		return "", s.errorf(path, "not a UUID: %v", err)
	}
	return id, nil
}

func seedParameter(s *Seed, path string, sp SeedParameter, earlier []TemplateVersionParameter) (TemplateVersionParameter, error) {
	if sp.Name == "" {
		return TemplateVersionParameter{}, s.errorf(path+".name", "a parameter name is required")
	}
	for _, p := range earlier {
		if p.Name == sp.Name {
			return TemplateVersionParameter{}, s.errorf(path+".name", "parameter %q is defined twice", sp.Name)
		}
	}
	typ := cmpOr(sp.Type, "string")
	if !slices.Contains([]string{"string", "number", "bool", "list(string)"}, typ) {
		return TemplateVersionParameter{}, s.errorf(path+".type", "unknown type %q (want string, number, bool or list(string))", sp.Type)
	}
	if !slices.Contains(formTypes, sp.FormType) {
		return TemplateVersionParameter{}, s.errorf(path+".form_type", "unknown form type %q (want one of %s)", sp.FormType, strings.Join(formTypes[1:], ", "))
	}
	p := TemplateVersionParameter{
		Name: sp.Name, DisplayName: sp.DisplayName, Description: sp.Description,
		DescriptionPlaintext: plaintext(sp.Description), Type: typ, FormType: sp.FormType,
		Mutable: sp.Mutable, Icon: sp.Icon, Ephemeral: sp.Ephemeral,
		Options: []TemplateVersionParameterOption{}, Required: sp.Default == nil,
	}
	if p.FormType == "" {
		p.FormType = defaultFormType(typ, len(sp.Options) > 0)
	}
	if sp.Default != nil {
		p.DefaultValue = *sp.Default
	}
	for j, o := range sp.Options {
		if o.Name == "" || o.Value == "" {
			return TemplateVersionParameter{}, s.errorf(fmt.Sprintf("%s.options[%d]", path, j), "an option needs a name and a value")
		}
		p.Options = append(p.Options, TemplateVersionParameterOption{Name: o.Name, Value: o.Value, Description: o.Description, Icon: o.Icon})
	}
	if v := sp.Validation; v != nil {
		if v.Regex != "" {
			if _, err := regexp.Compile(v.Regex); err != nil {
				return TemplateVersionParameter{}, s.errorf(path+".validation.regex", "%v", err)
			}
			if typ != "string" {
				return TemplateVersionParameter{}, s.errorf(path+".validation.regex", "a regex only applies to string parameters")
			}
		}
		if (v.Min != nil || v.Max != nil || v.Monotonic != "") && typ != "number" {
			return TemplateVersionParameter{}, s.errorf(path+".validation", "min, max and monotonic only apply to number parameters")
		}
		if v.Monotonic != "" && v.Monotonic != "increasing" && v.Monotonic != "decreasing" {
			return TemplateVersionParameter{}, s.errorf(path+".validation.monotonic", "want increasing or decreasing, got %q", v.Monotonic)
		}
		p.ValidationRegex, p.ValidationError = v.Regex, v.Error
		p.ValidationMin, p.ValidationMax, p.ValidationMonotonic = v.Min, v.Max, v.Monotonic
	}
	if sp.Default != nil && *sp.Default != "" {
		if pr, bad := checkParameterValue(p, *sp.Default); bad {
			return TemplateVersionParameter{}, s.errorf(path+".default", "%s", pr.detail)
		}
	}
	return p, nil
}

func defaultFormType(typ string, options bool) string {
	switch {
	case options && typ == "list(string)":
		return "multi-select"
	case options:
		return "radio"
	case typ == "bool":
		return "checkbox"
	case typ == "list(string)":
		return "tag-select"
	default:
		return "input"
	}
}

var markdownSyntax = strings.NewReplacer("**", "", "__", "", "`", "", "#", "")

func plaintext(md string) string { return strings.TrimSpace(markdownSyntax.Replace(md)) }

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
