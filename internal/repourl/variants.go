package repourl

import "strings"

// Variants returns the distinct URLs under which existing workspaces may have
// stored the repository of raw, canonical first: the canonical URL, with
// ".git", with a trailing "/", the [Seed]-cleaned raw form (what the Coder
// frontend filled in), and the http, ssh:// and scp-style forms.
//
// Coder compares repository parameters case-insensitively, so variants that
// differ only in case are listed once. When raw has no canonical form (a
// file: location, a bare host) the only variant is its Seed form, and the
// error from [Canonical] is returned with it.
func Variants(raw string) ([]string, error) {
	seed, err := Seed(raw)
	if err != nil {
		return nil, err
	}
	p, err := parse(raw)
	if err != nil {
		return []string{seed}, err
	}
	c := p.https()
	host, path := p.hostOnly(), p.path()
	candidates := []string{
		c,
		c + ".git",
		c + "/",
		seed,
		"http://" + strings.TrimPrefix(c, "https://"),
		"ssh://git@" + host + "/" + path + ".git",
		"git@" + host + ":" + path + ".git",
	}
	out := make([]string, 0, len(candidates))
	seen := map[string]bool{}
	for _, v := range candidates {
		k := strings.ToLower(v)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// Same reports whether a and b name the same repository: the same host and
// repository path once canonical, compared case-insensitively as Coder
// compares parameters. Ports are ignored, because the ssh form of a
// repository has a different port (or none) than its web form. URLs without
// a canonical form are compared by their Seed form.
func Same(a, b string) bool {
	pa, errA := parse(a)
	pb, errB := parse(b)
	if errA == nil && errB == nil {
		return strings.EqualFold(pa.hostOnly(), pb.hostOnly()) && strings.EqualFold(pa.path(), pb.path())
	}
	sa, errA := Seed(a)
	sb, errB := Seed(b)
	return errA == nil && errB == nil && strings.EqualFold(sa, sb)
}
