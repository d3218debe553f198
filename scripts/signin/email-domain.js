/// <reference path="../coderhost.d.ts" />
// @ts-check
//
// Sign in as the catalog User named like the local part of the Coder email:
// Backstage's emailLocalPartMatchingUserEntityName. "jane.doe@example.com"
// becomes user:default/jane.doe if that entity exists; otherwise this script
// returns null and the next signin script is tried.
//
// Only emails from ALLOWED_DOMAINS may sign in this way; any other domain is
// refused outright (an error, not "try the next script"), as Backstage does.

/**
 * The domains allowed to sign in. Edit this list. null allows every domain
 * (Backstage's behaviour when allowedDomains is not set).
 *
 * Unlike Backstage, which compares domains exactly, the comparison here
 * ignores case: Jane@Example.COM and jane@example.com are the same mailbox
 * domain.
 *
 * @type {string[] | null}
 */
const ALLOWED_DOMAINS = ["example.com"];

/**
 * @param {CoderProfile} profile
 * @param {HookContext} ctx
 * @returns {SignInResult | null}
 */
function signin(profile, ctx) {
  if (!profile.email) {
    throw new Error("Login failed, user profile does not contain an email");
  }
  // Local part: up to the first "@"; domain: everything after it.
  const at = profile.email.indexOf("@");
  const localPart = at === -1 ? profile.email : profile.email.slice(0, at);
  const domain = at === -1 ? "" : profile.email.slice(at + 1);

  if (ALLOWED_DOMAINS !== null) {
    const allowed = ALLOWED_DOMAINS.some((d) => d.toLowerCase() === domain.toLowerCase());
    if (!allowed) {
      throw new Error("Sign-in user email is not from an allowed domain");
    }
  }

  const ref = ctx.entityRef.stringify({ kind: "User", namespace: "default", name: localPart });
  const user = ctx.catalog.getEntity(ref);
  if (user === null) {
    return null;
  }
  const userRef = ctx.entityRef.stringify(user);
  const refs = [userRef];
  for (const rel of user.relations || []) {
    if (rel.type === "memberOf" && rel.targetRef.startsWith("group:") && !refs.includes(rel.targetRef)) {
      refs.push(rel.targetRef);
    }
  }
  return { userEntityRef: userRef, ownershipEntityRefs: refs };
}
