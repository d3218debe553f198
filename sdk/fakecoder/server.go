package fakecoder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/coderhost/coderhost/internal/statuswriter"
)

// Server is an in-memory Coder deployment.
type Server struct {
	cfg     config
	handler http.Handler
	limiter *rateLimiter

	mu         sync.Mutex
	st         *state
	url        string
	timers     map[*time.Timer]struct{}
	closed     bool
	failBuilds []string // errors for the next builds to fail
	requests   []RecordedRequest

	closeOnce sync.Once
	hs        *http.Server
	serveErr  chan error
}

// RecordedRequest is a request the server received, for tests that check
// what a client or proxy sent. Header is a copy and includes credentials.
type RecordedRequest struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
}

// Start serves a new deployment on addr (for example "127.0.0.1:0") until
// Close. It backs `coderhost demo-coder`, the host's embedded demo and
// codertest.NewServer.
func Start(addr string, opts ...Option) (*Server, error) {
	s, err := New(opts...)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.stopTimers()
		return nil, fmt.Errorf("fakecoder: listen on %s: %w", addr, err)
	}
	s.hs = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.serveErr = make(chan error, 1)
	s.mu.Lock()
	s.url = "http://" + ln.Addr().String()
	s.mu.Unlock()
	go func() { s.serveErr <- s.hs.Serve(ln) }()
	return s, nil
}

// New builds a deployment without listening; mount Handler() to serve
// it. URL() is then empty and the access URL comes from WithAccessURL or the
// requests' Host header. The handler expects Coder's paths at its root: to
// serve it under a prefix, wrap it in http.StripPrefix and pass the prefixed
// URL to WithAccessURL (redirects to /login then still point at the root).
func New(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	seed := cfg.seed
	if seed == nil {
		seed = DemoSeed()
	}
	st, err := buildState(seed, cfg.now())
	if err != nil {
		return nil, fmt.Errorf("fakecoder: %w", err)
	}
	if cfg.autoApprove != "" && st.userByName(cfg.autoApprove) == nil {
		return nil, fmt.Errorf("fakecoder: WithOAuth2AutoApprove: user %q is not in the seed", cfg.autoApprove)
	}
	s := &Server{cfg: cfg, st: st, timers: map[*time.Timer]struct{}{}}
	if cfg.rateLimit > 0 && cfg.rateWindow > 0 {
		s.limiter = newRateLimiter(cfg.rateLimit, cfg.rateWindow, cfg.now)
	}
	s.handler = s.buildHandler()
	// Seeded builds that are still in progress complete like new ones.
	s.mu.Lock()
	for _, w := range st.workspaces {
		if b := st.latestBuild(w); !jobDone(b.job.status) {
			s.scheduleLocked(b)
		}
	}
	s.mu.Unlock()
	return s, nil
}

// URL is the base URL without a trailing slash, or "" when the server does
// not listen.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Handler serves the whole deployment: /api/v2, /oauth2, /.well-known,
// static assets and a minimal web UI.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops pending builds and the listener, if any.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.stopTimers()
		if s.hs != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = s.hs.Shutdown(ctx)
			if serr := <-s.serveErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
				err = serr
			}
		}
	})
	return err
}

func (s *Server) stopTimers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for t := range s.timers {
		t.Stop()
	}
	clear(s.timers)
}

// Token returns the session token of a seeded user, or "" for an unknown
// username.
func (s *Server) Token(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.userTokens[strings.ToLower(username)]
}

// OAuth2App returns the client ID and secret of a seeded OAuth2 app.
func (s *Server) OAuth2App(name string) (clientID, clientSecret string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.st.apps {
		if a.name == name {
			return a.id, a.secret, true
		}
	}
	return "", "", false
}

// Users returns every user as GET /api/v2/users/{user} shows it.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.st.users))
	for _, u := range s.st.users {
		out = append(out, s.convertUser(u))
	}
	return out
}

// Workspaces returns every workspace, deleted ones included, as an owner
// sees them, in creation order.
func (s *Server) Workspaces() []Workspace {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Workspace, 0, len(s.st.workspaces))
	for _, w := range s.st.workspaces {
		out = append(out, s.convertWorkspace(w, ""))
	}
	return out
}

// Workspace returns the workspace owner/name (not deleted) as an owner sees
// it.
func (s *Server) Workspace(owner, name string) (Workspace, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.userByName(owner)
	if u == nil {
		return Workspace{}, false
	}
	for _, w := range s.st.workspaces {
		if w.ownerID == u.id && !w.deleted && strings.EqualFold(w.name, name) {
			return s.convertWorkspace(w, ""), true
		}
	}
	return Workspace{}, false
}

// FailNextBuilds makes the next n workspace builds fail, their jobs ending
// with status failed and the given error (a Terraform-like error when empty).
func (s *Server) FailNextBuilds(n int, message string) {
	if message == "" {
		message = "terraform apply: exit status 1: Error: injected failure"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failBuilds = append(s.failBuilds, message)
	}
}

// Requests returns the requests received so far, oldest first (at most the
// last 1000).
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func (s *Server) now() time.Time { return dbNow(s.cfg.now()) }

// accessURL is the deployment's external URL as clients see it.
func (s *Server) accessURL(r *http.Request) string {
	if s.cfg.accessURL != "" {
		return strings.TrimRight(s.cfg.accessURL, "/")
	}
	s.mu.Lock()
	u := s.url
	s.mu.Unlock()
	if u != "" {
		return u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ---- middleware ------------------------------------------------------------

func (s *Server) buildHandler() http.Handler {
	r := mux.NewRouter()
	s.routes(r)
	r.NotFoundHandler = http.HandlerFunc(s.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.methodNotAllowed)

	var h http.Handler = r
	if s.limiter != nil {
		h = s.limiter.middleware(h)
	}
	h = s.commonHeaders(h)
	h = s.logRequests(h)
	if s.cfg.faults != nil {
		h = s.cfg.faults.middleware(h, s.cfg.logger)
	}
	return h
}

func (s *Server) commonHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		version := s.st.version
		s.requests = append(s.requests, RecordedRequest{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone()})
		if len(s.requests) > 1000 {
			s.requests = slices.Delete(s.requests, 0, len(s.requests)-1000)
		}
		s.mu.Unlock()
		w.Header().Set("X-Coder-Build-Version", version)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := statuswriter.Wrap(w)
		next.ServeHTTP(rec, r)
		s.cfg.logger.LogAttrs(r.Context(), slog.LevelDebug, "coder request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.Status()),
			slog.Duration("duration", time.Since(start)))
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeResponse(w, http.StatusNotFound, msgRouteNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.NotFound(w, r)
		return
	}
	s.servePage(w, r)
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/oauth2/") {
		writeOAuth2Error(w, http.StatusMethodNotAllowed, "invalid_request", "Method not allowed")
		return
	}
	writeResponse(w, http.StatusMethodNotAllowed, "Method not allowed.")
}

// ---- authentication --------------------------------------------------------

type actor struct {
	user *user
	key  *apiKey
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, a actor)

// tokenFromRequest is httpmw.APITokenFromRequest: the first carrier that is
// set wins.
func tokenFromRequest(r *http.Request) string {
	if c, err := r.Cookie("coder_session_token"); err == nil && c.Value != "" {
		return c.Value
	}
	q := r.URL.Query()
	if t := q.Get("coder_session_token"); t != "" {
		return t
	}
	if t := r.Header.Get("Coder-Session-Token"); t != "" {
		return t
	}
	if scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") {
		if t := strings.TrimSpace(value); t != "" {
			return t
		}
	}
	return q.Get("access_token")
}

// authFailure is a rejected credential, written with Coder's status, body
// and WWW-Authenticate header.
type authFailure struct {
	status  int
	message string
	detail  string
}

// checkToken resolves token to its key and user. Call with s.mu held.
func (s *Server) checkTokenLocked(token string, accessURL string) (actor, *authFailure) {
	signedOut := func(detail string) *authFailure {
		return &authFailure{status: http.StatusUnauthorized, message: msgSignedOut, detail: detail}
	}
	if token == "" {
		return actor{}, signedOut(`Cookie "coder_session_token" or query parameter must be provided.`)
	}
	id, secret, err := splitAPIToken(token)
	if err != nil {
		return actor{}, signedOut("Invalid API key format: " + err.Error())
	}
	key, ok := s.st.keys[id]
	if !ok {
		return actor{}, signedOut("API key is invalid.")
	}
	if !secretEqual(key.secret, secret) {
		return actor{}, signedOut("API key secret is invalid.")
	}
	now := s.now()
	if !key.expiresAt.IsZero() && !now.Before(key.expiresAt) {
		return actor{}, signedOut(fmt.Sprintf("API key expired at %q.", key.expiresAt.String()))
	}
	u := s.st.userByID(key.userID)
	if u == nil {
		return actor{}, signedOut("API key is invalid.")
	}
	if u.status == "suspended" {
		return actor{}, &authFailure{status: http.StatusUnauthorized, message: fmt.Sprintf("User is not active (status = %q). Contact an admin to reactivate your account.", u.status)}
	}
	if key.audience != "" && normalizeResourceURL(key.audience) != normalizeResourceURL(accessURL) {
		return actor{}, &authFailure{status: http.StatusForbidden, message: "Token audience validation failed",
			detail: fmt.Sprintf("The token's audience %q does not match this deployment (%q).", key.audience, accessURL)}
	}
	if u.status == "dormant" {
		u.status = "active"
		u.updatedAt = now
	}
	u.lastSeenAt = now
	return actor{user: u, key: key}, nil
}

func (s *Server) writeAuthFailure(w http.ResponseWriter, r *http.Request, f *authFailure) {
	code := "invalid_token"
	if f.status == http.StatusForbidden {
		code = "insufficient_scope"
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="coder", error=%q, error_description=%q, resource_metadata=%q`,
		code, f.message, s.accessURL(r)+"/.well-known/oauth-protected-resource"))
	writeJSON(w, f.status, Response{Message: f.message, Detail: f.detail})
}

// authed wraps a handler that needs an API token.
func (s *Server) authed(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		access := s.accessURL(r)
		s.mu.Lock()
		a, fail := s.checkTokenLocked(tokenFromRequest(r), access)
		s.mu.Unlock()
		if fail != nil {
			s.writeAuthFailure(w, r, fail)
			return
		}
		h(w, r, a)
	}
}
