package repourl

import (
	"encoding/json"
	"strings"
)

// Annotations that locate an entity's source.
const (
	// SourceLocationAnnotation is the only annotation the Coder frontend
	// plugin reads to find an entity's repository.
	SourceLocationAnnotation = "backstage.io/source-location"
	// ManagedByLocationAnnotation is where the entity's descriptor came from
	// (usually .../blob/<ref>/catalog-info.yaml).
	ManagedByLocationAnnotation = "backstage.io/managed-by-location"
)

// LocationTarget parses a Backstage location ref "<type>:<target>" as
// Backstage's parseLocationRef does: split at the first ":", both sides
// trimmed and non-empty; "http" and "https" are not types (Backstage asks for
// a "url:" prefix), so a bare URL yields nothing. The target is returned
// whatever the type, as the Coder frontend uses it.
func LocationTarget(ref string) (typ, target string, ok bool) {
	typ, target, found := strings.Cut(ref, ":")
	typ, target = strings.TrimSpace(typ), strings.TrimSpace(target)
	if !found || typ == "" || target == "" || typ == "http" || typ == "https" {
		return "", "", false
	}
	return typ, target, true
}

// EntitySourceURL returns the target of an entity's
// backstage.io/source-location annotation ("url:https://github.com/o/r/tree/main/"
// → "https://github.com/o/r/tree/main/"), uncleaned. ok is false when the
// entity is not a JSON object, has no such annotation, or its value is not a
// location ref. backstage.io/managed-by-location is not consulted, as in the
// Coder frontend plugin.
func EntitySourceURL(entity json.RawMessage) (string, bool) {
	return entityLocation(entity, SourceLocationAnnotation)
}

// EntityManagedByURL returns the target of an entity's
// backstage.io/managed-by-location annotation when its type is "url".
func EntityManagedByURL(entity json.RawMessage) (string, bool) {
	v, ok := entityAnnotation(entity, ManagedByLocationAnnotation)
	if !ok {
		return "", false
	}
	typ, target, ok := LocationTarget(v)
	if !ok || typ != "url" {
		return "", false
	}
	return target, true
}

func entityLocation(entity json.RawMessage, key string) (string, bool) {
	v, ok := entityAnnotation(entity, key)
	if !ok {
		return "", false
	}
	_, target, ok := LocationTarget(v)
	return target, ok
}

func entityAnnotation(entity json.RawMessage, key string) (string, bool) {
	var e struct {
		Metadata struct {
			Annotations map[string]any `json:"annotations"`
		} `json:"metadata"`
	}
	if json.Unmarshal(entity, &e) != nil {
		return "", false
	}
	v, ok := e.Metadata.Annotations[key].(string)
	return v, ok
}
