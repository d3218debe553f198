/// <reference path="../coderhost.d.ts" />
// @ts-check
//
// An example workspace_params hook:
//
//   - the entity's owner (spec.owner, a group) picks the "region" parameter,
//     from REGION_BY_OWNER, else from the owning group's
//     example.com/coder-region annotation, else DEFAULT_REGION;
//   - an entity annotated coder.com/template uses that template instead of
//     the configured one.
//
// Every other setting is kept: the result only names what it changes, and
// its params start from input.config.params.

/** Owner group ref (canonical, lower-case) → region. Edit to taste. */
const REGION_BY_OWNER = {
  "group:default/team-eu": "eu-west",
  "group:default/team-us": "us-east",
};
const DEFAULT_REGION = "us-east";
const REGION_ANNOTATION = "example.com/coder-region";
const TEMPLATE_ANNOTATION = "coder.com/template";

/**
 * @param {WorkspaceParamsInput} input
 * @param {HookContext} ctx
 * @returns {WorkspaceParamsResult}
 */
function workspace_params(input, ctx) {
  const { entity, config } = input;
  /** @type {WorkspaceParamsResult} */
  const result = {
    params: { ...config.params, region: regionFor(entity, ctx) },
  };
  const template = entity.metadata.annotations?.[TEMPLATE_ANNOTATION];
  if (template) {
    result.templateName = template;
  }
  return result;
}

/**
 * @param {Entity} entity
 * @param {HookContext} ctx
 * @returns {string}
 */
function regionFor(entity, ctx) {
  const owner = entity.spec?.owner;
  if (typeof owner !== "string" || owner === "") {
    return DEFAULT_REGION;
  }
  // Owners default to kind Group in the entity's own namespace, as in Backstage.
  const ownerRef = ctx.entityRef.stringify(
    ctx.entityRef.parse(owner, { defaultKind: "Group", defaultNamespace: entity.metadata.namespace || "default" }),
  );
  if (Object.prototype.hasOwnProperty.call(REGION_BY_OWNER, ownerRef)) {
    return REGION_BY_OWNER[/** @type {keyof typeof REGION_BY_OWNER} */ (ownerRef)];
  }
  const group = ctx.catalog.getEntity(ownerRef);
  const fromGroup = group?.metadata.annotations?.[REGION_ANNOTATION];
  return fromGroup || DEFAULT_REGION;
}
