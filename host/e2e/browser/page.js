// The test app: Backstage's own OAuth2 class and OAuthRequestManager from
// @backstage/core-app-api, wired as packages/app/src/apis.ts wires the Coder
// auth API, with coderhost as the "auth" plugin. index.html loads the bundle
// from the app origin; ?auth= is coderhost's /api/auth URL.
import { OAuth2, OAuthRequestManager } from '@backstage/core-app-api';

const authBase = new URL(location.href).searchParams.get('auth');
const discoveryApi = {
  getBaseUrl: async pluginId => {
    if (pluginId !== 'auth') throw new Error(`no discovery for ${pluginId}`);
    return authBase;
  },
};
const oauthRequestApi = new OAuthRequestManager();
const coderAuth = OAuth2.create({
  discoveryApi,
  oauthRequestApi,
  provider: { id: 'coder', title: 'Coder', icon: () => null },
  environment: 'development',
  defaultScopes: [],
});

// What OAuthRequestDialog does: show pending requests, and trigger one when
// the user clicks "Log in" (the popup needs that click).
const login = document.getElementById('login');
oauthRequestApi.authRequest$().subscribe(requests => {
  login.disabled = requests.length === 0;
  login.onclick = () => requests.forEach(r => r.trigger());
});

async function run() {
  const optional = new URL(location.href).searchParams.get('optional') === '1';
  const accessToken = await coderAuth.getAccessToken([], { optional });
  if (!accessToken) return { signedIn: false };
  // The Coder frontend plugin sends the token through Backstage's proxy.
  const me = await fetch('/api/proxy/coder/api/v2/users/me', {
    headers: { 'Coder-Session-Token': accessToken },
  });
  const identity = await coderAuth.getBackstageIdentity();
  const profile = await coderAuth.getProfile();
  return {
    signedIn: true,
    usersMe: { status: me.status, body: await me.json() },
    profile,
    identity: identity && identity.identity,
    backstageToken: identity && identity.token,
  };
}

run().then(
  result => { window.result = result; },
  error => { window.result = { error: `${error.name}: ${error.message}` }; },
);
