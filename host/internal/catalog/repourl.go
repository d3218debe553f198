package catalog

import (
	"errors"
	"regexp"
	"strings"
)

// SourceLocationAnnotation is the only annotation the Coder plugin reads to
// find an entity's repository.
const SourceLocationAnnotation = "backstage.io/source-location"

// treeSuffix is the Coder plugin's one cleaning rule: a trailing
// "/tree/<ref>" or "/tree/<ref>/" where <ref> has no slash.
var treeSuffix = regexp.MustCompile(`/tree/[A-Za-z0-9_.-]+/?$`)

// NormalizeRepoURL cleans a repository URL exactly as the Backstage Coder
// plugin does before it searches workspaces by repo URL or fills the repo
// URL template parameters:
//
//   - a trailing "/tree/<ref>" with an optional final "/" is removed, where
//     <ref> matches [A-Za-z0-9_.-]+ ("…/tree/main/" → "…");
//   - nothing else changes: no lower-casing, no ".git" or trailing "/"
//     stripping, branch names with "/" and monorepo sub-paths stay, GitLab's
//     "/-/tree/main/" becomes ".../-" as in the plugin.
//
// Coder compares the result with workspace parameters case-insensitively.
// The only error is an empty (or all-space) URL.
func NormalizeRepoURL(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", errors.New("repo URL is empty")
	}
	return treeSuffix.ReplaceAllString(raw, ""), nil
}

// EntitySourceLocation returns the target of the entity's
// backstage.io/source-location annotation, as Backstage's
// getEntitySourceLocation does: the value is a location ref "<type>:<target>"
// split at the first ":", both sides trimmed and required; the target is used
// whatever the type ("url:https://github.com/o/r/tree/main/" →
// "https://github.com/o/r/tree/main/"), except that a bare "http:" or
// "https:" URL is not a location ref (Backstage asks for a "url:" prefix), so
// it yields nothing. backstage.io/managed-by-location is
// deliberately not consulted, matching the Coder plugin.
func EntitySourceLocation(e Entity) (string, bool) {
	v, ok := e.Annotation(SourceLocationAnnotation)
	if !ok {
		return "", false
	}
	typ, target, found := strings.Cut(v, ":")
	typ, target = strings.TrimSpace(typ), strings.TrimSpace(target)
	if !found || typ == "" || target == "" || typ == "http" || typ == "https" {
		return "", false
	}
	return target, true
}

// EntityRepoURL is the repo URL the Coder plugin derives for an entity:
// [EntitySourceLocation] cleaned by [NormalizeRepoURL]. ok is false when the
// entity has no usable source location.
func EntityRepoURL(e Entity) (url string, ok bool) {
	loc, ok := EntitySourceLocation(e)
	if !ok {
		return "", false
	}
	u, err := NormalizeRepoURL(loc)
	return u, err == nil
}
