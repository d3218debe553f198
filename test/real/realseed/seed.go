package realseed

import (
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// HeldStartTemplate names the seeded template whose start builds, on the
// real deployment, stay running until canceled (the echo provisioner's apply
// step answers with a log line and no result), so that cancellation can be
// tested; on the fake it builds like any other.
const HeldStartTemplate = "held-start"

// Seed is the deployment the real-system tests run against: the demo
// deployment (sdk/fakecoder/demo.yaml), so that the host's end-to-end tests
// find the same users and workspaces on either, plus a template with a
// "region" parameter, which scripts/params/region-by-owner.js fills, and
// HeldStartTemplate. Each call returns a fresh copy.
func Seed() *fakecoder.Seed {
	s := fakecoder.DemoSeed()
	usEast, yes := "us-east", true
	s.Templates = append(s.Templates, fakecoder.SeedTemplate{
		Name:         "regional-go",
		DisplayName:  "Go, by region",
		Description:  "A Go container in the region the catalog entity's owner works in.",
		Icon:         "/icon/go.svg",
		DefaultTTL:   "8h",
		ResourceType: "docker_container",
		Versions: []fakecoder.SeedTemplateVersion{{
			Name: "v1",
			Parameters: []fakecoder.SeedParameter{
				{
					Name:        "repo_url",
					DisplayName: "Repository URL",
					Validation:  &fakecoder.SeedParameterValidation{Regex: `^https?://.+`, Error: "{value} is not an http(s) URL"},
				},
				{
					Name:        "region",
					DisplayName: "Region",
					Description: "Where the workspace runs.",
					Default:     &usEast,
					FormType:    "dropdown",
					Options: []fakecoder.SeedParameterOption{
						{Name: "US East", Value: "us-east"},
						{Name: "EU West", Value: "eu-west"},
					},
				},
			},
		}},
	})
	s.Templates = append(s.Templates, fakecoder.SeedTemplate{
		Name:                         HeldStartTemplate,
		DisplayName:                  "Held start",
		Description:                  "Start builds wait until they are canceled: for cancellation tests.",
		Icon:                         "/icon/code.svg",
		AllowUserCancelWorkspaceJobs: &yes,
		Versions:                     []fakecoder.SeedTemplateVersion{{Name: "v1"}},
	})
	s.Workspaces = append(s.Workspaces, fakecoder.SeedWorkspace{
		Name:     "edge-cache-eu",
		Owner:    "admin",
		Template: "regional-go",
		Status:   "running",
		Parameters: map[string]string{
			"repo_url": "https://github.com/acme/edge-cache",
			"region":   "eu-west",
		},
	})
	return s
}
