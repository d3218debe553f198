// Command coderhost-plugin-auth makes Coder a Backstage auth provider and
// sign-in provider. Mounted at /api/auth/ on the host, it serves the routes
// Backstage's frontend OAuth2 class calls for provider "coder" (start,
// handler/frame, refresh, logout), exchanging codes at Coder's OAuth2
// provider, and issues Backstage identity tokens that Backstage backends
// verify against its /.well-known/jwks.json. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/coderhost/coderhost/plugins/auth/internal/backstage"
	"github.com/coderhost/coderhost/plugins/auth/internal/coderauth"
	"github.com/coderhost/coderhost/plugins/auth/internal/identity"
	"github.com/coderhost/coderhost/plugins/auth/internal/provider"
	"github.com/coderhost/coderhost/plugins/auth/internal/signin"
	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func describe() sdk.Description {
	return sdk.Description{
		ID:           "auth",
		Version:      version,
		Summary:      "Coder as a Backstage OAuth and sign-in provider, with identity tokens Backstage trusts.",
		Capabilities: []string{"http", "auth-provider", "identity-tokens"},
		ConfigSchema: configSchema,
	}
}

// authPlugin is the plugin: each configuration yields its own handler.
type authPlugin struct{}

func (authPlugin) Describe() sdk.Description { return describe() }

func (authPlugin) Configure(_ context.Context, req sdk.ConfigureRequest) (http.Handler, error) {
	var cfg config
	if err := req.DecodeConfig(&cfg); err != nil {
		return nil, err
	}
	return newHandler(cfg, req.Info, req.Host)
}

func main() {
	if err := sdk.Serve(authPlugin{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// authHandler is one configuration's handler.
type authHandler struct {
	http.Handler
	health func(context.Context) sdk.Health
}

// CheckHealth asks Coder whether its OAuth2 provider knows this plugin's
// client: a deployment without the oauth2 experiment, or without the app,
// cannot sign anyone in.
func (h *authHandler) CheckHealth(ctx context.Context) sdk.Health { return h.health(ctx) }

// newHandler checks the configuration and builds the handler serving it.
func newHandler(cfg config, info sdk.HostInfo, host sdk.Host) (*authHandler, error) {
	s, err := cfg.check(info)
	if err != nil {
		return nil, err
	}
	log := slog.Default()
	origins, err := backstage.NewOriginFilter(info.BackstageAppURL, cfg.AllowedOrigins)
	if err != nil {
		return nil, fmt.Errorf("allowed_origins: %w", err)
	}
	client, err := coder.New(info.CoderURL, coder.WithUserAgent("coderhost-plugin-auth/"+version))
	if err != nil {
		return nil, fmt.Errorf("the host's Coder URL: %w", err)
	}

	var issuer *identity.Issuer
	keys, err := loadKeys(cfg, s)
	if err != nil {
		return nil, err
	}
	if keys != nil {
		lifetime, clamped := identity.ClampLifetime(s.tokenLifetime)
		if clamped {
			log.Warn("token_lifetime is outside 10m..24h and was clamped", "configured", cfg.TokenLifetime, "used", lifetime.String())
		}
		issuer = identity.NewIssuer(identity.IssuerOptions{
			Keys: keys, Issuer: s.baseURL, Lifetime: lifetime, IncludeOwnership: cfg.IncludeOwnershipClaim,
		})
	}
	var chain *signin.Chain
	if len(s.resolvers) > 0 {
		if chain, err = signin.New(s.resolvers, host); err != nil {
			return nil, fmt.Errorf("sign_in: %w", err)
		}
	}

	oauth := coderauth.New(coderauth.Options{
		Coder: client, ClientID: s.clientID, ClientSecret: s.clientSecret,
		RedirectURL: s.callback.String(), AuthURL: cfg.AuthorizationURL, PKCE: cfg.PKCE,
	})
	h := provider.New(provider.Options{
		Environments: s.environments,
		Origins:      origins,
		Cookies:      backstage.NewCookies(provider.ID, s.callback, origins.AppOrigin(), s.sessionDuration),
		Coder:        oauth,
		SignIn:       chain,
		Issuer:       issuer,
		Catalog:      host,
		BaseURL:      s.baseURL,
		Logger:       log,
	})
	var kids []string
	if keys != nil {
		for _, k := range keys.Keys() {
			kids = append(kids, k.ID)
		}
	}
	log.Info("auth provider configured", "callback_url", s.callback.String(), "sign_in", len(s.resolvers) > 0,
		"resolvers", resolverNames(s.resolvers), "signing_keys", kids, "pkce", cfg.PKCE)
	return &authHandler{Handler: h, health: healthCheck(info.CoderURL, s.clientID)}, nil
}

// loadKeys reads the signing keys. Without key files, identity tokens need
// a key only when sign-in is configured; the demo deployment then gets one
// generated at startup.
func loadKeys(cfg config, s settings) (*identity.KeySet, error) {
	files := cfg.keyFiles()
	if len(files) > 0 {
		keys, err := identity.LoadKeyFiles(files)
		var kfe *identity.KeyFileError
		if errors.As(err, &kfe) {
			hint := ""
			if errors.Is(err, identity.ErrNotP256) {
				hint = "; make one with: openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out key.pem"
			}
			return nil, fmt.Errorf("signing_key_files[%d] %s%s (set %s to a P-256 PEM key file)", kfe.Index, err, hint, envKeyFile)
		}
		if err != nil {
			return nil, fmt.Errorf("signing_key_files: %w", err)
		}
		return keys, nil
	}
	if len(s.resolvers) == 0 {
		return nil, nil
	}
	if !s.demo {
		return nil, fmt.Errorf("signing_key_files is empty, but sign_in needs a key to sign Backstage identity tokens: "+
			"set %s to a P-256 PEM key file (signing_key_files = [env(%q)]); make one with: "+
			"openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out key.pem", envKeyFile, envKeyFile)
	}
	keys, err := identity.GenerateKeySet()
	if err != nil {
		return nil, err
	}
	slog.Default().Warn("no signing_key_files: using a key generated at startup for the demo deployment; "+
		"identity tokens stop verifying when the plugin restarts. Configure signing_key_files for anything else.",
		"kid", keys.Signer().ID)
	return keys, nil
}

func resolverNames(specs []signin.Spec) string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Resolver
	}
	return strings.Join(names, ",")
}

// healthCheck probes Coder's authorize endpoint with the client ID: 403
// means the oauth2 experiment is off, 401 that Coder does not know the
// client. Redirects (to Coder's sign-in page) mean all is well.
func healthCheck(coderURL, clientID string) func(context.Context) sdk.Health {
	hc := &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	target := strings.TrimRight(coderURL, "/") + "/oauth2/authorize?client_id=" + clientID
	return func(ctx context.Context) sdk.Health {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return sdk.Health{Status: sdk.HealthError, Message: err.Error()}
		}
		resp, err := hc.Do(req)
		if err != nil {
			return sdk.Health{Status: sdk.HealthDegraded, Message: "Coder is unreachable: " + err.Error()}
		}
		_ = resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusForbidden:
			return sdk.Health{Status: sdk.HealthError, Message: "Coder's OAuth2 provider is disabled: start Coder with --experiments oauth2"}
		case http.StatusUnauthorized:
			return sdk.Health{Status: sdk.HealthError, Message: "Coder does not know client_id " + clientID + ": check " + envClientID}
		}
		if resp.StatusCode >= 500 {
			return sdk.Health{Status: sdk.HealthDegraded, Message: fmt.Sprintf("Coder answered %d", resp.StatusCode)}
		}
		return sdk.Health{Status: sdk.HealthOK}
	}
}
