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

# 1. app-config.yaml.
#    The catalog location ingests the Coder templates as entities. The
#    Backstage backend reads the URL itself, so it points at coderhost
#    directly: Backstage's proxy would want Backstage credentials.
#    The '/coder-open' proxy endpoint serves the "Open in Coder" links and
#    badges: browsers follow links and load README images without Backstage
#    credentials, and the proxy drops Location headers unless allowed. It
#    reaches only the plugin's per-entity routes. Use it by setting the
#    plugin's links_base_url = "{{.ProxyLinks}}";
#    they are now {{.LinksBase}}.
catalog:
  locations:
    - type: url
      target: {{.Origin}}{{.Mount}}/v1/templates/catalog-info.yaml
      rules:
        - allow: [Resource]
backend:
  reading:
    allow:
      - host: '{{.Host}}'
proxy:
  endpoints:
    '/coder-open':
      target: '{{.Origin}}{{.Mount}}/v1/entities/'
      credentials: dangerously-allow-unauthenticated
      allowedMethods: ['GET', 'HEAD']
      allowedHeaders: ['Location']

# 2. catalog-info.yaml of a component: an "Open in Coder" link, and a badge
#    for its README.
#
#    metadata:
#      links:
#        - url: {{.LinksBase}}/component/default/<name>/open
#          title: Open in Coder
#          icon: dashboard
#
#    [![Open in Coder]({{.LinksBase}}/component/default/<name>/badge.svg)]({{.LinksBase}}/component/default/<name>/open)

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
#    Show it only for compatible entities: GET {{.LinksBase}}/{kind}/{namespace}/{name}/coder
#    answers "compatible" and "reasons" (an entity opts out with the annotation
#    coder.com/enabled: "false").
`))

// backstageConfig prints the Backstage wiring for this configuration. The
// request's Host is how the Backstage backend reaches coderhost (the proxy
// rewrites Host to its target), so the catalog location uses it.
func (h *handler) backstageConfig(w http.ResponseWriter, r *http.Request) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	keys := make([]string, 0, len(h.cfg.App.Params))
	for k := range h.cfg.App.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	backend := strings.TrimRight(h.info.BackstageBackendURL, "/")
	if backend == "" {
		// The external URL is <backend>/api/proxy/<endpoint> behind Backstage.
		backend = h.info.ExternalURL
		if i := strings.Index(backend, "/api/proxy/"); i >= 0 {
			backend = backend[:i]
		}
	}
	var b bytes.Buffer
	err := wiringTemplate.Execute(&b, map[string]any{
		"Origin":     scheme + "://" + r.Host,
		"Host":       r.Host,
		"Mount":      mountPath(h.info),
		"LinksBase":  h.cfg.LinksBaseURL,
		"ProxyLinks": backend + "/api/proxy/coder-open",
		"App":        h.cfg.App,
		"ParamKeys":  keys,
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
