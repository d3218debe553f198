package repourl

import (
	"strings"
	"testing"
)

// TestCanonical is the robust table: URLs as catalogs, forges and developers
// write them.
func TestCanonical(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		// GitHub
		{"https://github.com/acme/payments-api", "https://github.com/acme/payments-api"},
		{"https://github.com/acme/payments-api/tree/main/", "https://github.com/acme/payments-api"},
		{"https://github.com/acme/payments-api/tree/main", "https://github.com/acme/payments-api"},
		{"https://github.com/acme/payments-api/tree/feature/new-ledger/", "https://github.com/acme/payments-api"},
		{"https://github.com/acme/monorepo/tree/main/services/billing/", "https://github.com/acme/monorepo"},
		{"https://github.com/acme/payments-api/blob/main/catalog-info.yaml", "https://github.com/acme/payments-api"},
		{"https://github.com/acme/payments-api.git", "https://github.com/acme/payments-api"},
		{"https://github.com/acme/payments-api/", "https://github.com/acme/payments-api"},
		{"https://github.com/acme/payments-api.git/", "https://github.com/acme/payments-api"},
		{"https://www.github.com/zombocom/zombocom/tree/main/", "https://github.com/zombocom/zombocom"},
		{"https://GitHub.com/Acme/Payments-API", "https://github.com/Acme/Payments-API"},
		{"HTTPS://GITHUB.COM/acme/r", "https://github.com/acme/r"},
		{"http://github.com/acme/r", "https://github.com/acme/r"},
		{"https://github.com:443/acme/r", "https://github.com/acme/r"},
		{"https://user:secret@github.com/acme/r.git", "https://github.com/acme/r"},
		{"https://github.com/acme/r?tab=readme-ov-file#usage", "https://github.com/acme/r"},
		{"https://github.com/acme/r/pull/42", "https://github.com/acme/r"},
		{"https://github.com//acme//r//", "https://github.com/acme/r"},
		{"  https://github.com/acme/r  ", "https://github.com/acme/r"},
		{"git@github.com:acme/payments-api.git", "https://github.com/acme/payments-api"},
		{"git@github.com:acme/payments-api", "https://github.com/acme/payments-api"},
		{"ssh://git@github.com/acme/payments-api.git", "https://github.com/acme/payments-api"},
		{"ssh://git@github.com:22/acme/payments-api.git", "https://github.com/acme/payments-api"},
		{"git://github.com/acme/payments-api.git", "https://github.com/acme/payments-api"},
		{"git+ssh://git@github.com/acme/payments-api.git", "https://github.com/acme/payments-api"},
		{"git+https://github.com/acme/payments-api.git", "https://github.com/acme/payments-api"},
		{"github.com/acme/payments-api", "https://github.com/acme/payments-api"},
		// GitHub Enterprise
		{"https://github.acme.internal/platform/ledger/tree/main/", "https://github.acme.internal/platform/ledger"},
		{"git@github.acme.internal:platform/ledger.git", "https://github.acme.internal/platform/ledger"},
		// GitLab
		{"https://gitlab.com/acme/storefront-web", "https://gitlab.com/acme/storefront-web"},
		{"https://gitlab.com/acme/storefront-web/-/tree/main/", "https://gitlab.com/acme/storefront-web"},
		{"https://gitlab.com/acme/storefront-web/-/blob/main/catalog-info.yaml", "https://gitlab.com/acme/storefront-web"},
		{"https://gitlab.com/acme/web/shop/storefront/-/tree/release/2.0/", "https://gitlab.com/acme/web/shop/storefront"},
		{"https://gitlab.com/acme/web/shop/storefront.git", "https://gitlab.com/acme/web/shop/storefront"},
		{"git@gitlab.com:acme/web/shop/storefront.git", "https://gitlab.com/acme/web/shop/storefront"},
		{"https://gitlab.com/acme/storefront-web/tree/main/", "https://gitlab.com/acme/storefront-web"},
		{"https://gitlab.com/acme/storefront-web/-/merge_requests/7", "https://gitlab.com/acme/storefront-web"},
		{"https://gitlab.acme.internal:8443/acme/storefront/-/tree/main/", "https://gitlab.acme.internal:8443/acme/storefront"},
		{"ssh://git@gitlab.acme.internal:2222/acme/storefront.git", "https://gitlab.acme.internal/acme/storefront"},
		// Bitbucket
		{"https://bitbucket.org/acme/inventory-service/src/main/", "https://bitbucket.org/acme/inventory-service"},
		{"https://bitbucket.org/acme/inventory-service/src/main/deploy/catalog-info.yaml", "https://bitbucket.org/acme/inventory-service"},
		{"https://jdoe@bitbucket.org/acme/inventory-service.git", "https://bitbucket.org/acme/inventory-service"},
		{"git@bitbucket.org:acme/inventory-service.git", "https://bitbucket.org/acme/inventory-service"},
		{"https://bitbucket.acme.internal/projects/INV/repos/inventory/browse/catalog-info.yaml", "https://bitbucket.acme.internal/projects/INV/repos/inventory"},
		// Others
		{"https://dev.azure.com/acme/platform/_git/ledger?path=/catalog-info.yaml", "https://dev.azure.com/acme/platform/_git/ledger"},
		{"https://gitea.acme.internal/acme/tools/src/branch/main/", "https://gitea.acme.internal/acme/tools"},
		{"https://codeberg.org/acme/tools.git", "https://codeberg.org/acme/tools"},
		{"http://10.0.0.5:3000/acme/tools", "https://10.0.0.5:3000/acme/tools"},
		{"https://github.com./acme/r", "https://github.com/acme/r"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := Canonical(tt.raw)
			if err != nil || got != tt.want {
				t.Fatalf("Canonical(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
			again, err := Canonical(got)
			if err != nil || again != got {
				t.Errorf("Canonical is not idempotent: Canonical(%q) = %q, %v", got, again, err)
			}
		})
	}
	if len(tests) < 40 {
		t.Fatalf("the table has %d URLs; keep at least 40", len(tests))
	}
}

func TestCanonicalErrors(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{"", "empty"},
		{"file:///src/repo", `unsupported scheme "file"`},
		{"ftp://example.com/o/r", `unsupported scheme "ftp"`},
		{"/src/repo/", "not a repository URL"},
		{"https://github.com/", "no repository path"},
		{"https://github.com/acme", "github.com URLs name a repository as github.com/<owner>/<repo>"},
		{"https://exa mple.com/o/r", "not a URL"},
		{"https://ex_ample!.com/o/r", "is not a DNS name"},
		{"https://github.com/o/../r", `".." segment`},
		{"https://github.com:abc/o/r", "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := Canonical(tt.raw)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Canonical(%q) = %q, %v; want an error containing %q", tt.raw, got, err, tt.want)
			}
			if tt.raw != "" && !strings.Contains(err.Error(), tt.raw) {
				t.Errorf("error %q does not name the input", err)
			}
		})
	}
}

func TestVariants(t *testing.T) {
	got, err := Variants("https://github.com/acme/payments-api/tree/main/")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://github.com/acme/payments-api",
		"https://github.com/acme/payments-api.git",
		"https://github.com/acme/payments-api/",
		"http://github.com/acme/payments-api",
		"ssh://git@github.com/acme/payments-api.git",
		"git@github.com:acme/payments-api.git",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Variants = %q, want %q (the Seed form equals the canonical one and is listed once)", got, want)
	}

	t.Run("seed form kept when it differs", func(t *testing.T) {
		got, _ := Variants("https://gitlab.com/acme/web/shop/-/tree/main/")
		if got[0] != "https://gitlab.com/acme/web/shop" || !contains(got, "https://gitlab.com/acme/web/shop/-") {
			t.Errorf("Variants = %q", got)
		}
		if !contains(got, "git@gitlab.com:acme/web/shop.git") {
			t.Errorf("Variants = %q lacks the scp form", got)
		}
	})
	t.Run("case-only duplicates listed once", func(t *testing.T) {
		got, _ := Variants("https://GITHUB.com/acme/r")
		if contains(got, "https://GITHUB.com/acme/r") {
			t.Errorf("Variants = %q repeats the canonical URL in another case", got)
		}
	})
	t.Run("every variant names the same repository", func(t *testing.T) {
		for _, raw := range []string{"git@github.com:acme/r.git", "https://bitbucket.org/acme/r/src/main/", "https://gitlab.acme.internal:8443/g/s/r/-/tree/x"} {
			vs, err := Variants(raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				if !Same(v, raw) {
					t.Errorf("variant %q of %q does not name the same repository", v, raw)
				}
			}
		}
	})
	t.Run("no canonical form", func(t *testing.T) {
		got, err := Variants("/src/repo/")
		if err == nil || len(got) != 1 || got[0] != "/src/repo/" {
			t.Errorf("Variants = %q, %v; want the Seed form and an error", got, err)
		}
	})
}

func TestSame(t *testing.T) {
	if !Same("git@github.com:acme/r.git", "https://www.GitHub.com/acme/R/tree/main/") {
		t.Error("scp and https forms of one repository differ")
	}
	if Same("https://github.com/acme/r", "https://github.com/acme/r2") {
		t.Error("different repositories are the same")
	}
	if !Same("/src/repo/tree/main", "/src/repo") {
		t.Error("non-URLs are not compared by their Seed form")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
