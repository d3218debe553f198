// Package realseed puts a seed — the same description the in-memory Coder
// (sdk/fakecoder) is built from — into a real Coder deployment through its
// REST API, so that tests can ask both the same questions and expect the
// same users, templates and workspaces.
//
// Templates are served by Coder's echo provisioner (`coder server
// --provisioner-types echo`), which replays protobuf messages stored in the
// template archive instead of running Terraform; their rich parameters
// resolve with the classic parameter flow. Workspace states are reached by
// real builds: running (a start), stopped (start, stop), failed (a start on a
// template version whose apply step fails), deleted (start, delete).
//
// What a real deployment cannot be told, and so does not match the seed:
// session tokens and OAuth2 secrets (Coder mints them; Apply returns them),
// IDs, timestamps and last-used times, the user who created each template
// (always the first owner), and features that need a Coder licence
// (template deprecation, dormancy). Apply reports each of those it skips.
package realseed
