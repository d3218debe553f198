package fakecoder

import (
	"slices"
	"time"
)

// Conversions from the in-memory model to Coder's JSON. Call with s.mu held.

func (s *Server) convertUser(u *user) User {
	roles := []Role{}
	for _, r := range u.roles {
		roles = append(roles, Role{Name: r, DisplayName: siteRoles[r]})
	}
	seen := u.lastSeenAt
	return User{
		ID: u.id, Username: u.username, Name: u.name, AvatarURL: u.avatarURL, Email: u.email,
		CreatedAt: u.createdAt, UpdatedAt: u.updatedAt, LastSeenAt: &seen,
		Status: u.status, LoginType: u.loginType,
		OrganizationIDs: slices.Clone(u.orgIDs), Roles: roles,
	}
}

func convertOrg(o *org) Organization {
	return Organization{
		ID: o.id, Name: o.name, DisplayName: o.displayName, Description: o.description, Icon: o.icon,
		CreatedAt: o.createdAt, UpdatedAt: o.createdAt, IsDefault: o.isDefault,
	}
}

// buildStatus is codersdk.ConvertWorkspaceStatus.
func buildStatus(transition, jobStatus string) string {
	switch jobStatus {
	case "running":
		switch transition {
		case "start":
			return "starting"
		case "stop":
			return "stopping"
		case "delete":
			return "deleting"
		}
	case "succeeded":
		switch transition {
		case "start":
			return "running"
		case "stop":
			return "stopped"
		case "delete":
			return "deleted"
		}
	}
	// pending, canceling, canceled and failed read the same for every
	// transition.
	return jobStatus
}

func jobDone(status string) bool {
	return status == "succeeded" || status == "failed" || status == "canceled"
}

func (s *Server) convertWorkspace(w *workspace, requesterID string) Workspace {
	st := s.st
	t := st.templateByID(w.templateID)
	o := st.orgByID(w.orgID)
	owner := st.userByID(w.ownerID)
	b := st.latestBuild(w)
	latest := s.convertBuild(b)
	health := WorkspaceHealth{Healthy: true, FailingAgents: []string{}}
	for _, res := range latest.Resources {
		for _, a := range res.Agents {
			if !a.Health.Healthy {
				health.Healthy = false
				health.FailingAgents = append(health.FailingAgents, a.ID)
			}
		}
	}
	return Workspace{
		ID: w.id, CreatedAt: w.createdAt, UpdatedAt: w.updatedAt,
		OwnerID: owner.id, OwnerName: owner.username, OwnerAvatarURL: owner.avatarURL,
		OrganizationID: o.id, OrganizationName: o.name,
		TemplateID: t.id, TemplateName: t.name, TemplateDisplayName: t.displayName, TemplateIcon: t.icon,
		TemplateAllowUserCancelWorkspaceJobs: t.allowUserCancel,
		TemplateActiveVersionID:              t.activeVersionID,
		TemplateRequireActiveVersion:         t.requireActiveVersion,
		TemplateUseClassicParameterFlow:      t.classicFlow,
		LatestBuild:                          latest,
		Outdated:                             b.versionID != t.activeVersionID,
		Name:                                 w.name,
		AutostartSchedule:                    w.autostart,
		TTLMillis:                            w.ttlMillis,
		LastUsedAt:                           w.lastUsedAt,
		DormantAt:                            w.dormantAt,
		Health:                               health,
		AutomaticUpdates:                     w.automaticUpdates,
		Favorite:                             w.favorite && requesterID == w.ownerID,
	}
}

func (s *Server) convertJob(b *build, w *workspace, t *template, v *templateVersion) ProvisionerJob {
	j := b.job
	out := ProvisionerJob{
		ID: j.id, CreatedAt: j.createdAt, StartedAt: j.startedAt, CompletedAt: j.completedAt,
		CanceledAt: j.canceledAt, Error: j.err, Status: j.status, FileID: j.fileID,
		Tags:           map[string]string{"owner": "", "scope": "organization"},
		OrganizationID: w.orgID, InitiatorID: b.initiatorID,
		Input: ProvisionerJobInput{WorkspaceBuildID: b.id},
		Type:  "workspace_build",
		Metadata: ProvisionerJobMetadata{
			TemplateVersionName: v.name, TemplateID: t.id, TemplateName: t.name,
			TemplateDisplayName: t.displayName, TemplateIcon: t.icon,
			WorkspaceID: w.id, WorkspaceName: w.name,
		},
	}
	if j.startedAt != nil {
		out.WorkerID = nameUUID("provisioner", w.orgID)
		out.WorkerName = "codertest-provisioner"
	}
	return out
}

func (s *Server) convertBuild(b *build) WorkspaceBuild {
	st := s.st
	w := st.workspaceByID(b.workspaceID)
	t := st.templateByID(w.templateID)
	v := st.versions[b.versionID]
	owner := st.userByID(w.ownerID)
	initiator := st.userByID(b.initiatorID)
	seen := b.createdAt
	out := WorkspaceBuild{
		ID: b.id, CreatedAt: b.createdAt, UpdatedAt: b.updatedAt,
		WorkspaceID: w.id, WorkspaceName: w.name, WorkspaceOwnerID: owner.id,
		WorkspaceOwnerName: owner.username, WorkspaceOwnerAvatarURL: owner.avatarURL,
		TemplateVersionID: v.id, TemplateVersionName: v.name,
		BuildNumber: b.number, Transition: b.transition,
		InitiatorID: initiator.id, InitiatorUsername: initiator.username,
		Job:       s.convertJob(b, w, t, v),
		Reason:    b.reason,
		Resources: s.buildResources(b, w, t),
		Deadline:  b.deadline,
		Status:    buildStatus(b.transition, b.job.status),
		MatchedProvisioners: &MatchedProvisioners{
			Count: 1, Available: 1, MostRecentlySeen: &seen,
		},
	}
	return out
}

// buildResources are the Terraform resources a completed build left behind:
// the agent's container and a home volume after a start, the volume alone
// after a stop, nothing while the job runs.
func (s *Server) buildResources(b *build, w *workspace, t *template) []WorkspaceResource {
	if b.job.status != "succeeded" || b.transition == "delete" {
		return []WorkspaceResource{}
	}
	at := *b.job.completedAt
	volume := WorkspaceResource{
		ID: b.volumeID, CreatedAt: at, JobID: b.job.id, WorkspaceTransition: b.transition,
		Type: volumeType(t.resourceType), Name: "home_volume", Icon: "/icon/database.svg",
	}
	if b.transition == "stop" {
		return []WorkspaceResource{volume}
	}
	agent := WorkspaceAgent{
		ID: b.agentID, CreatedAt: at, UpdatedAt: at,
		Status: b.agentStatus, LifecycleState: b.agentLifecycle, Name: "main",
		ResourceID: b.resourceID, Architecture: "amd64", OperatingSystem: "linux",
		Directory: "/home/coder", Version: "v2.30.0", APIVersion: "2.6",
		ConnectionTimeoutSeconds: 120,
		DisplayApps:              []string{"vscode", "vscode_insiders", "web_terminal", "ssh_helper", "port_forwarding_helper"},
		Apps: []WorkspaceApp{{
			ID: b.appID, URL: "http://localhost:13337/?folder=/home/coder", Slug: "code-server",
			DisplayName: "code-server", Icon: "/icon/code.svg", SharingLevel: "owner",
			Healthcheck: Healthcheck{URL: "http://localhost:13337/healthz", Interval: 5, Threshold: 6},
			Health:      appHealth(b.agentLifecycle), OpenIn: "slim-window", Statuses: []struct{}{},
		}},
	}
	if b.agentConnectedAt != nil {
		agent.FirstConnectedAt, agent.LastConnectedAt, agent.StartedAt = b.agentConnectedAt, b.agentConnectedAt, b.agentConnectedAt
	}
	agent.ReadyAt = b.agentReadyAt
	switch b.agentStatus {
	case "connected":
		agent.Health = WorkspaceAgentHealth{Healthy: true}
	case "connecting":
		agent.Health = WorkspaceAgentHealth{Reason: "agent has not yet connected"}
	case "timeout":
		agent.Health = WorkspaceAgentHealth{Reason: "agent is taking too long to connect"}
	default:
		agent.Health = WorkspaceAgentHealth{Reason: "agent is not connected"}
	}
	main := WorkspaceResource{
		ID: b.resourceID, CreatedAt: at, JobID: b.job.id, WorkspaceTransition: "start",
		Type: t.resourceType, Name: "main", Icon: resourceIcon(t.resourceType),
		Agents: []WorkspaceAgent{agent},
		Metadata: []WorkspaceResourceMetadata{
			{Key: "image", Value: "codercom/enterprise-base:ubuntu"},
			{Key: "template", Value: t.name},
		},
	}
	return []WorkspaceResource{main, volume}
}

func appHealth(lifecycle string) string {
	if lifecycle == "ready" {
		return "healthy"
	}
	return "initializing"
}

func volumeType(resourceType string) string {
	if resourceType == "kubernetes_deployment" || resourceType == "kubernetes_pod" {
		return "kubernetes_persistent_volume_claim"
	}
	return "docker_volume"
}

func resourceIcon(resourceType string) string {
	if resourceType == "kubernetes_deployment" || resourceType == "kubernetes_pod" {
		return "/icon/k8s.svg"
	}
	return "/icon/docker.svg"
}

func (s *Server) convertTemplate(t *template) Template {
	st := s.st
	o := st.orgByID(t.orgID)
	creator := st.userByID(t.createdByID)
	creatorName := ""
	if creator != nil {
		creatorName = creator.username
	}
	owners := map[string]bool{}
	for _, w := range st.workspaces {
		if w.templateID == t.id && !w.deleted {
			owners[w.ownerID] = true
		}
	}
	ms := func(d time.Duration) *int64 { v := d.Milliseconds(); return &v }
	return Template{
		ID: t.id, CreatedAt: t.createdAt, UpdatedAt: t.updatedAt,
		OrganizationID: o.id, OrganizationName: o.name, OrganizationDisplayName: o.displayName, OrganizationIcon: o.icon,
		Name: t.name, DisplayName: t.displayName, Provisioner: "terraform",
		ActiveVersionID: t.activeVersionID, ActiveUserCount: len(owners),
		BuildTimeStats: map[string]TransitionStats{
			"start":  {P50: ms(42 * time.Second), P95: ms(71 * time.Second)},
			"stop":   {P50: ms(11 * time.Second), P95: ms(19 * time.Second)},
			"delete": {P50: ms(9 * time.Second), P95: ms(16 * time.Second)},
		},
		Description: t.description, Deprecated: t.deprecationMessage != "", DeprecationMessage: t.deprecationMessage,
		Icon: t.icon, DefaultTTLMillis: t.defaultTTL.Milliseconds(), ActivityBumpMillis: time.Hour.Milliseconds(),
		AutostopRequirement:  TemplateAutostopRequirement{DaysOfWeek: []string{}, Weeks: 1},
		AutostartRequirement: TemplateAutostartRequirement{DaysOfWeek: []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}},
		CreatedByID:          t.createdByID, CreatedByName: creatorName,
		AllowUserAutostart: true, AllowUserAutostop: true, AllowUserCancelWorkspaceJobs: t.allowUserCancel,
		RequireActiveVersion: t.requireActiveVersion, MaxPortShareLevel: "public", CORSBehavior: "simple",
		UseClassicParameterFlow: t.classicFlow,
	}
}

func (s *Server) convertVersion(v *templateVersion) TemplateVersion {
	st := s.st
	t := st.templateByID(v.templateID)
	creator := st.userByID(v.createdByID)
	createdBy := MinimalUser{ID: nilUUID}
	if creator != nil {
		createdBy = MinimalUser{ID: creator.id, Username: creator.username, Name: creator.name, AvatarURL: creator.avatarURL}
	}
	j := ProvisionerJob{
		ID: v.jobID, CreatedAt: v.createdAt, Status: v.importStatus, FileID: nameUUID("file", v.id),
		Tags:           map[string]string{"owner": "", "scope": "organization"},
		OrganizationID: v.orgID, InitiatorID: v.createdByID,
		Input:    ProvisionerJobInput{TemplateVersionID: v.id},
		Type:     "template_version_import",
		Metadata: ProvisionerJobMetadata{TemplateVersionName: v.name, TemplateID: t.id, TemplateName: t.name, TemplateDisplayName: t.displayName, TemplateIcon: t.icon},
	}
	if v.importStatus != "pending" {
		started := v.createdAt.Add(time.Second)
		j.StartedAt = &started
	}
	if jobDone(v.importStatus) {
		done := v.createdAt.Add(20 * time.Second)
		j.CompletedAt = &done
		if v.importStatus == "failed" {
			j.Error = "terraform init: exit status 1"
		}
	}
	return TemplateVersion{
		ID: v.id, TemplateID: v.templateID, OrganizationID: v.orgID,
		CreatedAt: v.createdAt, UpdatedAt: v.createdAt,
		Name: v.name, Message: v.message, Job: j, Readme: v.readme,
		CreatedBy: createdBy, Archived: v.archived,
	}
}

func (s *Server) convertApp(a *oauthApp, access string) OAuth2ProviderApp {
	return OAuth2ProviderApp{
		ID: a.id, Name: a.name, CallbackURL: a.callbackURL, Icon: a.icon,
		Endpoints: OAuth2AppEndpoints{
			Authorization: access + "/oauth2/authorize",
			Token:         access + "/oauth2/tokens",
			TokenRevoke:   access + "/oauth2/revoke",
		},
	}
}
