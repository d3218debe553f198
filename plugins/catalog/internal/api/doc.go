// Package api is the catalog plugin: its configuration and the HTTP routes it
// serves under /api/catalog/ on the host.
//
//	GET  /v1/entities/{kind}/{namespace}/{name}/coder      the entity's Coder workspace configuration
//	POST /v1/coder-config                                   the same for {"entity": {...}} (no catalog lookup)
//	GET  /v1/entities/{kind}/{namespace}/{name}/open       302 to Coder's create-workspace page, or an HTML page saying why not
//	GET  /v1/entities/{kind}/{namespace}/{name}/badge.svg  an "Open in Coder" badge
//	GET  /v1/templates/entities                             the deployment's templates as Backstage entities (JSON)
//	GET  /v1/templates/catalog-info.yaml                    the same as multi-document YAML, for a url location
//	GET  /v1/backstage-config                               the Backstage wiring for this configuration (YAML)
package api
