package fakecoder

import (
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/coder"
)

// FuzzQueryBuilderRoundTrip checks the typed client's q builder against the
// fake's parser (which follows Coder's searchquery): whatever the builder
// accepts must parse without errors into exactly the parameter it was given
// (lower-cased, as Coder lower-cases the whole query).
func FuzzQueryBuilderRoundTrip(f *testing.F) {
	for _, seed := range [][2]string{
		{"custom_repo", "https://github.com/acme/payments-api"},
		{"repo_url", "git@github.com:acme/x.git"},
		{"region", "eu helsinki"},
		{"a", "b=c"},
		{"x", "comma,inside"},
		{"x", `quo"te`},
		{"", "v"},
		{"n", " padded "},
	} {
		f.Add(seed[0], seed[1])
	}
	s, err := New(WithSeed(DemoSeed()))
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, name, value string) {
		q, err := coder.Query().Param(name, value).Build()
		if err != nil {
			return // refused with an error: fine
		}
		s.mu.Lock()
		filter, verrs := s.parseWorkspaceQueryLocked(q)
		s.mu.Unlock()
		if len(verrs) > 0 {
			t.Fatalf("builder accepted (%q, %q) as %q but Coder's grammar rejects it: %v", name, value, q, verrs)
		}
		if len(filter.paramNames) != 1 || filter.paramNames[0] != strings.ToLower(name) ||
			filter.paramValues[0] != strings.ToLower(value) {
			t.Fatalf("builder turned (%q, %q) into %q, which Coder reads as names %q values %q",
				name, value, q, filter.paramNames, filter.paramValues)
		}
	})
}
