package fakecoder

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Seed is the initial content of a fake deployment. It is usually written in
// YAML (see demo.yaml for a complete example) and loaded with LoadSeed or
// ParseSeed, but tests may also build one in Go and pass it to WithSeed.
//
// Unset IDs are derived from names, so a seed yields the same IDs every run.
type Seed struct {
	Deployment    SeedDeployment     `yaml:"deployment"`
	Organizations []SeedOrganization `yaml:"organizations"`
	Users         []SeedUser         `yaml:"users"`
	Templates     []SeedTemplate     `yaml:"templates"`
	Workspaces    []SeedWorkspace    `yaml:"workspaces"`
	OAuth2Apps    []SeedOAuth2App    `yaml:"oauth2_apps"`

	// source and lines locate fields in the YAML file for error messages.
	source string
	lines  map[string]int
}

// SeedDeployment describes the deployment as a whole.
type SeedDeployment struct {
	// Version is reported by /api/v2/buildinfo and in the
	// X-Coder-Build-Version header. Default "v2.30.0+43e67d1".
	Version      string `yaml:"version"`
	DeploymentID string `yaml:"deployment_id"`
}

// SeedOrganization is an organization. When a seed has none, the default
// organization "coder" is created.
type SeedOrganization struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	DisplayName string `yaml:"display_name"`
	Description string `yaml:"description"`
	Icon        string `yaml:"icon"`
	// Default marks the default organization; the first one is the default
	// when none is marked.
	Default bool `yaml:"default"`
}

// SeedUser is a user with a session token.
type SeedUser struct {
	ID        string `yaml:"id"`
	Username  string `yaml:"username"`
	Email     string `yaml:"email"`
	Name      string `yaml:"name"`
	AvatarURL string `yaml:"avatar_url"`
	// Roles are site roles: owner, member, template-admin, user-admin,
	// auditor. Every user is a member; owners see and act on everything.
	Roles []string `yaml:"roles"`
	// Token is the user's session token, in Coder's API key format
	// (10 characters, "-", 22 characters). Generated when empty.
	Token string `yaml:"token"`
	// Status is active (default), dormant or suspended.
	Status    string `yaml:"status"`
	LoginType string `yaml:"login_type"`
	// Organizations lists the organizations (by name) the user belongs to.
	// Default: the default organization.
	Organizations []string `yaml:"organizations"`
}

// SeedTemplate is a template with its versions.
type SeedTemplate struct {
	ID           string `yaml:"id"`
	Name         string `yaml:"name"`
	Organization string `yaml:"organization"`
	DisplayName  string `yaml:"display_name"`
	Description  string `yaml:"description"`
	Icon         string `yaml:"icon"`
	// CreatedBy is a username; default the first owner.
	CreatedBy string `yaml:"created_by"`
	// DeprecationMessage deprecates the template when set.
	DeprecationMessage string `yaml:"deprecation_message"`
	// DefaultTTL is a Go duration such as "8h"; empty means no autostop.
	DefaultTTL string `yaml:"default_ttl"`
	// AllowUserCancelWorkspaceJobs lets members cancel running builds;
	// default false, as when a template is created through Coder's API
	// without it (owners may always cancel, anyone a pending job).
	AllowUserCancelWorkspaceJobs *bool `yaml:"allow_user_cancel_workspace_jobs"`
	RequireActiveVersion         bool  `yaml:"require_active_version"`
	UseClassicParameterFlow      bool  `yaml:"use_classic_parameter_flow"`
	// ResourceType is the Terraform type of the resource carrying the agent
	// (default docker_container).
	ResourceType string `yaml:"resource_type"`
	// ActiveVersion names the active version; default the last one.
	ActiveVersion string                `yaml:"active_version"`
	Versions      []SeedTemplateVersion `yaml:"versions"`
}

// SeedTemplateVersion is one version of a template.
type SeedTemplateVersion struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	Message string `yaml:"message"`
	Readme  string `yaml:"readme"`
	// ImportStatus is the version's import job status: succeeded (default),
	// pending, running or failed. rich-parameters answers 425 until it has
	// succeeded.
	ImportStatus string          `yaml:"import_status"`
	Archived     bool            `yaml:"archived"`
	Parameters   []SeedParameter `yaml:"parameters"`
}

// SeedParameter is a rich parameter (coder_parameter).
type SeedParameter struct {
	Name        string `yaml:"name"`
	DisplayName string `yaml:"display_name"`
	Description string `yaml:"description"`
	// Type is string (default), number, bool or list(string).
	Type     string `yaml:"type"`
	FormType string `yaml:"form_type"`
	Mutable  bool   `yaml:"mutable"`
	// Default is the default value; a parameter without one is required.
	Default   *string               `yaml:"default"`
	Icon      string                `yaml:"icon"`
	Ephemeral bool                  `yaml:"ephemeral"`
	Options   []SeedParameterOption `yaml:"options"`
	// Validation holds the regex, min/max and monotonic rules.
	Validation *SeedParameterValidation `yaml:"validation"`
}

// SeedParameterOption is one choice of a parameter.
type SeedParameterOption struct {
	Name        string `yaml:"name"`
	Value       string `yaml:"value"`
	Description string `yaml:"description"`
	Icon        string `yaml:"icon"`
}

// SeedParameterValidation is a parameter's validation block.
type SeedParameterValidation struct {
	Regex     string `yaml:"regex"`
	Error     string `yaml:"error"`
	Min       *int32 `yaml:"min"`
	Max       *int32 `yaml:"max"`
	Monotonic string `yaml:"monotonic"`
}

// SeedWorkspace is a workspace and the state of its latest build.
type SeedWorkspace struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	Owner string `yaml:"owner"`
	// Template is a template name; write "org/template" when several
	// organizations have a template of that name.
	Template string `yaml:"template"`
	// TemplateVersion names the version of the latest build; default the
	// active one. An older version makes the workspace outdated.
	TemplateVersion string `yaml:"template_version"`
	// Status is the latest build's status: running (default), stopped,
	// failed, canceled, deleted, or an in-progress one (pending, starting,
	// stopping, deleting, canceling) that then completes like a new build.
	Status string `yaml:"status"`
	// Parameters are the latest build's parameter values by name. Defaults
	// fill the rest; required parameters must be given.
	Parameters        map[string]string `yaml:"parameters"`
	Favorite          bool              `yaml:"favorite"`
	Dormant           bool              `yaml:"dormant"`
	AutostartSchedule string            `yaml:"autostart_schedule"`
	// TTL is a Go duration; default the template's.
	TTL              string `yaml:"ttl"`
	AutomaticUpdates string `yaml:"automatic_updates"`
	// LastUsed is how long ago the workspace was last used, a Go duration.
	LastUsed string `yaml:"last_used"`
}

// SeedOAuth2App is an OAuth2 provider application with one client secret.
type SeedOAuth2App struct {
	Name string `yaml:"name"`
	// ClientID is the app's UUID. Derived from the name when empty.
	ClientID string `yaml:"client_id"`
	// ClientSecret is formatted coder_<10 characters>_<40 characters>.
	// Generated when empty.
	ClientSecret string `yaml:"client_secret"`
	CallbackURL  string `yaml:"callback_url"`
	Icon         string `yaml:"icon"`
}

//go:embed demo.yaml
var demoYAML []byte

// DemoSeed returns the embedded demo deployment: users demo (member) and
// admin (owner), one organization, three templates, workspaces whose
// repository parameters match the entities in examples/catalog, and the
// "backstage" OAuth2 app. Each call returns a fresh copy.
func DemoSeed() *Seed {
	s, err := parseSeed("demo.yaml", demoYAML)
	if err != nil {
		panic("fakecoder: embedded demo.yaml is invalid: " + err.Error())
	}
	return s
}

// LoadSeed reads and validates a YAML seed file. Errors name the file, the
// line and the field, for example
// "seed.yaml:14: users[1].token: ...".
func LoadSeed(path string) (*Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load seed: %w", err)
	}
	return parseSeed(path, data)
}

// ParseSeed parses and validates a YAML seed. Errors read
// "seed:<line>: <field>: <problem>".
func ParseSeed(data []byte) (*Seed, error) {
	return parseSeed("seed", data)
}

func parseSeed(source string, data []byte) (*Seed, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", source, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	s := &Seed{source: source, lines: map[string]int{}}
	if len(doc.Content) > 0 {
		d := seedDecoder{source: source, lines: s.lines}
		if err := d.decode(doc.Content[0], reflect.ValueOf(s).Elem(), ""); err != nil {
			return nil, err
		}
	}
	if _, err := buildState(s, defaultConfig().now()); err != nil {
		return nil, err
	}
	return s, nil
}

// SeedError is a problem with a seed, located by file, line and field path.
type SeedError struct {
	File  string // the file name, or "seed" for ParseSeed and Go values
	Line  int    // 0 when unknown
	Field string // e.g. "workspaces[2].template"
	Msg   string
}

func (e *SeedError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Field == "" {
		return loc + ": " + e.Msg
	}
	return loc + ": " + e.Field + ": " + e.Msg
}

func (s *Seed) errorf(field, format string, args ...any) error {
	src := s.source
	if src == "" {
		src = "seed"
	}
	return &SeedError{File: src, Line: s.lineOf(field), Field: field, Msg: fmt.Sprintf(format, args...)}
}

// lineOf finds where field was written, or else where the closest enclosing
// field was (a missing field is reported at its parent).
func (s *Seed) lineOf(field string) int {
	for field != "" {
		if line, ok := s.lines[field]; ok {
			return line
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return 0
}

// seedDecoder decodes a yaml.Node into the seed structs, rejecting unknown
// keys and remembering where each field was written.
type seedDecoder struct {
	source string
	lines  map[string]int
}

var lineInMessage = regexp.MustCompile(`^(yaml: )?line \d+: `)

func (d *seedDecoder) fail(n *yaml.Node, path, format string, args ...any) error {
	return &SeedError{File: d.source, Line: n.Line, Field: path, Msg: fmt.Sprintf(format, args...)}
}

func (d *seedDecoder) decode(n *yaml.Node, v reflect.Value, path string) error {
	if path != "" {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Tag == "!!null" {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type().Elem().Kind() == reflect.Struct {
			v.Set(reflect.New(v.Type().Elem()))
			return d.decode(n, v.Elem(), path)
		}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return d.fail(n, path, "want a mapping, got %s", nodeKind(n))
		}
		fields := map[string]int{}
		var names []string
		for i := range v.NumField() {
			tag := v.Type().Field(i).Tag.Get("yaml")
			if tag == "" {
				continue
			}
			fields[tag] = i
			names = append(names, tag)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			idx, ok := fields[key.Value]
			if !ok {
				return d.fail(key, join(path, key.Value), "unknown field (known fields: %s)", strings.Join(names, ", "))
			}
			if err := d.decode(val, v.Field(idx), join(path, key.Value)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct {
			if n.Kind != yaml.SequenceNode {
				return d.fail(n, path, "want a list, got %s", nodeKind(n))
			}
			out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
			for i, item := range n.Content {
				if err := d.decode(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			v.Set(out)
			return nil
		}
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		msg := err.Error()
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		return d.fail(n, path, "%s", lineInMessage.ReplaceAllString(msg, ""))
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}
