package templates

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"

	"github.com/coderhost/coderhost/sdk/coder"
)

// Entity is a Backstage entity; the field order is the one YAML output
// keeps.
type Entity struct {
	APIVersion string   `json:"apiVersion" yaml:"apiVersion"`
	Kind       string   `json:"kind" yaml:"kind"`
	Metadata   Metadata `json:"metadata" yaml:"metadata"`
	Spec       Spec     `json:"spec" yaml:"spec"`
}

// Metadata is an entity's metadata.
type Metadata struct {
	Name        string            `json:"name" yaml:"name"`
	Namespace   string            `json:"namespace" yaml:"namespace"`
	Title       string            `json:"title,omitempty" yaml:"title,omitempty"`
	Description string            `json:"description,omitempty" yaml:"description,omitempty"`
	Annotations map[string]string `json:"annotations" yaml:"annotations"`
	Tags        []string          `json:"tags" yaml:"tags"`
	Links       []Link            `json:"links" yaml:"links"`
}

// Link is an entry of metadata.links.
type Link struct {
	URL   string `json:"url" yaml:"url"`
	Title string `json:"title" yaml:"title"`
	Icon  string `json:"icon,omitempty" yaml:"icon,omitempty"`
	Type  string `json:"type,omitempty" yaml:"type,omitempty"`
}

// Spec is the spec of a Resource entity.
type Spec struct {
	Type  string `json:"type" yaml:"type"`
	Owner string `json:"owner" yaml:"owner"`
}

// Annotations on template entities.
const (
	AnnotationTemplateID   = "coder.com/template-id"
	AnnotationTemplateName = "coder.com/template-name"
	AnnotationOrganization = "coder.com/organization"
	AnnotationIcon         = "coder.com/icon-url"
	AnnotationDeprecated   = "coder.com/deprecation-message"
	AnnotationViewURL      = "backstage.io/view-url"
)

// Options shape the entities.
type Options struct {
	// AccessURL is the Coder URL for links and icons.
	AccessURL string
	// Namespace of the entities; default "default".
	Namespace string
	// Owner of every entity (an entity ref); empty: the template author as
	// a User ("user:<created_by_name>").
	Owner string
	// Owners maps a template name to its owner, before Owner.
	Owners map[string]string
}

// Entities describes templates as Backstage entities, in the order given.
func Entities(ts []coder.Template, o Options) []Entity {
	ns := o.Namespace
	if ns == "" {
		ns = "default"
	}
	access := strings.TrimRight(o.AccessURL, "/")
	out := make([]Entity, 0, len(ts))
	for _, t := range ts {
		page := access + "/templates/" + url.PathEscape(t.OrganizationName) + "/" + url.PathEscape(t.Name)
		if t.OrganizationName == "" {
			page = access + "/templates/" + url.PathEscape(t.Name)
		}
		ann := map[string]string{
			AnnotationTemplateID:   t.ID,
			AnnotationTemplateName: t.Name,
			AnnotationViewURL:      page,
		}
		if t.OrganizationName != "" {
			ann[AnnotationOrganization] = t.OrganizationName
		}
		if icon := absolute(access, t.Icon); icon != "" {
			ann[AnnotationIcon] = icon
		}
		tags := []string{"coder", "coder-template"}
		if t.Deprecated {
			tags = append(tags, "deprecated")
			if t.DeprecationMessage != "" {
				ann[AnnotationDeprecated] = t.DeprecationMessage
			}
		}
		title := t.DisplayName
		if title == "" {
			title = t.Name
		}
		out = append(out, Entity{
			APIVersion: "backstage.io/v1alpha1",
			Kind:       "Resource",
			Metadata: Metadata{
				Name:        EntityName("coder-" + t.Name),
				Namespace:   ns,
				Title:       title,
				Description: t.Description,
				Annotations: ann,
				Tags:        tags,
				Links: []Link{
					{URL: page, Title: "View template in Coder", Icon: "dashboard", Type: "coder-template"},
					{URL: page + "/workspace", Title: "Create a workspace", Icon: "add", Type: "coder-create-workspace"},
				},
			},
			Spec: Spec{Type: "coder-template", Owner: owner(t, o)},
		})
	}
	return out
}

func owner(t coder.Template, o Options) string {
	if v := o.Owners[t.Name]; v != "" {
		return v
	}
	if o.Owner != "" {
		return o.Owner
	}
	if t.CreatedByName != "" {
		return "user:" + EntityName(t.CreatedByName)
	}
	return "group:coder"
}

// absolute resolves a Coder icon path ("/icon/go.svg") against the access URL.
func absolute(access, icon string) string {
	if icon == "" {
		return ""
	}
	if u, err := url.Parse(icon); err == nil && u.IsAbs() {
		return icon
	}
	return access + "/" + strings.TrimLeft(icon, "/")
}

var (
	invalidNameChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
	nameEdges        = regexp.MustCompile(`^[^A-Za-z0-9]+|[^A-Za-z0-9]+$`)
)

// maxNameLength is Backstage's limit on metadata.name.
const maxNameLength = 63

// EntityName turns s into a name that passes Backstage's entity-name rules:
// 1–63 characters of [A-Za-z0-9_.-], starting and ending with a letter or a
// digit. Other characters become "-"; a name that had to be shortened ends
// with a short hash of s, so distinct inputs stay distinct.
func EntityName(s string) string {
	n := invalidNameChars.ReplaceAllString(s, "-")
	n = nameEdges.ReplaceAllString(n, "")
	if n == s && len(n) <= maxNameLength && n != "" {
		return n
	}
	sum := sha256.Sum256([]byte(s))
	suffix := hex.EncodeToString(sum[:4])
	if n == "" {
		return "x-" + suffix
	}
	if len(n) > maxNameLength {
		n = nameEdges.ReplaceAllString(n[:maxNameLength-len(suffix)-1], "")
		return n + "-" + suffix
	}
	return n
}
