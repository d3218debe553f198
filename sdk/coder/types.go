package coder

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// IDs are UUID strings throughout; the package does not parse them.

// BuildInfo is the answer of GET /api/v2/buildinfo.
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
	WebpushPublicKey      string `json:"webpush_public_key,omitempty"`
}

// AtLeast reports whether the deployment runs Coder major.minor or newer.
// Development builds ("v0.0.0-devel+...") count as newer than any release;
// an unreadable version counts as older.
func (b BuildInfo) AtLeast(major, minor int) bool {
	v := strings.TrimPrefix(b.Version, "v")
	if i := strings.IndexAny(v, "+-"); i >= 0 {
		if strings.Contains(v[i:], "devel") && strings.HasPrefix(v, "0.0.0") {
			return true
		}
		v = v[:i]
	}
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

// UserStatus is a user's account state.
type UserStatus string

// User states.
const (
	UserStatusActive    UserStatus = "active"
	UserStatusDormant   UserStatus = "dormant"
	UserStatusSuspended UserStatus = "suspended"
)

// User is a Coder account.
type User struct {
	ID              string     `json:"id"`
	Username        string     `json:"username"`
	Name            string     `json:"name,omitempty"`
	AvatarURL       string     `json:"avatar_url,omitempty"`
	Email           string     `json:"email"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	LastSeenAt      time.Time  `json:"last_seen_at,omitzero"`
	Status          UserStatus `json:"status"`
	LoginType       string     `json:"login_type"`
	OrganizationIDs []string   `json:"organization_ids"`
	Roles           []SlimRole `json:"roles"`
}

// SlimRole is a role held by a user; OrganizationID is empty for
// site-wide roles such as "owner".
type SlimRole struct {
	Name           string `json:"name"`
	DisplayName    string `json:"display_name"`
	OrganizationID string `json:"organization_id,omitempty"`
}

// Organization is a Coder organization.
type Organization struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Icon        string    `json:"icon"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	IsDefault   bool      `json:"is_default"`
}

// WorkspaceStatus is derived by Coder from the latest build's job status and
// transition.
type WorkspaceStatus string

// Workspace statuses, as accepted by the status: search key.
const (
	WorkspaceStatusPending   WorkspaceStatus = "pending"
	WorkspaceStatusStarting  WorkspaceStatus = "starting"
	WorkspaceStatusRunning   WorkspaceStatus = "running"
	WorkspaceStatusStopping  WorkspaceStatus = "stopping"
	WorkspaceStatusStopped   WorkspaceStatus = "stopped"
	WorkspaceStatusFailed    WorkspaceStatus = "failed"
	WorkspaceStatusCanceling WorkspaceStatus = "canceling"
	WorkspaceStatusCanceled  WorkspaceStatus = "canceled"
	WorkspaceStatusDeleting  WorkspaceStatus = "deleting"
	WorkspaceStatusDeleted   WorkspaceStatus = "deleted"
)

// WorkspaceStatuses lists every status Coder's search accepts.
var WorkspaceStatuses = []WorkspaceStatus{
	WorkspaceStatusPending, WorkspaceStatusStarting, WorkspaceStatusRunning,
	WorkspaceStatusStopping, WorkspaceStatusStopped, WorkspaceStatusFailed,
	WorkspaceStatusCanceling, WorkspaceStatusCanceled, WorkspaceStatusDeleting,
	WorkspaceStatusDeleted,
}

// Transition is what a build does to a workspace.
type Transition string

// Build transitions.
const (
	TransitionStart  Transition = "start"
	TransitionStop   Transition = "stop"
	TransitionDelete Transition = "delete"
)

// JobStatus is the state of a provisioner job.
type JobStatus string

// Provisioner job states.
const (
	JobPending   JobStatus = "pending"
	JobRunning   JobStatus = "running"
	JobSucceeded JobStatus = "succeeded"
	JobCanceling JobStatus = "canceling"
	JobCanceled  JobStatus = "canceled"
	JobFailed    JobStatus = "failed"
)

// Active reports whether the job has not finished yet. Coder refuses a new
// build with 409 while the previous build's job is active.
func (s JobStatus) Active() bool {
	return s == JobPending || s == JobRunning || s == JobCanceling
}

// Workspace is a Coder workspace.
type Workspace struct {
	ID                                   string           `json:"id"`
	CreatedAt                            time.Time        `json:"created_at"`
	UpdatedAt                            time.Time        `json:"updated_at"`
	OwnerID                              string           `json:"owner_id"`
	OwnerName                            string           `json:"owner_name"`
	OwnerAvatarURL                       string           `json:"owner_avatar_url"`
	OrganizationID                       string           `json:"organization_id"`
	OrganizationName                     string           `json:"organization_name"`
	TemplateID                           string           `json:"template_id"`
	TemplateName                         string           `json:"template_name"`
	TemplateDisplayName                  string           `json:"template_display_name"`
	TemplateIcon                         string           `json:"template_icon"`
	TemplateAllowUserCancelWorkspaceJobs bool             `json:"template_allow_user_cancel_workspace_jobs"`
	TemplateActiveVersionID              string           `json:"template_active_version_id"`
	TemplateRequireActiveVersion         bool             `json:"template_require_active_version"`
	TemplateUseClassicParameterFlow      bool             `json:"template_use_classic_parameter_flow"`
	LatestBuild                          WorkspaceBuild   `json:"latest_build"`
	LatestAppStatus                      json.RawMessage  `json:"latest_app_status"`
	Outdated                             bool             `json:"outdated"`
	Name                                 string           `json:"name"`
	AutostartSchedule                    *string          `json:"autostart_schedule,omitempty"`
	TTLMillis                            *int64           `json:"ttl_ms,omitempty"`
	LastUsedAt                           time.Time        `json:"last_used_at"`
	DeletingAt                           *time.Time       `json:"deleting_at"`
	DormantAt                            *time.Time       `json:"dormant_at"`
	NextStartAt                          *time.Time       `json:"next_start_at"`
	Health                               WorkspaceHealth  `json:"health"`
	AutomaticUpdates                     string           `json:"automatic_updates"`
	AllowRenames                         bool             `json:"allow_renames"`
	Favorite                             bool             `json:"favorite"`
	IsPrebuild                           bool             `json:"is_prebuild"`
	TaskID                               *string          `json:"task_id"`
	SharedWith                           []WorkspaceShare `json:"shared_with,omitempty"`
}

// Status is the workspace's status, taken from its latest build.
func (w Workspace) Status() WorkspaceStatus { return w.LatestBuild.Status }

// WorkspaceHealth summarises agent health.
type WorkspaceHealth struct {
	Healthy       bool     `json:"healthy"`
	FailingAgents []string `json:"failing_agents"`
}

// WorkspaceShare is one user or group a workspace is shared with.
type WorkspaceShare struct {
	ID        string   `json:"id"`
	ActorType string   `json:"actor_type"`
	Name      string   `json:"name"`
	AvatarURL string   `json:"avatar_url,omitempty"`
	Roles     []string `json:"roles"`
}

// WorkspacesResponse is one page of GET /api/v2/workspaces. Count is the
// total number of matches, regardless of limit and offset.
type WorkspacesResponse struct {
	Workspaces []Workspace `json:"workspaces"`
	Count      int         `json:"count"`
}

// WorkspaceBuild is one build of a workspace.
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
	Transition              Transition           `json:"transition"`
	InitiatorID             string               `json:"initiator_id"`
	InitiatorName           string               `json:"initiator_name"`
	Job                     ProvisionerJob       `json:"job"`
	Reason                  string               `json:"reason"`
	Resources               []WorkspaceResource  `json:"resources"`
	Deadline                *time.Time           `json:"deadline"`
	MaxDeadline             *time.Time           `json:"max_deadline"`
	Status                  WorkspaceStatus      `json:"status"`
	DailyCost               int32                `json:"daily_cost"`
	TemplateVersionPresetID *string              `json:"template_version_preset_id"`
	MatchedProvisioners     *MatchedProvisioners `json:"matched_provisioners,omitempty"`
	HasExternalAgent        bool                 `json:"has_external_agent,omitempty"`
}

// MatchedProvisioners says how many provisioner daemons could run a job.
type MatchedProvisioners struct {
	Count            int        `json:"count"`
	Available        int        `json:"available"`
	MostRecentlySeen *time.Time `json:"most_recently_seen"`
}

// Agents returns every agent of every resource of the build.
func (b WorkspaceBuild) Agents() []WorkspaceAgent {
	var out []WorkspaceAgent
	for _, r := range b.Resources {
		out = append(out, r.Agents...)
	}
	return out
}

// ProvisionerJob is the job behind a build or a template version import.
type ProvisionerJob struct {
	ID             string              `json:"id"`
	CreatedAt      time.Time           `json:"created_at"`
	StartedAt      *time.Time          `json:"started_at,omitempty"`
	CompletedAt    *time.Time          `json:"completed_at,omitempty"`
	CanceledAt     *time.Time          `json:"canceled_at,omitempty"`
	Error          string              `json:"error,omitempty"`
	ErrorCode      string              `json:"error_code,omitempty"`
	Status         JobStatus           `json:"status"`
	WorkerID       *string             `json:"worker_id,omitempty"`
	WorkerName     string              `json:"worker_name,omitempty"`
	FileID         string              `json:"file_id"`
	OrganizationID string              `json:"organization_id"`
	InitiatorID    string              `json:"initiator_id"`
	Tags           map[string]string   `json:"tags"`
	QueuePosition  int                 `json:"queue_position"`
	QueueSize      int                 `json:"queue_size"`
	Input          ProvisionerJobInput `json:"input"`
	Type           string              `json:"type"`
	Metadata       ProvisionerJobMeta  `json:"metadata"`
	LogsOverflowed bool                `json:"logs_overflowed"`
}

// ProvisionerJobInput names what the job works on.
type ProvisionerJobInput struct {
	TemplateVersionID string `json:"template_version_id,omitempty"`
	WorkspaceBuildID  string `json:"workspace_build_id,omitempty"`
	Error             string `json:"error,omitempty"`
}

// ProvisionerJobMeta describes the template and workspace of a job.
type ProvisionerJobMeta struct {
	TemplateVersionName string `json:"template_version_name"`
	TemplateID          string `json:"template_id"`
	TemplateName        string `json:"template_name"`
	TemplateDisplayName string `json:"template_display_name"`
	TemplateIcon        string `json:"template_icon"`
	WorkspaceID         string `json:"workspace_id,omitempty"`
	WorkspaceName       string `json:"workspace_name,omitempty"`
}

// WorkspaceResource is one infrastructure resource of a build.
type WorkspaceResource struct {
	ID                  string             `json:"id"`
	CreatedAt           time.Time          `json:"created_at"`
	JobID               string             `json:"job_id"`
	WorkspaceTransition Transition         `json:"workspace_transition"`
	Type                string             `json:"type"`
	Name                string             `json:"name"`
	Icon                string             `json:"icon"`
	Hide                bool               `json:"hide"`
	Agents              []WorkspaceAgent   `json:"agents,omitempty"`
	Metadata            []ResourceMetadata `json:"metadata,omitempty"`
	DailyCost           int32              `json:"daily_cost"`
}

// ResourceMetadata is one key/value shown for a resource.
type ResourceMetadata struct {
	Key       string `json:"key"`
	Value     string `json:"value"`
	Sensitive bool   `json:"sensitive"`
}

// AgentStatus is an agent's connection state.
type AgentStatus string

// Agent connection states.
const (
	AgentConnecting   AgentStatus = "connecting"
	AgentConnected    AgentStatus = "connected"
	AgentDisconnected AgentStatus = "disconnected"
	AgentTimeout      AgentStatus = "timeout"
)

// WorkspaceAgent is the subset of an agent a portal shows.
type WorkspaceAgent struct {
	ID               string         `json:"id"`
	ResourceID       string         `json:"resource_id"`
	ParentID         *string        `json:"parent_id"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	Name             string         `json:"name"`
	Directory        string         `json:"directory"`
	Status           AgentStatus    `json:"status"`
	LifecycleState   string         `json:"lifecycle_state"`
	Health           AgentHealth    `json:"health"`
	OperatingSystem  string         `json:"operating_system"`
	Architecture     string         `json:"architecture"`
	Version          string         `json:"version"`
	FirstConnectedAt *time.Time     `json:"first_connected_at,omitempty"`
	LastConnectedAt  *time.Time     `json:"last_connected_at,omitempty"`
	DisconnectedAt   *time.Time     `json:"disconnected_at,omitempty"`
	StartedAt        *time.Time     `json:"started_at,omitempty"`
	ReadyAt          *time.Time     `json:"ready_at,omitempty"`
	Apps             []WorkspaceApp `json:"apps"`
	DisplayApps      []string       `json:"display_apps"`
}

// AgentHealth is an agent's health verdict.
type AgentHealth struct {
	Healthy bool   `json:"healthy"`
	Reason  string `json:"reason,omitempty"`
}

// WorkspaceApp is an app exposed by an agent.
type WorkspaceApp struct {
	ID            string         `json:"id"`
	Slug          string         `json:"slug"`
	DisplayName   string         `json:"display_name,omitempty"`
	Icon          string         `json:"icon,omitempty"`
	Command       string         `json:"command,omitempty"`
	URL           string         `json:"url,omitempty"`
	Group         string         `json:"group,omitempty"`
	Tooltip       string         `json:"tooltip,omitempty"`
	SubdomainName string         `json:"subdomain_name,omitempty"`
	External      bool           `json:"external"`
	Subdomain     bool           `json:"subdomain"`
	Hidden        bool           `json:"hidden"`
	SharingLevel  string         `json:"sharing_level"`
	Health        string         `json:"health"`
	Healthcheck   AppHealthcheck `json:"healthcheck"`
	OpenIn        string         `json:"open_in"`
}

// AppHealthcheck is how Coder probes an app; Interval is in seconds.
type AppHealthcheck struct {
	URL       string `json:"url"`
	Interval  int32  `json:"interval"`
	Threshold int32  `json:"threshold"`
}

// WorkspaceBuildParameter is a parameter value of a build. Values are
// always strings: numbers are decimal, bools "true"/"false", and
// list(string) values a JSON array inside the string.
type WorkspaceBuildParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CreateWorkspaceBuildRequest starts, stops or deletes a workspace.
type CreateWorkspaceBuildRequest struct {
	Transition Transition `json:"transition"`
	// TemplateVersionID defaults to the previous build's version; pass the
	// template's active version to update the workspace.
	TemplateVersionID string `json:"template_version_id,omitempty"`
	// RichParameterValues override values for this build; unspecified
	// values carry forward.
	RichParameterValues     []WorkspaceBuildParameter `json:"rich_parameter_values,omitempty"`
	TemplateVersionPresetID string                    `json:"template_version_preset_id,omitempty"`
	// Reason is honoured for start builds only (dashboard, cli, ...).
	Reason string `json:"reason,omitempty"`
	DryRun bool   `json:"dry_run,omitempty"`
	// Orphan deletes the workspace without destroying its resources; only
	// valid with TransitionDelete.
	Orphan bool `json:"orphan,omitempty"`
}

// CreateWorkspaceRequest creates a workspace. Exactly one of TemplateID
// (the template's active version) and TemplateVersionID must be set.
type CreateWorkspaceRequest struct {
	TemplateID              string                    `json:"template_id,omitempty"`
	TemplateVersionID       string                    `json:"template_version_id,omitempty"`
	Name                    string                    `json:"name"`
	RichParameterValues     []WorkspaceBuildParameter `json:"rich_parameter_values,omitempty"`
	AutostartSchedule       *string                   `json:"autostart_schedule,omitempty"`
	TTLMillis               *int64                    `json:"ttl_ms,omitempty"`
	AutomaticUpdates        string                    `json:"automatic_updates,omitempty"`
	TemplateVersionPresetID string                    `json:"template_version_preset_id,omitempty"`
}

// Template is a Coder template.
type Template struct {
	ID                             string                         `json:"id"`
	CreatedAt                      time.Time                      `json:"created_at"`
	UpdatedAt                      time.Time                      `json:"updated_at"`
	OrganizationID                 string                         `json:"organization_id"`
	OrganizationName               string                         `json:"organization_name"`
	OrganizationDisplayName        string                         `json:"organization_display_name"`
	OrganizationIcon               string                         `json:"organization_icon"`
	Name                           string                         `json:"name"`
	DisplayName                    string                         `json:"display_name"`
	Description                    string                         `json:"description"`
	Icon                           string                         `json:"icon"`
	Provisioner                    string                         `json:"provisioner"`
	ActiveVersionID                string                         `json:"active_version_id"`
	ActiveUserCount                int                            `json:"active_user_count"`
	BuildTimeStats                 map[Transition]TransitionStats `json:"build_time_stats"`
	Deprecated                     bool                           `json:"deprecated"`
	DeprecationMessage             string                         `json:"deprecation_message"`
	DefaultTTLMillis               int64                          `json:"default_ttl_ms"`
	ActivityBumpMillis             int64                          `json:"activity_bump_ms"`
	AutostopRequirement            AutostopRequirement            `json:"autostop_requirement"`
	AutostartRequirement           AutostartRequirement           `json:"autostart_requirement"`
	CreatedByID                    string                         `json:"created_by_id"`
	CreatedByName                  string                         `json:"created_by_name"`
	AllowUserAutostart             bool                           `json:"allow_user_autostart"`
	AllowUserAutostop              bool                           `json:"allow_user_autostop"`
	AllowUserCancelWorkspaceJobs   bool                           `json:"allow_user_cancel_workspace_jobs"`
	FailureTTLMillis               int64                          `json:"failure_ttl_ms"`
	TimeTilDormantMillis           int64                          `json:"time_til_dormant_ms"`
	TimeTilDormantAutoDeleteMillis int64                          `json:"time_til_dormant_autodelete_ms"`
	RequireActiveVersion           bool                           `json:"require_active_version"`
	MaxPortShareLevel              string                         `json:"max_port_share_level"`
	CORSBehavior                   string                         `json:"cors_behavior"`
	UseClassicParameterFlow        bool                           `json:"use_classic_parameter_flow"`
}

// TransitionStats holds build-time percentiles in milliseconds. The JSON
// keys are capitalised because Coder's struct has no JSON tags.
type TransitionStats struct {
	P50 *int64 `json:"P50"`
	P95 *int64 `json:"P95"`
}

// AutostopRequirement is a template's autostop schedule constraint.
type AutostopRequirement struct {
	DaysOfWeek []string `json:"days_of_week"`
	Weeks      int64    `json:"weeks"`
}

// AutostartRequirement is a template's autostart schedule constraint.
type AutostartRequirement struct {
	DaysOfWeek []string `json:"days_of_week"`
}

// TemplateVersion is one version of a template.
type TemplateVersion struct {
	ID               string         `json:"id"`
	TemplateID       string         `json:"template_id,omitempty"`
	OrganizationID   string         `json:"organization_id"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	Name             string         `json:"name"`
	Message          string         `json:"message"`
	Readme           string         `json:"readme"`
	Job              ProvisionerJob `json:"job"`
	CreatedBy        MinimalUser    `json:"created_by"`
	Archived         bool           `json:"archived"`
	Warnings         []string       `json:"warnings,omitempty"`
	HasExternalAgent bool           `json:"has_external_agent"`
}

// MinimalUser identifies a user in nested objects.
type MinimalUser struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name,omitempty"`
	AvatarURL string `json:"avatar_url,omitempty"`
}

// TemplateVersionParameter describes one rich parameter of a template
// version.
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

// TemplateVersionParameterOption is one choice of a parameter.
type TemplateVersionParameterOption struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Value       string `json:"value"`
	Icon        string `json:"icon"`
}
