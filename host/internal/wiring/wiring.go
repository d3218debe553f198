package wiring

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/coderhost/coderhost/host/internal/config"
)

// authPluginID is where Backstage looks for its auth backend; the auth
// plugin is mounted under the same id.
const authPluginID = "auth"

// defaultBackendURL is Backstage's local backend address, used when
// backstage.backend_url is not set.
const defaultBackendURL = "http://localhost:7007"

// ProxyEndpoint is the app-config.yaml fragment that points the Coder
// frontend plugin's '/coder' proxy endpoint at the host listening on addr.
func ProxyEndpoint(addr string, cfg *config.Config) string {
	// Plugins take writes (workspace actions, sign-out); the host itself
	// still holds the pass-through to Coder to proxy.allowed_methods.
	methods := slices.Clone(cfg.Proxy.AllowedMethods)
	if len(cfg.Plugins) > 0 {
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodDelete} {
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
	}
	return fmt.Sprintf(`backstage app-config.yaml:
  proxy:
    endpoints:
      '/coder':
        target: 'http://%s/'
        changeOrigin: true
        allowedMethods: %s
        allowedHeaders: %s
`, addr, quote(methods), quote(cfg.Proxy.AllowedHeaders))
}

func quote(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "'" + v + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// Backstage returns everything Backstage needs for cfg with the host on
// addr: the '/coder' proxy endpoint and, when the auth plugin is loaded, the
// two ways to link Coder accounts and the sign-in discovery entry, each with
// the apis.ts factory that goes with it.
func Backstage(addr string, cfg *config.Config) string {
	var b strings.Builder
	b.WriteString("# The Coder frontend plugin's requests go through coderhost's pass-through.\n")
	b.WriteString(ProxyEndpoint(addr, cfg))

	if c := Catalog(addr, cfg); c != "" {
		b.WriteString("\n# The catalog plugin: Coder templates as catalog entities, and \"Open in Coder\" links.\nbackstage app-config.yaml:\n")
		b.WriteString(c)
	}

	auth, base, callback := AuthURLs(cfg)
	if auth == nil {
		b.WriteString("\n# No plugin \"auth\" is configured: add one (plugins/auth/README.md) to link Coder accounts\n# or sign in to Backstage with Coder.\n")
		return b.String()
	}
	backend := strings.TrimRight(cfg.Backstage.BackendURL, "/")
	if backend == "" {
		backend = defaultBackendURL
	}
	proxied := backend + "/api/proxy/coderhost-auth"

	fmt.Fprintf(&b, `
# Linking Coder accounts. Register this callback URL with the Coder OAuth2 app:
#   %s
`, callback)
	frontendBase := proxied
	switch {
	case strings.HasPrefix(callback, proxied+"/"):
		b.WriteString("# The auth routes go through a Backstage proxy endpoint limited to them:\n")
		b.WriteString(authEndpoint(addr))
		b.WriteString(apisTS(proxied))
	case strings.Contains(base, "/api/proxy/"):
		fmt.Fprintf(&b, `# The auth routes are at %s, behind a Backstage proxy endpoint that drops the
# cookies and redirects they need. Give them an endpoint of their own: set
#   callback_url = "%s/coder/handler/frame"
# in plugin "auth", register that URL with Coder instead, and add:
`, base, proxied)
		b.WriteString(authEndpoint(addr))
		b.WriteString(apisTS(proxied))
	default:
		fmt.Fprintf(&b, "# Browsers reach the auth routes directly at %s; the plugin answers CORS for the app.\n", base)
		b.WriteString(apisTS(base))
		frontendBase = base
	}

	internal := "http://" + addr + "/api/{{pluginId}}"
	// Browsers call only the provider's routes, so they may go through the
	// same address as above; backends fetch the keys directly.
	external := frontendBase
	fmt.Fprintf(&b, `
# Signing in to Backstage with Coder (plugin "auth" needs sign_in and signing_key_files): Backstage
# backends find the auth plugin, and the keys that verify user tokens, through discovery.
backstage app-config.yaml:
  discovery:
    endpoints:
      - target:
          internal: %s
          external: %s
        plugins: [auth]
`, internal, external)
	return b.String()
}

// AuthURLs finds the auth plugin in cfg and the base URL and callback URL
// it serves under, as the plugin derives them: base_url, else
// <external_url>/api/auth; callback_url, else <base>/coder/handler/frame.
// auth is nil when no plugin "auth" is configured.
func AuthURLs(cfg *config.Config) (auth *config.Plugin, base, callback string) {
	for i := range cfg.Plugins {
		if cfg.Plugins[i].ID == authPluginID {
			auth = &cfg.Plugins[i]
		}
	}
	if auth == nil {
		return nil, "", ""
	}
	base, ok := cfg.PluginString(*auth, "base_url")
	if !ok || base == "" {
		base = strings.TrimRight(cfg.ExternalURL, "/") + "/api/" + authPluginID
	}
	base = strings.TrimRight(base, "/")
	callback, ok = cfg.PluginString(*auth, "callback_url")
	if !ok || callback == "" {
		callback = base + "/coder/handler/frame"
	}
	return auth, base, callback
}

func authEndpoint(addr string) string {
	return fmt.Sprintf(`backstage app-config.yaml:
  proxy:
    endpoints:
      '/coderhost-auth/coder':
        target: 'http://%s/api/auth/coder'
        credentials: dangerously-allow-unauthenticated
        allowedMethods: ['GET', 'POST']
        allowedHeaders: ['Cookie', 'Set-Cookie', 'Location', 'X-Requested-With', 'Origin', 'Content-Security-Policy', 'X-Frame-Options']
`, addr)
}

func apisTS(authBase string) string {
	return fmt.Sprintf(`packages/app/src/apis.ts:
  createApiFactory({
    api: coderAuthApiRef,
    deps: { discoveryApi: discoveryApiRef, oauthRequestApi: oauthRequestApiRef, configApi: configApiRef },
    factory: ({ discoveryApi, oauthRequestApi, configApi }) =>
      OAuth2.create({
        discoveryApi: {
          getBaseUrl: async (pluginId: string) =>
            pluginId === 'auth' ? '%s' : discoveryApi.getBaseUrl(pluginId),
        },
        oauthRequestApi,
        provider: { id: 'coder', title: 'Coder', icon: () => null },
        environment: configApi.getOptionalString('auth.environment'),
        defaultScopes: [],
      }),
  }),
`, authBase)
}
