package scripting

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The scripts shipped under scripts/, run through the engine against
// scripts/testdata/catalog.

func loadShipped(t *testing.T, name, hook string) *Engine {
	t.Helper()
	return loadFile(t, name, shippedPath(name), hook)
}

func loadFile(t *testing.T, name, file, hook string) *Engine {
	t.Helper()
	logger, _ := newLogger()
	e := NewEngine(Options{Logger: logger, Catalog: testCatalog(t)})
	if err := e.Load([]Script{{Name: name, File: file, Hook: hook}}); err != nil {
		t.Fatal(err)
	}
	return e
}

type shippedCase struct {
	name, input, want, wantErr string
}

func runCases(t *testing.T, e *Engine, hook string, cases []shippedCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := e.Run(context.Background(), hook, "", []byte(c.input))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, c.wantErr)
				}
				return
			}
			if err != nil || string(out) != c.want {
				t.Fatalf("got %s, %v; want %s", out, err, c.want)
			}
		})
	}
}

func TestShippedUsername(t *testing.T) {
	e := loadShipped(t, "signin/username.js", "signin")
	runCases(t, e, "signin", []shippedCase{
		{name: "user in catalog", input: jdoeProfile,
			want: `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":["user:default/jdoe","group:default/platform","group:default/team-eu"]}`},
		{name: "case-insensitive", input: `{"username":"JDoe"}`,
			want: `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":["user:default/jdoe","group:default/platform","group:default/team-eu"]}`},
		{name: "not in catalog falls through", input: `{"username":"ghost","email":"jdoe@example.com"}`, want: "null"},
		{name: "no username", input: `{"email":"jdoe@example.com"}`, wantErr: "Coder profile is missing username"},
	})
}

func TestShippedEmailDomain(t *testing.T) {
	e := loadShipped(t, "signin/email-domain.js", "signin")
	runCases(t, e, "signin", []shippedCase{
		{name: "local part names the user", input: `{"username":"jsmith","email":"jane.smith@example.com"}`,
			want: `{"userEntityRef":"user:default/jane.smith","ownershipEntityRefs":["user:default/jane.smith","group:default/team-us"]}`},
		{name: "domain case ignored", input: `{"email":"JDoe@Example.COM"}`,
			want: `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":["user:default/jdoe","group:default/platform","group:default/team-eu"]}`},
		{name: "not in catalog falls through", input: `{"email":"ghost@example.com"}`, want: "null"},
		{name: "plus addressing is not a user name", input: `{"email":"jdoe+ci@example.com"}`, want: "null"},
		{name: "other domain refused", input: `{"email":"jdoe@evil.example"}`, wantErr: "Sign-in user email is not from an allowed domain"},
		{name: "subdomain refused", input: `{"email":"jdoe@mail.example.com"}`, wantErr: "not from an allowed domain"},
		{name: "no email", input: `{"username":"jdoe"}`, wantErr: "Login failed, user profile does not contain an email"},
	})

	// An admin who sets the list to null allows every domain.
	src, err := os.ReadFile(shippedPath("signin/email-domain.js"))
	if err != nil {
		t.Fatal(err)
	}
	const line = `const ALLOWED_DOMAINS = ["example.com"];`
	if !strings.Contains(string(src), line) {
		t.Fatalf("email-domain.js no longer has %q", line)
	}
	edited := filepath.Join(t.TempDir(), "email-any.js")
	if err := os.WriteFile(edited, []byte(strings.Replace(string(src), line, "const ALLOWED_DOMAINS = null;", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	runCases(t, loadFile(t, "email-any", edited, "signin"), "signin", []shippedCase{
		{name: "any domain", input: `{"email":"jdoe@elsewhere.example"}`,
			want: `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":["user:default/jdoe","group:default/platform","group:default/team-eu"]}`},
	})
}

func TestShippedRegionByOwner(t *testing.T) {
	e := loadShipped(t, "params/region-by-owner.js", "workspace_params")
	input := func(owner, annotations string) string {
		spec := `{}`
		if owner != "" {
			spec = `{"owner":"` + owner + `"}`
		}
		return `{"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x","namespace":"default","annotations":{` +
			annotations + `}},"spec":` + spec + `},"config":{"templateName":"devbox","mode":"manual","params":{"repo_url":"https://github.com/acme/x"}}}`
	}
	runCases(t, e, "workspace_params", []shippedCase{
		{name: "owner in the table", input: input("team-eu", ""),
			want: `{"params":{"region":"eu-west","repo_url":"https://github.com/acme/x"}}`},
		{name: "owner written in full", input: input("Group:default/Team-US", ""),
			want: `{"params":{"region":"us-east","repo_url":"https://github.com/acme/x"}}`},
		{name: "region from the group's annotation", input: input("group:platform", ""),
			want: `{"params":{"region":"ap-south","repo_url":"https://github.com/acme/x"}}`},
		{name: "unknown owner gets the default", input: input("team-unknown", ""),
			want: `{"params":{"region":"us-east","repo_url":"https://github.com/acme/x"}}`},
		{name: "no owner", input: input("", ""),
			want: `{"params":{"region":"us-east","repo_url":"https://github.com/acme/x"}}`},
		{name: "template annotation", input: input("team-eu", `"coder.com/template":"node-devbox"`),
			want: `{"templateName":"node-devbox","params":{"region":"eu-west","repo_url":"https://github.com/acme/x"}}`},
	})
	// The sample input shipped for `coderhost script test`.
	data, err := os.ReadFile(shippedPath("testdata/inputs/params-web.json"))
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, e, "workspace_params", []shippedCase{{name: "sample input", input: string(data),
		want: `{"templateName":"node-devbox","params":{"cpu":"4","region":"eu-west","repo_url":"https://github.com/acme/web"}}`}})
}

func TestShippedScriptsCheck(t *testing.T) {
	err := NewEngine(Options{}).Check([]Script{
		{Name: "username", File: shippedPath("signin/username.js"), Hook: "signin"},
		{Name: "email-domain", File: shippedPath("signin/email-domain.js"), Hook: "signin"},
		{Name: "region-by-owner", File: shippedPath("params/region-by-owner.js"), Hook: "workspace_params"},
	})
	if err != nil {
		t.Fatal(err)
	}
}
