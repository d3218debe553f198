package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coderhost/coderhost/plugins/auth/internal/signin"
	"github.com/coderhost/coderhost/sdk"
)

// Environment variables the default configuration reads, named in errors.
const (
	envClientID     = "CODER_OAUTH_CLIENT_ID"
	envClientSecret = "CODER_OAUTH_CLIENT_SECRET"
	envKeyFile      = "CODERHOST_AUTH_SIGNING_KEY_FILE"
)

// demoClientID is the client ID of the "backstage" OAuth2 app of the
// embedded demo deployment (sdk/codertest/demo.yaml). Its secret is public,
// so a configuration using it is a demo by definition.
const demoClientID = "bac57a9e-0000-4000-8000-00000000c0de"

// config is the plugin's config {} block.
type config struct {
	ClientID              string        `json:"client_id"`
	ClientSecret          string        `json:"client_secret"`
	PKCE                  bool          `json:"pkce"`
	AuthorizationURL      string        `json:"authorization_url"`
	BaseURL               string        `json:"base_url"`
	CallbackURL           string        `json:"callback_url"`
	AllowedOrigins        []string      `json:"allowed_origins"`
	Environments          []string      `json:"environments"`
	SessionDuration       string        `json:"session_duration"`
	SigningKeyFiles       []string      `json:"signing_key_files"`
	TokenLifetime         string        `json:"token_lifetime"`
	IncludeOwnershipClaim bool          `json:"include_ownership_claim"`
	SignIn                *signInConfig `json:"sign_in"`
}

type signInConfig struct {
	Resolvers resolverList `json:"resolver"`
}

type resolverConfig struct {
	AllowedDomains   []string `json:"allowed_domains"`
	DangerouslyAllow bool     `json:"dangerously_allow_sign_in_without_user_in_catalog"`
	Hook             string   `json:"hook"`
	Script           string   `json:"script"`
	name             string
}

// resolverList decodes the resolver blocks from the object the host hands
// over (keyed by label, in source order) without losing that order: the
// resolvers are tried one after another.
type resolverList []resolverConfig

func (l *resolverList) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New(`sign_in: want resolver "<name>" { ... } blocks`)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var r resolverConfig
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("resolver %q: %w", tok, err)
		}
		r.name, _ = tok.(string)
		*l = append(*l, r)
	}
	return nil
}

var resolverSchema = sdk.Schema{Attributes: []sdk.Attribute{
	{Name: "allowed_domains", Type: sdk.TypeListString,
		Description: "Email domains that may sign in (email resolvers only). Empty allows every domain."},
	{Name: "dangerously_allow_sign_in_without_user_in_catalog", Type: sdk.TypeBool,
		Description: "Sign users the catalog does not know in as user:default/<name>. For non-production set-ups."},
	{Name: "hook", Type: sdk.TypeString,
		Description: `Script resolver: the hook whose scripts run in order (default "signin").`},
	{Name: "script", Type: sdk.TypeString,
		Description: "Script resolver: run this one named script instead of a hook."},
}}

var configSchema = sdk.Schema{
	Attributes: []sdk.Attribute{
		{Name: "client_id", Type: sdk.TypeString, Required: true,
			Description: "Client ID (a UUID) of the Coder OAuth2 app. Set " + envClientID + `: client_id = env("` + envClientID + `").`},
		{Name: "client_secret", Type: sdk.TypeString, Required: true, Sensitive: true,
			Description: "Client secret of the Coder OAuth2 app. Set " + envClientSecret + `: client_secret = env("` + envClientSecret + `").`},
		{Name: "pkce", Type: sdk.TypeBool,
			Description: "Add a PKCE S256 code challenge to every sign-in (Coder still requires the client secret)."},
		{Name: "authorization_url", Type: sdk.TypeString,
			Description: "Where browsers authorize, when they reach Coder at another URL than this host does. Default <coder URL>/oauth2/authorize."},
		{Name: "base_url", Type: sdk.TypeString,
			Description: "This plugin's URL as browsers and Backstage see it: the tokens' issuer. Default <external_url>/api/auth."},
		{Name: "callback_url", Type: sdk.TypeString,
			Description: "The OAuth callback registered with the Coder app. Default <base_url>/coder/handler/frame."},
		{Name: "allowed_origins", Type: sdk.TypeListString,
			Description: "Glob patterns of further app origins allowed besides backstage.app_url, e.g. https://*.example.com."},
		{Name: "environments", Type: sdk.TypeListString,
			Description: `Values of Backstage's auth.environment this provider answers (default ["development", "production"]).`},
		{Name: "session_duration", Type: sdk.TypeString,
			Description: `Lifetime of the refresh cookie, e.g. "720h" or "30d" (default 1000 days).`},
		{Name: "signing_key_files", Type: sdk.TypeListString,
			Description: "PEM files of P-256 keys for Backstage identity tokens; the first signs, the others stay published. Set " + envKeyFile + "."},
		{Name: "token_lifetime", Type: sdk.TypeString,
			Description: `Lifetime of Backstage identity tokens, clamped to 10m..24h (default "1h").`},
		{Name: "include_ownership_claim", Type: sdk.TypeBool,
			Description: "Put the ownership refs (ent) in identity tokens; /v1/userinfo serves them either way."},
	},
	Blocks: []sdk.Block{{
		Name: "sign_in", Nesting: sdk.NestingSingle,
		Description: "Sign users in to Backstage with Coder: resolvers tried in order.",
		Schema: sdk.Schema{Blocks: []sdk.Block{{
			Name: "resolver", Nesting: sdk.NestingMap, Label: "name", Required: true,
			Description: "A sign-in resolver: usernameMatchingUserEntityName, emailMatchingUserEntityProfileEmail, emailLocalPartMatchingUserEntityName or script.",
			Schema:      resolverSchema,
		}}},
	}},
}

// settings is a checked configuration.
type settings struct {
	clientID, clientSecret string
	baseURL                string
	callback               *url.URL
	sessionDuration        time.Duration
	tokenLifetime          time.Duration
	environments           []string
	resolvers              []signin.Spec
	demo                   bool
}

// check validates what the host's schema check cannot: empty values,
// URLs, durations, and a demo client ID against a real deployment. Errors
// name the attribute and, where one applies, the environment variable.
func (c *config) check(info sdk.HostInfo) (settings, error) {
	s := settings{clientID: strings.TrimSpace(c.ClientID), clientSecret: c.ClientSecret}
	switch {
	case s.clientID == "":
		return s, fmt.Errorf("client_id is empty: set %s to the client ID of your Coder OAuth2 app (client_id = env(%q))", envClientID, envClientID)
	case c.ClientSecret == "":
		return s, fmt.Errorf("client_secret is empty: set %s to a client secret of your Coder OAuth2 app (client_secret = env(%q))", envClientSecret, envClientSecret)
	}
	s.demo = s.clientID == demoClientID && isLoopback(info.CoderURL)
	if s.clientID == demoClientID && !s.demo {
		return s, fmt.Errorf("client_id is the embedded demo deployment's OAuth2 app, but Coder is at %s: "+
			"create an OAuth2 app in Coder (Deployment settings, OAuth2 applications) and set %s and %s", info.CoderURL, envClientID, envClientSecret)
	}
	if info.BackstageAppURL == "" {
		return s, errors.New("backstage.app_url is not set: the auth plugin posts sessions to the Backstage app's origin, so the host configuration needs it")
	}

	s.baseURL = strings.TrimRight(c.BaseURL, "/")
	if s.baseURL == "" {
		if info.ExternalURL == "" {
			return s, errors.New("base_url is not set and the host has no external_url to derive it from")
		}
		s.baseURL = strings.TrimRight(info.ExternalURL, "/") + "/" + strings.Trim(info.MountPath, "/")
	}
	if err := absoluteHTTP(s.baseURL); err != nil {
		return s, fmt.Errorf("base_url: %w", err)
	}
	cb := c.CallbackURL
	if cb == "" {
		cb = s.baseURL + "/coder/handler/frame"
	}
	if err := absoluteHTTP(cb); err != nil {
		return s, fmt.Errorf("callback_url: %w", err)
	}
	s.callback, _ = url.Parse(cb)
	if c.AuthorizationURL != "" {
		if err := absoluteHTTP(c.AuthorizationURL); err != nil {
			return s, fmt.Errorf("authorization_url: %w", err)
		}
	}

	var err error
	if s.sessionDuration, err = parseDuration(c.SessionDuration); err != nil {
		return s, fmt.Errorf("session_duration: %w", err)
	}
	if s.tokenLifetime, err = parseDuration(c.TokenLifetime); err != nil {
		return s, fmt.Errorf("token_lifetime: %w", err)
	}
	s.environments = c.Environments
	if len(s.environments) == 0 {
		s.environments = []string{"development", "production"}
	}
	for _, e := range s.environments {
		if e == "" {
			return s, errors.New("environments: an entry is empty")
		}
	}
	if c.SignIn != nil {
		for _, r := range c.SignIn.Resolvers {
			s.resolvers = append(s.resolvers, signin.Spec{
				Resolver: r.name, AllowedDomains: r.AllowedDomains,
				DangerouslyAllowSignInWithoutUserInCatalog: r.DangerouslyAllow,
				Hook: r.Hook, Script: r.Script,
			})
		}
	}
	return s, nil
}

// keyFiles are the configured key files, without the empty entries an
// unset env("...", "") leaves.
func (c *config) keyFiles() []string {
	var out []string
	for _, f := range c.SigningKeyFiles {
		if strings.TrimSpace(f) != "" {
			out = append(out, f)
		}
	}
	return out
}

func absoluteHTTP(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", raw)
	}
	return nil
}

// parseDuration reads a Go duration, or a whole number of days such as
// "30d"; "" is 0 (the default).
func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a duration (want e.g. \"30d\" or \"12h\")", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration (want e.g. \"30d\" or \"12h\")", s)
	}
	return d, nil
}

// isLoopback reports whether a URL's host is a loopback address or
// localhost, where the embedded demo deployment listens.
func isLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
