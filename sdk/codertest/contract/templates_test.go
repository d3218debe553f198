package contract_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/coder"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

var parameterTypes = []string{"string", "number", "bool", "list(string)"}

func TestTemplateLookup(t *testing.T) {
	tg := newTarget(t)
	templates, err := tg.client.Templates(ctx(t), tg.org)
	if err != nil {
		t.Fatal(err)
	}
	if len(templates) == 0 {
		if !tg.real {
			t.Fatal("the demo seed has no templates")
		}
		t.Skipf("organization %q has no templates the caller can see", tg.org)
	}
	for _, tmpl := range templates {
		t.Run(tmpl.Name, func(t *testing.T) {
			if tmpl.Deprecated {
				t.Error("deprecated templates must not be listed by default")
			}
			if tmpl.ActiveVersionID == "" || tmpl.OrganizationID == "" {
				t.Errorf("template lacks its active version or organization: %+v", tmpl)
			}
			for _, name := range []string{tmpl.Name, strings.ToUpper(tmpl.Name)} {
				got, err := tg.client.TemplateByName(ctx(t), tg.org, name)
				if err != nil || got.ID != tmpl.ID {
					t.Errorf("TemplateByName(%q) = %s, %v; want %s", name, got.ID, err, tmpl.ID)
				}
			}
			if got, err := tg.client.TemplateByName(ctx(t), tmpl.OrganizationName, tmpl.Name); err != nil || got.ID != tmpl.ID {
				t.Errorf("TemplateByName(org name %q) = %s, %v", tmpl.OrganizationName, got.ID, err)
			}
			if got, err := tg.client.Template(ctx(t), tmpl.ID); err != nil || got.Name != tmpl.Name {
				t.Errorf("Template(%s) = %q, %v", tmpl.ID, got.Name, err)
			}

			params, err := tg.client.TemplateVersionRichParameters(ctx(t), tmpl.ActiveVersionID)
			if coder.IsTooEarly(err) {
				t.Skip("the active version is still importing")
			}
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, p := range params {
				if p.Name == "" || seen[p.Name] {
					t.Errorf("parameter name %q empty or repeated", p.Name)
				}
				seen[p.Name] = true
				if !slices.Contains(parameterTypes, p.Type) {
					t.Errorf("parameter %s has type %q", p.Name, p.Type)
				}
				if p.Options == nil {
					t.Errorf("parameter %s: options must be [] rather than null", p.Name)
				}
				if len(p.Options) > 0 && p.DefaultValue != "" && p.Type != "list(string)" &&
					!slices.ContainsFunc(p.Options, func(o coder.TemplateVersionParameterOption) bool { return o.Value == p.DefaultValue }) {
					t.Errorf("parameter %s: default %q is not one of its options", p.Name, p.DefaultValue)
				}
			}
		})
	}

	t.Run("wire format", func(t *testing.T) {
		tmpl := templates[0]
		r := tg.raw(t, http.MethodGet, "/api/v2/templates/"+tmpl.ID, tokenHeader(tg.token), nil)
		if r.Status != http.StatusOK {
			t.Fatalf("status %d", r.Status)
		}
		// Coder's build time stats struct has no JSON tags.
		if !strings.Contains(string(r.Body), `"build_time_stats":{`) || !strings.Contains(string(r.Body), `"P50":`) {
			t.Errorf("build_time_stats should use capitalised P50/P95 keys: %.300s", r.Body)
		}
		r = tg.raw(t, http.MethodGet, "/api/v2/organizations/"+tg.org+"/templates", tokenHeader(tg.token), nil)
		if r.Status != http.StatusOK || !strings.HasPrefix(string(r.Body), "[") {
			t.Errorf("templates list should be a bare array: status %d, %.60s", r.Status, r.Body)
		}
	})
	t.Run("unknown template", func(t *testing.T) {
		_, err := tg.client.TemplateByName(ctx(t), tg.org, "no-such-template-7f3a")
		wantStatus(t, err, http.StatusNotFound)
		_, err = tg.client.Template(ctx(t), "not-a-uuid")
		if e := wantStatus(t, err, http.StatusBadRequest); !strings.HasPrefix(e.Message, "Invalid UUID") {
			t.Errorf("message = %q", e.Message)
		}
	})
}

func TestRichParametersWhileImporting(t *testing.T) {
	const importingID = "6d1f1f9e-8a61-4c55-9b39-1f0d1e7a0c25"
	seed := fakecoder.DemoSeed()
	if len(seed.Templates) == 0 {
		t.Fatal("the demo seed has no templates")
	}
	tmpl := &seed.Templates[0]
	if tmpl.ActiveVersion == "" && len(tmpl.Versions) > 0 {
		tmpl.ActiveVersion = tmpl.Versions[len(tmpl.Versions)-1].Name
	}
	tmpl.Versions = append(tmpl.Versions, fakecoder.SeedTemplateVersion{ID: importingID, Name: "importing", ImportStatus: "running"})
	tg := newTarget(t, fakecoder.WithSeed(seed))
	tg.requireFake(t, "needs a template version that is still importing")

	_, err := tg.client.TemplateVersionRichParameters(ctx(t), importingID)
	if e := wantStatus(t, err, http.StatusTooEarly); e.Message != "Template version job has not finished" {
		t.Errorf("message = %q", e.Message)
	}
}
