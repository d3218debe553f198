package search

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/coderhost/coderhost/sdk/coder"
)

// DefaultFilter is the card's default filter: the caller's own workspaces.
const DefaultFilter = "owner:me"

// ErrNoRepoTerms means none of the repository URLs can be written in
// Coder's search language (each is named in the joined errors).
var ErrNoRepoTerms = errors.New("no repository URL variant can be searched in Coder")

// FilterError is a user filter the plugin refuses to send.
type FilterError struct {
	Term   string
	Reason string
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("q: the term %q %s", e.Term, e.Reason)
}

// Query is the search the plugin sends, and what it left out.
type Query struct {
	// Q is the q parameter for GET /api/v2/workspaces.
	Q string
	// Skipped lists the URL variants Coder's search cannot express (a
	// comma, '=' or '"' in the URL), with why.
	Skipped []error
}

// Build returns the one search covering every key × variant, ANDed with the
// user's filter. variants are the repository URLs to match (the canonical
// one first); keys are the template parameters that hold a repository URL.
// Variants that differ only in case collapse into one, as Coder compares
// lower-cased values.
//
// The filter is refused when it holds a param:name=value term: Coder would OR
// it with the repository terms and list workspaces of other repositories.
func Build(filter string, keys, variants []string) (Query, error) {
	if err := checkFilter(filter); err != nil {
		return Query{}, err
	}
	if len(keys) == 0 || len(variants) == 0 {
		return Query{}, fmt.Errorf("%w: no repository parameter keys (%d) or URLs (%d)", ErrNoRepoTerms, len(keys), len(variants))
	}
	var (
		out   Query
		seen  []string
		b     = coder.Query()
		added bool
	)
	for _, v := range variants {
		lower := strings.ToLower(v)
		if slices.Contains(seen, lower) {
			continue
		}
		seen = append(seen, lower)
		ok := true
		for _, k := range keys {
			if err := coder.Query().ParamAny(k, v).Err(); err != nil {
				out.Skipped = append(out.Skipped, err)
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		for _, k := range keys {
			b.ParamAny(k, v)
		}
		added = true
	}
	if !added {
		return Query{}, errors.Join(append([]error{ErrNoRepoTerms}, out.Skipped...)...)
	}
	repo, err := b.Build()
	if err != nil {
		return Query{}, err
	}
	out.Q = strings.TrimSpace(strings.TrimSpace(filter) + " " + repo)
	return out, nil
}

// checkFilter reads the filter as Coder's tokenizer does (split on spaces
// outside double quotes, then once on the first ':' outside quotes) and
// refuses param terms that carry a value.
func checkFilter(filter string) error {
	for _, tok := range splitOutsideQuotes(filter, ' ') {
		parts := splitOutsideQuotes(tok, ':')
		if len(parts) != 2 || !strings.EqualFold(strings.Trim(parts[0], `"`), "param") {
			continue
		}
		for _, item := range strings.Split(strings.ReplaceAll(parts[1], `"`, ""), ",") {
			if strings.Contains(item, "=") {
				return &FilterError{Term: tok, Reason: "cannot be combined with the entity's repository: Coder ORs param:name=value terms, so it would list workspaces of other repositories; use param:name to require a parameter"}
			}
		}
	}
	return nil
}

func splitOutsideQuotes(s string, sep rune) []string {
	var (
		out    []string
		cur    strings.Builder
		quoted bool
	)
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == sep && !quoted:
			if cur.Len() > 0 || sep != ' ' {
				out = append(out, cur.String())
			}
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
