package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned (wrapped) by [Catalog.GetEntity] when no entity has
// the requested ref.
var ErrNotFound = errors.New("entity not found")

// Entity is a Backstage entity as decoded JSON: apiVersion, kind, metadata,
// spec, relations, status.
//
// Entities returned by a [Catalog] may be shared with its cache: treat them as
// read-only.
type Entity map[string]any

// Catalog looks up Backstage entities. Implementations are safe for
// concurrent use.
type Catalog interface {
	// GetEntity returns the entity with the given ref ("kind:namespace/name";
	// the kind is required, the namespace defaults to "default"; matching is
	// case-insensitive). It returns an error wrapping ErrNotFound when there is
	// none.
	GetEntity(ctx context.Context, ref string) (Entity, error)
	// FindUsers returns the User entities matching q: spec.profile.email equal
	// to q.Email, or metadata.annotations[q.AnnotationKey] equal to
	// q.AnnotationValue. Like Backstage's catalog filters, the comparison is
	// case-insensitive. No match is an empty slice, not an error.
	FindUsers(ctx context.Context, q UserQuery) ([]Entity, error)
}

// UserQuery selects User entities. Set exactly one of Email or the
// AnnotationKey/AnnotationValue pair.
type UserQuery struct {
	Email           string
	AnnotationKey   string
	AnnotationValue string
}

// Validate reports whether exactly one kind of query is set.
func (q UserQuery) Validate() error {
	byEmail := q.Email != ""
	byAnnotation := q.AnnotationKey != "" || q.AnnotationValue != ""
	switch {
	case byEmail && byAnnotation:
		return errors.New("user query: set either an email or an annotation, not both")
	case byEmail:
		return nil
	case byAnnotation && (q.AnnotationKey == "" || q.AnnotationValue == ""):
		return errors.New("user query: an annotation query needs both a key and a value")
	case byAnnotation:
		return nil
	default:
		return errors.New("user query: set an email or an annotation key and value")
	}
}

// Ref returns the entity's own reference, with the namespace defaulting to
// "default".
func (e Entity) Ref() (Ref, error) {
	kind, _ := e["kind"].(string)
	md, _ := e["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	if ns == "" {
		ns = DefaultNamespace
	}
	if kind == "" || name == "" {
		return Ref{}, fmt.Errorf("entity has no kind or metadata.name")
	}
	return Ref{Kind: kind, Namespace: ns, Name: name}, nil
}

// Annotation returns metadata.annotations[key] and whether it is a string.
func (e Entity) Annotation(key string) (string, bool) {
	md, _ := e["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	v, ok := ann[key].(string)
	return v, ok
}

// lookup follows a dotted path of object keys ("spec.profile.email").
func (e Entity) lookup(path string) (any, bool) {
	var cur any = map[string]any(e)
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// matchesUser reports whether e is a User entity matching q, with Backstage's
// case-insensitive filter semantics.
func (e Entity) matchesUser(q UserQuery) bool {
	if kind, _ := e["kind"].(string); !strings.EqualFold(kind, "user") {
		return false
	}
	if q.Email != "" {
		v, _ := e.lookup("spec.profile.email")
		s, ok := v.(string)
		return ok && strings.EqualFold(s, q.Email)
	}
	md, _ := e["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	for k, v := range ann {
		if s, ok := v.(string); ok && strings.EqualFold(k, q.AnnotationKey) && strings.EqualFold(s, q.AnnotationValue) {
			return true
		}
	}
	return false
}
