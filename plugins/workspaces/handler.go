package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coderhost/coderhost/internal/entityconfig"
	"github.com/coderhost/coderhost/plugins/workspaces/internal/display"
	"github.com/coderhost/coderhost/plugins/workspaces/internal/listcache"
	"github.com/coderhost/coderhost/plugins/workspaces/internal/search"
	"github.com/coderhost/coderhost/plugins/workspaces/internal/watch"
	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
)

// target is what an entity's compiled Coder configuration says about its
// workspaces.
type target struct {
	ref          string
	repoURL      string
	keys         []string // template parameters that hold the repo URL
	variants     []string // URLs a workspace may have stored, canonical first
	templateName string
	params       map[string]string
	compatible   bool
	reasons      []string
}

// config is one accepted configuration of the plugin.
type config struct {
	settings settings
	// app is the entity configuration shared with the catalog plugin; its
	// AccessURL is where workspace links point.
	app entityconfig.AppConfig
}

// handler serves one configuration. It holds no per-request state; caches
// and pollers are per configuration and die with it.
type handler struct {
	cfg      config
	info     sdk.HostInfo
	host     sdk.Host
	coderURL string
	coderOpt []coder.Option // shared transport, user agent, retries
	base     *coder.Client  // no token: health checks
	users    *listcache.UserKeyer
	cache    *listcache.Cache[listing]
	hub      *watch.Hub
	mux      *http.ServeMux
}

// retryPolicy keeps retries short: the caller (a browser card, a poller)
// asks again anyway, and an unreachable Coder should be reported quickly.
var retryPolicy = coder.RetryPolicy{MaxAttempts: 2, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: 5 * time.Second}

// newHandler builds the handler for one configuration.
func newHandler(cfg config, info sdk.HostInfo, host sdk.Host) (*handler, error) {
	if info.CoderURL == "" {
		return nil, errors.New("the host reports no Coder URL; set coder.access_url (or coder.demo = true) in the host configuration")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64 // many users, one Coder: keep connections warm
	opts := []coder.Option{
		coder.WithHTTPClient(&http.Client{Transport: tr}),
		coder.WithUserAgent("coderhost-plugin-workspaces/" + version),
		coder.WithRetryPolicy(retryPolicy),
	}
	base, err := coder.New(info.CoderURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("the host's Coder URL: %w", err)
	}
	if cfg.app.AccessURL == "" {
		cfg.app.AccessURL = info.CoderURL
	}
	s := cfg.settings
	h := &handler{
		cfg: cfg, info: info, host: host,
		coderURL: info.CoderURL,
		coderOpt: opts,
		base:     base,
		users:    listcache.NewUserKeyer(),
		cache:    listcache.New[listing](listcache.Options{TTL: s.CacheTTL, Size: s.CacheSize}),
	}
	h.hub = watch.NewHub(watch.Options{
		Interval:          s.WatchInterval,
		IdleInterval:      s.WatchIdleInterval,
		MaxStreamsPerUser: s.MaxStreamsPerUser,
		Fatal:             pollingCannotRecover,
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/entities/{kind}/{namespace}/{name}/workspaces", h.list)
	mux.HandleFunc("GET /v1/entities/{kind}/{namespace}/{name}/workspaces/watch", h.watch)
	mux.HandleFunc("POST /v1/entities/{kind}/{namespace}/{name}/workspaces", h.create)
	mux.HandleFunc("POST /v1/workspaces/{id}/{action}", h.action)
	mux.HandleFunc("DELETE /v1/workspaces/{id}", h.remove)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sdk.WriteError(w, http.StatusNotFound, fmt.Sprintf("No workspaces route for %s %s.", r.Method, r.URL.Path),
			"Routes: GET|POST /v1/entities/{kind}/{namespace}/{name}/workspaces, GET .../workspaces/watch, "+
				"POST /v1/workspaces/{id}/start|stop|restart|update|cancel, DELETE /v1/workspaces/{id}.")
	})
	h.mux = mux
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// CheckHealth reports whether Coder answers.
func (h *handler) CheckHealth(ctx context.Context) sdk.Health {
	ctx, cancel := context.WithTimeout(ctx, min(h.cfg.settings.UpstreamTimeout, 5*time.Second))
	defer cancel()
	if _, err := h.base.BuildInfo(ctx); err != nil {
		return sdk.Health{Status: sdk.HealthDegraded, Message: h.fromCoder(err).Message}
	}
	return sdk.Health{Status: sdk.HealthOK}
}

// caller is the user a request acts for.
type caller struct {
	client *coder.Client
	// key identifies the user in caches: a keyed hash of their token.
	key string
}

// caller returns the Coder client acting as the request's user, or writes
// the 401.
func (h *handler) caller(w http.ResponseWriter, r *http.Request) (caller, bool) {
	client, err := sdk.CoderClient(r, h.coderOpt...)
	switch {
	case errors.Is(err, sdk.ErrNoSessionToken):
		writeAPIError(w, errNoToken)
		return caller{}, false
	case err != nil:
		writeAPIError(w, &apiError{Status: http.StatusInternalServerError, Message: "No Coder client for this request.", Detail: err.Error()})
		return caller{}, false
	}
	return caller{client: client, key: h.users.Key(sdk.SessionToken(r))}, true
}

// changed tells caches and pollers that the user changed something.
func (h *handler) changed(c caller) {
	h.cache.Invalidate(c.key)
	h.hub.Poke(c.key)
}

// ---- entities ----------------------------------------------------------------

func entityRef(r *http.Request) string {
	return strings.ToLower(r.PathValue("kind") + ":" + r.PathValue("namespace") + "/" + r.PathValue("name"))
}

// entity fetches the entity through the host's catalog and compiles its
// configuration.
func (h *handler) entity(ctx context.Context, ref string) (target, *apiError) {
	raw, err := h.host.GetEntity(ctx, ref)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		return target{}, &apiError{Status: http.StatusNotFound, Message: fmt.Sprintf("No entity %q in the catalog.", ref)}
	case errors.Is(err, sdk.ErrNotConfigured):
		return target{}, &apiError{Status: http.StatusServiceUnavailable, Message: "The host has no catalog configured.",
			Detail: "Set backstage.backend_url or backstage.catalog_files in the host configuration."}
	case err != nil:
		return target{}, &apiError{Status: http.StatusBadGateway, Message: fmt.Sprintf("Looking up %q in the catalog failed.", ref), Detail: err.Error()}
	}
	t, err := h.resolve(ctx, raw)
	if err != nil {
		return target{}, resolveError(ref, err)
	}
	t.ref = ref
	return t, nil
}

// ---- listing -----------------------------------------------------------------

// listing is one user's answer to one search, as cached.
type listing struct {
	Workspaces []workspaceView
	Busy       bool
	// Version identifies the content: equal lists have equal versions.
	Version string
}

// workspaceView is a Coder workspace as the card shows it.
type workspaceView struct {
	coder.Workspace
	// DisplayStatus is the card's availability text (Online, Offline,
	// Pending…, Deleting…, Failed).
	DisplayStatus string `json:"display_status"`
	// URL is the workspace's page in the Coder dashboard.
	URL string `json:"url"`
}

func (h *handler) view(w coder.Workspace) workspaceView {
	w.TemplateIcon = display.Icon(w.TemplateIcon, h.info.ExternalURL)
	return workspaceView{Workspace: w, DisplayStatus: display.Status(w), URL: display.WorkspaceURL(h.cfg.app.AccessURL, w.OwnerName, w.Name)}
}

// listResponse is the answer of the list route and each watch event.
type listResponse struct {
	Workspaces       []workspaceView `json:"workspaces"`
	Count            int             `json:"count"`
	RepoURL          string          `json:"repoUrl"`
	RepoLabel        string          `json:"repoLabel"`
	PollAfterSeconds int             `json:"pollAfterSeconds"`
	// Version identifies the list's content, for ?version=&wait= long polls.
	Version string `json:"version"`
	// Query is the search sent to Coder ("" when none was needed).
	Query string `json:"query"`
	// SkippedVariants are repo URL variants Coder's search cannot express.
	SkippedVariants []string `json:"skippedVariants,omitempty"`
	// Fresh is false when the list was served from memory (at most
	// cache_ttl old); Source says fetched, coalesced or cached.
	Fresh     bool       `json:"fresh"`
	Source    string     `json:"source,omitempty"`
	FetchedAt *time.Time `json:"fetchedAt,omitempty"`
}

// searchPlan is an entity's compiled search for one request.
type searchPlan struct {
	t     target
	query search.Query
}

// plan resolves the request's entity and builds its search, or writes the
// error.
func (h *handler) plan(w http.ResponseWriter, r *http.Request) (searchPlan, bool) {
	t, aerr := h.entity(r.Context(), entityRef(r))
	if aerr != nil {
		writeAPIError(w, aerr)
		return searchPlan{}, false
	}
	p := searchPlan{t: t}
	if t.repoURL == "" {
		return p, true
	}
	filter := search.DefaultFilter
	if v, ok := r.URL.Query()["q"]; ok {
		filter = strings.Join(v, " ")
	}
	q, err := search.Build(filter, t.keys, t.variants)
	var fe *search.FilterError
	switch {
	case errors.As(err, &fe):
		writeAPIError(w, &apiError{Status: http.StatusBadRequest, Message: "Invalid workspace search query.",
			Validations: []coder.ValidationError{{Field: "q", Detail: err.Error()}}})
		return p, false
	case err != nil:
		writeAPIError(w, &apiError{Status: http.StatusUnprocessableEntity,
			Message: fmt.Sprintf("The repository URL of %q cannot be searched in Coder.", t.ref), Detail: err.Error()})
		return p, false
	}
	p.query = q
	return p, true
}

func (h *handler) fetcher(c caller, q string) func(context.Context) (listing, error) {
	return func(ctx context.Context) (listing, error) {
		ctx, cancel := context.WithTimeout(ctx, h.cfg.settings.UpstreamTimeout)
		defer cancel()
		res, err := c.client.Workspaces(ctx, coder.WorkspacesRequest{Q: q})
		if err != nil {
			return listing{}, err
		}
		l := listing{Workspaces: make([]workspaceView, len(res.Workspaces)), Busy: display.Busy(res.Workspaces)}
		for i, w := range res.Workspaces {
			l.Workspaces[i] = h.view(w)
		}
		data, err := json.Marshal(l.Workspaces)
		if err != nil {
			return listing{}, err
		}
		sum := sha256.Sum256(data)
		l.Version = hex.EncodeToString(sum[:8])
		return l, nil
	}
}

func (p searchPlan) response(l listing) listResponse {
	out := listResponse{
		Workspaces: l.Workspaces, Count: len(l.Workspaces),
		RepoURL: p.t.repoURL, RepoLabel: display.RepoLabel(p.t.repoURL),
		PollAfterSeconds: display.SlowPollSeconds, Version: l.Version, Query: p.query.Q, Fresh: true,
	}
	if out.Workspaces == nil {
		out.Workspaces = []workspaceView{}
	}
	if l.Busy {
		out.PollAfterSeconds = display.FastPollSeconds
	}
	for _, e := range p.query.Skipped {
		out.SkippedVariants = append(out.SkippedVariants, e.Error())
	}
	return out
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	p, ok := h.plan(w, r)
	if !ok {
		return
	}
	if p.query.Q == "" {
		// No repository: nothing to match, and no request to Coder.
		w.Header().Set("Cache-Control", "private, no-store")
		writeJSON(w, http.StatusOK, p.response(listing{}))
		return
	}
	fetch := h.fetcher(c, p.query.Q)
	res, err := h.cache.Get(r.Context(), c.key, p.query.Q, fetch)
	if err == nil {
		res, err = h.longPoll(w, r, c, p, fetch, res)
	}
	if err != nil {
		if r.Context().Err() != nil {
			return // the caller went away
		}
		if !errors.Is(err, errAnswered) {
			writeAPIError(w, h.fromCoder(err))
		}
		return
	}
	out := p.response(res.Value)
	out.Fresh, out.Source, out.FetchedAt = res.Source.Fresh(), string(res.Source), &res.FetchedAt
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, out)
}
