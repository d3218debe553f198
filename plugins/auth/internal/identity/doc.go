// Package identity issues and checks Backstage user identity tokens: ES256
// JWTs with the header typ "vnd.backstage.user", the claims iss, sub, ent
// (optional), aud "backstage", iat, exp and uip, where uip is the signature
// of a limited user token that Backstage backends rebuild byte for byte for
// cookie authentication. It loads the P-256 signing keys from PEM files
// (the first signs, the rest stay published so keys can rotate), serves
// them as a JWKS, and remembers the claims of issued tokens for the
// userinfo endpoint.
package identity
