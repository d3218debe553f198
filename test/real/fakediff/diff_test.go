package fakediff

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/codertest"
)

// side is one deployment under comparison.
type side struct {
	name         string
	url          string
	token        string // the seeded member "demo"
	clientID     string // the seeded "backstage" OAuth2 app
	clientSecret string
}

// unknownID is a well-formed UUID that names nothing on either side.
const unknownID = "3f9c5a0e-7b1d-4c2e-9a8f-0d6e5b4c3a21"

// tokens that are not the member's.
const (
	tokMember    = "member"
	tokNone      = "none"
	tokMalformed = "malformed"
	tokUnknown   = "unknown"
)

type diffCase struct {
	name   string
	method string
	path   string // may hold {client_id} and {client_secret}
	token  string
	form   string // POST body, application/x-www-form-urlencoded
	json   string // POST body, application/json
	oauth  bool   // an RFC 6749 error body rather than Coder's
}

func q(query string) string { return "/api/v2/workspaces?q=" + url.QueryEscape(query) }

// cases are the requests whose errors a client relies on. Their names are
// what the differences table in sdk/fakecoder/doc.go refers to.
func cases() []diffCase {
	var cs []diffCase
	for _, query := range []string{
		`param:"a=b=c"`, `param:"repo_url="`, `:owner`, `owner:`, `a:b:c`, `a/b/c`,
		`status:bogus`, `dormant:maybe`, `outdated:maybe`, `has-ai-task:maybe`, `shared:maybe`,
		`last_used_after:yesterday`, `last_used_before:2024-13-01`, `id:not-a-uuid`, `id:` + unknownID + `,nope`,
		`organization:no-such-org`, `shared_with_user:no-such-user`, `shared_with_group:no-such-group`,
		`shared_with_group:a/b/c`, `foo:bar`, `owner:me owner:admin`, `name:"unterminated`, `template:no-such-template`,
	} {
		cs = append(cs, diffCase{name: "q " + query, method: "GET", path: q(query), token: tokMember})
	}
	for _, page := range []string{"limit=-1", "limit=abc", "offset=-1", "offset=abc", "limit=1000000000000"} {
		cs = append(cs, diffCase{name: "workspaces " + page, method: "GET", path: "/api/v2/workspaces?" + page, token: tokMember})
	}
	for _, p := range []string{
		"/api/v2/workspaces/not-a-uuid", "/api/v2/workspaces/" + unknownID,
		"/api/v2/workspaces/not-a-uuid/builds", "/api/v2/workspacebuilds/not-a-uuid",
		"/api/v2/workspacebuilds/" + unknownID, "/api/v2/workspacebuilds/not-a-uuid/parameters",
		"/api/v2/templates/not-a-uuid", "/api/v2/templates/" + unknownID,
		"/api/v2/templateversions/not-a-uuid", "/api/v2/templateversions/" + unknownID + "/rich-parameters",
		"/api/v2/organizations/" + unknownID, "/api/v2/users/" + unknownID, "/api/v2/users/no-such-user-7f3a",
		"/api/v2/users/demo/workspace/no-such-workspace",
	} {
		cs = append(cs, diffCase{name: "GET " + p, method: "GET", path: p, token: tokMember})
	}
	for _, tok := range []string{tokNone, tokMalformed, tokUnknown} {
		for _, p := range []string{"/api/v2/users/me", "/api/v2/workspaces", "/api/v2/organizations/default/templates"} {
			cs = append(cs, diffCase{name: tok + " token GET " + p, method: "GET", path: p, token: tok})
		}
		cs = append(cs, diffCase{name: tok + " token POST workspace", method: "POST", path: "/api/v2/users/me/workspaces",
			token: tok, json: `{"name":"x","template_id":"` + unknownID + `"}`})
	}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v2/workspaces/not-a-uuid/builds", `{"transition":"start"}`},
		{"POST", "/api/v2/workspaces/" + unknownID + "/builds", `{"transition":"start"}`},
		{"PATCH", "/api/v2/workspacebuilds/not-a-uuid/cancel", ""},
		{"PATCH", "/api/v2/workspacebuilds/" + unknownID + "/cancel?expect_status=bogus", ""},
	} {
		cs = append(cs, diffCase{name: c.method + " " + c.path, method: c.method, path: c.path, token: tokMember, json: c.body})
	}
	for _, c := range []struct{ name, path, body string }{
		{"unknown template by name", "/api/v2/organizations/default/templates/no-such-template", ""},
		{"unknown template in a named organization", "/api/v2/organizations/coder/templates/no-such-template", ""},
		{"create with an unknown template", "/api/v2/users/me/workspaces", `{"name":"fd-x","template_id":"` + unknownID + `"}`},
		{"create with an unknown template version", "/api/v2/users/me/workspaces", `{"name":"fd-x","template_version_id":"` + unknownID + `"}`},
		{"create without a template", "/api/v2/users/me/workspaces", `{"name":"fd-x"}`},
		{"create with both template and version", "/api/v2/users/me/workspaces", `{"name":"fd-x","template_id":"` + unknownID + `","template_version_id":"` + unknownID + `"}`},
		{"create in an org with an unknown template", "/api/v2/organizations/default/members/me/workspaces", `{"name":"fd-x","template_id":"` + unknownID + `"}`},
		{"create with a malformed template ID", "/api/v2/users/me/workspaces", `{"name":"fd-x","template_id":"nope"}`},
	} {
		m := "GET"
		if c.body != "" {
			m = "POST"
		}
		cs = append(cs, diffCase{name: c.name, method: m, path: c.path, token: tokMember, json: c.body})
	}
	for _, c := range []struct{ name, form string }{
		{"token: bad code", "grant_type=authorization_code&code=bogus&client_id={client_id}&client_secret={client_secret}"},
		{"token: no code", "grant_type=authorization_code&client_id={client_id}&client_secret={client_secret}"},
		{"token: no grant_type", "code=bogus&client_id={client_id}&client_secret={client_secret}"},
		{"token: password grant with its fields", "grant_type=password&username=a&password=b&client_id={client_id}&client_secret={client_secret}"},
		{"token: client_credentials grant", "grant_type=client_credentials&client_id={client_id}&client_secret={client_secret}"},
		{"token: unknown grant_type", "grant_type=magic&client_id={client_id}&client_secret={client_secret}"},
		{"token: refresh with a foreign redirect_uri", "grant_type=refresh_token&refresh_token=bogus&redirect_uri=" + url.QueryEscape("http://evil.example/cb") + "&client_id={client_id}&client_secret={client_secret}"},
		{"token: wrong secret", "grant_type=authorization_code&code=bogus&client_id={client_id}&client_secret=coder_wrongsecr_0123456789012345678901234567890123456789"},
		{"token: no secret", "grant_type=authorization_code&code=bogus&client_id={client_id}"},
		{"token: unknown client", "grant_type=authorization_code&code=bogus&client_id=" + unknownID + "&client_secret={client_secret}"},
		{"token: malformed client_id", "grant_type=authorization_code&code=bogus&client_id=nope&client_secret={client_secret}"},
		{"token: bad refresh token", "grant_type=refresh_token&refresh_token=bogus&client_id={client_id}&client_secret={client_secret}"},
		{"revoke: bad token", "token=bogus&client_id={client_id}&client_secret={client_secret}"},
		{"revoke: no client", "token=bogus"},
	} {
		path := "/oauth2/tokens"
		if strings.HasPrefix(c.name, "revoke") {
			path = "/oauth2/revoke"
		}
		cs = append(cs, diffCase{name: c.name, method: "POST", path: path, token: tokNone, form: c.form, oauth: true})
	}
	for _, c := range []struct{ name, query, token string }{
		{"authorize: unknown client", "client_id=" + unknownID + "&response_type=code", tokMember},
		{"authorize: malformed client_id", "client_id=nope&response_type=code", tokMember},
		{"authorize: response_type token", "client_id={client_id}&response_type=token", tokMember},
		{"authorize: no response_type", "client_id={client_id}", tokMember},
		{"authorize: foreign redirect_uri", "client_id={client_id}&response_type=code&redirect_uri=" + url.QueryEscape("http://evil.example/cb"), tokMember},
		{"authorize: plain PKCE", "client_id={client_id}&response_type=code&code_challenge=abc&code_challenge_method=plain", tokMember},
		{"authorize: signed out", "client_id={client_id}&response_type=code", tokNone},
	} {
		cs = append(cs, diffCase{name: c.name, method: "GET", path: "/oauth2/authorize?" + c.query, token: c.token, oauth: true})
	}
	return cs
}

// answer is what the comparison looks at.
type answer struct {
	fields map[string]string
	raw    string
}

var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (s side) do(t *testing.T, c diffCase) answer {
	t.Helper()
	subst := strings.NewReplacer("{client_id}", s.clientID, "{client_secret}", s.clientSecret)
	var body io.Reader
	ctype := ""
	switch {
	case c.form != "":
		body, ctype = strings.NewReader(subst.Replace(c.form)), "application/x-www-form-urlencoded"
	case c.json != "":
		body, ctype = strings.NewReader(c.json), "application/json"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.method, s.url+subst.Replace(c.path), body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	switch c.token {
	case tokMember:
		req.Header.Set("Coder-Session-Token", s.token)
	case tokMalformed:
		req.Header.Set("Coder-Session-Token", "not-a-token")
	case tokUnknown:
		req.Header.Set("Coder-Session-Token", "AbCdEfGhIj-0123456789abcdefghijkl")
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s: %s %s: %v", s.name, c.method, c.path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	a := answer{fields: map[string]string{"status": fmt.Sprint(resp.StatusCode)}, raw: string(raw)}
	ct := resp.Header.Get("Content-Type")
	mediaType, _, _ := strings.Cut(ct, ";")
	a.fields["content_type"] = mediaType
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			a.fields["location"] = u.Path
		}
	}
	if mediaType != "application/json" {
		return a
	}
	// The deployment's own identifiers differ by construction.
	normalize := strings.NewReplacer(s.clientID, "{client_id}", s.url, "{url}")
	if c.oauth {
		var e struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
			Message          string `json:"message"`
			Detail           string `json:"detail"`
		}
		_ = json.Unmarshal(raw, &e)
		a.fields["error"] = e.Error
		a.fields["error_description"] = normalize.Replace(e.ErrorDescription)
		a.fields["message"] = normalize.Replace(e.Message)
		a.fields["detail"] = normalize.Replace(e.Detail)
		return a
	}
	var e struct {
		Message     string `json:"message"`
		Detail      string `json:"detail"`
		Validations []struct {
			Field  string `json:"field"`
			Detail string `json:"detail"`
		} `json:"validations"`
	}
	_ = json.Unmarshal(raw, &e)
	if resp.StatusCode < 400 {
		return a // a success: its body is data, not compared here
	}
	a.fields["message"] = normalize.Replace(e.Message)
	a.fields["detail"] = normalize.Replace(e.Detail)
	var vs []string
	for _, v := range e.Validations {
		vs = append(vs, v.Field+": "+normalize.Replace(v.Detail))
	}
	a.fields["validations"] = strings.Join(vs, "; ")
	return a
}

// documented reads the differences table from sdk/fakecoder/doc.go:
// case → field → reason.
func documented(t *testing.T) map[string]map[string]string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "..", "sdk", "fakecoder", "doc.go")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "// # Differences from a real Coder"):
			in = true
			continue
		case in && strings.HasPrefix(line, "// # "), in && !strings.HasPrefix(line, "//"):
			in = false
		}
		if !in || !strings.HasPrefix(line, "//\t") {
			continue
		}
		cols := strings.Split(strings.TrimPrefix(line, "//\t"), "|")
		if len(cols) != 3 {
			continue
		}
		name, field, reason := strings.TrimSpace(cols[0]), strings.TrimSpace(cols[1]), strings.TrimSpace(cols[2])
		if name == "case" || strings.Trim(name, "-") == "" {
			continue
		}
		if out[name] == nil {
			out[name] = map[string]string{}
		}
		out[name][field] = reason
	}
	return out
}

func TestFakeMatchesRealCoder(t *testing.T) {
	realURL, realToken := os.Getenv("CODER_URL"), os.Getenv("CODER_SESSION_TOKEN")
	if realURL == "" || realToken == "" {
		t.Skip("compares the fake with a real Coder: set CODER_URL and CODER_SESSION_TOKEN (make test-real does), seeded by test/real/realcoder")
	}
	realSide := side{name: "real", url: strings.TrimRight(realURL, "/"), token: realToken,
		clientID: os.Getenv("CODER_OAUTH_CLIENT_ID"), clientSecret: os.Getenv("CODER_OAUTH_CLIENT_SECRET")}
	if realSide.clientID == "" || realSide.clientSecret == "" {
		t.Fatal("set CODER_OAUTH_CLIENT_ID and CODER_OAUTH_CLIENT_SECRET to the real deployment's seeded OAuth2 app")
	}
	fake := codertest.NewServer(t, fakeOptions()...)
	id, secret, _ := fake.OAuth2App("backstage")
	fakeSide := side{name: "fake", url: fake.URL(), token: fake.Token("demo"), clientID: id, clientSecret: secret}
	known := documented(t)
	var names []string
	for _, c := range cases() {
		names = append(names, c.name)
	}
	slices.Sort(names)
	if len(slices.Compact(names)) != len(cases()) {
		t.Fatal("two cases share a name; the differences table refers to cases by name")
	}
	seen := map[string]map[string]bool{}

	same, differ := 0, 0
	for _, c := range cases() {
		f, r := fakeSide.do(t, c), realSide.do(t, c)
		var fields []string
		for k := range r.fields {
			fields = append(fields, k)
		}
		for k := range f.fields {
			if _, ok := r.fields[k]; !ok {
				fields = append(fields, k)
			}
		}
		sort.Strings(fields)
		caseDiffers := false
		for _, field := range fields {
			if f.fields[field] == r.fields[field] {
				continue
			}
			caseDiffers = true
			if seen[c.name] == nil {
				seen[c.name] = map[string]bool{}
			}
			seen[c.name][field] = true
			if _, ok := known[c.name][field]; ok {
				t.Logf("documented difference: %s: %s: fake %q, real %q", c.name, field, f.fields[field], r.fields[field])
				continue
			}
			t.Errorf("%s (%s %s): %s differs:\n  fake: %q\n  real: %q\n  (fix sdk/fakecoder, or add a row to the table in sdk/fakecoder/doc.go)",
				c.name, c.method, c.path, field, f.fields[field], r.fields[field])
		}
		if caseDiffers {
			differ++
		} else {
			same++
		}
	}
	for name, fields := range known {
		for field := range fields {
			if !seen[name][field] {
				t.Errorf("sdk/fakecoder/doc.go lists %q (%s) as a difference, but fake and real now agree: remove the row", name, field)
			}
		}
	}
	t.Logf("%d requests compared: %d answered alike, %d differ (%d documented differences)", same+differ, same, differ, countRows(known))
	fmt.Printf("fake vs real Coder: %d requests compared, %d alike, %d with documented differences\n", same+differ, same, differ)
}

func countRows(m map[string]map[string]string) int {
	n := 0
	for _, f := range m {
		n += len(f)
	}
	return n
}
