// Package proxy is the pass-through from Backstage to Coder.
//
// Backstage's proxy sends /api/proxy/coder/* to the host. The host mounts a
// Proxy at each of [Prefixes] (/api/v2/, /emojis/, /icon/), and the Proxy
// forwards those requests to the Coder deployment without changing the path.
// It behaves like Backstage's own proxy (plugins/proxy-backend), so the
// unmodified Backstage frontend plugin works, and no Backstage credentials
// reach Coder.
//
// # Requests
//
//   - Methods: only the allowed methods are forwarded. Any other method gets a
//     JSON 405 with an Allow header. The default is GET and HEAD
//     ([DefaultAllowedMethods]). This is narrower than Backstage, which
//     forwards every method when allowedMethods is unset, for three reasons:
//     the shipped frontend plugin only ever sends GET, the plugin's own demo
//     app-config sets ['GET'], and Options.Headers may inject a service token.
//     With an open default, any Backstage user could change Coder state with
//     that token. To allow more, list the methods, e.g. ["GET", "POST"] for
//     custom code that starts or stops workspaces. CONNECT and TRACE are
//     always refused.
//   - Request headers: everything not on the allowlist is dropped. The
//     allowlist is Backstage's safe list (Cache-Control, Content-Language,
//     Content-Length, Content-Type, Expires, Last-Modified, Pragma, Accept,
//     Accept-Language, User-Agent), plus Coder-Session-Token, plus
//     Options.AllowedHeaders. So Cookie, Authorization, Origin, Referer,
//     Accept-Encoding, conditional headers, Forwarded and all X-Forwarded-*
//     are dropped. No X-Forwarded-* headers are added, the same as Backstage
//     with its default xfwd: false.
//   - Coder-Session-Token is forwarded by default. It is the Coder credential
//     the frontend plugin sends, and carrying it is what the pass-through is
//     for. Backstage operators list it in their own allowedHeaders; listing it
//     here as well is harmless.
//   - Headers that Backstage itself injects (such as X-Custom-Source from the
//     plugin's README) are dropped here unless they are listed in
//     AllowedHeaders or set again in Options.Headers.
//   - Authorization and Cookie are forwarded only when ForwardAuthorization or
//     ForwardCookies is set. Listing them in AllowedHeaders does nothing. This
//     matches Backstage's default credentials policy, which ignores the
//     allowedHeaders: ['Authorization'] that the plugin's README recommends.
//   - Hop-by-hop headers, and any header that the caller's Connection header
//     names, are never forwarded. Options.Headers is applied last, so it
//     replaces any caller-sent header of the same name.
//   - Host is always the upstream's host (Backstage's changeOrigin: true). The
//     upstream is the only host ever contacted. The request's Host header, the
//     authority of an absolute request URI, and X-Forwarded-Host are ignored.
//     Redirects are passed back to the caller, never followed (and their
//     Location is dropped, as in Backstage, unless it is allowed).
//   - Bodies: request bodies are streamed. A body over MaxBodyBytes gets a
//     JSON 413. When the Content-Length declares an oversized body, the
//     upstream is never contacted. When a chunked body turns out to be too
//     large, the upstream request is aborted before it is complete. A body
//     the client sends slower than the server's read timeout gets a JSON
//     408 and the connection is closed. When Coder answers before it has
//     the whole body, or Timeout passes first, the answer goes out at once
//     and the rest of the body is not waited for.
//   - Paths: the escaped path and the raw query are forwarded exactly as
//     received, with the upstream's base path joined in front. A path is
//     refused with a JSON 400 if it contains any of the following in any
//     segment after the prefix: dot segments (literal or percent-encoded),
//     encoded slashes or backslashes (%2f, %5c), backslashes, NUL or other
//     control characters, empty segments, or double-encoded forms of these.
//     This guarantees that nothing Coder decodes can climb out of the
//     prefix. Paths outside Prefixes get a JSON 404.
//
// # Responses
//
//   - Coder's status code and body are passed back byte for byte.
//     Chunked and text/event-stream responses are flushed as they arrive.
//   - Response headers go through the same safe list plus AllowedHeaders,
//     as in Backstage. So Set-Cookie, Location, ETag, WWW-Authenticate, CORS
//     headers and Coder's X-Coder-* and rate-limit headers are dropped
//     unless they are listed. Content-Encoding is the one exception: it
//     always passes, because dropping it would corrupt the body it
//     describes.
//   - Errors that the host generates itself are JSON in Coder's shape,
//     {"message": "...", "detail": "..."}, with Content-Type
//     application/json:
//     400 for a refused path,
//     408 for a body that did not arrive within the read timeout,
//     404 for a path outside the prefixes,
//     405 for a method that is not allowed,
//     413 for an oversized body,
//     502 when Coder is unreachable (the message names the upstream host,
//     never its credentials),
//     504 when no response arrives within Timeout (default 30s).
//     The frontend plugin gives up after 20s on its own.
//   - Timeout covers the whole exchange. If a response is still streaming
//     when the timeout fires, it is cut off by aborting the connection, so
//     the caller cannot mistake a truncated body for a complete one.
//
// # Secrets
//
// Injected header values, cookies, tokens and query strings are never logged
// and never appear in error messages. Logs show the method, the escaped path,
// the status and the upstream host.
//
// # Not supported
//
// Protocol upgrades (WebSocket), because Upgrade is hop-by-hop; the frontend
// plugin does not use them. Trailers, and forwarding 1xx informational
// responses.
package proxy
