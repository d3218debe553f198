package repourl

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// scpLike matches git's scp-style remote "[user@]host:path", which has no
// scheme: git@github.com:o/r.git.
var scpLike = regexp.MustCompile(`^(?:[^@/\s]+@)?([^@:/\s\[\]]+):([^/].*|/.+)$`)

// hostName is what Canonical accepts as a host: a DNS name (after
// lower-casing) or an IP literal, so the output re-parses unchanged.
var hostName = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*$`)

// pageMarkers are path segments that start a web page inside a repository
// (a branch, a file, a commit) rather than name it.
var pageMarkers = map[string]bool{
	"tree": true, "blob": true, "src": true, "raw": true, "blame": true,
	"commits": true, "commit": true, "browse": true, "edit": true,
}

// ownerRepoHosts keep exactly owner/repo: anything after is a page.
var ownerRepoHosts = map[string]bool{"github.com": true, "bitbucket.org": true}

// Canonical returns the repository's canonical URL,
// https://<lower-case host>[:port]/<owner path>/<repo>:
//
//   - ssh://, git://, git+ssh://, http:// and scp-style git@host:o/r.git
//     forms become https (ssh ports are dropped, they are not the web port);
//     a URL without a scheme ("github.com/o/r") is taken as https;
//   - user info, query and fragment go; the host is lower-cased, "www." is
//     dropped, and so are the default ports;
//   - empty segments (trailing and doubled slashes) and a ".git" suffix go;
//   - pages inside a repository are cut: GitHub and Bitbucket keep
//     owner/repo; GitLab keeps every group and subgroup before "/-/";
//     other hosts are cut at "/-/" or at the first tree, blob, src, raw,
//     blame, commit(s), browse or edit segment after owner/repo.
//
// The path keeps its case (Coder compares repository parameters
// case-insensitively anyway). Canonical is idempotent. It fails, naming the
// input, for an empty string, an unsupported scheme (file:, ftp:), a host it
// cannot read, or a URL without a repository path.
func Canonical(raw string) (string, error) {
	p, err := parse(raw)
	if err != nil {
		return "", err
	}
	return p.https(), nil
}

// parsed is a repository location: host (with a non-default web port) and
// path segments.
type parsed struct {
	host string
	segs []string
}

func (p parsed) path() string { return strings.Join(p.segs, "/") }

func (p parsed) https() string {
	return (&url.URL{Scheme: "https", Host: p.host, Path: "/" + p.path()}).String()
}

// hostOnly is the host without a port, for ssh and scp forms.
func (p parsed) hostOnly() string {
	if h, _, err := net.SplitHostPort(p.host); err == nil {
		if strings.Contains(h, ":") {
			return "[" + h + "]"
		}
		return h
	}
	return p.host
}

func parse(raw string) (parsed, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return parsed{}, ErrEmpty
	}
	fail := func(format string, args ...any) (parsed, error) {
		return parsed{}, fmt.Errorf("repository URL %q: "+format, append([]any{raw}, args...)...)
	}

	var host, path string
	webPort := false // whether the URL's port is a web port worth keeping
	switch {
	case strings.Contains(s, "://"):
		u, err := url.Parse(s)
		if err != nil {
			return fail("not a URL: %v", unwrapURLError(err))
		}
		switch strings.ToLower(u.Scheme) {
		case "https", "http", "git+https", "git+http":
			webPort = true
		case "ssh", "git", "git+ssh", "ssh+git":
		default:
			return fail("unsupported scheme %q (use https, http, ssh or git@host:owner/repo)", u.Scheme)
		}
		host, path = u.Host, u.Path
		if webPort {
			// Default ports go; others (a self-hosted GitLab on :8443) stay.
			if h, port, err := net.SplitHostPort(host); err == nil && (port == "443" || port == "80" || port == "") {
				host = h
				if strings.Contains(h, ":") {
					host = "[" + h + "]"
				}
			}
		} else {
			host = u.Hostname()
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
		}
	case scpLike.MatchString(s):
		m := scpLike.FindStringSubmatch(s)
		host, path = m[1], m[2]
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
	case !strings.ContainsAny(strings.SplitN(s, "/", 2)[0], ":@") && strings.Contains(strings.SplitN(s, "/", 2)[0], "."):
		// "github.com/o/r": a host and a path without a scheme.
		u, err := url.Parse("https://" + s)
		if err != nil {
			return fail("not a URL: %v", unwrapURLError(err))
		}
		host, path, webPort = u.Host, u.Path, true
	default:
		return fail("not a repository URL (use https://host/owner/repo or git@host:owner/repo.git)")
	}

	host, err := cleanHost(host, webPort)
	if err != nil {
		return fail("%v", err)
	}
	var segs []string
	for _, seg := range strings.Split(path, "/") {
		switch seg {
		case "", ".":
			continue
		case "..":
			return fail("the path has a \"..\" segment")
		}
		segs = append(segs, seg)
	}
	segs = repoPath(host, segs)
	if len(segs) == 0 {
		return fail("no repository path after the host")
	}
	if ownerRepoHosts[host] && len(segs) < 2 {
		return fail("%s URLs name a repository as %s/<owner>/<repo>", host, host)
	}
	return parsed{host: host, segs: segs}, nil
}

// cleanHost lower-cases the host, drops "www." and checks that it is a DNS
// name or an IP literal, optionally followed by a port when keepPort.
func cleanHost(host string, keepPort bool) (string, error) {
	host = strings.ToLower(host)
	name, port := host, ""
	if h, p, err := net.SplitHostPort(host); err == nil {
		name, port = h, p
	}
	if !keepPort {
		port = ""
	}
	if ip := net.ParseIP(strings.Trim(name, "[]")); ip != nil {
		name = ip.String()
		if ip.To4() == nil {
			name = "[" + name + "]"
		}
	} else {
		name = strings.TrimRight(name, ".") // the root label: "github.com." is github.com
		for strings.HasPrefix(name, "www.") && len(name) > len("www.") {
			name = strings.TrimPrefix(name, "www.")
		}
		if !hostName.MatchString(name) {
			return "", fmt.Errorf("host %q is not a DNS name or an IP address", name)
		}
	}
	if port != "" {
		for _, c := range port {
			if c < '0' || c > '9' {
				return "", fmt.Errorf("port %q is not a number", port)
			}
		}
		return name + ":" + port, nil
	}
	return name, nil
}

// repoPath cuts the segments down to the repository's own path. It repeats
// until nothing changes, so that "r.git" followed by "tree.git" and the like
// settle, which keeps Canonical idempotent.
func repoPath(host string, segs []string) []string {
	for {
		before := len(segs)
		last := ""
		if len(segs) > 0 {
			last = segs[len(segs)-1]
		}
		// GitLab and other hosts mark the end of the project path with "-".
		for i := 1; i < len(segs); i++ {
			if segs[i] == "-" {
				segs = segs[:i]
				break
			}
		}
		switch {
		case ownerRepoHosts[host]:
			if len(segs) > 2 {
				segs = segs[:2]
			}
		default:
			// Older GitLab URLs and other forges: owner/repo/tree/<ref>/...;
			// GitLab subgroups can be deep, so a marker may come later.
			for i := 2; i < len(segs); i++ {
				if pageMarkers[segs[i]] {
					segs = segs[:i]
					break
				}
			}
		}
		if n := len(segs); n > 0 {
			trimmed := segs[n-1]
			for strings.HasSuffix(strings.ToLower(trimmed), ".git") {
				trimmed = trimmed[:len(trimmed)-len(".git")]
			}
			if trimmed == "" || trimmed == "." || trimmed == ".." {
				segs = segs[:n-1]
			} else {
				segs[n-1] = trimmed
			}
		}
		newLast := ""
		if len(segs) > 0 {
			newLast = segs[len(segs)-1]
		}
		if len(segs) == before && newLast == last {
			return segs
		}
	}
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
