// Package catalog is the host's one Backstage catalog client.
//
// Two implementations share the [Catalog] interface: [Client] reads a running
// Backstage catalog over its REST API (with an in-memory cache), and [Files]
// serves entities from catalog-info YAML files, for demos, tests and
// `coderhost script test --catalog DIR`.
//
// The package also holds the Backstage rules the rest of the host relies on:
// entity references ([ParseRef], [Ref.String]) and how the Coder plugin
// derives a repository URL from an entity ([NormalizeRepoURL],
// [EntityRepoURL]).
package catalog
