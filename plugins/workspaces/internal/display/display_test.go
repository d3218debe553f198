package display_test

import (
	"fmt"
	"testing"

	"github.com/coderhost/coderhost/plugins/workspaces/internal/display"
	"github.com/coderhost/coderhost/sdk/coder"
)

func workspace(status coder.WorkspaceStatus, agents ...coder.AgentStatus) coder.Workspace {
	var as []coder.WorkspaceAgent
	for i, a := range agents {
		as = append(as, coder.WorkspaceAgent{Name: fmt.Sprintf("agent%d", i), Status: a})
	}
	w := coder.Workspace{Name: "ws", LatestBuild: coder.WorkspaceBuild{Status: status}}
	if len(as) > 0 {
		// Agents may sit on different resources; all of them count.
		w.LatestBuild.Resources = []coder.WorkspaceResource{{Agents: as[:1]}, {Agents: as[1:]}}
	}
	return w
}

// TestStatusEveryBuildStatusAndAgentState covers every build status Coder
// reports against every agent state (and mixes of them), per §2.8.
func TestStatusEveryBuildStatusAndAgentState(t *testing.T) {
	agentCases := []struct {
		name   string
		agents []coder.AgentStatus
	}{
		{"no agents", nil},
		{"connecting", []coder.AgentStatus{coder.AgentConnecting}},
		{"connected", []coder.AgentStatus{coder.AgentConnected}},
		{"disconnected", []coder.AgentStatus{coder.AgentDisconnected}},
		{"timeout", []coder.AgentStatus{coder.AgentTimeout}},
		{"connected+connecting", []coder.AgentStatus{coder.AgentConnected, coder.AgentConnecting}},
		{"connected+disconnected", []coder.AgentStatus{coder.AgentConnected, coder.AgentDisconnected}},
		{"connected+connected", []coder.AgentStatus{coder.AgentConnected, coder.AgentConnected}},
	}
	// want[status] is either one text for every agent case, or one per case
	// in the order above.
	want := map[coder.WorkspaceStatus][]string{
		coder.WorkspaceStatusFailed:    {display.Failed},
		coder.WorkspaceStatusDeleting:  {display.Deleting},
		coder.WorkspaceStatusDeleted:   {display.Deleting},
		coder.WorkspaceStatusStopped:   {display.Offline},
		coder.WorkspaceStatusStopping:  {display.Offline},
		coder.WorkspaceStatusPending:   {display.Offline},
		coder.WorkspaceStatusCanceling: {display.Offline},
		coder.WorkspaceStatusCanceled:  {display.Offline},
		coder.WorkspaceStatusStarting:  {display.Pending},
		coder.WorkspaceStatusRunning: {
			display.Online,  // no agents: vacuously all connected
			display.Pending, // connecting
			display.Online,  // connected
			display.Offline, // disconnected
			display.Offline, // timeout
			display.Pending, // any agent connecting
			display.Offline, // not all connected
			display.Online,  // all connected
		},
	}
	if len(want) != len(coder.WorkspaceStatuses) {
		t.Fatalf("the table covers %d statuses; Coder has %d", len(want), len(coder.WorkspaceStatuses))
	}
	for _, st := range coder.WorkspaceStatuses {
		for i, ac := range agentCases {
			t.Run(string(st)+"/"+ac.name, func(t *testing.T) {
				w := want[st]
				expected := w[0]
				if len(w) > 1 {
					expected = w[i]
				}
				if got := display.Status(workspace(st, ac.agents...)); got != expected {
					t.Errorf("Status(%s, agents %v) = %q, want %q", st, ac.agents, got, expected)
				}
			})
		}
	}
}

func TestPollAfterSeconds(t *testing.T) {
	for _, tc := range []struct {
		name string
		ws   []coder.Workspace
		want int
	}{
		{"no workspaces", nil, 60},
		{"all running and connected", []coder.Workspace{workspace(coder.WorkspaceStatusRunning, coder.AgentConnected)}, 60},
		{"starting alone does not speed up", []coder.Workspace{workspace(coder.WorkspaceStatusStarting)}, 60},
		{"stopping, stopped, failed", []coder.Workspace{workspace(coder.WorkspaceStatusStopping), workspace(coder.WorkspaceStatusStopped), workspace(coder.WorkspaceStatusFailed)}, 60},
		{"a pending build", []coder.Workspace{workspace(coder.WorkspaceStatusRunning, coder.AgentConnected), workspace(coder.WorkspaceStatusPending)}, 5},
		{"a connecting agent", []coder.Workspace{workspace(coder.WorkspaceStatusRunning, coder.AgentConnected, coder.AgentConnecting)}, 5},
		{"a disconnected agent", []coder.Workspace{workspace(coder.WorkspaceStatusRunning, coder.AgentDisconnected)}, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := display.PollAfterSeconds(tc.ws); got != tc.want {
				t.Errorf("PollAfterSeconds = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestIconLoadsThroughTheProxy(t *testing.T) {
	const proxy = "http://localhost:7007/api/proxy/coder"
	for _, tc := range []struct{ icon, proxy, want string }{
		{"/icon/go.svg", proxy, proxy + "/icon/go.svg"},
		{"/emojis/1f4bb.png", proxy + "/", proxy + "/emojis/1f4bb.png"},
		{"https://cdn.example.com/go.svg", proxy, "https://cdn.example.com/go.svg"},
		{"//cdn.example.com/go.svg", proxy, "//cdn.example.com/go.svg"},
		{"", proxy, ""},
		{"/icon/go.svg", "", "/icon/go.svg"},
	} {
		t.Run(tc.icon, func(t *testing.T) {
			if got := display.Icon(tc.icon, tc.proxy); got != tc.want {
				t.Errorf("Icon(%q, %q) = %q, want %q", tc.icon, tc.proxy, got, tc.want)
			}
		})
	}
}

func TestRepoLabel(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://github.com/acme/payments-api", "repo: payments-api"},
		{"https://gitlab.com/group/sub/repo", "repo: sub/repo"},
		{"https://www.github.com/zombocom/zombocom", "repo: zombocom"},
		{"HTTPS://GitHub.COM/Acme/API", "repo: API"},
		{"github.com/acme/api", "repo: api"},
		{"https://bitbucket.com/acme/api", "repo: api"},
		{"https://bitbucket.org/acme/api", "repo URL"},
		{"https://github.example.com/acme/api", "repo URL"},
		{"https://github.com/acme", "repo URL"},
		{"https://github.com/acme/", "repo URL"},
		{"https://www.blah.com/unknown/repo/format", "repo URL"},
		{"", ""},
	} {
		t.Run(tc.url, func(t *testing.T) {
			if got := display.RepoLabel(tc.url); got != tc.want {
				t.Errorf("RepoLabel(%q) = %q, want %q", tc.url, got, tc.want)
			}
		})
	}
}

func TestWorkspaceURL(t *testing.T) {
	if got := display.WorkspaceURL("https://coder.example.com/", "demo", "payments api"); got != "https://coder.example.com/@demo/payments%20api" {
		t.Errorf("WorkspaceURL = %q", got)
	}
}
