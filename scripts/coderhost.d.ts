// Types for coderhost hook scripts (signin, workspace_params).
//
// Reference this file from a script for editor completion and checking:
//
//   /// <reference path="../coderhost.d.ts" />
//   // @ts-check
//
// Scripts run in goja (ECMAScript 2020-ish, strict mode) inside coderhost:
// there is no require/import, no timers, no filesystem, network, environment
// or process. Date and Math.random work. console.* goes to the coderhost log.

// ---------------------------------------------------------------- entities

/** A Backstage entity as the catalog returns it. Inputs are frozen: copy before changing. */
interface Entity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: EntityMeta;
  readonly spec?: { readonly [key: string]: unknown };
  readonly relations?: readonly EntityRelation[];
  readonly status?: { readonly [key: string]: unknown };
}

interface EntityMeta {
  readonly name: string;
  /** Always present on catalog entities; "default" unless set. */
  readonly namespace?: string;
  readonly title?: string;
  readonly description?: string;
  readonly labels?: { readonly [key: string]: string };
  readonly annotations?: { readonly [key: string]: string };
  readonly tags?: readonly string[];
  readonly links?: readonly { readonly url: string; readonly title?: string; readonly icon?: string; readonly type?: string }[];
  readonly uid?: string;
  readonly etag?: string;
  readonly [key: string]: unknown;
}

/** A relation computed by the catalog, e.g. {type: "memberOf", targetRef: "group:default/team-a"}. */
interface EntityRelation {
  readonly type: string;
  /** Canonical (lower-case) ref: kind:namespace/name. */
  readonly targetRef: string;
}

/** A User entity: spec.profile and spec.memberOf as Backstage defines them. */
interface UserEntity extends Entity {
  readonly kind: "User";
  readonly spec?: {
    readonly profile?: { readonly email?: string; readonly displayName?: string; readonly picture?: string };
    readonly memberOf?: readonly string[];
    readonly [key: string]: unknown;
  };
}

/** The parts of an entity ref. */
interface CompoundEntityRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

// ---------------------------------------------------------------- signin

/** A Coder role as Coder returns it on the user. */
interface CoderRole {
  readonly name: string;
  readonly display_name: string;
  readonly organization_id?: string;
}

/** The signing-in Coder user (fields of Coder's GET /api/v2/users/me). */
interface CoderProfile {
  readonly id: string;
  readonly username: string;
  readonly name?: string;
  readonly email: string;
  readonly avatar_url?: string;
  readonly roles: readonly CoderRole[];
}

/**
 * The Backstage identity to sign in as. Refs must be written in full
 * (kind:namespace/name); they are lower-cased on the way out.
 */
interface SignInResult {
  /** user:<namespace>/<name>, the token's subject. */
  userEntityRef: string;
  /** The token's ownership refs (user and groups). Default: [userEntityRef]. Duplicates are dropped. */
  ownershipEntityRefs?: string[];
}

/**
 * The signin hook. Return null when this script does not know the user: the
 * next signin script is tried. Throw to refuse the sign-in outright.
 */
type SignInHook = (profile: CoderProfile, ctx: HookContext) => SignInResult | null;

// ---------------------------------------------------------------- workspace_params

type CreateMode = "auto" | "manual";

/** Coder settings for an entity: the app defaults merged with the entity's spec.coder. */
interface WorkspaceConfig {
  readonly templateName?: string;
  readonly mode: CreateMode;
  readonly params: { readonly [name: string]: string };
  /**
   * The entity's repository URL, when it has one (catalog plugin). The
   * parameters named in repoUrlParamKeys are set to it again after the
   * scripts run, so workspaces created from the link are found under the entity.
   */
  readonly repoUrl?: string;
  readonly repoUrlParamKeys?: readonly string[];
}

interface WorkspaceParamsInput {
  /** The catalog entity the workspace is for. */
  readonly entity: Entity;
  readonly config: WorkspaceConfig;
}

/**
 * What to change. Fields left out keep the configured value; params replaces
 * the whole parameter map (spread input.config.params to keep them).
 * Parameter values are strings; numbers and booleans are converted with
 * String(); undefined values are dropped; null, objects and arrays are errors.
 */
interface WorkspaceParamsResult {
  templateName?: string;
  mode?: CreateMode;
  params?: { [name: string]: string | number | boolean | undefined };
}

/** The workspace_params hook. Return null to change nothing (the next script is tried). */
type WorkspaceParamsHook = (input: WorkspaceParamsInput, ctx: HookContext) => WorkspaceParamsResult | null;

// ---------------------------------------------------------------- ctx

/** The second argument of every hook. All calls are synchronous and share the call's deadline. */
interface HookContext {
  /** This script's configured name. */
  readonly script: string;
  readonly hook: "signin" | "workspace_params";
  readonly catalog: CatalogApi;
  readonly entityRef: EntityRefApi;
  readonly repoUrl: RepoUrlApi;
}

interface CatalogApi {
  /**
   * The entity with this ref, or null if there is none. The kind is required
   * ("user:default/jdoe", "user:jdoe"); matching is case-insensitive. Throws
   * when the catalog cannot be reached.
   */
  getEntity(ref: string): Entity | null;
  /**
   * User entities whose spec.profile.email, or whose annotation, equals the
   * value (case-insensitive, like Backstage's catalog filters).
   */
  findUsers(query: { email: string } | { annotation: { key: string; value: string } }): UserEntity[];
}

interface EntityRefApi {
  /**
   * Backstage's parseEntityRef: "[kind:][namespace/]name". Keeps the case of
   * each part. Throws a TypeError when the kind is missing and no
   * defaultKind is given, or a part is empty. The namespace defaults to
   * defaultNamespace, else "default".
   */
  parse(ref: string, options?: { defaultKind?: string; defaultNamespace?: string }): CompoundEntityRef;
  /** Backstage's stringifyEntityRef: "kind:namespace/name", lower-cased; accepts an entity too. */
  stringify(ref: { kind: string; namespace?: string; name: string } | Entity): string;
}

interface RepoUrlApi {
  /**
   * The Coder plugin's repo URL cleaning: removes a trailing "/tree/<branch>"
   * (optionally followed by "/") where the branch has no "/"; nothing else.
   */
  normalize(url: string): string;
  /**
   * The repo URL the Coder plugin derives for an entity: the target of its
   * backstage.io/source-location annotation ("url:<target>"), normalized; null if none.
   */
  fromEntity(entity: Entity): string | null;
}

// ---------------------------------------------------------------- console

/** console.log/info/debug/warn/error write one line to the coderhost log, tagged with the script name and line. */
interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
}
declare var console: Console;
