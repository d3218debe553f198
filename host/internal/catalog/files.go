package catalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Files is a read-only catalog held in memory, loaded from Backstage
// catalog-info YAML files (or built with [NewFiles]).
//
// It mirrors what the Backstage catalog serves for the same files: entities
// without a namespace are put in "default", refs match case-insensitively,
// and the relations Backstage's built-in processor derives for ownership,
// membership, group hierarchy, system/domain parts and APIs are filled in
// (only for entities that do not list relations themselves).
type Files struct {
	byRef map[string]Entity // canonical ref → entity
	refs  []string          // sorted canonical refs
}

var _ Catalog = (*Files)(nil)

var (
	kindPattern      = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]*$`)
	namePattern      = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	namespacePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// LoadFiles reads every file matched by the globs (filepath.Glob patterns or
// plain paths). Each file may hold several YAML documents; empty documents
// are skipped. A pattern that matches nothing, an unreadable file, an invalid
// entity or the same ref defined twice is an error naming the file, the
// document (1-based) and its line.
func LoadFiles(globs []string) (*Files, error) {
	var errs []error
	var entities []Entity
	var origins []string
	seen := map[string]bool{}
	for _, g := range globs {
		matches, err := filepath.Glob(g)
		if err != nil {
			errs = append(errs, fmt.Errorf("catalog files %q: %w", g, err))
			continue
		}
		if len(matches) == 0 {
			errs = append(errs, fmt.Errorf("catalog files %q: no file matches", g))
			continue
		}
		for _, path := range matches {
			if seen[path] {
				continue
			}
			seen[path] = true
			es, where, err := readEntityFile(path)
			if err != nil {
				errs = append(errs, err)
			}
			entities = append(entities, es...)
			origins = append(origins, where...)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return build(entities, origins)
}

// NewFiles builds a catalog from entities already in memory, with the same
// defaults, checks and derived relations as [LoadFiles]. The entities are
// copied.
func NewFiles(entities ...Entity) (*Files, error) {
	var copies []Entity
	var origins []string
	for i, e := range entities {
		c, _ := normalize(map[string]any(e)).(map[string]any)
		copies = append(copies, Entity(c))
		origins = append(origins, fmt.Sprintf("entity %d", i+1))
	}
	return build(copies, origins)
}

func readEntityFile(path string) ([]Entity, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog file: %w", err)
	}
	var out []Entity
	var origins []string
	var errs []error
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for doc := 1; ; doc++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A syntax error ends the stream: yaml.v3 cannot resynchronise.
			errs = append(errs, fmt.Errorf("%s: document %d: %w", path, doc, err))
			break
		}
		if len(node.Content) == 0 || node.Content[0].Tag == "!!null" {
			continue
		}
		origin := fmt.Sprintf("%s:%d (document %d)", path, node.Content[0].Line, doc)
		var v any
		if err := node.Decode(&v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", origin, err))
			continue
		}
		m, ok := normalize(v).(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: an entity must be a YAML mapping", origin))
			continue
		}
		out = append(out, Entity(m))
		origins = append(origins, origin)
	}
	return out, origins, errors.Join(errs...)
}

func build(entities []Entity, origins []string) (*Files, error) {
	f := &Files{byRef: map[string]Entity{}}
	from := map[string]string{}
	var errs []error
	for i, e := range entities {
		if err := checkEntity(e); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", origins[i], err))
			continue
		}
		r, _ := e.Ref()
		key := r.String()
		if prev, dup := from[key]; dup {
			errs = append(errs, fmt.Errorf("%s: entity %s is already defined at %s", origins[i], key, prev))
			continue
		}
		from[key] = origins[i]
		f.byRef[key] = e
		f.refs = append(f.refs, key)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Strings(f.refs)
	f.deriveRelations()
	return f, nil
}

// checkEntity applies the envelope rules Backstage validates on ingestion and
// fills in the default namespace.
func checkEntity(e Entity) error {
	if v, _ := e["apiVersion"].(string); v == "" {
		return errors.New("apiVersion is required")
	}
	kind, _ := e["kind"].(string)
	if !kindPattern.MatchString(kind) || len(kind) > 63 {
		return fmt.Errorf("kind %q is not valid (letters and digits, starting with a letter)", kind)
	}
	md, ok := e["metadata"].(map[string]any)
	if !ok {
		return errors.New("metadata is required and must be a mapping")
	}
	name, _ := md["name"].(string)
	if !namePattern.MatchString(name) || len(name) > 63 {
		return fmt.Errorf("metadata.name %q is not valid (1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)", name)
	}
	switch ns := md["namespace"].(type) {
	case nil:
		md["namespace"] = DefaultNamespace
	case string:
		if !namespacePattern.MatchString(ns) || len(ns) > 63 {
			return fmt.Errorf("metadata.namespace %q is not a valid DNS label", ns)
		}
	default:
		return errors.New("metadata.namespace must be a string")
	}
	if s, ok := e["spec"]; ok {
		if _, isMap := s.(map[string]any); !isMap {
			return errors.New("spec must be a mapping")
		}
	}
	return nil
}

// relationRule is one of the relations Backstage's BuiltinKindsEntityProcessor
// derives from a spec field, and its inverse on the target.
type relationRule struct {
	kinds       []string
	field       string
	defaultKind string
	rel, inv    string
}

var relationRules = []relationRule{
	{[]string{"component", "api", "resource", "system", "domain", "template"}, "owner", "group", "ownedBy", "ownerOf"},
	{[]string{"user"}, "memberOf", "group", "memberOf", "hasMember"},
	{[]string{"group"}, "members", "user", "hasMember", "memberOf"},
	{[]string{"group"}, "parent", "group", "childOf", "parentOf"},
	{[]string{"group"}, "children", "group", "parentOf", "childOf"},
	{[]string{"component", "api", "resource"}, "system", "system", "partOf", "hasPart"},
	{[]string{"system"}, "domain", "domain", "partOf", "hasPart"},
	{[]string{"component"}, "subcomponentOf", "component", "partOf", "hasPart"},
	{[]string{"component"}, "providesApis", "api", "providesApi", "apiProvidedBy"},
	{[]string{"component"}, "consumesApis", "api", "consumesApi", "apiConsumedBy"},
	{[]string{"component", "resource"}, "dependsOn", "", "dependsOn", "dependencyOf"},
}

func (f *Files) deriveRelations() {
	type rel struct{ typ, target string }
	derived := map[string]map[rel]bool{}
	add := func(src, typ, target string) {
		if derived[src] == nil {
			derived[src] = map[rel]bool{}
		}
		derived[src][rel{typ, target}] = true
	}
	for _, key := range f.refs {
		e := f.byRef[key]
		kind := strings.ToLower(e["kind"].(string))
		ns := e["metadata"].(map[string]any)["namespace"].(string)
		spec, _ := e["spec"].(map[string]any)
		for _, rule := range relationRules {
			if !contains(rule.kinds, kind) {
				continue
			}
			var targets []string
			switch v := spec[rule.field].(type) {
			case string:
				targets = []string{v}
			case []any:
				for _, t := range v {
					if s, ok := t.(string); ok {
						targets = append(targets, s)
					}
				}
			}
			for _, t := range targets {
				tr, err := ParseRef(t, rule.defaultKind, ns)
				if err != nil {
					continue
				}
				add(key, rule.rel, tr.String())
				add(tr.String(), rule.inv, key)
			}
		}
	}
	for key, rels := range derived {
		e, ok := f.byRef[key]
		if !ok {
			continue
		}
		if _, has := e["relations"]; has {
			continue
		}
		list := make([]rel, 0, len(rels))
		for r := range rels {
			list = append(list, r)
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].typ != list[j].typ {
				return list[i].typ < list[j].typ
			}
			return list[i].target < list[j].target
		})
		out := make([]any, len(list))
		for i, r := range list {
			out[i] = map[string]any{"type": r.typ, "targetRef": r.target}
		}
		e["relations"] = out
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

// GetEntity implements [Catalog].
func (f *Files) GetEntity(_ context.Context, ref string) (Entity, error) {
	r, err := ParseRef(ref, "", DefaultNamespace)
	if err != nil {
		return nil, err
	}
	e, ok := f.byRef[r.String()]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, r)
	}
	return e, nil
}

// FindUsers implements [Catalog]. Matches come in ref order.
func (f *Files) FindUsers(_ context.Context, q UserQuery) ([]Entity, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	out := []Entity{}
	for _, key := range f.refs {
		if e := f.byRef[key]; e.matchesUser(q) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Entities returns every entity, in ref order.
func (f *Files) Entities() []Entity {
	out := make([]Entity, len(f.refs))
	for i, key := range f.refs {
		out[i] = f.byRef[key]
	}
	return out
}

// normalize turns decoded YAML into the shapes encoding/json produces, so
// both catalogs hand out the same types: map[string]any, []any, string,
// float64, bool, nil.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalize(x)
		}
		return out
	case Entity:
		return normalize(map[string]any(v))
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[fmt.Sprint(k)] = normalize(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalize(x)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case uint64:
		return float64(v)
	case float32:
		return float64(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(v)
	default:
		return v
	}
}
