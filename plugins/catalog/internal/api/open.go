package api

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/coderhost/coderhost/internal/entityconfig"
	"github.com/coderhost/coderhost/plugins/catalog/internal/badge"
)

// open sends the browser to Coder's create-workspace page for the entity, or
// explains on a small page why it cannot.
func (h *handler) open(w http.ResponseWriter, r *http.Request) {
	ref := refFromPath(r)
	out := h.resolve(r.Context(), ref, nil)
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case out.status != 0:
		h.page(w, out.status, "Cannot open "+ref.String()+" in Coder", []string{out.message, out.detail})
	case !out.cfg.Compatible:
		status := http.StatusUnprocessableEntity
		if optedOut(out.cfg) {
			status = http.StatusNotFound
		}
		h.page(w, status, ref.String()+" cannot be opened in Coder", out.cfg.Reasons)
	default:
		http.Redirect(w, r, out.cfg.CreationURL, http.StatusFound)
	}
}

func optedOut(c entityconfig.Config) bool {
	for _, r := range c.Reasons {
		if strings.Contains(r, entityconfig.EnabledAnnotation+`: "false"`) {
			return true
		}
	}
	return false
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1f2328}h1{font-size:1.3rem}li{margin:.4rem 0}</style>
</head>
<body>
<h1>{{.Title}}</h1>
<ul>
{{- range .Reasons}}
<li>{{.}}</li>
{{- end}}
</ul>
</body>
</html>
`))

// page writes the small HTML page /open answers with when it cannot
// redirect. Everything shown is escaped.
func (h *handler) page(w http.ResponseWriter, status int, title string, reasons []string) {
	var lines []string
	for _, r := range reasons {
		if r != "" {
			lines = append(lines, r)
		}
	}
	var b bytes.Buffer
	_ = pageTemplate.Execute(&b, struct {
		Title   string
		Reasons []string
	}{title, lines})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// Badge cache lifetimes: a configured entity rarely changes; a broken one is
// being fixed.
const (
	badgeMaxAgeOK    = "public, max-age=300"
	badgeMaxAgeOther = "public, max-age=60"
)

// badge serves an SVG badge showing whether the entity opens in Coder.
func (h *handler) badge(w http.ResponseWriter, r *http.Request) {
	ref := refFromPath(r)
	out := h.resolve(r.Context(), ref, nil)
	label, message, color, cache, status := "Open in", "Coder", badge.ColorCoder, badgeMaxAgeOK, http.StatusOK
	switch {
	case out.status == http.StatusNotFound:
		label, message, color, cache, status = "Coder", "unknown entity", badge.ColorError, badgeMaxAgeOther, http.StatusNotFound
	case out.status == http.StatusUnprocessableEntity:
		label, message, color, cache = "Coder", "invalid spec.coder", badge.ColorError, badgeMaxAgeOther
	case out.status != 0:
		label, message, color, cache = "Coder", "unavailable", badge.ColorError, "no-store"
	case !out.cfg.Compatible:
		label, message, color, cache = "Coder", "not configured", badge.ColorDisabled, badgeMaxAgeOther
	}
	w.Header().Set("Content-Type", "image/svg+xml; charset=utf-8")
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(badge.SVG(label, message, color))
}
