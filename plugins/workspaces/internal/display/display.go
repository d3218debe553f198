package display

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/coderhost/coderhost/sdk/coder"
)

// Availability texts, exactly as the card shows them.
const (
	Online   = "Online"
	Offline  = "Offline"
	Pending  = "Pending…"
	Deleting = "Deleting…"
	Failed   = "Failed"
)

// Status maps a workspace's latest build status and its agents' connection
// states to the card's availability text. The rules apply in order:
//
//  1. failed → Failed
//  2. deleting, deleted → Deleting…
//  3. stopped, stopping, pending, canceling, canceled → Offline
//  4. starting, or any agent connecting → Pending…
//  5. every agent connected (true when there are none) → Online
//  6. otherwise (an agent disconnected or timed out) → Offline
func Status(w coder.Workspace) string {
	switch w.LatestBuild.Status {
	case coder.WorkspaceStatusFailed:
		return Failed
	case coder.WorkspaceStatusDeleting, coder.WorkspaceStatusDeleted:
		return Deleting
	case coder.WorkspaceStatusStopped, coder.WorkspaceStatusStopping, coder.WorkspaceStatusPending,
		coder.WorkspaceStatusCanceling, coder.WorkspaceStatusCanceled:
		return Offline
	}
	agents := w.LatestBuild.Agents()
	if w.LatestBuild.Status == coder.WorkspaceStatusStarting || anyAgent(agents, coder.AgentConnecting) {
		return Pending
	}
	for _, a := range agents {
		if a.Status != coder.AgentConnected {
			return Offline
		}
	}
	return Online
}

func anyAgent(agents []coder.WorkspaceAgent, s coder.AgentStatus) bool {
	for _, a := range agents {
		if a.Status == s {
			return true
		}
	}
	return false
}

// Poll intervals the card uses once it has data.
const (
	FastPollSeconds = 5
	SlowPollSeconds = 60
)

// PollAfterSeconds is how long the card waits before asking again: 5 seconds
// while any workspace's latest build is pending or any agent is connecting,
// 60 seconds otherwise. A workspace that is merely "starting" does not speed
// polling up; that is the card's rule and clients rely on it.
func PollAfterSeconds(ws []coder.Workspace) int {
	if Busy(ws) {
		return FastPollSeconds
	}
	return SlowPollSeconds
}

// Busy reports whether any workspace is in a state the card polls quickly
// for: a pending build or a connecting agent.
func Busy(ws []coder.Workspace) bool {
	for _, w := range ws {
		if w.LatestBuild.Status == coder.WorkspaceStatusPending || anyAgent(w.LatestBuild.Agents(), coder.AgentConnecting) {
			return true
		}
	}
	return false
}

// Icon makes a template icon load through the Backstage proxy. Coder returns
// icons such as "/icon/go.svg" or "/emojis/1f4bb.png", relative to its
// access URL; those are prefixed with proxyURL (how browsers reach coderhost,
// for example http://localhost:7007/api/proxy/coder), which passes /icon and
// /emojis through to Coder. Absolute and protocol-relative URLs, and the
// empty string, are returned unchanged.
func Icon(icon, proxyURL string) string {
	if !strings.HasPrefix(icon, "/") || strings.HasPrefix(icon, "//") || proxyURL == "" {
		return icon
	}
	return strings.TrimRight(proxyURL, "/") + icon
}

// WorkspaceURL is the workspace's page in the Coder dashboard:
// <accessURL>/@<owner>/<name>.
func WorkspaceURL(accessURL, owner, name string) string {
	return strings.TrimRight(accessURL, "/") + "/@" + url.PathEscape(owner) + "/" + url.PathEscape(name)
}

// repoName finds the repository part of a github.com, gitlab.com or
// bitbucket.com URL: everything after the first path segment.
var repoName = regexp.MustCompile(`(?i)^(?:https?://)?(?:www\.)?(?:github|gitlab|bitbucket)\.com/.*?/(.+)?$`)

// RepoLabel is the text after "Results filtered by" in the card's header:
// "repo: <name>" for GitHub, GitLab and Bitbucket .com URLs, where <name> is
// everything after the first path segment ("https://gitlab.com/g/sub/r" →
// "repo: sub/r"), and "repo URL" for any other URL. An empty URL has no
// label.
func RepoLabel(repoURL string) string {
	if repoURL == "" {
		return ""
	}
	if m := repoName.FindStringSubmatch(repoURL); m != nil && m[1] != "" {
		return "repo: " + m[1]
	}
	return "repo URL"
}
