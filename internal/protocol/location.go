package protocol

import (
	"net/http"
	"net/url"
	"strings"
)

// rewriteLocation keeps a redirect from a plugin inside the plugin's mount.
// The plugin sees paths relative to its mount, so its "/x" means the host's
// mount+"x". A Location without scheme and host is resolved against the
// request path as the plugin saw it, then written relative to the request's
// own path (reqPath, escaped), which also holds when a proxy serves the
// host under a prefix, as Backstage's /api/proxy/coder/ does. Absolute URLs
// are the plugin's to choose and pass unchanged; one that cannot be parsed
// is dropped.
func rewriteLocation(h http.Header, mount, reqPath string) {
	loc := h.Get("Location")
	if loc == "" || mount == "" {
		return
	}
	u, err := url.Parse(loc)
	if err != nil {
		h.Del("Location")
		return
	}
	if u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.EscapedPath() == "" {
		return // absolute, or only a query or fragment of the same path
	}
	mountDir := strings.TrimSuffix(mount, "/")
	seen, ok := strings.CutPrefix(reqPath, mountDir)
	if !ok {
		return
	}
	if !strings.HasPrefix(seen, "/") {
		seen = "/" + seen
	}
	base, err := url.Parse(seen)
	if err != nil {
		h.Del("Location")
		return
	}
	target := base.ResolveReference(u) // an absolute path, dot segments removed
	out := relativePath(reqPath, mountDir+target.EscapedPath())
	// Browsers read a backslash as a slash.
	out = strings.ReplaceAll(out, `\`, "%5C")
	if target.RawQuery != "" || target.ForceQuery {
		out += "?" + target.RawQuery
	}
	if u.Fragment != "" {
		out += "#" + u.EscapedFragment()
	}
	h.Set("Location", out)
}

// relativePath returns the relative reference that leads from the document
// at path from to the path to (both absolute and escaped).
func relativePath(from, to string) string {
	fromDir := segments(from[:strings.LastIndexByte(from, '/')+1])
	i := strings.LastIndexByte(to, '/')
	toDir, file := segments(to[:i+1]), to[i+1:]
	common := 0
	for common < len(fromDir) && common < len(toDir) && fromDir[common] == toDir[common] {
		common++
	}
	var b strings.Builder
	for range len(fromDir) - common {
		b.WriteString("../")
	}
	for _, s := range toDir[common:] {
		b.WriteString(s)
		b.WriteByte('/')
	}
	b.WriteString(file)
	rel := b.String()
	first, _, _ := strings.Cut(rel, "/")
	if rel == "" || strings.Contains(first, ":") {
		// "" would mean the request itself, and "a:b" would read as a
		// scheme.
		rel = "./" + rel
	}
	return rel
}

// segments splits a directory path ("/a/b/") into its segments.
func segments(dir string) []string {
	dir = strings.Trim(dir, "/")
	if dir == "" {
		return nil
	}
	return strings.Split(dir, "/")
}
