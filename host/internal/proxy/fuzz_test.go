package proxy

import (
	"net/url"
	"path"
	"strings"
	"testing"
)

// FuzzCheckPath: any path the proxy forwards must decode to itself after
// cleaning (no dot segments, no encoded separators) and stay under its
// prefix, so Coder sees exactly the path the caller sent.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{
		"/api/v2/users/me", "/api/v2/../admin", "/api/v2/%2e%2e/x", "/api/v2/a%2fb", "/icon/go.svg",
		"/emojis/1f4bb.png", "/api/v2//x", "/api/v2/%252e%252e/", `/api/v2/a\b`, "/api/v2/%00", "/api/v2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		if problem := checkPath(Prefixes, escaped); problem != (pathProblem{}) {
			return
		}
		decoded, err := url.PathUnescape(escaped)
		if err != nil {
			t.Fatalf("forwarded %q, which does not decode: %v", escaped, err)
		}
		under := false
		for _, p := range Prefixes {
			if strings.HasPrefix(decoded, p) || decoded == strings.TrimSuffix(p, "/") {
				under = true
			}
		}
		if !under {
			t.Fatalf("forwarded %q, which decodes to %q outside every prefix", escaped, decoded)
		}
		cleaned := path.Clean(decoded)
		if strings.HasSuffix(decoded, "/") && cleaned != "/" {
			cleaned += "/"
		}
		if cleaned != decoded {
			t.Fatalf("forwarded %q, which decodes to %q but means %q", escaped, decoded, cleaned)
		}
		if strings.ContainsAny(decoded, "\\\x00") {
			t.Fatalf("forwarded %q with a backslash or NUL", escaped)
		}
	})
}
