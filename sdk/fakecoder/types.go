package fakecoder

import "time"

// The types below are the JSON shapes Coder v2.30 serves (package codersdk),
// limited to the fields this fake fills in. Field names, omitempty and
// null-versus-absent follow https://github.com/coder/coder/tree/v2.30.0/codersdk.

// BuildInfo is GET /api/v2/buildinfo.
type BuildInfo struct {
	ExternalURL           string `json:"external_url"`
	Version               string `json:"version"`
	DashboardURL          string `json:"dashboard_url"`
	Telemetry             bool   `json:"telemetry"`
	WorkspaceProxy        bool   `json:"workspace_proxy"`
	AgentAPIVersion       string `json:"agent_api_version"`
	ProvisionerAPIVersion string `json:"provisioner_api_version"`
	UpgradeMessage        string `json:"upgrade_message"`
	DeploymentID          string `json:"deployment_id"`
}

// Role is a role assigned to a user.
type Role struct {
	Name           string `json:"name"`
	DisplayName    string `json:"display_name"`
	OrganizationID string `json:"organization_id,omitempty"`
}

// User is codersdk.User.
type User struct {
	ID              string     `json:"id"`
	Username        string     `json:"username"`
	Name            string     `json:"name,omitempty"`
	AvatarURL       string     `json:"avatar_url,omitempty"`
	Email           string     `json:"email"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	LastSeenAt      *time.Time `json:"last_seen_at,omitempty"`
	Status          string     `json:"status"`
	LoginType       string     `json:"login_type"`
	OrganizationIDs []string   `json:"organization_ids"`
	Roles           []Role     `json:"roles"`
}

// Organization is codersdk.Organization.
type Organization struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Description string    `json:"description"`
	Icon        string    `json:"icon"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	IsDefault   bool      `json:"is_default"`
}

// WorkspacesResponse is GET /api/v2/workspaces.
type WorkspacesResponse struct {
	Workspaces []Workspace `json:"workspaces"`
	Count      int         `json:"count"`
}

// WorkspaceHealth is codersdk.WorkspaceHealth.
type WorkspaceHealth struct {
	Healthy       bool     `json:"healthy"`
	FailingAgents []string `json:"failing_agents"`
}

// Workspace is codersdk.Workspace.
type Workspace struct {
	ID                                   string          `json:"id"`
	CreatedAt                            time.Time       `json:"created_at"`
	UpdatedAt                            time.Time       `json:"updated_at"`
	OwnerID                              string          `json:"owner_id"`
	OwnerName                            string          `json:"owner_name"`
	OwnerAvatarURL                       string          `json:"owner_avatar_url"`
	OrganizationID                       string          `json:"organization_id"`
	OrganizationName                     string          `json:"organization_name"`
	TemplateID                           string          `json:"template_id"`
	TemplateName                         string          `json:"template_name"`
	TemplateDisplayName                  string          `json:"template_display_name"`
	TemplateIcon                         string          `json:"template_icon"`
	TemplateAllowUserCancelWorkspaceJobs bool            `json:"template_allow_user_cancel_workspace_jobs"`
	TemplateActiveVersionID              string          `json:"template_active_version_id"`
	TemplateRequireActiveVersion         bool            `json:"template_require_active_version"`
	TemplateUseClassicParameterFlow      bool            `json:"template_use_classic_parameter_flow"`
	LatestBuild                          WorkspaceBuild  `json:"latest_build"`
	LatestAppStatus                      *struct{}       `json:"latest_app_status"`
	Outdated                             bool            `json:"outdated"`
	Name                                 string          `json:"name"`
	AutostartSchedule                    *string         `json:"autostart_schedule,omitempty"`
	TTLMillis                            *int64          `json:"ttl_ms,omitempty"`
	LastUsedAt                           time.Time       `json:"last_used_at"`
	DeletingAt                           *time.Time      `json:"deleting_at"`
	DormantAt                            *time.Time      `json:"dormant_at"`
	Health                               WorkspaceHealth `json:"health"`
	AutomaticUpdates                     string          `json:"automatic_updates"`
	AllowRenames                         bool            `json:"allow_renames"`
	Favorite                             bool            `json:"favorite"`
	NextStartAt                          *time.Time      `json:"next_start_at"`
	IsPrebuild                           bool            `json:"is_prebuild"`
	TaskID                               *string         `json:"task_id"`
}

// MatchedProvisioners is codersdk.MatchedProvisioners.
type MatchedProvisioners struct {
	Count            int        `json:"count"`
	Available        int        `json:"available"`
	MostRecentlySeen *time.Time `json:"most_recently_seen"`
}

// WorkspaceBuild is codersdk.WorkspaceBuild.
type WorkspaceBuild struct {
	ID                      string               `json:"id"`
	CreatedAt               time.Time            `json:"created_at"`
	UpdatedAt               time.Time            `json:"updated_at"`
	WorkspaceID             string               `json:"workspace_id"`
	WorkspaceName           string               `json:"workspace_name"`
	WorkspaceOwnerID        string               `json:"workspace_owner_id"`
	WorkspaceOwnerName      string               `json:"workspace_owner_name"`
	WorkspaceOwnerAvatarURL string               `json:"workspace_owner_avatar_url,omitempty"`
	TemplateVersionID       string               `json:"template_version_id"`
	TemplateVersionName     string               `json:"template_version_name"`
	BuildNumber             int32                `json:"build_number"`
	Transition              string               `json:"transition"`
	InitiatorID             string               `json:"initiator_id"`
	InitiatorUsername       string               `json:"initiator_name"`
	Job                     ProvisionerJob       `json:"job"`
	Reason                  string               `json:"reason"`
	Resources               []WorkspaceResource  `json:"resources"`
	Deadline                *time.Time           `json:"deadline"`
	MaxDeadline             *time.Time           `json:"max_deadline"`
	Status                  string               `json:"status"`
	DailyCost               int32                `json:"daily_cost"`
	MatchedProvisioners     *MatchedProvisioners `json:"matched_provisioners,omitempty"`
	TemplateVersionPresetID *string              `json:"template_version_preset_id"`
}

// ProvisionerJobInput is codersdk.ProvisionerJobInput.
type ProvisionerJobInput struct {
	TemplateVersionID string `json:"template_version_id,omitempty"`
	WorkspaceBuildID  string `json:"workspace_build_id,omitempty"`
	Error             string `json:"error,omitempty"`
}

// ProvisionerJobMetadata is codersdk.ProvisionerJobMetadata.
type ProvisionerJobMetadata struct {
	TemplateVersionName string `json:"template_version_name"`
	TemplateID          string `json:"template_id"`
	TemplateName        string `json:"template_name"`
	TemplateDisplayName string `json:"template_display_name"`
	TemplateIcon        string `json:"template_icon"`
	WorkspaceID         string `json:"workspace_id,omitempty"`
	WorkspaceName       string `json:"workspace_name,omitempty"`
}

// ProvisionerJob is codersdk.ProvisionerJob.
type ProvisionerJob struct {
	ID             string                 `json:"id"`
	CreatedAt      time.Time              `json:"created_at"`
	StartedAt      *time.Time             `json:"started_at,omitempty"`
	CompletedAt    *time.Time             `json:"completed_at,omitempty"`
	CanceledAt     *time.Time             `json:"canceled_at,omitempty"`
	Error          string                 `json:"error,omitempty"`
	ErrorCode      string                 `json:"error_code,omitempty"`
	Status         string                 `json:"status"`
	WorkerID       string                 `json:"worker_id,omitempty"`
	WorkerName     string                 `json:"worker_name,omitempty"`
	FileID         string                 `json:"file_id"`
	Tags           map[string]string      `json:"tags"`
	QueuePosition  int                    `json:"queue_position"`
	QueueSize      int                    `json:"queue_size"`
	OrganizationID string                 `json:"organization_id"`
	InitiatorID    string                 `json:"initiator_id"`
	Input          ProvisionerJobInput    `json:"input"`
	Type           string                 `json:"type"`
	Metadata       ProvisionerJobMetadata `json:"metadata"`
	LogsOverflowed bool                   `json:"logs_overflowed"`
}

// WorkspaceResourceMetadata is one key/value shown on a resource.
type WorkspaceResourceMetadata struct {
	Key       string `json:"key"`
	Value     string `json:"value"`
	Sensitive bool   `json:"sensitive"`
}

// WorkspaceResource is codersdk.WorkspaceResource.
type WorkspaceResource struct {
	ID                  string                      `json:"id"`
	CreatedAt           time.Time                   `json:"created_at"`
	JobID               string                      `json:"job_id"`
	WorkspaceTransition string                      `json:"workspace_transition"`
	Type                string                      `json:"type"`
	Name                string                      `json:"name"`
	Hide                bool                        `json:"hide"`
	Icon                string                      `json:"icon"`
	Agents              []WorkspaceAgent            `json:"agents,omitempty"`
	Metadata            []WorkspaceResourceMetadata `json:"metadata,omitempty"`
	DailyCost           int32                       `json:"daily_cost"`
}

// WorkspaceAgentHealth is codersdk.WorkspaceAgentHealth.
type WorkspaceAgentHealth struct {
	Healthy bool   `json:"healthy"`
	Reason  string `json:"reason,omitempty"`
}

// WorkspaceAgent is the subset of codersdk.WorkspaceAgent that integrations
// read.
type WorkspaceAgent struct {
	ID                       string               `json:"id"`
	ParentID                 *string              `json:"parent_id"`
	CreatedAt                time.Time            `json:"created_at"`
	UpdatedAt                time.Time            `json:"updated_at"`
	FirstConnectedAt         *time.Time           `json:"first_connected_at,omitempty"`
	LastConnectedAt          *time.Time           `json:"last_connected_at,omitempty"`
	DisconnectedAt           *time.Time           `json:"disconnected_at,omitempty"`
	StartedAt                *time.Time           `json:"started_at,omitempty"`
	ReadyAt                  *time.Time           `json:"ready_at,omitempty"`
	Status                   string               `json:"status"`
	LifecycleState           string               `json:"lifecycle_state"`
	Name                     string               `json:"name"`
	ResourceID               string               `json:"resource_id"`
	Architecture             string               `json:"architecture"`
	OperatingSystem          string               `json:"operating_system"`
	Directory                string               `json:"directory,omitempty"`
	Version                  string               `json:"version"`
	APIVersion               string               `json:"api_version"`
	Apps                     []WorkspaceApp       `json:"apps"`
	ConnectionTimeoutSeconds int32                `json:"connection_timeout_seconds"`
	TroubleshootingURL       string               `json:"troubleshooting_url"`
	Health                   WorkspaceAgentHealth `json:"health"`
	DisplayApps              []string             `json:"display_apps"`
}

// Healthcheck is codersdk.Healthcheck.
type Healthcheck struct {
	URL       string `json:"url"`
	Interval  int32  `json:"interval"`
	Threshold int32  `json:"threshold"`
}

// WorkspaceApp is codersdk.WorkspaceApp.
type WorkspaceApp struct {
	ID            string      `json:"id"`
	URL           string      `json:"url,omitempty"`
	External      bool        `json:"external"`
	Slug          string      `json:"slug"`
	DisplayName   string      `json:"display_name,omitempty"`
	Icon          string      `json:"icon,omitempty"`
	Subdomain     bool        `json:"subdomain"`
	SharingLevel  string      `json:"sharing_level"`
	Healthcheck   Healthcheck `json:"healthcheck"`
	Health        string      `json:"health"`
	Hidden        bool        `json:"hidden"`
	OpenIn        string      `json:"open_in"`
	Statuses      []struct{}  `json:"statuses"`
	SubdomainName string      `json:"subdomain_name,omitempty"`
}

// WorkspaceBuildParameter is one name/value pair of a build.
type WorkspaceBuildParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// TransitionStats is one entry of Template.build_time_stats. The keys are
// capitalised because codersdk's struct has no JSON tags.
type TransitionStats struct {
	P50 *int64 `json:"P50"`
	P95 *int64 `json:"P95"`
}

// TemplateAutostopRequirement is codersdk.TemplateAutostopRequirement.
type TemplateAutostopRequirement struct {
	DaysOfWeek []string `json:"days_of_week"`
	Weeks      int64    `json:"weeks"`
}

// TemplateAutostartRequirement is codersdk.TemplateAutostartRequirement.
type TemplateAutostartRequirement struct {
	DaysOfWeek []string `json:"days_of_week"`
}

// Template is codersdk.Template.
type Template struct {
	ID                             string                       `json:"id"`
	CreatedAt                      time.Time                    `json:"created_at"`
	UpdatedAt                      time.Time                    `json:"updated_at"`
	OrganizationID                 string                       `json:"organization_id"`
	OrganizationName               string                       `json:"organization_name"`
	OrganizationDisplayName        string                       `json:"organization_display_name"`
	OrganizationIcon               string                       `json:"organization_icon"`
	Name                           string                       `json:"name"`
	DisplayName                    string                       `json:"display_name"`
	Provisioner                    string                       `json:"provisioner"`
	ActiveVersionID                string                       `json:"active_version_id"`
	ActiveUserCount                int                          `json:"active_user_count"`
	BuildTimeStats                 map[string]TransitionStats   `json:"build_time_stats"`
	Description                    string                       `json:"description"`
	Deprecated                     bool                         `json:"deprecated"`
	DeprecationMessage             string                       `json:"deprecation_message"`
	Icon                           string                       `json:"icon"`
	DefaultTTLMillis               int64                        `json:"default_ttl_ms"`
	ActivityBumpMillis             int64                        `json:"activity_bump_ms"`
	AutostopRequirement            TemplateAutostopRequirement  `json:"autostop_requirement"`
	AutostartRequirement           TemplateAutostartRequirement `json:"autostart_requirement"`
	CreatedByID                    string                       `json:"created_by_id"`
	CreatedByName                  string                       `json:"created_by_name"`
	AllowUserAutostart             bool                         `json:"allow_user_autostart"`
	AllowUserAutostop              bool                         `json:"allow_user_autostop"`
	AllowUserCancelWorkspaceJobs   bool                         `json:"allow_user_cancel_workspace_jobs"`
	FailureTTLMillis               int64                        `json:"failure_ttl_ms"`
	TimeTilDormantMillis           int64                        `json:"time_til_dormant_ms"`
	TimeTilDormantAutoDeleteMillis int64                        `json:"time_til_dormant_autodelete_ms"`
	RequireActiveVersion           bool                         `json:"require_active_version"`
	MaxPortShareLevel              string                       `json:"max_port_share_level"`
	CORSBehavior                   string                       `json:"cors_behavior"`
	UseClassicParameterFlow        bool                         `json:"use_classic_parameter_flow"`
}

// MinimalUser is codersdk.MinimalUser.
type MinimalUser struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name,omitempty"`
	AvatarURL string `json:"avatar_url,omitempty"`
}

// TemplateVersion is codersdk.TemplateVersion.
type TemplateVersion struct {
	ID               string         `json:"id"`
	TemplateID       string         `json:"template_id,omitempty"`
	OrganizationID   string         `json:"organization_id"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	Name             string         `json:"name"`
	Message          string         `json:"message"`
	Job              ProvisionerJob `json:"job"`
	Readme           string         `json:"readme"`
	CreatedBy        MinimalUser    `json:"created_by"`
	Archived         bool           `json:"archived"`
	Warnings         []string       `json:"warnings,omitempty"`
	HasExternalAgent bool           `json:"has_external_agent"`
}

// TemplateVersionParameterOption is one choice of a parameter.
type TemplateVersionParameterOption struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Value       string `json:"value"`
	Icon        string `json:"icon"`
}

// TemplateVersionParameter is codersdk.TemplateVersionParameter.
type TemplateVersionParameter struct {
	Name                 string                           `json:"name"`
	DisplayName          string                           `json:"display_name,omitempty"`
	Description          string                           `json:"description"`
	DescriptionPlaintext string                           `json:"description_plaintext"`
	Type                 string                           `json:"type"`
	FormType             string                           `json:"form_type"`
	Mutable              bool                             `json:"mutable"`
	DefaultValue         string                           `json:"default_value"`
	Icon                 string                           `json:"icon"`
	Options              []TemplateVersionParameterOption `json:"options"`
	ValidationError      string                           `json:"validation_error,omitempty"`
	ValidationRegex      string                           `json:"validation_regex,omitempty"`
	ValidationMin        *int32                           `json:"validation_min,omitempty"`
	ValidationMax        *int32                           `json:"validation_max,omitempty"`
	ValidationMonotonic  string                           `json:"validation_monotonic,omitempty"`
	Required             bool                             `json:"required"`
	Ephemeral            bool                             `json:"ephemeral"`
}

// OAuth2AppEndpoints is codersdk.OAuth2AppEndpoints.
type OAuth2AppEndpoints struct {
	Authorization       string `json:"authorization"`
	Token               string `json:"token"`
	TokenRevoke         string `json:"token_revoke"`
	DeviceAuthorization string `json:"device_authorization"`
}

// OAuth2ProviderApp is codersdk.OAuth2ProviderApp.
type OAuth2ProviderApp struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	CallbackURL string             `json:"callback_url"`
	Icon        string             `json:"icon"`
	Endpoints   OAuth2AppEndpoints `json:"endpoints"`
}

// OAuth2Token is the body of a successful POST /oauth2/tokens (Go's
// oauth2.Token as coderd serialises it).
type OAuth2Token struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry"`
	ExpiresIn    int64     `json:"expires_in,omitempty"`
}
