// Package scripting runs portal admins' JavaScript hooks with goja.
//
// Two hooks exist (see [Hooks]): "signin" maps a Coder profile to a Backstage
// identity, and "workspace_params" maps a catalog entity and the merged Coder
// settings to a template, a creation mode and parameters. A script is one
// file that defines a top-level function named after its hook.
//
// How scripts run:
//
//   - Each file is parsed and compiled once into a goja.Program (named by its
//     path, so positions point at the admin's file) and run in strict mode.
//   - goja.Runtime is not goroutine-safe, so every script has a pool of
//     pre-warmed runtimes (each has run the file's top level once) with a
//     bounded overflow; callers beyond that wait for a runtime or their
//     context. Top-level variables therefore live per runtime: they are fine
//     for constants, useless as a cache.
//   - Every call has a deadline enforced with Runtime.Interrupt. A runtime
//     that was interrupted, overflowed its stack or failed in a way that
//     leaves any doubt is dropped and replaced, never reused.
//   - Inputs and catalog entities are read-only views built fresh for each
//     call (goja dynamic objects over the decoded JSON, converted lazily):
//     any write throws a TypeError, so a script cannot change what the host
//     holds or what the next call sees. ctx and console are frozen.
//   - The sandbox is ECMAScript's built-ins plus console (to the host log)
//     and the ctx argument: no require, no timers, no filesystem, network,
//     environment or process. Source-map comments are ignored so that
//     eval/Function cannot make the parser read files.
//
// Field names: no Go value is ever exposed to scripts through reflection.
// Inputs and entities are views keyed by their JSON names, and ctx is built
// from explicit JS objects and native functions
// (func(goja.FunctionCall) goja.Value), so the names scripts see are exactly
// the JSON/TypeScript names in scripts/coderhost.d.ts and no FieldNameMapper
// is involved. That is also the cheaper path: reflection wrappers cost about
// 4x per call and would leave Go maps writable from JS.
//
// Memory is not bounded by goja; a script can exhaust it ('x'.repeat(1e9)).
// Scripts are admin configuration, trusted like the config file; the
// deadline stops loops, not allocations.
package scripting
