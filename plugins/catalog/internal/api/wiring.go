package api

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"text/template"
)

var wiringTemplate = template.Must(template.New("wiring").Funcs(template.FuncMap{"q": quoteJS}).Parse(
	`# Backstage wiring for the coderhost catalog plugin, for its running configuration.

# 1. app-config.yaml: ingest the Coder templates as catalog entities. The
#    Backstage backend reads the URL itself, so it points at coderhost
#    directly (not through the proxy, which wants Backstage credentials).
catalog:
  locations:
    - type: url
      target: {{.TemplatesURL}}
      rules:
        - allow: [Resource]
backend:
  reading:
    allow:
      - host: '{{.ReadingHost}}'

# 2. catalog-info.yaml of a component: an "Open in Coder" link (and a badge
#    for its README). Browsers follow these links without Backstage
#    credentials, so links_base_url ({{.LinksBase}}) must be
#    reachable that way; see the plugin README.
#
#    metadata:
#      links:
#        - url: {{.LinksBase}}/v1/entities/component/default/<name>/open
#          title: Open in Coder
#          icon: dashboard
#
#    README: [![Open in Coder]({{.LinksBase}}/v1/entities/component/default/<name>/badge.svg)]({{.LinksBase}}/v1/entities/component/default/<name>/open)

# 3. packages/app/src/components/catalog/EntityPage.tsx: the Coder card with
#    the same settings as this plugin, so the card and the links agree.
#
#    const coderAppConfig: CoderAppConfig = {
#      deployment: { accessUrl: {{q .App.AccessURL}} },
#      workspaces: {
{{- if .App.DefaultTemplate}}
#        defaultTemplateName: {{q .App.DefaultTemplate}},
{{- end}}
#        defaultMode: {{q .App.DefaultMode}},
#        repoUrlParamKeys: [{{range $i, $k := .App.RepoURLParamKeys}}{{if $i}}, {{end}}{{q $k}}{{end}}],
#        params: { {{- range $i, $k := .ParamKeys}}{{if $i}},{{end}} {{q $k}}: {{q (index $.App.Params $k)}}{{end}} },
#      },
#    };
#
#    <CoderProvider appConfig={coderAppConfig}>
#      <CoderWorkspacesCard readEntityData />
#    </CoderProvider>
#
#    Render it only for compatible entities: GET {{.LinksBase}}/v1/entities/{kind}/{namespace}/{name}/coder
#    answers "compatible" and "reasons".
`))

// backstageConfig prints the Backstage wiring for this configuration. The
// request's Host is how the Backstage backend reaches coderhost (the proxy
// rewrites Host to its target), so the catalog location uses it.
func (h *handler) backstageConfig(w http.ResponseWriter, r *http.Request) {
	mount := h.info.MountPath
	if mount == "" {
		mount = "/api/catalog/"
	}
	scheme := "http"
	if r.TLS != nil || r.URL.Scheme == "https" {
		scheme = "https"
	}
	origin := scheme + "://" + r.Host
	links := h.cfg.LinksBaseURL
	if links == "" {
		links = origin + strings.TrimRight(mount, "/")
	}
	keys := make([]string, 0, len(h.cfg.App.Params))
	for k := range h.cfg.App.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	err := wiringTemplate.Execute(&b, map[string]any{
		"TemplatesURL": origin + mount + "v1/templates/catalog-info.yaml",
		"ReadingHost":  r.Host,
		"LinksBase":    links,
		"App":          h.cfg.App,
		"ParamKeys":    keys,
	})
	if err != nil {
		http.Error(w, fmt.Sprintf("render the wiring: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/yaml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

// quoteJS writes s as a single-quoted JavaScript string.
func quoteJS(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`)
	return "'" + r.Replace(s) + "'"
}
