package proxy

import (
	"net/http"
	"strings"
)

// safeHeaders is Backstage's proxy safe list (plugins/proxy-backend), used in
// both directions. Host is on Backstage's list too but is always rewritten to
// the upstream here (Backstage's changeOrigin default), so it is not a header
// in Go's model.
var safeHeaders = []string{
	"Cache-Control",
	"Content-Language",
	"Content-Length",
	"Content-Type",
	"Expires",
	"Last-Modified",
	"Pragma",
	"Accept",
	"Accept-Language",
	"User-Agent",
}

// sessionTokenHeader is the Coder credential the Backstage frontend plugin
// sends on every request. It is forwarded by default: carrying it is the whole
// point of the pass-through, and Backstage operators already list it in
// allowedHeaders on their side.
const sessionTokenHeader = "Coder-Session-Token"

// contentEncoding passes back although Backstage drops it: it describes the
// body bytes we pass on unchanged, so dropping it would corrupt them. The
// default transport never asks for compression, so it is rarely present.
const contentEncoding = "Content-Encoding"

// hopByHop are the connection-level headers of RFC 9110 §7.6.1 plus the
// legacy ones proxies still see. They are never forwarded in either
// direction, whatever the allowlists say.
var hopByHop = []string{
	"Connection",
	"Proxy-Connection",
	"Keep-Alive",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// headerSet holds canonical header names. It is built once in New and only
// read afterwards.
type headerSet map[string]struct{}

func (s headerSet) add(names ...string) {
	for _, n := range names {
		s[http.CanonicalHeaderKey(n)] = struct{}{}
	}
}

func (s headerSet) has(name string) bool {
	_, ok := s[name]
	return ok
}

func isHopByHop(canonical string) bool {
	for _, h := range hopByHop {
		if h == canonical {
			return true
		}
	}
	return false
}

// filterHeader copies the allowed entries of src into dst, sharing the value
// slices (neither side mutates them). Headers that src's own Connection header
// names are hop-by-hop for the previous hop and dropped too (RFC 9110 §7.6.1).
func filterHeader(dst, src http.Header, allowed headerSet) {
	conn := src["Connection"]
	for k, vv := range src {
		if _, ok := allowed[k]; !ok {
			continue
		}
		if len(conn) > 0 && connectionNames(conn, k) {
			continue
		}
		dst[k] = vv
	}
}

// connectionNames reports whether the Connection header values list name.
func connectionNames(values []string, name string) bool {
	for _, v := range values {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(tok), name) {
				return true
			}
		}
	}
	return false
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// validHeaderValue rejects CR, LF, NUL and other control characters (tab is
// allowed), which would otherwise split or truncate the header upstream.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
