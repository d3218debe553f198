package fakecoder

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The search grammar of Coder v2.30's coderd/searchquery
// (https://github.com/coder/coder/blob/v2.30.0/coderd/searchquery/search.go).

// splitQueryParameterByDelimiter splits on delimiter outside double quotes,
// dropping empty elements; without maintainQuotes, surrounding quotes are
// trimmed from each element.
func splitQueryParameterByDelimiter(query string, delimiter rune, maintainQuotes bool) []string {
	quoted := false
	parts := strings.FieldsFunc(query, func(r rune) bool {
		if r == '"' {
			quoted = !quoted
		}
		return !quoted && r == delimiter
	})
	if !maintainQuotes {
		for i, p := range parts {
			parts[i] = strings.Trim(p, `"`)
		}
	}
	return parts
}

// processTokens joins the tokens without a ':' into one free-text element,
// placed after the key:value elements.
func processTokens(tokens []string) []string {
	var results, free []string
	for _, t := range tokens {
		if strings.Contains(t, ":") {
			results = append(results, t)
		} else {
			free = append(free, t)
		}
	}
	if len(free) > 0 {
		results = append(results, strings.Join(free, " "))
	}
	return results
}

func searchTerms(query string, defaultKey func(term string, values url.Values) error) (url.Values, []ValidationError) {
	values := url.Values{}
	for _, element := range processTokens(splitQueryParameterByDelimiter(query, ' ', true)) {
		if strings.HasPrefix(element, ":") || strings.HasSuffix(element, ":") {
			return nil, []ValidationError{{Field: "q", Detail: fmt.Sprintf("Query element %q cannot start or end with ':'", element)}}
		}
		parts := splitQueryParameterByDelimiter(element, ':', false)
		switch len(parts) {
		case 1:
			if err := defaultKey(element, values); err != nil {
				return nil, []ValidationError{{Field: "q", Detail: err.Error()}}
			}
		case 2:
			values.Add(strings.ToLower(parts[0]), parts[1])
		default:
			return nil, []ValidationError{{Field: "q", Detail: fmt.Sprintf("Query element %q can only contain 1 ':'", element)}}
		}
	}
	return values, nil
}

var workspaceStatuses = []string{"pending", "starting", "running", "stopping", "stopped", "failed", "canceling", "canceled", "deleting", "deleted"}

type paramMatch struct {
	name  string
	value *string
}

// workspaceFilter is database.GetWorkspacesParams.
type workspaceFilter struct {
	ids              []string
	owner            string
	template         string
	name             string
	status           string
	hasAgent         string
	dormant          bool
	lastUsedAfter    time.Time
	lastUsedBefore   time.Time
	usingActive      *bool
	hasAITask        *bool
	hasExternalAgent *bool
	orgID            string
	shared           *bool
	sharedWithUser   string
	sharedWithGroup  string
	hasParam         []string
	paramNames       []string
	paramValues      []string
}

// parseWorkspaceQuery is searchquery.Workspaces. Call with s.mu held: some
// keys resolve names.
func (s *Server) parseWorkspaceQueryLocked(query string) (workspaceFilter, []ValidationError) {
	var f workspaceFilter
	if query == "" {
		return f, nil
	}
	query = strings.ToLower(query)
	values, errs := searchTerms(query, func(term string, values url.Values) error {
		parts := splitQueryParameterByDelimiter(term, '/', false)
		switch len(parts) {
		case 1:
			values.Add("name", parts[0])
		case 2:
			values.Add("owner", parts[0])
			values.Add("name", parts[1])
		default:
			return fmt.Errorf("Query element %q can only contain 1 '/'", term)
		}
		return nil
	})
	if len(errs) > 0 {
		return f, errs
	}

	p := newQueryParser()
	f.ids = p.List(values, "id", func(v string) (string, error) { return parseUUID(strings.TrimSpace(v)) })
	f.owner = p.String(values, "", "owner")
	f.template = p.String(values, "", "template")
	f.name = p.String(values, "", "name")
	f.status, _ = p.Custom(values, "status", func(v string) error {
		for _, st := range workspaceStatuses {
			if v == st {
				return nil
			}
		}
		return fmt.Errorf("%q is not a valid value", v)
	})
	f.hasAgent = p.String(values, "", "has-agent")
	f.dormant = p.Boolean(values, false, "dormant")
	f.lastUsedAfter = p.Time3339Nano(values, "last_used_after")
	f.lastUsedBefore = p.Time3339Nano(values, "last_used_before")
	outdated := p.Boolean(values, true, "outdated")
	if values.Has("outdated") {
		usingActive := !outdated
		f.usingActive = &usingActive
	}
	f.hasAITask = p.NullableBoolean(values, "has-ai-task")
	f.hasExternalAgent = p.NullableBoolean(values, "has_external_agent")
	f.orgID, _ = s.resolveLocked(p, values, "organization", func(v string) (string, error) {
		if id, err := parseUUID(v); err == nil {
			return id, nil
		}
		if o := s.st.orgByName(v); o != nil {
			return o.id, nil
		}
		return "", fmt.Errorf("organization %q either does not exist, or you are unauthorized to view it", v)
	})
	f.shared = p.NullableBoolean(values, "shared")
	f.sharedWithUser, _ = s.resolveLocked(p, values, "shared_with_user", func(v string) (string, error) {
		// Coder v2.30 does not resolve "me" here: it is looked up as a
		// username.
		if id, err := parseUUID(v); err == nil {
			return id, nil
		}
		if u := s.st.userByName(v); u != nil {
			return u.id, nil
		}
		return "", fmt.Errorf("user %q either does not exist, or you are unauthorized to view them", v)
	})
	f.sharedWithGroup, _ = s.resolveLocked(p, values, "shared_with_group", s.resolveGroupLocked)
	params := p.List(values, "param", func(v string) (string, error) {
		v = strings.TrimSpace(v)
		parts := strings.Split(v, "=")
		switch {
		case len(parts) == 1:
			return v, nil
		case len(parts) == 2 && parts[1] == "":
			return "", fmt.Errorf("query element %q has an empty value. omit the '=' to match just on the parameter name", v)
		case len(parts) == 2:
			return v, nil
		default:
			return "", fmt.Errorf("query element %q can only contain 1 '='", v)
		}
	})
	for _, v := range params {
		name, value, ok := strings.Cut(v, "=")
		if !ok {
			f.hasParam = append(f.hasParam, name)
			continue
		}
		f.paramNames = append(f.paramNames, name)
		f.paramValues = append(f.paramValues, value)
	}
	p.ErrorExcessParams(values)
	return f, p.errs
}

// resolveLocked is httpapi.ParseCustom with a lookup.
func (s *Server) resolveLocked(p *queryParser, values url.Values, key string, lookup func(string) (string, error)) (string, bool) {
	var id string
	_, ok := p.Custom(values, key, func(v string) error {
		var err error
		id, err = lookup(v)
		return err
	})
	return id, ok
}

// resolveGroupLocked accepts a group UUID, "group" (default organization) or
// "org/group". The fake has no groups, so names never resolve.
func (s *Server) resolveGroupLocked(v string) (string, error) {
	if id, err := parseUUID(v); err == nil {
		return id, nil
	}
	parts := strings.Split(v, "/")
	var o *org
	var group string
	switch len(parts) {
	case 1:
		o, group = s.st.defaultOrg(), parts[0]
	case 2:
		if err := nameValid(parts[0]); err != nil {
			return "", fmt.Errorf("invalid organization name %w", err)
		}
		if o = s.st.orgByName(parts[0]); o == nil {
			return "", fmt.Errorf("organization %q either does not exist, or you are unauthorized to view it", parts[0])
		}
		group = parts[1]
	default:
		return "", errors.New("invalid organization or group name, the filter must be in the pattern of <organization name>/<group name>")
	}
	return "", fmt.Errorf("group %q either does not exist, does not belong to the organization %q, or you are unauthorized to view it", group, o.name)
}

// matchWorkspaceLocked applies f (already resolved) to w.
func (s *Server) matchWorkspaceLocked(f workspaceFilter, ownerID string, w *workspace) bool {
	st := s.st
	if w.deleted {
		return false
	}
	if len(f.ids) > 0 && !containsString(f.ids, w.id) {
		return false
	}
	owner := st.userByID(w.ownerID)
	if ownerID != "" && w.ownerID != ownerID {
		return false
	}
	if f.owner != "" && f.owner != "me" && !strings.EqualFold(owner.username, f.owner) {
		return false
	}
	t := st.templateByID(w.templateID)
	if f.template != "" && !strings.EqualFold(t.name, f.template) {
		return false
	}
	if f.name != "" && !ilike(w.name, "%"+f.name+"%") {
		return false
	}
	b := st.latestBuild(w)
	if f.status != "" && !matchStatus(f.status, b) {
		return false
	}
	if f.hasAgent != "" && !(b.transition == "start" && b.job.status == "succeeded" && b.agentStatus == f.hasAgent) {
		return false
	}
	if f.dormant && w.dormantAt == nil {
		return false
	}
	if !f.lastUsedAfter.IsZero() && !w.lastUsedAt.After(f.lastUsedAfter) {
		return false
	}
	if !f.lastUsedBefore.IsZero() && !w.lastUsedAt.Before(f.lastUsedBefore) {
		return false
	}
	if f.usingActive != nil && (b.versionID == t.activeVersionID) != *f.usingActive {
		return false
	}
	// No workspace here belongs to an AI task, runs an external agent or is
	// shared.
	for _, flag := range []*bool{f.hasAITask, f.hasExternalAgent, f.shared} {
		if flag != nil && *flag {
			return false
		}
	}
	if f.sharedWithUser != "" || f.sharedWithGroup != "" {
		return false
	}
	if f.orgID != "" && w.orgID != f.orgID {
		return false
	}
	if len(f.hasParam) > 0 {
		found := false
		for _, bp := range b.params {
			for _, pattern := range f.hasParam {
				if ilike(bp.Name, pattern) {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	if len(f.paramNames) > 0 {
		found := false
		for _, bp := range b.params {
			for i := range f.paramNames {
				if strings.ToLower(bp.Name) == f.paramNames[i] && strings.ToLower(bp.Value) == f.paramValues[i] {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// matchStatus is the status filter of GetWorkspaces: pending, canceling,
// canceled and failed match the job whatever the transition.
func matchStatus(status string, b *build) bool {
	switch status {
	case "pending", "canceling", "canceled", "failed":
		return b.job.status == status
	}
	return buildStatus(b.transition, b.job.status) == status
}

// ilike matches s against a SQL ILIKE pattern: % is any run, _ any single
// character, \ escapes.
func ilike(s, pattern string) bool {
	var re strings.Builder
	re.WriteString("(?is)^")
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			re.WriteString(regexp.QuoteMeta(string(r)))
			escaped = false
		case r == '\\':
			escaped = true
		case r == '%':
			re.WriteString(".*")
		case r == '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	ok, err := regexp.MatchString(re.String(), s)
	return err == nil && ok
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// templateFilter is database.GetTemplatesWithFilterParams.
type templateFilter struct {
	deleted          bool
	orgID            string
	exactName        string
	exactDisplayName string
	fuzzyName        string
	fuzzyDisplayName string
	ids              []string
	deprecated       *bool
	hasAITask        *bool
	authorID         string
	authorUsername   string
	hasExternalAgent *bool
}

// parseTemplateQueryLocked is searchquery.Templates.
func (s *Server) parseTemplateQueryLocked(query string, actorID string) (templateFilter, []ValidationError) {
	var f templateFilter
	query = strings.ToLower(query)
	values, errs := searchTerms(query, func(term string, values url.Values) error {
		values.Add("display_name", term)
		return nil
	})
	if len(errs) > 0 {
		return f, errs
	}
	p := newQueryParser()
	f.deleted = p.Boolean(values, false, "deleted")
	f.orgID, _ = s.resolveLocked(p, values, "organization", func(v string) (string, error) {
		if id, err := parseUUID(v); err == nil {
			return id, nil
		}
		if o := s.st.orgByName(v); o != nil {
			return o.id, nil
		}
		return "", fmt.Errorf("organization %q either does not exist, or you are unauthorized to view it", v)
	})
	f.exactName = p.String(values, "", "exact_name")
	f.exactDisplayName = p.String(values, "", "exact_display_name")
	f.fuzzyName = p.String(values, "", "name")
	f.fuzzyDisplayName = p.String(values, "", "display_name")
	f.ids = p.List(values, "ids", func(v string) (string, error) { return parseUUID(strings.TrimSpace(v)) })
	f.deprecated = p.NullableBoolean(values, "deprecated")
	f.hasAITask = p.NullableBoolean(values, "has-ai-task")
	f.authorID = p.UUID(values, "author_id")
	f.authorUsername = p.String(values, "", "author")
	f.hasExternalAgent = p.NullableBoolean(values, "has_external_agent")
	if f.authorUsername == "me" {
		f.authorID, f.authorUsername = actorID, ""
	}
	p.ErrorExcessParams(values)
	return f, p.errs
}

func (s *Server) matchTemplateLocked(f templateFilter, t *template) bool {
	if f.deleted {
		return false // nothing is deleted here
	}
	if f.orgID != "" && t.orgID != f.orgID {
		return false
	}
	if f.exactName != "" && !strings.EqualFold(t.name, f.exactName) {
		return false
	}
	if f.exactDisplayName != "" && !strings.EqualFold(t.displayName, f.exactDisplayName) {
		return false
	}
	if f.fuzzyName != "" && !strings.Contains(strings.ToLower(t.name), f.fuzzyName) {
		return false
	}
	if f.fuzzyDisplayName != "" && !strings.Contains(strings.ToLower(t.displayName), f.fuzzyDisplayName) {
		return false
	}
	if len(f.ids) > 0 && !containsString(f.ids, t.id) {
		return false
	}
	// Deprecated templates are hidden unless asked for.
	deprecated := t.deprecationMessage != ""
	if f.deprecated == nil && deprecated {
		return false
	}
	if f.deprecated != nil && deprecated != *f.deprecated {
		return false
	}
	if f.hasAITask != nil && *f.hasAITask {
		return false
	}
	if f.hasExternalAgent != nil && *f.hasExternalAgent {
		return false
	}
	if f.authorID != "" && t.createdByID != f.authorID {
		return false
	}
	if f.authorUsername != "" {
		if u := s.st.userByID(t.createdByID); u == nil || !strings.EqualFold(u.username, f.authorUsername) {
			return false
		}
	}
	return true
}
