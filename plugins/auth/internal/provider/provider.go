package provider

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coderhost/coderhost/plugins/auth/internal/backstage"
	"github.com/coderhost/coderhost/plugins/auth/internal/coderauth"
	"github.com/coderhost/coderhost/plugins/auth/internal/identity"
	"github.com/coderhost/coderhost/plugins/auth/internal/signin"
	"github.com/coderhost/coderhost/sdk"
)

// ID is the provider id: the frontend's OAuth2 class is created with
// provider {id: "coder"}, and the routes live under /coder/.
const ID = "coder"

// Options configure the handler. Everything is fixed for its lifetime.
type Options struct {
	// Environments are the values of env the frontend may send
	// (Backstage's auth.environment).
	Environments []string
	Origins      *backstage.OriginFilter
	Cookies      *backstage.Cookies
	Coder        *coderauth.Client
	// SignIn resolves Backstage identities; nil serves resource access
	// only (no backstageIdentity in sessions).
	SignIn *signin.Chain
	// Issuer signs identity tokens; nil when SignIn is nil and no keys are
	// configured.
	Issuer *identity.Issuer
	// Catalog answers userinfo for users this process has not issued a
	// token to since it started.
	Catalog sdk.Host
	// BaseURL is the plugin's external base URL (.../api/auth): the tokens'
	// issuer and the base of the discovery document.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
}

type handler struct {
	Options
	mux *http.ServeMux
}

// New returns the plugin's HTTP handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &handler{Options: o, mux: http.NewServeMux()}
	p := "/" + ID
	h.mux.HandleFunc("GET "+p+"/start", h.withEnv(h.start))
	h.mux.HandleFunc("GET "+p+"/handler/frame", h.withEnv(h.frame))
	h.mux.HandleFunc("POST "+p+"/handler/frame", h.withEnv(h.frame))
	h.mux.HandleFunc("GET "+p+"/refresh", h.cors(h.withEnv(h.refresh)))
	h.mux.HandleFunc("POST "+p+"/refresh", h.cors(h.withEnv(h.refresh)))
	h.mux.HandleFunc("POST "+p+"/logout", h.cors(h.withEnv(h.logout)))
	h.mux.HandleFunc("OPTIONS "+p+"/{route...}", h.cors(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	h.mux.HandleFunc("GET /.well-known/jwks.json", h.jwks)
	h.mux.HandleFunc("GET /.well-known/openid-configuration", h.openIDConfiguration)
	h.mux.HandleFunc("GET /v1/userinfo", h.userInfo)
	h.mux.HandleFunc("/{provider}/", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("provider") == ID {
			backstage.WriteError(w, r, backstage.Errorf(backstage.NotFoundError, "No route %s %s on auth provider '%s'", r.Method, r.URL.Path, ID))
			return
		}
		backstage.WriteError(w, r, backstage.Errorf(backstage.NotFoundError, "Unknown auth provider '%s'", r.PathValue("provider")))
	})
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		backstage.WriteError(w, r, backstage.Errorf(backstage.NotFoundError, "Not found: %s %s", r.Method, r.URL.Path))
	})
	return h.mux
}

// withEnv is Backstage's OAuthEnvironmentHandler: env comes from the query,
// or else from the state, and must be one of the configured environments.
func (h *handler) withEnv(next func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		env := r.URL.Query().Get("env")
		if env == "" {
			if raw := stateParam(r); raw != "" {
				st, err := backstage.DecodeState(raw)
				if err != nil {
					backstage.WriteError(w, r, err)
					return
				}
				env = st.Env
			}
		}
		if env == "" {
			backstage.WriteError(w, r, backstage.Errorf(backstage.InputError, "Must specify 'env' query to select environment"))
			return
		}
		if !slices.Contains(h.Environments, env) {
			backstage.WriteError(w, r, backstage.Errorf(backstage.NotFoundError,
				"No configuration available for the '%s' environment of this provider.", env))
			return
		}
		next(w, r, env)
	}
}

// stateParam reads state from the query, or, for form_post callbacks, from
// the form body.
func stateParam(r *http.Request) string {
	if s := r.URL.Query().Get("state"); s != "" {
		return s
	}
	if r.Method == http.MethodPost {
		return r.PostFormValue("state")
	}
	return ""
}

// cors lets the app's origins call refresh and logout with credentials,
// for set-ups where the browser reaches this host directly.
func (h *handler) cors(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" && h.Origins.Allowed(origin) {
			hd := w.Header()
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Set("Access-Control-Allow-Credentials", "true")
			if r.Method == http.MethodOptions {
				hd.Set("Access-Control-Allow-Methods", "GET, POST")
				hd.Set("Access-Control-Allow-Headers", "X-Requested-With, Content-Type")
				hd.Set("Access-Control-Max-Age", "600")
			}
		}
		next(w, r)
	}
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// normalizeScope splits a scope string on whitespace, "|" and "," and joins
// the distinct scopes with spaces, as Backstage's scope manager does.
func normalizeScope(s string) string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '|' || r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
	}) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}
