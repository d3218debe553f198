// Package display holds the rules the Backstage workspaces card applies to
// what Coder returns: the availability text of a workspace, how soon the
// card should ask again, where a template icon loads from, and the header's
// "repo: <name>" label (specs/coder-backstage-plugins.md §2.1, §2.8, §2.9).
// They live on the server so that every client shows the same thing.
package display
