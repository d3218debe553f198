package repourl

import (
	"strings"
	"testing"
)

// FuzzCanonical checks that Canonical never panics, is idempotent, and always
// yields an https URL whose variants are all the same repository.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"https://github.com/o/r/tree/main/", "git@gitlab.com:g/s/r.git", "ssh://git@h:22/o/r.git",
		"https://bitbucket.org/o/r/src/main/", "https://gitlab.com/g/r/-/tree/x", "http://[::1]:8080/o/r",
		"github.com/o/r", "https://www.www.x.io/a/b.git.git", "https://h/o/r/tree.git", "x@y:/z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := Canonical(raw)
		if err != nil {
			return
		}
		if !strings.HasPrefix(c, "https://") {
			t.Fatalf("Canonical(%q) = %q, not https", raw, c)
		}
		again, err := Canonical(c)
		if err != nil || again != c {
			t.Fatalf("not idempotent: Canonical(%q) = %q; Canonical(%q) = %q, %v", raw, c, c, again, err)
		}
		vs, err := Variants(raw)
		if err != nil || len(vs) == 0 || vs[0] != c {
			t.Fatalf("Variants(%q) = %q, %v; want %q first", raw, vs, err, c)
		}
	})
}
