// Package templates describes a Coder deployment's templates as Backstage
// catalog entities (kind Resource, spec.type coder-template), so a Backstage
// catalog can ingest them from a url location, and lists them with a cache
// so that catalog refreshes do not each cost a Coder request.
package templates
