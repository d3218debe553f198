package templates

import (
	"regexp"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/coder"
)

// backstageName is Backstage's metadata.name rule
// (specs/backstage-protocols.md §4.1).
var backstageName = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)

func TestEntityName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"coder-docker-go", "coder-docker-go"},
		{"coder-My Template", "coder-My-Template"},
		{"coder-ünïcode", "coder--n-code"},
		{"-x-", "x"},
		{"!!!", ""}, // hashed
		{strings.Repeat("a", 80), ""},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := EntityName(tt.in)
		if !backstageName.MatchString(got) || len(got) > 63 {
			t.Errorf("EntityName(%q) = %q breaks Backstage's name rules", tt.in, got)
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("EntityName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("EntityName(%q) and EntityName(%q) are both %q", prev, tt.in, got)
		}
		seen[got] = tt.in
	}
	if a, b := EntityName(strings.Repeat("a", 70)+"1"), EntityName(strings.Repeat("a", 70)+"2"); a == b {
		t.Errorf("long names collide: %q", a)
	}
}

func TestEntities(t *testing.T) {
	ts := []coder.Template{
		{ID: "t1", Name: "docker-go", DisplayName: "Go on Docker", Description: "Go.", Icon: "/icon/go.svg", OrganizationName: "coder", CreatedByName: "admin"},
		{ID: "t2", Name: "old", Icon: "https://cdn.example.com/x.png", OrganizationName: "coder", Deprecated: true, DeprecationMessage: "Use docker-go."},
	}
	es := Entities(ts, Options{AccessURL: "https://coder.example.com/", Owners: map[string]string{"old": "group:default/platform-team"}})
	if len(es) != 2 {
		t.Fatalf("%d entities", len(es))
	}
	e := es[0]
	if e.APIVersion != "backstage.io/v1alpha1" || e.Kind != "Resource" || e.Metadata.Name != "coder-docker-go" || e.Metadata.Namespace != "default" ||
		e.Metadata.Title != "Go on Docker" || e.Metadata.Description != "Go." || e.Spec.Type != "coder-template" || e.Spec.Owner != "user:admin" {
		t.Errorf("entity = %+v", e)
	}
	if got := e.Metadata.Annotations[AnnotationIcon]; got != "https://coder.example.com/icon/go.svg" {
		t.Errorf("icon = %q", got)
	}
	if got := e.Metadata.Annotations[AnnotationViewURL]; got != "https://coder.example.com/templates/coder/docker-go" {
		t.Errorf("view url = %q", got)
	}
	if e.Metadata.Links[1].URL != "https://coder.example.com/templates/coder/docker-go/workspace" {
		t.Errorf("links = %+v", e.Metadata.Links)
	}
	old := es[1]
	if old.Spec.Owner != "group:default/platform-team" || old.Metadata.Annotations[AnnotationIcon] != "https://cdn.example.com/x.png" ||
		old.Metadata.Annotations[AnnotationDeprecated] != "Use docker-go." || old.Metadata.Tags[len(old.Metadata.Tags)-1] != "deprecated" || old.Metadata.Title != "old" {
		t.Errorf("deprecated entity = %+v", old)
	}
	if e := Entities(ts[:1], Options{AccessURL: "https://c", Owner: "group:coders"}); e[0].Spec.Owner != "group:coders" {
		t.Errorf("owner = %q", e[0].Spec.Owner)
	}
}
