// Package backstage holds the wire protocol between Backstage's frontend
// OAuth2 class and an auth provider's routes under /api/auth/<provider>/:
// the hex-encoded state, the nonce and refresh cookies (names, paths,
// lifetimes, flags and chunking), the origin allowlist, the web-message page
// that hands a session to the opener window, the session JSON and Backstage's
// error bodies.
//
// Everything here mirrors plugins/auth-node and plugins/auth-backend of
// https://github.com/backstage/backstage byte for byte where a browser or the
// frontend can tell the difference.
package backstage
