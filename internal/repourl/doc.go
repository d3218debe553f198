// Package repourl turns the repository URL of a Backstage catalog entity into
// the value Coder workspaces store in their repository parameters.
//
// Two modes share it. [Seed] cleans a URL exactly as the Backstage Coder
// frontend plugin does: only a trailing "/tree/<ref>" goes, quirks included.
// [Canonical] finds the repository behind any URL form a catalog or a
// developer writes (GitHub, GitLab with subgroups, Bitbucket, ".git",
// trailing slashes, "www.", upper-case hosts, ssh:// and scp-style
// git@host:owner/repo.git), and [Variants] lists the forms under which
// existing workspaces may have stored that repository, so one search finds
// them all.
//
// [EntitySourceURL] and [LocationTarget] read an entity's
// backstage.io/source-location annotation the way Backstage does.
package repourl
