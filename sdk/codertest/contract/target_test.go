package contract_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/coder"
	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// Environment that points the suite at a real deployment.
const (
	envURL         = "CODER_URL"
	envToken       = "CODER_SESSION_TOKEN"
	envWrites      = "CODER_ALLOW_WRITES"
	envTemplate    = "CODER_TEMPLATE"
	envOrg         = "CODER_ORGANIZATION"
	envRepoKeys    = "CODER_REPO_PARAM_KEYS"
	envOAuthID     = "CODER_OAUTH_CLIENT_ID"
	envOAuthSecret = "CODER_OAUTH_CLIENT_SECRET"
	envOAuthRedir  = "CODER_OAUTH_REDIRECT_URL"
	envOther       = "CODER_OTHER_SESSION_TOKEN"
	envCancelTmpl  = "CODER_CANCEL_TEMPLATE"
)

// defaultRepoKeys are the Backstage plugin's default repoUrlParamKeys.
var defaultRepoKeys = []string{"custom_repo", "repo_url"}

// target is the deployment under test: the in-memory fake by default, or a
// real Coder named by CODER_URL and CODER_SESSION_TOKEN.
type target struct {
	real   bool
	url    string
	token  string
	client *coder.Client // authenticated as the token's owner
	anon   *coder.Client // no token
	fake   *fakecoder.Server

	writes   bool
	template string // CODER_TEMPLATE, or "" to discover one
	// cancelTemplate is CODER_CANCEL_TEMPLATE: a template whose builds stay
	// active long enough to be canceled; "" uses template.
	cancelTemplate string
	// otherToken is CODER_OTHER_SESSION_TOKEN on a real deployment: an
	// owner with workspaces of their own.
	otherToken string
	org        string
	repoKeys   []string

	oauthID, oauthSecret, oauthRedirect string
}

// newTarget returns the deployment for one test. Each test against the fake
// gets its own server, so tests never see each other's writes.
func newTarget(t *testing.T, opts ...fakecoder.Option) *target {
	t.Helper()
	tg := &target{org: "default", repoKeys: defaultRepoKeys}
	if keys := os.Getenv(envRepoKeys); keys != "" {
		tg.repoKeys = strings.Split(keys, ",")
	}
	url, token := os.Getenv(envURL), os.Getenv(envToken)
	switch {
	case url != "" && token == "":
		t.Fatalf("%s is set but %s is not: the suite needs a session token for the real deployment (coder tokens create)", envURL, envToken)
	case url != "":
		tg.real, tg.url, tg.token = true, strings.TrimRight(url, "/"), token
		tg.writes = os.Getenv(envWrites) == "1"
		tg.template = os.Getenv(envTemplate)
		tg.cancelTemplate = os.Getenv(envCancelTmpl)
		tg.otherToken = os.Getenv(envOther)
		if org := os.Getenv(envOrg); org != "" {
			tg.org = org
		}
		tg.oauthID, tg.oauthSecret = os.Getenv(envOAuthID), os.Getenv(envOAuthSecret)
		tg.oauthRedirect = os.Getenv(envOAuthRedir)
	default:
		// Builds stay running long enough for a second build request to
		// meet the first one, and short enough for the suite to be quick.
		// OAuth2 consent goes through the same GET-then-POST exchange as on
		// a real deployment, so WithOAuth2AutoApprove is not used.
		opts = append([]fakecoder.Option{
			fakecoder.WithBuildDelays(0, 250*time.Millisecond),
		}, opts...)
		tg.fake = codertest.NewServer(t, opts...)
		tg.url, tg.token = tg.fake.URL(), tg.fake.Token("demo")
		tg.writes = true
		id, secret, ok := tg.fake.OAuth2App("backstage")
		if !ok {
			t.Fatal(`the demo seed has no OAuth2 app called "backstage"`)
		}
		tg.oauthID, tg.oauthSecret = id, secret
	}
	var err error
	tg.client, err = coder.New(tg.url, coder.WithSessionToken(tg.token), coder.WithUserAgent("coderhost-contract-tests"))
	if err != nil {
		t.Fatal(err)
	}
	tg.anon = tg.client.WithToken("")
	return tg
}

func (tg *target) requireFake(t *testing.T, why string) {
	t.Helper()
	if tg.real {
		t.Skipf("fake only: %s", why)
	}
}

func (tg *target) requireWrites(t *testing.T, what string) {
	t.Helper()
	if !tg.writes {
		t.Skipf("%s: set %s=1 to run against %s", what, envWrites, tg.url)
	}
}

func (tg *target) requireOAuth2(t *testing.T) {
	t.Helper()
	if tg.oauthID == "" || tg.oauthSecret == "" {
		t.Skipf("needs an OAuth2 app: set %s and %s (and %s if the app's callback is not the default)", envOAuthID, envOAuthSecret, envOAuthRedir)
	}
}

// as returns a client for another seeded user of the fake; on a real
// deployment, for the owner whose token is CODER_OTHER_SESSION_TOKEN
// (username only names the fake's user).
func (tg *target) as(t *testing.T, username string) *coder.Client {
	t.Helper()
	if tg.real {
		if tg.otherToken == "" {
			t.Skipf("acts as a second user: set %s to an owner's session token", envOther)
		}
		return tg.client.WithToken(tg.otherToken)
	}
	return tg.client.WithToken(tg.fake.Token(username))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// rawResponse is an answer read without the typed client, for checks on
// the wire format.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r rawResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %d answer %q: %v", r.Status, r.Body, err)
	}
}

// raw sends a request exactly as given: pathAndQuery is appended to the
// deployment URL unchanged.
func (tg *target) raw(t *testing.T, method, pathAndQuery string, header http.Header, body io.Reader) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, tg.url+pathAndQuery, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// tokenHeader is what the Backstage plugin sends through the proxy.
func tokenHeader(token string) http.Header {
	h := http.Header{}
	if token != "" {
		h.Set("Coder-Session-Token", token)
	}
	return h
}

// wantStatus fails unless err is a Coder answer with that status, and
// returns it.
func wantStatus(t *testing.T, err error, status int) *coder.Error {
	t.Helper()
	e, ok := coder.AsError(err)
	if !ok {
		t.Fatalf("error = %v, want a %d answer from Coder", err, status)
	}
	if e.StatusCode != status {
		t.Fatalf("status %d (%v), want %d", e.StatusCode, err, status)
	}
	return e
}
