package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"gopkg.in/yaml.v3"

	"github.com/coderhost/coderhost/plugins/catalog/internal/templates"
	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
)

// templateList lists the templates as entities, or writes the error.
func (h *handler) templateList(w http.ResponseWriter, r *http.Request) ([]templates.Entity, bool) {
	ts, err := h.templates.List(r.Context(), sdk.SessionToken(r))
	switch {
	case errors.Is(err, templates.ErrNoToken):
		sdk.WriteError(w, http.StatusServiceUnavailable, "No Coder token to list templates with.",
			`Set templates_token in the catalog plugin's config (for example env("CODER_TEMPLATES_TOKEN")), or send a Coder-Session-Token header.`)
		return nil, false
	case coder.IsUnauthorized(err) || coder.IsForbidden(err):
		sdk.WriteError(w, http.StatusBadGateway, "Coder rejected the token used to list templates.",
			"Give templates_token a Coder session token of a user who can read the organization's templates. "+err.Error())
		return nil, false
	case err != nil:
		h.log.Warn("listing templates failed", "error", err)
		sdk.WriteError(w, http.StatusBadGateway, "Listing Coder templates failed.", err.Error())
		return nil, false
	}
	return templates.Entities(ts, templates.Options{
		AccessURL: h.cfg.App.AccessURL, Namespace: h.cfg.TemplatesNamespace,
		Owner: h.cfg.TemplatesOwner, Owners: h.cfg.TemplatesOwners,
	}), true
}

func (h *handler) templateEntities(w http.ResponseWriter, r *http.Request) {
	es, ok := h.templateList(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", h.templatesCacheControl())
	writeJSON(w, http.StatusOK, map[string]any{"items": es})
}

// templateYAML serves the templates as a multi-document catalog-info.yaml
// for a Backstage url location.
func (h *handler) templateYAML(w http.ResponseWriter, r *http.Request) {
	es, ok := h.templateList(w, r)
	if !ok {
		return
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Coder templates of %s as Backstage entities, served by the coderhost catalog plugin.\n", h.cfg.App.AccessURL)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	for _, e := range es {
		if err := enc.Encode(e); err != nil {
			sdk.WriteError(w, http.StatusInternalServerError, "Encoding the template entities failed.", err.Error())
			return
		}
	}
	_ = enc.Close()
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Cache-Control", h.templatesCacheControl())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

func (h *handler) templatesCacheControl() string {
	// Answers differ by token when there is no service token.
	if h.cfg.TemplatesToken == "" {
		return "private, max-age=" + fmt.Sprint(int(h.cfg.ttl.Seconds()))
	}
	return "max-age=" + fmt.Sprint(int(h.cfg.ttl.Seconds()))
}
