package wiring

import (
	"fmt"
	"strings"

	"github.com/coderhost/coderhost/host/internal/config"
)

// Catalog is the Backstage wiring of the catalog plugin, printed at
// startup when a plugin "catalog" is configured: the catalog location that
// ingests the Coder templates (read by the Backstage backend straight from
// this host), the "Open in Coder" links entry, and where the full wiring for
// the plugin's running configuration (entity page included) is served.
func Catalog(addr string, cfg *config.Config) string {
	configured := false
	for _, p := range cfg.Plugins {
		configured = configured || p.ID == "catalog"
	}
	if !configured {
		return ""
	}
	base := "http://" + addr + "/api/catalog"
	links := strings.TrimRight(cfg.ExternalURL, "/") + "/api/catalog"
	return fmt.Sprintf(`  catalog:
    locations:
      - type: url
        target: %[1]s/v1/templates/catalog-info.yaml
        rules:
          - allow: [Resource]
  backend:
    reading:
      allow:
        - host: '%[2]s'
"Open in Coder" entry for a component's metadata.links (replace <name>):
    - url: %[3]s/v1/entities/component/default/<name>/open
      title: Open in Coder
entity page wiring, links and badge for the catalog plugin's configuration: %[1]s/v1/backstage-config
`, base, addr, links)
}
