package entityconfig

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"

	"github.com/coderhost/coderhost/sdk"
)

// Repository URL matching modes.
const (
	// MatchingSeed derives the repository URL exactly as the Backstage Coder
	// frontend does, quirks included.
	MatchingSeed = "seed"
	// MatchingRobust derives the repository's canonical URL and the variants
	// workspaces may have stored.
	MatchingRobust = "robust"
)

// Create modes of Coder's create-workspace page.
const (
	ModeManual = "manual"
	ModeAuto   = "auto"
)

// AppConfig mirrors the frontend's CoderAppConfig; the config {} blocks of the
// catalog and workspaces plugins carry these attributes.
type AppConfig struct {
	// AccessURL is the Coder URL used in browser links; default: the host's
	// Coder URL.
	AccessURL string `json:"access_url"`
	// DefaultTemplate is used when an entity names no template.
	DefaultTemplate string `json:"default_template"`
	// DefaultMode is manual (the default) or auto.
	DefaultMode string `json:"default_mode"`
	// RepoURLParamKeys name the template parameters that hold the repository
	// URL; required, non-empty.
	RepoURLParamKeys []string `json:"repo_url_param_keys"`
	// Params are baseline template parameters.
	Params map[string]string `json:"params"`
	// RepoURLMatching is seed or robust (the default).
	RepoURLMatching string `json:"repo_url_matching"`

	// paramOrder is the order of Params in the JSON the config came from.
	paramOrder []string
}

// UnmarshalJSON decodes the config and remembers the order of params, which
// the creation link keeps (the frontend iterates its params object in
// order).
func (a *AppConfig) UnmarshalJSON(b []byte) error {
	type plain AppConfig
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*a = AppConfig(p)
	var raw struct {
		Params json.RawMessage `json:"params"`
	}
	if json.Unmarshal(b, &raw) == nil && jsonType(raw.Params) == "an object" {
		a.paramOrder, _, _ = orderedObject(raw.Params)
	}
	return nil
}

// SchemaAttributes returns the config {} attributes of AppConfig, for a
// plugin's Describe.
func SchemaAttributes() []sdk.Attribute {
	return []sdk.Attribute{
		{Name: "access_url", Type: sdk.TypeString,
			Description: "Coder URL used in links shown to browsers (default: the host's Coder URL)."},
		{Name: "default_template", Type: sdk.TypeString,
			Description: "Template used when an entity's spec.coder names none."},
		{Name: "default_mode", Type: sdk.TypeString,
			Description: `Create mode when an entity's spec.coder names none: "manual" (default) or "auto".`},
		{Name: "repo_url_param_keys", Type: sdk.TypeListString, Required: true,
			Description: "Template parameters that receive the entity's repository URL, for example [\"repo_url\"]."},
		{Name: "params", Type: sdk.TypeMapString,
			Description: "Baseline template parameters; an entity's spec.coder.params override them."},
		{Name: "repo_url_matching", Type: sdk.TypeString,
			Description: `"robust" (default): canonical repository URLs and their variants; "seed": exactly the Backstage Coder frontend's cleaning.`},
	}
}

// WithDefaults fills in the defaults (the access URL from the host, manual
// mode, robust matching) and validates the configuration. Errors name the
// attribute and say what to do.
func (a AppConfig) WithDefaults(info sdk.HostInfo) (AppConfig, error) {
	if a.AccessURL == "" {
		a.AccessURL = info.CoderURL
	}
	if a.AccessURL == "" {
		return a, fmt.Errorf("access_url: not set, and the host has no Coder URL; set access_url to the Coder deployment's URL")
	}
	if u, err := url.Parse(a.AccessURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return a, fmt.Errorf("access_url: %q is not an absolute http(s) URL", a.AccessURL)
	}
	switch a.DefaultMode {
	case "":
		a.DefaultMode = ModeManual
	case ModeManual, ModeAuto:
	default:
		return a, fmt.Errorf("default_mode: must be %q or %q (got %q)", ModeManual, ModeAuto, a.DefaultMode)
	}
	if len(a.RepoURLParamKeys) == 0 {
		return a, fmt.Errorf("repo_url_param_keys: list at least one template parameter that holds the repository URL, for example [\"repo_url\"]")
	}
	for i, k := range a.RepoURLParamKeys {
		if k == "" {
			return a, fmt.Errorf("repo_url_param_keys[%d]: must not be empty", i)
		}
	}
	switch a.RepoURLMatching {
	case "":
		a.RepoURLMatching = MatchingRobust
	case MatchingSeed, MatchingRobust:
	default:
		return a, fmt.Errorf("repo_url_matching: must be %q or %q (got %q)", MatchingRobust, MatchingSeed, a.RepoURLMatching)
	}
	params := make(map[string]string, len(a.Params))
	for k, v := range a.Params {
		if k == "" {
			return a, fmt.Errorf("params: parameter names must not be empty")
		}
		params[k] = v
	}
	a.Params = params
	a.RepoURLParamKeys = append([]string(nil), a.RepoURLParamKeys...)
	return a, nil
}

// orderedParams returns the app params in the order of the decoded config,
// then any others sorted by name (HCL maps reach plugins sorted by name).
func (a AppConfig) orderedParams() params {
	var p params
	for _, k := range a.paramOrder {
		if v, ok := a.Params[k]; ok {
			p.set(k, v)
		}
	}
	rest := make([]string, 0, len(a.Params))
	for k := range a.Params {
		if _, ok := p.vals[k]; !ok {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		p.set(k, a.Params[k])
	}
	return p
}
