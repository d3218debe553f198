package backstage

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// OriginFilter decides which app origins may receive sessions: the origin of
// the Backstage app URL, compared exactly, or any origin matching one of the
// extra glob patterns (Backstage's auth.experimentalExtraAllowedOrigins). The
// patterns are matched like minimatch with nocase and noglobstar: "*" and
// "?" do not cross "/", "[...]" is a class and "{a,b}" alternatives.
type OriginFilter struct {
	app      string
	patterns []string // lower case, braces expanded
}

// NewOriginFilter builds a filter from the app URL (may be empty when
// patterns cover every app) and glob patterns such as
// "https://*.example.com".
func NewOriginFilter(appURL string, patterns []string) (*OriginFilter, error) {
	f := &OriginFilter{}
	if appURL != "" {
		o, err := Origin(appURL)
		if err != nil {
			return nil, err
		}
		f.app = o
	}
	for _, p := range patterns {
		for _, e := range expandBraces(strings.ToLower(p)) {
			if _, err := path.Match(e, ""); err != nil {
				return nil, fmt.Errorf("origin pattern %q: %w", p, err)
			}
			f.patterns = append(f.patterns, e)
		}
	}
	return f, nil
}

// AppOrigin is the origin of the Backstage app URL ("" when none is set).
func (f *OriginFilter) AppOrigin() string { return f.app }

// Allowed reports whether origin may receive sessions.
func (f *OriginFilter) Allowed(origin string) bool {
	if origin == "" {
		return false
	}
	if origin == f.app {
		return true
	}
	lower := strings.ToLower(origin)
	for _, p := range f.patterns {
		if ok, _ := path.Match(p, lower); ok {
			return true
		}
	}
	return false
}

// Origin returns the origin (scheme://host[:port]) of an absolute URL, as
// the URL API's origin property does: lower-case scheme and host, default
// ports dropped.
func Origin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", raw)
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// expandBraces expands the first {a,b,...} group (recursively), the way
// minimatch does before matching. Unbalanced braces are literal.
func expandBraces(p string) []string {
	open := strings.IndexByte(p, '{')
	if open < 0 {
		return []string{p}
	}
	depth, close := 0, -1
	var commas []int
	for i := open; i < len(p) && close < 0; i++ {
		switch p[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				close = i
			}
		case ',':
			if depth == 1 {
				commas = append(commas, i)
			}
		}
	}
	if close < 0 || len(commas) == 0 {
		if close < 0 {
			return []string{p}
		}
		// "{x}" without a comma is literal in minimatch; keep expanding after it.
		var out []string
		for _, rest := range expandBraces(p[close+1:]) {
			out = append(out, p[:close+1]+rest)
		}
		return out
	}
	var out []string
	start := open + 1
	for _, end := range append(commas, close) {
		for _, e := range expandBraces(p[:open] + p[start:end] + p[close+1:]) {
			out = append(out, e)
		}
		start = end + 1
	}
	return out
}
