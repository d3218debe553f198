// Package entityconfig compiles a Backstage catalog entity and the app's
// Coder settings into the Coder workspace configuration for that entity: the
// template, the create mode, the template parameters (the repository URL
// included) and the "create workspace" link, as the Backstage Coder frontend
// plugin computes them on the client (specs/coder-backstage-plugins.md
// §2.4–2.6), plus whether the entity can be opened in Coder at all and why
// not.
//
// [Compile] applies the frontend's rules. In "seed" matching mode it is
// bug-for-bug compatible with the frontend; in "robust" mode (the default)
// it fixes the quirks the plugin README lists. [Resolve] then runs the
// admin's workspace_params hook scripts through the host and validates
// their result. The catalog plugin serves the result; the workspaces plugin
// uses it to find an entity's workspaces.
package entityconfig
