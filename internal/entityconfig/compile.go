package entityconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/coderhost/coderhost/internal/repourl"
)

// EnabledAnnotation opts an entity out of Coder: with the value "false" the
// entity is not compatible, so no card, link or badge offers a workspace for
// it. "true" (or no annotation) leaves the decision to the usual rules.
const EnabledAnnotation = "coder.com/enabled"

// Config is the compiled Coder workspace configuration of one entity. JSON
// names are the frontend's CoderWorkspacesConfig ones, plus compatible,
// reasons, repoUrlVariants and script.
type Config struct {
	Mode         string `json:"mode"`
	TemplateName string `json:"templateName"`
	// CreationURL is Coder's create-workspace page for the template, with the
	// mode and parameters in its query; empty without a template.
	CreationURL string `json:"creationUrl"`
	// RepoURL is the repository URL workspaces store; empty when the entity
	// has none.
	RepoURL          string            `json:"repoUrl"`
	RepoURLParamKeys []string          `json:"repoUrlParamKeys"`
	Params           map[string]string `json:"params"`
	// IsReadingEntityData is true when the entity has a spec.coder object
	// (the frontend's meaning).
	IsReadingEntityData bool `json:"isReadingEntityData"`
	// Compatible says whether a workspace can be opened for the entity;
	// Reasons say why not, in words a person can act on.
	Compatible bool     `json:"compatible"`
	Reasons    []string `json:"reasons"`
	// RepoURLVariants are the URLs under which existing workspaces may have
	// stored the repository, RepoURL first.
	RepoURLVariants []string `json:"repoUrlVariants"`
	// Script names the workspace_params script that changed the result.
	Script string `json:"script,omitempty"`
}

// FieldError is an invalid spec.coder: Field is the dotted path
// ("spec.coder.mode"), Message the frontend's own wording where it has one.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// compiled is a Config under construction, keeping the parameter order the
// creation link needs.
type compiled struct {
	app          AppConfig
	mode         string
	templateName string
	templateSet  bool // spec.coder.templateName was given (even as "")
	params       params
	repoURL      string
	variants     []string
	reading      bool
	reasons      []string // about the entity, not the template
	optedOut     bool
	script       string
}

// Compile applies the frontend's merge rules (§2.5) and link format (§2.6) to
// app (already through [AppConfig.WithDefaults]) and entity (JSON). An invalid
// spec.coder is a *FieldError.
//
// In seed matching mode the result is the frontend's, quirks included. In
// robust mode: the repository URL is canonical (see repourl.Canonical), and
// backstage.io/managed-by-location is used when there is no
// backstage.io/source-location; an empty spec.coder.templateName falls back
// to the default template; a trailing "/" of access_url does not double the
// slash in the link.
func Compile(app AppConfig, entity json.RawMessage) (Config, error) {
	c, err := compile(app, entity)
	if err != nil {
		return Config{}, err
	}
	return c.config(), nil
}

func compile(app AppConfig, entity json.RawMessage) (*compiled, error) {
	var e struct {
		Metadata struct {
			Annotations map[string]any `json:"annotations"`
		} `json:"metadata"`
		Spec json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal(entity, &e); err != nil || !bytes.HasPrefix(bytes.TrimSpace(entity), []byte("{")) {
		return nil, &FieldError{Field: "entity", Message: "must be a catalog entity (a JSON object with metadata and spec)"}
	}
	robust := app.RepoURLMatching != MatchingSeed
	c := &compiled{app: app}

	yaml, err := specCoder(e.Spec)
	if err != nil {
		return nil, err
	}
	c.reading = yaml != nil

	// 1. mode = yaml.mode ?? app.defaultMode ?? 'manual'
	c.mode = app.DefaultMode
	if c.mode == "" {
		c.mode = ModeManual
	}
	if yaml != nil && yaml.mode != nil {
		c.mode = *yaml.mode
	}
	// 2. templateName = yaml.templateName ?? app.defaultTemplateName; "" is
	// not nullish, so an empty one hides the default in seed mode.
	c.templateName = app.DefaultTemplate
	if yaml != nil && yaml.templateName != nil && (!robust || *yaml.templateName != "") {
		c.templateName = *yaml.templateName
		c.templateSet = true
	}
	// 3. params: the app's, then the entity's (entity wins, in place).
	c.params = app.orderedParams()
	if yaml != nil {
		for _, k := range yaml.params.keys {
			c.params.set(k, yaml.params.vals[k])
		}
	}
	// 4. the repository URL overrides every repo key.
	c.repoFromEntity(entity, robust)
	c.setRepoParams()

	switch v, ok := e.Metadata.Annotations[EnabledAnnotation]; {
	case !ok:
	case v == "false":
		c.optedOut = true
		c.reasons = append(c.reasons, fmt.Sprintf("the entity opts out of Coder with the annotation %s: \"false\"; remove it to offer workspaces", EnabledAnnotation))
	case v == "true":
	default:
		c.reasons = append(c.reasons, fmt.Sprintf("the annotation %s must be \"true\" or \"false\" (got %s)", EnabledAnnotation, describeAny(v)))
	}
	return c, nil
}

// repoFromEntity derives the repository URL and its variants.
func (c *compiled) repoFromEntity(entity json.RawMessage, robust bool) {
	target, ok := repourl.EntitySourceURL(entity)
	if !robust {
		if ok {
			c.repoURL, _ = repourl.Seed(target)
			c.variants = []string{c.repoURL}
		} else {
			c.reasons = append(c.reasons, noRepoReason)
		}
		return
	}
	from := repourl.SourceLocationAnnotation
	if !ok {
		target, ok = repourl.EntityManagedByURL(entity)
		from = repourl.ManagedByLocationAnnotation
	}
	if !ok {
		c.reasons = append(c.reasons, noRepoReason)
		return
	}
	variants, err := repourl.Variants(target)
	if err != nil {
		c.reasons = append(c.reasons, fmt.Sprintf("the %s annotation does not point at a repository: %v", from, err))
		return
	}
	c.repoURL, c.variants = variants[0], variants
}

const noRepoReason = "the entity has no repository: add the annotation backstage.io/source-location: url:https://<host>/<owner>/<repo>"

func (c *compiled) setRepoParams() {
	if c.repoURL == "" {
		return
	}
	for _, k := range c.app.RepoURLParamKeys {
		c.params.set(k, c.repoURL)
	}
}

func (c *compiled) config() Config {
	cfg := Config{
		Mode:                c.mode,
		TemplateName:        c.templateName,
		RepoURL:             c.repoURL,
		RepoURLParamKeys:    append([]string{}, c.app.RepoURLParamKeys...),
		Params:              c.params.toMap(),
		IsReadingEntityData: c.reading,
		Reasons:             append([]string{}, c.reasons...),
		RepoURLVariants:     append([]string{}, c.variants...),
		Script:              c.script,
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	// 5. creationUrl only with a template name.
	if c.templateName != "" {
		cfg.CreationURL = c.creationURL()
	} else {
		reason := "no Coder template: set spec.coder.templateName on the entity or default_template in the plugin's config"
		if c.templateSet {
			reason = "spec.coder.templateName is empty, which hides default_template: set it or remove it"
		}
		cfg.Reasons = append(cfg.Reasons, reason)
	}
	cfg.Compatible = len(cfg.Reasons) == 0
	return cfg
}

// creationURL is <accessUrl>/templates/<encodeURIComponent(template)>/workspace?mode=…&param.<k>=<v>…
func (c *compiled) creationURL() string {
	access := c.app.AccessURL
	if c.app.RepoURLMatching != MatchingSeed {
		access = strings.TrimRight(access, "/")
	}
	var b strings.Builder
	b.WriteString(access)
	b.WriteString("/templates/")
	b.WriteString(encodeURIComponent(c.templateName))
	b.WriteString("/workspace?mode=")
	b.WriteString(formEncode(c.mode))
	for _, k := range c.params.ordered() {
		b.WriteString("&")
		b.WriteString(formEncode("param." + k))
		b.WriteString("=")
		b.WriteString(formEncode(c.params.vals[k]))
	}
	return b.String()
}

// yamlConfig is a validated spec.coder.
type yamlConfig struct {
	templateName *string
	mode         *string
	params       params
}

// specCoder validates spec.coder as the frontend's valibot schema does: absent
// is fine; otherwise an object whose templateName is a string, mode "manual"
// or "auto", params an object of strings. Unknown keys are ignored.
func specCoder(spec json.RawMessage) (*yamlConfig, error) {
	if len(bytes.TrimSpace(spec)) == 0 || jsonType(spec) != "an object" {
		return nil, nil // no spec object, so no spec.coder
	}
	_, specVals, err := orderedObject(spec)
	if err != nil {
		return nil, &FieldError{Field: "spec", Message: "must be an object"}
	}
	raw, ok := specVals["coder"]
	if !ok {
		return nil, nil
	}
	if jsonType(raw) != "an object" {
		return nil, &FieldError{Field: "spec.coder", Message: fmt.Sprintf("If defined, spec.coder must be an object with templateName, mode and params (got %s)", jsonType(raw))}
	}
	_, vals, err := orderedObject(raw)
	if err != nil {
		return nil, &FieldError{Field: "spec.coder", Message: err.Error()}
	}
	y := &yamlConfig{}
	if v, ok := vals["templateName"]; ok {
		var s string
		if jsonType(v) != "a string" || json.Unmarshal(v, &s) != nil {
			return nil, &FieldError{Field: "spec.coder.templateName", Message: fmt.Sprintf("If defined, templateName must be a string (got %s)", jsonType(v))}
		}
		y.templateName = &s
	}
	if v, ok := vals["mode"]; ok {
		var s string
		if json.Unmarshal(v, &s) != nil || (s != ModeManual && s != ModeAuto) {
			return nil, &FieldError{Field: "spec.coder.mode", Message: "If defined, createMode must be 'manual' or 'auto'"}
		}
		y.mode = &s
	}
	if v, ok := vals["params"]; ok {
		const msg = "If defined, params must be JSON-serializable as Record<string, string>"
		if jsonType(v) != "an object" {
			return nil, &FieldError{Field: "spec.coder.params", Message: fmt.Sprintf("%s (got %s)", msg, jsonType(v))}
		}
		keys, pv, err := orderedObject(v)
		if err != nil {
			return nil, &FieldError{Field: "spec.coder.params", Message: msg}
		}
		for _, k := range keys {
			var s string
			if jsonType(pv[k]) != "a string" || json.Unmarshal(pv[k], &s) != nil {
				return nil, &FieldError{Field: "spec.coder.params." + k, Message: fmt.Sprintf("%s (%q is %s)", msg, k, jsonType(pv[k]))}
			}
			y.params.set(k, s)
		}
	}
	return y, nil
}

func describeAny(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
