// Test fixture: the config loader only checks that this file exists.
export function signin(profile) {
  return { entityRef: `user:default/${profile.username}` };
}
