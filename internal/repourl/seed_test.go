package repourl

import (
	"errors"
	"testing"
)

// TestSeed is the cleaning table of the Coder frontend
// (specs/coder-backstage-plugins.md §2.4), one row per rule and quirk.
func TestSeed(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"tree/<ref>/ is removed", "https://github.com/o/r/tree/main/", "https://github.com/o/r"},
		{"tree/<ref> without the final slash is removed", "https://github.com/o/r/tree/main", "https://github.com/o/r"},
		{"ref may hold letters, digits, _ . -", "https://github.com/o/r/tree/release-1.0_rc.2/", "https://github.com/o/r"},
		{"quirk: a ref with a slash stays", "https://github.com/o/r/tree/feature/x/", "https://github.com/o/r/tree/feature/x/"},
		{"quirk: a monorepo path stays", "https://github.com/o/r/tree/main/sub/dir/", "https://github.com/o/r/tree/main/sub/dir/"},
		{"quirk: GitLab /-/tree/main/ leaves /-", "https://gitlab.com/o/r/-/tree/main/", "https://gitlab.com/o/r/-"},
		{"quirk: Bitbucket /src/ stays", "https://bitbucket.org/o/r/src/main/", "https://bitbucket.org/o/r/src/main/"},
		{"quirk: blob links stay", "https://github.com/o/r/blob/main/README.md", "https://github.com/o/r/blob/main/README.md"},
		{"quirk: .git stays", "https://github.com/o/r.git", "https://github.com/o/r.git"},
		{"quirk: a trailing slash stays", "https://github.com/o/r/", "https://github.com/o/r/"},
		{"quirk: no lower-casing", "https://GitHub.com/O/R/tree/main/", "https://GitHub.com/O/R"},
		{"quirk: www. stays", "https://www.github.com/zombocom/zombocom/tree/main/", "https://www.github.com/zombocom/zombocom"},
		{"only a trailing tree is removed", "https://github.com/o/tree/main/r", "https://github.com/o/tree/main/r"},
		{"a ref with other characters stays", "https://github.com/o/r/tree/v1+build/", "https://github.com/o/r/tree/v1+build/"},
		{"two trailing slashes stay", "https://github.com/o/r/tree/main//", "https://github.com/o/r/tree/main//"},
		{"any string is cleaned, URL or not", "git@github.com:o/r.git", "git@github.com:o/r.git"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Seed(tt.raw)
			if err != nil || got != tt.want {
				t.Errorf("Seed(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
	t.Run("empty is an error", func(t *testing.T) {
		for _, raw := range []string{"", "  \t"} {
			if _, err := Seed(raw); !errors.Is(err, ErrEmpty) {
				t.Errorf("Seed(%q) error = %v, want ErrEmpty", raw, err)
			}
		}
	})
}

func TestLocationTarget(t *testing.T) {
	tests := []struct {
		ref, typ, target string
		ok               bool
	}{
		{"url:https://github.com/o/r/tree/main/", "url", "https://github.com/o/r/tree/main/", true},
		{" url : https://github.com/o/r ", "url", "https://github.com/o/r", true},
		{"file:/src/repo/", "file", "/src/repo/", true},
		{"github:https://github.com/o/r", "github", "https://github.com/o/r", true},
		{"https://github.com/o/r", "", "", false}, // Backstage: prefix it with url:
		{"http://github.com/o/r", "", "", false},
		{"url:", "", "", false},
		{":https://x", "", "", false},
		{"nocolon", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			typ, target, ok := LocationTarget(tt.ref)
			if typ != tt.typ || target != tt.target || ok != tt.ok {
				t.Errorf("LocationTarget(%q) = %q, %q, %v; want %q, %q, %v", tt.ref, typ, target, ok, tt.typ, tt.target, tt.ok)
			}
		})
	}
}

func TestEntitySourceURL(t *testing.T) {
	tests := []struct {
		name, entity, want string
		ok                 bool
	}{
		{"url location", `{"metadata":{"annotations":{"backstage.io/source-location":"url:https://github.com/o/r/tree/main/"}}}`, "https://github.com/o/r/tree/main/", true},
		{"no annotations", `{"metadata":{"name":"x"}}`, "", false},
		{"managed-by-location is not read", `{"metadata":{"annotations":{"backstage.io/managed-by-location":"url:https://github.com/o/r/blob/main/catalog-info.yaml"}}}`, "", false},
		{"not a location ref", `{"metadata":{"annotations":{"backstage.io/source-location":"https://github.com/o/r"}}}`, "", false},
		{"not a string", `{"metadata":{"annotations":{"backstage.io/source-location":7}}}`, "", false},
		{"metadata not an object", `{"metadata":"x"}`, "", false},
		{"not JSON", `{`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := EntitySourceURL([]byte(tt.entity))
			if got != tt.want || ok != tt.ok {
				t.Errorf("EntitySourceURL = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	t.Run("managed-by url location", func(t *testing.T) {
		e := `{"metadata":{"annotations":{"backstage.io/managed-by-location":"url:https://github.com/o/r/blob/main/catalog-info.yaml"}}}`
		if got, ok := EntityManagedByURL([]byte(e)); !ok || got != "https://github.com/o/r/blob/main/catalog-info.yaml" {
			t.Errorf("EntityManagedByURL = %q, %v", got, ok)
		}
		e = `{"metadata":{"annotations":{"backstage.io/managed-by-location":"file:/tmp/catalog-info.yaml"}}}`
		if got, ok := EntityManagedByURL([]byte(e)); ok {
			t.Errorf("EntityManagedByURL(file:) = %q, want none", got)
		}
	})
}
