// Test fixture: the config loader only checks that this file exists.
export function workspace_params(input) {
  return input;
}
