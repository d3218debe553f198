package proxy

import (
	"net/url"
	"strings"
)

// pathProblem says why an escaped request path may not be forwarded; the zero
// value means it may.
type pathProblem struct {
	notFound bool   // not under any prefix: 404
	reason   string // under a prefix but unsafe: 400
}

// UnsafePath says why escaped, a request path under prefix (which ends in
// "/"), may not be passed on, or returns "" when it may. It applies the
// pass-through's rules (see checkPath) to another mount, such as a
// plugin's /api/<id>/; a path outside prefix is the caller's business.
func UnsafePath(prefix, escaped string) string {
	return checkPath([]string{prefix}, escaped).reason
}

// checkPath validates the request path exactly as it arrived (still escaped).
// Upstream routers and file servers decode and clean paths in their own ways,
// so anything that could mean a different path after decoding is refused
// rather than normalised: the path Coder sees is the path the caller sent.
func checkPath(prefixes []string, escaped string) pathProblem {
	rest, ok := "", false
	for _, pfx := range prefixes {
		if strings.HasPrefix(escaped, pfx) {
			rest, ok = escaped[len(pfx):], true
			break
		}
		if escaped == pfx[:len(pfx)-1] { // "/api/v2" without its trailing slash
			return pathProblem{}
		}
	}
	if !ok {
		return pathProblem{notFound: true}
	}
	for len(rest) > 0 {
		seg := rest
		i := strings.IndexByte(rest, '/')
		if i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if seg == "" {
			// "a//b": an empty segment that is not the trailing slash.
			return pathProblem{reason: "the path contains an empty segment (//)"}
		}
		if r := checkSegment(seg); r != "" {
			return pathProblem{reason: r}
		}
	}
	return pathProblem{}
}

func checkSegment(seg string) string {
	if strings.IndexByte(seg, '%') < 0 {
		return checkDecodedSegment(seg, false)
	}
	dec, err := url.PathUnescape(seg)
	if err != nil {
		return "the path contains a malformed percent-encoding"
	}
	if strings.ContainsAny(dec, `/\`) {
		return "a segment contains a slash or backslash (%2f, %5c or \\)"
	}
	if r := checkDecodedSegment(dec, true); r != "" {
		return r
	}
	// A second decoding pass catches "%252e%252e" and friends, for upstreams
	// (or intermediaries) that decode twice.
	if strings.IndexByte(dec, '%') >= 0 {
		if dec2, err := url.PathUnescape(dec); err == nil && dec2 != dec {
			if strings.ContainsAny(dec2, `/\`) || checkDecodedSegment(dec2, true) != "" {
				return "the path contains a double-encoded dot, slash, backslash or control character"
			}
		}
	}
	return ""
}

func checkDecodedSegment(seg string, encoded bool) string {
	if seg == "." || seg == ".." {
		if encoded {
			return "the path contains an encoded dot segment (%2e)"
		}
		return "the path contains a dot segment (. or ..)"
	}
	for i := 0; i < len(seg); i++ {
		switch c := seg[i]; {
		case c == '\\':
			return "the path contains a backslash"
		case c == 0:
			return "the path contains a NUL byte"
		case c < 0x20 || c == 0x7f:
			return "the path contains a control character"
		}
	}
	return ""
}
