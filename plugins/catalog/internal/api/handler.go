package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/coderhost/coderhost/internal/entityconfig"
	"github.com/coderhost/coderhost/plugins/catalog/internal/templates"
	"github.com/coderhost/coderhost/sdk"
)

// handler serves one configuration; it is immutable once built.
type handler struct {
	cfg       config
	info      sdk.HostInfo
	host      sdk.Host
	templates *templates.Source
	mux       *http.ServeMux
	log       *slog.Logger
}

// maxEntityBody bounds POST /v1/coder-config bodies.
const maxEntityBody = 1 << 20

// newHandler builds the plugin's routes for one configuration.
func newHandler(raw json.RawMessage, info sdk.HostInfo, host sdk.Host, log *slog.Logger) (http.Handler, error) {
	cfg, err := decodeConfig(raw, info)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	h := &handler{
		cfg: cfg, info: info, host: host, log: log,
		templates: templates.NewSource(info.CoderURL, cfg.TemplatesOrganization, cfg.TemplatesToken, cfg.ttl),
		mux:       http.NewServeMux(),
	}
	const entity = "/v1/entities/{kind}/{namespace}/{name}"
	h.mux.HandleFunc("GET "+entity+"/coder", h.entityConfig)
	h.mux.HandleFunc("POST /v1/coder-config", h.coderConfig)
	h.mux.HandleFunc("GET "+entity+"/open", h.open)
	h.mux.HandleFunc("GET "+entity+"/badge.svg", h.badge)
	h.mux.HandleFunc("GET /v1/templates/entities", h.templateEntities)
	h.mux.HandleFunc("GET /v1/templates/catalog-info.yaml", h.templateYAML)
	h.mux.HandleFunc("GET /v1/backstage-config", h.backstageConfig)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sdk.WriteError(w, http.StatusNotFound, fmt.Sprintf("No catalog route %s %s.", r.Method, r.URL.Path),
			"See the catalog plugin's README for its routes.")
	})
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// response is the JSON of the /coder routes: the compiled configuration and
// where browsers open it.
type response struct {
	entityconfig.Config
	EntityRef string `json:"entityRef,omitempty"`
	OpenURL   string `json:"openUrl,omitempty"`
	BadgeURL  string `json:"badgeUrl,omitempty"`
}

// entityRef is the lower-case ref of the route's entity.
type entityRef struct{ kind, namespace, name string }

func refFromPath(r *http.Request) entityRef {
	return entityRef{
		kind:      strings.ToLower(r.PathValue("kind")),
		namespace: strings.ToLower(r.PathValue("namespace")),
		name:      strings.ToLower(r.PathValue("name")),
	}
}

func (e entityRef) String() string { return e.kind + ":" + e.namespace + "/" + e.name }

// links returns the open and badge URLs of an entity.
func (h *handler) links(e entityRef) (open, badgeURL string) {
	if h.cfg.LinksBaseURL == "" || e.name == "" {
		return "", ""
	}
	base := h.cfg.LinksBaseURL + "/" + url.PathEscape(e.kind) + "/" + url.PathEscape(e.namespace) + "/" + url.PathEscape(e.name)
	return base + "/open", base + "/badge.svg"
}

// outcome is what resolving an entity gave: a configuration or the error to
// report, already classified.
type outcome struct {
	cfg     entityconfig.Config
	status  int    // 0 on success
	message string // for the person reading it
	detail  string
}

// resolve looks the entity up (unless given) and resolves its configuration.
func (h *handler) resolve(ctx context.Context, ref entityRef, entity json.RawMessage) outcome {
	if entity == nil {
		raw, err := h.host.GetEntity(ctx, ref.String())
		switch {
		case errors.Is(err, sdk.ErrNotFound):
			return outcome{status: http.StatusNotFound, message: fmt.Sprintf("No entity %q in the catalog.", ref),
				detail: "Check the kind, namespace and name; they are matched case-insensitively."}
		case errors.Is(err, sdk.ErrNotConfigured):
			return outcome{status: http.StatusServiceUnavailable, message: "The host has no catalog configured.",
				detail: "Set backstage.backend_url or backstage.catalog_files in the host configuration."}
		case err != nil:
			h.log.Warn("catalog lookup failed", "entity", ref.String(), "error", err)
			return outcome{status: http.StatusBadGateway, message: fmt.Sprintf("Looking up %q in the catalog failed.", ref), detail: err.Error()}
		}
		entity = raw
	}
	cfg, err := entityconfig.Resolve(ctx, h.host, h.cfg.App, entity)
	var fe *entityconfig.FieldError
	switch {
	case errors.As(err, &fe):
		what := "The entity"
		if ref.name != "" {
			what = fmt.Sprintf("Entity %q", ref)
		}
		return outcome{status: http.StatusUnprocessableEntity, message: fe.Field + ": " + fe.Message,
			detail: what + " has an invalid " + fe.Field + "; fix its catalog-info.yaml."}
	case err != nil:
		message, detail := scriptFailure(err)
		h.log.Error("workspace_params hook failed", "entity", ref.String(), "error", err)
		return outcome{status: http.StatusInternalServerError, message: message, detail: detail}
	}
	return outcome{cfg: cfg}
}

// scriptFailure describes a failed workspace_params hook: which script, where
// and why.
func scriptFailure(err error) (message, detail string) {
	var se *sdk.ScriptError
	if !errors.As(err, &se) {
		return "Running the workspace_params scripts failed.", err.Error()
	}
	detail = se.Message
	if se.Pos != "" {
		detail = se.Pos + ": " + se.Message
	}
	return fmt.Sprintf("The workspace_params script %q failed.", se.Script), detail
}

func (h *handler) entityConfig(w http.ResponseWriter, r *http.Request) {
	ref := refFromPath(r)
	out := h.resolve(r.Context(), ref, nil)
	if out.status != 0 {
		sdk.WriteError(w, out.status, out.message, out.detail)
		return
	}
	h.writeConfig(w, ref, out.cfg)
}

func (h *handler) coderConfig(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Entity json.RawMessage `json:"entity"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxEntityBody))
	if err := dec.Decode(&body); err != nil {
		sdk.WriteError(w, http.StatusBadRequest, "The body must be a JSON object {\"entity\": {...}}.", err.Error())
		return
	}
	if len(body.Entity) == 0 || string(body.Entity) == "null" {
		sdk.WriteError(w, http.StatusBadRequest, "The body has no entity.", `Send {"entity": <a catalog entity as JSON>}.`)
		return
	}
	ref := refFromEntity(body.Entity)
	out := h.resolve(r.Context(), ref, body.Entity)
	if out.status != 0 {
		sdk.WriteError(w, out.status, out.message, out.detail)
		return
	}
	h.writeConfig(w, ref, out.cfg)
}

// refFromEntity is the ref of an entity given as JSON, empty if it has no
// kind or name.
func refFromEntity(raw json.RawMessage) entityRef {
	var e struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Kind == "" || e.Metadata.Name == "" {
		return entityRef{}
	}
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	return entityRef{kind: strings.ToLower(e.Kind), namespace: strings.ToLower(ns), name: strings.ToLower(e.Metadata.Name)}
}

func (h *handler) writeConfig(w http.ResponseWriter, ref entityRef, cfg entityconfig.Config) {
	resp := response{Config: cfg}
	if ref.name != "" {
		resp.EntityRef = ref.String()
		resp.OpenURL, resp.BadgeURL = h.links(ref)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
