package repourl

import (
	"errors"
	"regexp"
	"strings"
)

// treeSuffix is the frontend's one cleaning rule, /\/tree\/[\w._-]+\/?$/: a
// trailing "/tree/<ref>" or "/tree/<ref>/" where <ref> has no slash.
var treeSuffix = regexp.MustCompile(`/tree/[A-Za-z0-9_.-]+/?$`)

// ErrEmpty is returned for an empty or all-space URL.
var ErrEmpty = errors.New("repository URL is empty")

// Seed cleans a repository URL exactly as the Backstage Coder frontend plugin
// does before it searches workspaces by repository and fills the repository
// parameters of the "create workspace" link:
//
//   - a trailing "/tree/<ref>" with an optional final "/" is removed, where
//     <ref> matches [A-Za-z0-9_.-]+ ("…/tree/main/" → "…");
//   - nothing else changes: no lower-casing, no ".git" or trailing "/"
//     stripping, branch names with "/" and monorepo sub-paths stay, and
//     GitLab's "/-/tree/main/" becomes "…/-" as in the plugin.
//
// Coder compares the result with workspace parameters case-insensitively.
// The only error is an empty (or all-space) URL.
func Seed(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", ErrEmpty
	}
	return treeSuffix.ReplaceAllString(raw, ""), nil
}
