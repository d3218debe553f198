package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/coderhost/coderhost/internal/entityconfig"
	"github.com/coderhost/coderhost/sdk"
)

// config is the plugin's config {} block: the attributes of
// entityconfig.AppConfig plus the ones below.
type config struct {
	App entityconfig.AppConfig `json:"-"`

	// TemplatesToken is a Coder session token that may read templates.
	TemplatesToken string `json:"templates_token"`
	// TemplatesOrganization is the organization whose templates are listed.
	TemplatesOrganization string `json:"templates_organization"`
	// TemplatesCacheTTL is how long a listing is reused ("1m").
	TemplatesCacheTTL string `json:"templates_cache_ttl"`
	// TemplatesNamespace is the Backstage namespace of template entities.
	TemplatesNamespace string `json:"templates_namespace"`
	// TemplatesOwner owns every template entity; default: its Coder author.
	TemplatesOwner string `json:"templates_owner"`
	// TemplatesOwners maps a template name to its owner.
	TemplatesOwners map[string]string `json:"templates_owners"`
	// LinksBaseURL is where browsers reach the plugin's /v1/entities routes,
	// for open and badge links; default: <external_url>/api/catalog/v1/entities.
	LinksBaseURL string `json:"links_base_url"`

	ttl time.Duration
}

const defaultTemplatesTTL = time.Minute

func schema() sdk.Schema {
	attrs := entityconfig.SchemaAttributes()
	attrs = append(attrs,
		sdk.Attribute{Name: "templates_token", Type: sdk.TypeString, Sensitive: true,
			Description: `Coder session token used to list templates (for example env("CODER_TEMPLATES_TOKEN")); without it the caller's Coder-Session-Token is used.`},
		sdk.Attribute{Name: "templates_organization", Type: sdk.TypeString,
			Description: `Coder organization whose templates are listed (name or ID; default "default").`},
		sdk.Attribute{Name: "templates_cache_ttl", Type: sdk.TypeString,
			Description: `How long a template listing is reused, as a Go duration (default "1m").`},
		sdk.Attribute{Name: "templates_namespace", Type: sdk.TypeString,
			Description: `Backstage namespace of the template entities (default "default").`},
		sdk.Attribute{Name: "templates_owner", Type: sdk.TypeString,
			Description: `Owner entity ref of every template entity (default: the template's Coder author, as user:<name>).`},
		sdk.Attribute{Name: "templates_owners", Type: sdk.TypeMapString,
			Description: "Owner entity ref per template name, before templates_owner."},
		sdk.Attribute{Name: "links_base_url", Type: sdk.TypeString,
			Description: "URL at which browsers reach the plugin's /v1/entities routes, for \"Open in Coder\" and badge links (default: <external_url>/api/catalog/v1/entities)."},
	)
	return sdk.Schema{Attributes: attrs}
}

// decodeConfig reads the config block and fills in defaults from the host.
func decodeConfig(raw json.RawMessage, info sdk.HostInfo) (config, error) {
	var c config
	if len(raw) == 0 {
		raw = json.RawMessage(`{}`)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("decode the catalog plugin's config: %w", err)
	}
	if err := json.Unmarshal(raw, &c.App); err != nil {
		return c, fmt.Errorf("decode the catalog plugin's config: %w", err)
	}
	app, err := c.App.WithDefaults(info)
	if err != nil {
		return c, err
	}
	c.App = app
	c.ttl = defaultTemplatesTTL
	if c.TemplatesCacheTTL != "" {
		d, err := time.ParseDuration(c.TemplatesCacheTTL)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("templates_cache_ttl: %q is not a positive duration like \"1m\" or \"30s\"", c.TemplatesCacheTTL)
		}
		c.ttl = d
	}
	if c.TemplatesNamespace == "" {
		c.TemplatesNamespace = "default"
	}
	if c.LinksBaseURL == "" && info.ExternalURL != "" {
		c.LinksBaseURL = strings.TrimRight(info.ExternalURL, "/") + mountPath(info) + entitiesPath
	}
	c.LinksBaseURL = strings.TrimRight(c.LinksBaseURL, "/")
	if c.LinksBaseURL != "" {
		if u, err := url.Parse(c.LinksBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("links_base_url: %q is not an absolute http(s) URL", c.LinksBaseURL)
		}
	}
	return c, nil
}

// entitiesPath is where the per-entity routes live under the mount.
const entitiesPath = "/v1/entities"

// mountPath is the plugin's mount on the host without the trailing slash.
func mountPath(info sdk.HostInfo) string {
	if info.MountPath == "" {
		return "/api/catalog"
	}
	return "/" + strings.Trim(info.MountPath, "/")
}
