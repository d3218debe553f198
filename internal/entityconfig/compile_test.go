package entityconfig

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk"
)

// app decodes an app config from JSON (keeping its params order) and fills
// the defaults.
func app(t *testing.T, js string) AppConfig {
	t.Helper()
	var a AppConfig
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		t.Fatal(err)
	}
	a, err := a.WithDefaults(sdk.HostInfo{CoderURL: "https://coder.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// entity builds a Component with the given source-location (none if "") and
// spec.coder JSON (none if "").
func entity(loc, coder string) json.RawMessage {
	ann := `{}`
	if loc != "" {
		ann = `{"backstage.io/source-location":` + quote(loc) + `}`
	}
	spec := `{"type":"service"}`
	if coder != "" {
		spec = `{"type":"service","coder":` + coder + `}`
	}
	return json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"svc","annotations":` + ann + `},"spec":` + spec + `}`)
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

const seedApp = `{"repo_url_matching":"seed","access_url":"https://dev.coder.com","default_template":"devcontainers",
	"repo_url_param_keys":["custom_repo","repo_url"],"params":{"repo":"custom","region":"eu-helsinki"}}`

// TestCompileSeed has one row per rule and quirk of
// specs/coder-backstage-plugins.md §2.4–2.6, in seed mode.
func TestCompileSeed(t *testing.T) {
	const gh = "url:https://github.com/o/r/tree/main/"
	tests := []struct {
		name   string
		app    string // "" = seedApp
		entity json.RawMessage
		check  func(t *testing.T, c Config)
	}{
		// §2.6 worked example, verbatim.
		{"§2.6 example fixture", `{"repo_url_matching":"seed","access_url":"https://dev.coder.com","default_template":"devcontainers","default_mode":"manual",
			"repo_url_param_keys":["custom_repo","repo_url"],"params":{"repo":"custom","region":"eu-helsinki"}}`,
			entity("url:https://www.github.com/zombocom/zombocom/tree/main/", `{"templateName":"cool-coder-template","mode":"auto","params":{"region":"brazil"}}`),
			wantURL("https://dev.coder.com/templates/cool-coder-template/workspace?mode=auto&param.repo=custom&param.region=brazil&param.custom_repo=https%3A%2F%2Fwww.github.com%2Fzombocom%2Fzombocom&param.repo_url=https%3A%2F%2Fwww.github.com%2Fzombocom%2Fzombocom")},

		// §2.4 where the repo URL comes from.
		{"§2.4 only backstage.io/source-location is read", "",
			json.RawMessage(`{"kind":"Component","metadata":{"name":"x","annotations":{"backstage.io/managed-by-location":"url:https://github.com/o/r/blob/main/catalog-info.yaml"}},"spec":{}}`),
			wantRepo("")},
		{"§2.4 the target is used whatever the location type", "", entity("file:/src/repo/", ""), wantRepo("/src/repo/")},
		{"§2.4 a bare https URL is not a location ref", "", entity("https://github.com/o/r", ""), wantRepo("")},
		{"§2.4 missing annotation: no repoUrl and no repo params", "", entity("", ""), func(t *testing.T, c Config) {
			wantRepo("")(t, c)
			if _, ok := c.Params["repo_url"]; ok {
				t.Errorf("params = %v: repo keys added without a repo URL", c.Params)
			}
			if strings.Contains(c.CreationURL, "repo_url") {
				t.Errorf("creationUrl %q has a repo parameter", c.CreationURL)
			}
		}},
		// §2.4 cleaning table.
		{"§2.4 clean: tree/main/", "", entity(gh, ""), wantRepo("https://github.com/o/r")},
		{"§2.4 clean: tree/main", "", entity("url:https://github.com/o/r/tree/main", ""), wantRepo("https://github.com/o/r")},
		{"§2.4 clean: ref with . _ -", "", entity("url:https://github.com/o/r/tree/release-1.0_rc.2/", ""), wantRepo("https://github.com/o/r")},
		{"§2.4 quirk: ref with a slash unchanged", "", entity("url:https://github.com/o/r/tree/feature/x/", ""), wantRepo("https://github.com/o/r/tree/feature/x/")},
		{"§2.4 quirk: monorepo path unchanged", "", entity("url:https://github.com/o/r/tree/main/sub/dir/", ""), wantRepo("https://github.com/o/r/tree/main/sub/dir/")},
		{"§2.4 quirk: GitLab /-/tree/main/ becomes /-", "", entity("url:https://gitlab.com/o/r/-/tree/main/", ""), wantRepo("https://gitlab.com/o/r/-")},
		{"§2.4 quirk: Bitbucket /src/ unchanged", "", entity("url:https://bitbucket.org/o/r/src/main/", ""), wantRepo("https://bitbucket.org/o/r/src/main/")},
		{"§2.4 quirk: blob unchanged", "", entity("url:https://github.com/o/r/blob/main/README.md", ""), wantRepo("https://github.com/o/r/blob/main/README.md")},
		{"§2.4 quirk: .git unchanged", "", entity("url:https://github.com/o/r.git", ""), wantRepo("https://github.com/o/r.git")},
		{"§2.4 quirk: trailing slash unchanged", "", entity("url:https://github.com/o/r/", ""), wantRepo("https://github.com/o/r/")},
		{"§2.4 quirk: host case unchanged", "", entity("url:https://GitHub.com/O/R/tree/main/", ""), wantRepo("https://GitHub.com/O/R")},
		{"§2.4 seed mode has one variant: the cleaned URL", "", entity(gh, ""), func(t *testing.T, c Config) {
			if strings.Join(c.RepoURLVariants, " ") != "https://github.com/o/r" {
				t.Errorf("repoUrlVariants = %q", c.RepoURLVariants)
			}
		}},

		// §2.5 merge rules.
		{"§2.5.1 mode from spec.coder", "", entity(gh, `{"mode":"auto"}`), wantMode("auto")},
		{"§2.5.1 mode from default_mode", `{"repo_url_matching":"seed","default_mode":"auto","default_template":"t","repo_url_param_keys":["repo_url"]}`, entity(gh, `{}`), wantMode("auto")},
		{"§2.5.1 mode defaults to manual", `{"repo_url_matching":"seed","default_template":"t","repo_url_param_keys":["repo_url"]}`, entity(gh, ""), wantMode("manual")},
		{"§2.5.2 templateName from spec.coder", "", entity(gh, `{"templateName":"docker-go"}`), wantTemplate("docker-go")},
		{"§2.5.2 templateName from default_template", "", entity(gh, `{}`), wantTemplate("devcontainers")},
		{"§2.5.2 no templateName anywhere", `{"repo_url_matching":"seed","repo_url_param_keys":["repo_url"]}`, entity(gh, ""), func(t *testing.T, c Config) {
			wantTemplate("")(t, c)
			wantURL("")(t, c)
		}},
		{"§2.5.2 quirk: an empty spec.coder.templateName hides the default", "", entity(gh, `{"templateName":""}`), func(t *testing.T, c Config) {
			wantTemplate("")(t, c)
			wantURL("")(t, c)
			wantReason("spec.coder.templateName is empty")(t, c)
		}},
		{"§2.5.3 app params are copied", "", entity("", ""), wantParams(map[string]string{"repo": "custom", "region": "eu-helsinki"})},
		{"§2.5.3 spec.coder params win and empty strings are kept", "", entity("", `{"params":{"region":"brazil","extra":""}}`),
			wantParams(map[string]string{"repo": "custom", "region": "brazil", "extra": ""})},
		{"§2.5.4 the repo URL overrides app and spec.coder values of every repo key", `{"repo_url_matching":"seed","default_template":"t","repo_url_param_keys":["custom_repo","repo_url"],"params":{"repo_url":"app"}}`,
			entity(gh, `{"params":{"custom_repo":"yaml"}}`),
			wantParams(map[string]string{"repo_url": "https://github.com/o/r", "custom_repo": "https://github.com/o/r"})},
		{"§2.5.4 without a repo URL spec.coder's repo key value stays", "", entity("", `{"params":{"repo_url":"https://example.com/x"}}`), func(t *testing.T, c Config) {
			if c.Params["repo_url"] != "https://example.com/x" {
				t.Errorf("params = %v", c.Params)
			}
		}},
		{"§2.5.6 repoUrlParamKeys are the app's", "", entity(gh, ""), func(t *testing.T, c Config) {
			if strings.Join(c.RepoURLParamKeys, ",") != "custom_repo,repo_url" {
				t.Errorf("repoUrlParamKeys = %q", c.RepoURLParamKeys)
			}
		}},
		{"§2.5.6 quirk: isReadingEntityData is true for any spec.coder object", "", entity("", `{}`), wantReading(true)},
		{"§2.5.6 isReadingEntityData is false without spec.coder", "", entity(gh, ""), wantReading(false)},
		{"§2.5 unknown keys in spec.coder are ignored", "", entity(gh, `{"templateName":"x","owner":"someone","ttl":3}`), wantTemplate("x")},

		// §2.6 link format.
		{"§2.6 mode is the first query parameter", "", entity(gh, `{"mode":"auto"}`), func(t *testing.T, c Config) {
			if !strings.Contains(c.CreationURL, "/workspace?mode=auto&") {
				t.Errorf("creationUrl = %q", c.CreationURL)
			}
		}},
		{"§2.6 spec.coder params override app params in place, new ones append, repo keys last", "",
			entity(gh, `{"params":{"zone":"b","region":"brazil"}}`),
			wantURL("https://dev.coder.com/templates/devcontainers/workspace?mode=manual&param.repo=custom&param.region=brazil&param.zone=b&param.custom_repo=https%3A%2F%2Fgithub.com%2Fo%2Fr&param.repo_url=https%3A%2F%2Fgithub.com%2Fo%2Fr")},
		{"§2.6 values are form-encoded: space +, : %3A, / %2F, ~ %7E, * kept", `{"repo_url_matching":"seed","default_template":"t","repo_url_param_keys":["r"]}`,
			entity("", `{"params":{"p":"a b:c/d~e*f"}}`),
			wantURL("https://coder.example.com/templates/t/workspace?mode=manual&param.p=a+b%3Ac%2Fd%7Ee*f")},
		{"§2.6 template name through encodeURIComponent", `{"repo_url_matching":"seed","repo_url_param_keys":["r"]}`,
			entity("", `{"templateName":"my tmpl/ä!'()*~"}`),
			wantURL("https://coder.example.com/templates/my%20tmpl%2F%C3%A4!'()*~/workspace?mode=manual")},
		{"§2.6 no name= parameter", "", entity(gh, ""), func(t *testing.T, c Config) {
			if strings.Contains(c.CreationURL, "name=") {
				t.Errorf("creationUrl = %q", c.CreationURL)
			}
		}},
		{"§2.6 quirk: a trailing slash in access_url gives //templates", `{"repo_url_matching":"seed","access_url":"https://coder.example.com/","default_template":"t","repo_url_param_keys":["r"]}`,
			entity("", ""), wantURL("https://coder.example.com//templates/t/workspace?mode=manual")},
		{"§2.6 quirk: integer-like parameter names come first (JavaScript key order)", `{"repo_url_matching":"seed","default_template":"t","repo_url_param_keys":["r"]}`,
			entity("", `{"params":{"b":"1","10":"x","a":"2","2":"y","01":"z"}}`),
			wantURL("https://coder.example.com/templates/t/workspace?mode=manual&param.2=y&param.10=x&param.b=1&param.a=2&param.01=z")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.app
			if a == "" {
				a = seedApp
			}
			c, err := Compile(app(t, a), tt.entity)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

// TestCompileInvalidSpecCoder: §2.5 validation, with the frontend's wording
// where it has one.
func TestCompileInvalidSpecCoder(t *testing.T) {
	tests := []struct {
		name, coder, field, msg string
	}{
		{"null", `null`, "spec.coder", "must be an object"},
		{"a string", `"docker-go"`, "spec.coder", "got a string"},
		{"an array", `[]`, "spec.coder", "got an array"},
		{"templateName a number", `{"templateName":3}`, "spec.coder.templateName", "templateName must be a string (got a number)"},
		{"templateName null", `{"templateName":null}`, "spec.coder.templateName", "must be a string (got null)"},
		{"mode not manual or auto", `{"mode":"Auto"}`, "spec.coder.mode", "If defined, createMode must be 'manual' or 'auto'"},
		{"mode null", `{"mode":null}`, "spec.coder.mode", "If defined, createMode must be 'manual' or 'auto'"},
		{"params a list", `{"params":["a"]}`, "spec.coder.params", "If defined, params must be JSON-serializable as Record<string, string>"},
		{"params value a number", `{"params":{"cpu":4}}`, "spec.coder.params.cpu", "If defined, params must be JSON-serializable as Record<string, string>"},
		{"params value null", `{"params":{"cpu":null}}`, "spec.coder.params.cpu", `"cpu" is null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(app(t, seedApp), entity("url:https://github.com/o/r", tt.coder))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.msg) {
				t.Errorf("FieldError = %q: %q; want %q containing %q", fe.Field, fe.Message, tt.field, tt.msg)
			}
		})
	}
	t.Run("not an entity", func(t *testing.T) {
		for _, e := range []string{`[]`, `"x"`, `{`, ``} {
			var fe *FieldError
			if _, err := Compile(app(t, seedApp), json.RawMessage(e)); !errors.As(err, &fe) || fe.Field != "entity" {
				t.Errorf("Compile(%q) err = %v", e, err)
			}
		}
	})
}

// TestCompileRobust: the choices robust mode makes where seed mode keeps a
// quirk, and the compatibility rules.
func TestCompileRobust(t *testing.T) {
	const robustApp = `{"access_url":"https://coder.example.com/","default_template":"devcontainers","repo_url_param_keys":["repo_url"]}`
	tests := []struct {
		name   string
		entity json.RawMessage
		check  func(t *testing.T, c Config)
	}{
		{"GitLab /-/tree/ is cut to the project", entity("url:https://gitlab.com/acme/web/shop/-/tree/main/", ""), wantRepo("https://gitlab.com/acme/web/shop")},
		{"branch with a slash is cut", entity("url:https://github.com/o/r/tree/feature/x/", ""), wantRepo("https://github.com/o/r")},
		{"monorepo path is cut to the repository", entity("url:https://github.com/o/mono/tree/main/services/a/", ""), wantRepo("https://github.com/o/mono")},
		{"Bitbucket /src/ is cut", entity("url:https://bitbucket.org/o/r/src/main/", ""), wantRepo("https://bitbucket.org/o/r")},
		{".git, www. and host case go", entity("url:https://WWW.GitHub.com/o/r.git", ""), wantRepo("https://github.com/o/r")},
		{"variants list the stored forms, canonical first", entity("url:https://github.com/o/r/tree/main/", ""), func(t *testing.T, c Config) {
			if len(c.RepoURLVariants) < 4 || c.RepoURLVariants[0] != "https://github.com/o/r" || !contains(c.RepoURLVariants, "https://github.com/o/r.git") {
				t.Errorf("repoUrlVariants = %q", c.RepoURLVariants)
			}
		}},
		{"managed-by-location is the fallback", json.RawMessage(`{"kind":"Component","metadata":{"name":"x","annotations":{"backstage.io/managed-by-location":"url:https://github.com/o/r/blob/main/catalog-info.yaml"}},"spec":{}}`),
			wantRepo("https://github.com/o/r")},
		{"a file: location is not a repository", entity("file:/src/repo/", ""), func(t *testing.T, c Config) {
			wantRepo("")(t, c)
			wantReason("does not point at a repository")(t, c)
		}},
		{"an empty spec.coder.templateName falls back to default_template", entity("url:https://github.com/o/r", `{"templateName":""}`), wantTemplate("devcontainers")},
		{"a trailing slash in access_url is not doubled", entity("url:https://github.com/o/r", ""), func(t *testing.T, c Config) {
			if !strings.HasPrefix(c.CreationURL, "https://coder.example.com/templates/devcontainers/workspace?") {
				t.Errorf("creationUrl = %q", c.CreationURL)
			}
		}},
		{"compatible: template and repository", entity("url:https://github.com/o/r", ""), func(t *testing.T, c Config) {
			if !c.Compatible || len(c.Reasons) != 0 {
				t.Errorf("compatible = %v, reasons = %q", c.Compatible, c.Reasons)
			}
		}},
		{"not compatible: no repository", entity("", ""), wantReason("add the annotation backstage.io/source-location")},
		{"opt-out annotation", json.RawMessage(`{"kind":"Component","metadata":{"name":"x","annotations":{"coder.com/enabled":"false","backstage.io/source-location":"url:https://github.com/o/r"}},"spec":{}}`),
			wantReason(`opts out of Coder with the annotation coder.com/enabled: "false"`)},
		{"opt-in annotation changes nothing", json.RawMessage(`{"kind":"Component","metadata":{"name":"x","annotations":{"coder.com/enabled":"true","backstage.io/source-location":"url:https://github.com/o/r"}},"spec":{}}`),
			func(t *testing.T, c Config) {
				if !c.Compatible {
					t.Errorf("reasons = %q", c.Reasons)
				}
			}},
		{"a wrong opt-out value is a reason", json.RawMessage(`{"kind":"Component","metadata":{"name":"x","annotations":{"coder.com/enabled":"no","backstage.io/source-location":"url:https://github.com/o/r"}},"spec":{}}`),
			wantReason(`coder.com/enabled must be "true" or "false" (got "no")`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile(app(t, robustApp), tt.entity)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
	t.Run("no template is a reason", func(t *testing.T) {
		c, _ := Compile(app(t, `{"repo_url_param_keys":["r"]}`), entity("url:https://github.com/o/r", ""))
		wantReason("no Coder template: set spec.coder.templateName on the entity or default_template")(t, c)
	})
}

func TestWithDefaults(t *testing.T) {
	info := sdk.HostInfo{CoderURL: "http://127.0.0.1:3000"}
	a, err := AppConfig{RepoURLParamKeys: []string{"repo_url"}}.WithDefaults(info)
	if err != nil {
		t.Fatal(err)
	}
	if a.AccessURL != info.CoderURL || a.DefaultMode != "manual" || a.RepoURLMatching != "robust" || a.Params == nil {
		t.Errorf("defaults = %+v", a)
	}
	bad := []struct {
		cfg  AppConfig
		info sdk.HostInfo
		want string
	}{
		{AppConfig{}, info, "repo_url_param_keys: list at least one"},
		{AppConfig{RepoURLParamKeys: []string{""}}, info, "repo_url_param_keys[0]: must not be empty"},
		{AppConfig{RepoURLParamKeys: []string{"r"}, DefaultMode: "Auto"}, info, `default_mode: must be "manual" or "auto" (got "Auto")`},
		{AppConfig{RepoURLParamKeys: []string{"r"}, RepoURLMatching: "exact"}, info, `repo_url_matching: must be "robust" or "seed" (got "exact")`},
		{AppConfig{RepoURLParamKeys: []string{"r"}}, sdk.HostInfo{}, "access_url: not set"},
		{AppConfig{RepoURLParamKeys: []string{"r"}, AccessURL: "coder.example.com"}, info, "access_url: \"coder.example.com\" is not an absolute http(s) URL"},
		{AppConfig{RepoURLParamKeys: []string{"r"}, Params: map[string]string{"": "x"}}, info, "params: parameter names must not be empty"},
	}
	for _, tt := range bad {
		if _, err := tt.cfg.WithDefaults(tt.info); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("WithDefaults(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
	if len(SchemaAttributes()) != 6 {
		t.Errorf("SchemaAttributes lists %d attributes, want the 6 of AppConfig", len(SchemaAttributes()))
	}
}

func wantURL(u string) func(*testing.T, Config) {
	return func(t *testing.T, c Config) {
		t.Helper()
		if c.CreationURL != u {
			t.Errorf("creationUrl =\n  %s\nwant\n  %s", c.CreationURL, u)
		}
	}
}

func wantRepo(u string) func(*testing.T, Config) {
	return func(t *testing.T, c Config) {
		t.Helper()
		if c.RepoURL != u {
			t.Errorf("repoUrl = %q, want %q", c.RepoURL, u)
		}
	}
}

func wantMode(m string) func(*testing.T, Config) {
	return func(t *testing.T, c Config) {
		t.Helper()
		if c.Mode != m {
			t.Errorf("mode = %q, want %q", c.Mode, m)
		}
	}
}

func wantTemplate(n string) func(*testing.T, Config) {
	return func(t *testing.T, c Config) {
		t.Helper()
		if c.TemplateName != n {
			t.Errorf("templateName = %q, want %q", c.TemplateName, n)
		}
	}
}

func wantReading(b bool) func(*testing.T, Config) {
	return func(t *testing.T, c Config) {
		t.Helper()
		if c.IsReadingEntityData != b {
			t.Errorf("isReadingEntityData = %v, want %v", c.IsReadingEntityData, b)
		}
	}
}

func wantParams(p map[string]string) func(*testing.T, Config) {
	return func(t *testing.T, c Config) {
		t.Helper()
		if len(c.Params) != len(p) {
			t.Errorf("params = %v, want %v", c.Params, p)
		}
		for k, v := range p {
			if got, ok := c.Params[k]; !ok || got != v {
				t.Errorf("params[%q] = %q, %v; want %q", k, got, ok, v)
			}
		}
	}
}

func wantReason(sub string) func(*testing.T, Config) {
	return func(t *testing.T, c Config) {
		t.Helper()
		if c.Compatible {
			t.Errorf("compatible = true, want false")
		}
		for _, r := range c.Reasons {
			if strings.Contains(r, sub) {
				return
			}
		}
		t.Errorf("reasons = %q, want one containing %q", c.Reasons, sub)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
