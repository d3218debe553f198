/// <reference path="../coderhost.d.ts" />
// @ts-check
//
// Sign in as the catalog User named like the Coder username: Backstage's
// usernameMatchingUserEntityName. Coder user "jdoe" becomes
// user:default/jdoe if that entity exists; otherwise this script returns
// null and the next signin script is tried.
//
// Ownership refs follow Backstage's default: the user plus every group the
// catalog lists as a direct memberOf relation.

/**
 * @param {CoderProfile} profile
 * @param {HookContext} ctx
 * @returns {SignInResult | null}
 */
function signin(profile, ctx) {
  if (!profile.username) {
    throw new Error("Coder profile is missing username");
  }
  const ref = ctx.entityRef.stringify({ kind: "User", namespace: "default", name: profile.username });
  const user = ctx.catalog.getEntity(ref);
  if (user === null) {
    return null;
  }
  return ownershipOf(user, ctx);
}

/**
 * Backstage's getDefaultOwnershipEntityRefs: the user's own ref plus its
 * direct group memberships, de-duplicated.
 *
 * @param {Entity} user
 * @param {HookContext} ctx
 * @returns {SignInResult}
 */
function ownershipOf(user, ctx) {
  const userRef = ctx.entityRef.stringify(user);
  const refs = [userRef];
  for (const rel of user.relations || []) {
    if (rel.type === "memberOf" && rel.targetRef.startsWith("group:") && !refs.includes(rel.targetRef)) {
      refs.push(rel.targetRef);
    }
  }
  return { userEntityRef: userRef, ownershipEntityRefs: refs };
}
