package signin

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Ref is a parsed entity ref.
type Ref struct{ Kind, Namespace, Name string }

// String is Backstage's stringifyEntityRef: kind:namespace/name in lower
// case.
func (r Ref) String() string {
	return strings.ToLower(r.Kind) + ":" + strings.ToLower(r.Namespace) + "/" + strings.ToLower(r.Name)
}

// ParseRef is Backstage's parseEntityRef: [kind:][namespace/]name with the
// given defaults for what is left out.
func ParseRef(ref, defaultKind, defaultNamespace string) (Ref, error) {
	r := Ref{Kind: defaultKind, Namespace: defaultNamespace, Name: ref}
	if kind, rest, ok := strings.Cut(ref, ":"); ok {
		r.Kind, r.Name = kind, rest
	}
	if ns, name, ok := strings.Cut(r.Name, "/"); ok {
		r.Namespace, r.Name = ns, name
	}
	switch {
	case r.Kind == "":
		return Ref{}, fmt.Errorf("entity ref %q has no kind (want e.g. user:default/jdoe)", ref)
	case r.Namespace == "":
		return Ref{}, fmt.Errorf("entity ref %q has an empty namespace", ref)
	case r.Name == "":
		return Ref{}, fmt.Errorf("entity ref %q has no name", ref)
	}
	return r, nil
}

// entity is the part of a catalog entity sign-in reads.
type entity struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Relations []struct {
		Type      string `json:"type"`
		TargetRef string `json:"targetRef"`
	} `json:"relations"`
}

func decodeEntity(raw json.RawMessage) (entity, error) {
	var e entity
	if err := json.Unmarshal(raw, &e); err != nil {
		return entity{}, fmt.Errorf("the catalog returned a malformed entity: %w", err)
	}
	if e.Metadata.Namespace == "" {
		e.Metadata.Namespace = "default"
	}
	if e.Kind == "" || e.Metadata.Name == "" {
		return entity{}, fmt.Errorf("the catalog returned an entity without kind or metadata.name")
	}
	return e, nil
}

func (e entity) ref() Ref {
	return Ref{Kind: e.Kind, Namespace: e.Metadata.Namespace, Name: e.Metadata.Name}
}

// ownership is Backstage's default ownership: the entity itself plus every
// group it is directly a memberOf, without duplicates.
func (e entity) ownership() []string {
	refs := []string{e.ref().String()}
	seen := map[string]bool{refs[0]: true}
	for _, rel := range e.Relations {
		target := strings.ToLower(rel.TargetRef)
		if rel.Type == "memberOf" && strings.HasPrefix(target, "group:") && !seen[target] {
			seen[target] = true
			refs = append(refs, target)
		}
	}
	return refs
}
