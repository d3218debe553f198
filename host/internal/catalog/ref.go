package catalog

import (
	"fmt"
	"strings"
)

// DefaultNamespace is the namespace Backstage assumes when a ref or an entity
// names none.
const DefaultNamespace = "default"

// Ref is a parsed entity reference. Parsing keeps the parts' case; String and
// Equal follow Backstage and compare lower-cased.
type Ref struct {
	Kind, Namespace, Name string
}

// String returns the canonical form, "kind:namespace/name", every part
// lower-cased (Backstage's stringifyEntityRef). An empty namespace is written
// as "default".
func (r Ref) String() string {
	ns := r.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return strings.ToLower(r.Kind) + ":" + strings.ToLower(ns) + "/" + strings.ToLower(r.Name)
}

// Equal reports whether two refs name the same entity (case-insensitive).
func (r Ref) Equal(o Ref) bool { return r.String() == o.String() }

// ParseRef parses "[<kind>:][<namespace>/]<name>" the way Backstage's
// parseEntityRef does:
//
//   - the kind is the text before the first ":", unless a "/" comes before
//     that ":" (then there is no kind and the ":" belongs to the name);
//   - the namespace is the text between the ":" (or the start) and the first
//     "/"; the name is the rest, so it may itself contain "/" or ":";
//   - a part that is present but empty is an error ("user:/x", ":x", "x/");
//   - a missing kind takes defaultKind, and it is an error when that is empty
//     too; a missing namespace takes defaultNamespace, or "default".
//
// Parts keep their case; compare with [Ref.Equal] or [Ref.String].
func ParseRef(ref, defaultKind, defaultNamespace string) (Ref, error) {
	if ref == "" {
		return Ref{}, fmt.Errorf("entity ref must not be empty")
	}
	colon := strings.IndexByte(ref, ':')
	slash := strings.IndexByte(ref, '/')
	if slash != -1 && slash < colon {
		colon = -1
	}
	var r Ref
	hasKind, hasNS := colon != -1, slash != -1
	if hasKind {
		r.Kind = ref[:colon]
	}
	if hasNS {
		r.Namespace = ref[colon+1 : slash]
	}
	r.Name = ref[max(colon+1, slash+1):]
	if (hasKind && r.Kind == "") || (hasNS && r.Namespace == "") || r.Name == "" {
		return Ref{}, fmt.Errorf("entity ref %q was not on the form [<kind>:][<namespace>/]<name>", ref)
	}
	if !hasKind {
		if defaultKind == "" {
			return Ref{}, fmt.Errorf("entity ref %q has no kind: write it as kind:namespace/name (e.g. user:default/jdoe)", ref)
		}
		r.Kind = defaultKind
	}
	if !hasNS {
		r.Namespace = defaultNamespace
		if r.Namespace == "" {
			r.Namespace = DefaultNamespace
		}
	}
	return r, nil
}

// ParseFullRef parses a ref that must spell out all three parts,
// "kind:namespace/name" (what a Backstage token's sub and ent claims hold).
func ParseFullRef(ref string) (Ref, error) {
	colon := strings.IndexByte(ref, ':')
	slash := strings.IndexByte(ref, '/')
	if colon == -1 || slash == -1 || slash < colon {
		return Ref{}, fmt.Errorf("entity ref %q must be written in full as kind:namespace/name", ref)
	}
	return ParseRef(ref, "", "")
}
