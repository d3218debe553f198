// Package catalog is the host's one Backstage catalog client.
//
// Two implementations share the [Catalog] interface: [Client] reads a running
// Backstage catalog over its REST API (with an in-memory cache), and [Files]
// serves entities from catalog-info YAML files, for demos, tests and
// `coderhost script test --catalog DIR`.
//
// The package also holds Backstage's entity reference rules the rest of the
// host relies on ([ParseRef], [Ref.String]). How an entity's repository URL
// is derived lives in internal/repourl, shared with the plugins.
package catalog
