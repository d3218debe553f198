package catalog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func loadTestdata(t *testing.T) *Files {
	t.Helper()
	f, err := LoadFiles([]string{"testdata/*.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFilesGetEntity(t *testing.T) {
	f := loadTestdata(t)
	ctx := context.Background()
	tests := []struct {
		ref, wantName string
	}{
		{"user:default/jdoe", "jdoe"},
		{"User:Default/JDOE", "jdoe"}, // case-insensitive, as Backstage
		{"user:jdoe", "jdoe"},         // namespace defaults to "default"
		{"user:infra/bob", "bob"},
		{"component:web", "web"},
	}
	for _, tt := range tests {
		e, err := f.GetEntity(ctx, tt.ref)
		if err != nil {
			t.Fatalf("GetEntity(%q): %v", tt.ref, err)
		}
		if r, _ := e.Ref(); r.Name != tt.wantName {
			t.Errorf("GetEntity(%q) = %v", tt.ref, r)
		}
	}
	if _, err := f.GetEntity(ctx, "user:infra/jdoe"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing entity: err = %v, want ErrNotFound", err)
	}
	if _, err := f.GetEntity(ctx, "jdoe"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("a ref without kind must be an input error, got %v", err)
	}
}

func TestFilesDefaultsAndTypes(t *testing.T) {
	f := loadTestdata(t)
	e, _ := f.GetEntity(context.Background(), "user:default/jdoe")
	if ns := e["metadata"].(map[string]any)["namespace"]; ns != "default" {
		t.Errorf("namespace = %v, want default", ns)
	}
	web, _ := f.GetEntity(context.Background(), "component:default/web")
	spec := web["spec"].(map[string]any)
	// Same shapes as JSON decoding gives, whatever YAML inferred.
	if _, ok := spec["replicas"].(float64); !ok {
		t.Errorf("replicas is %T, want float64", spec["replicas"])
	}
	if _, ok := spec["since"].(string); !ok {
		t.Errorf("since is %T, want string", spec["since"])
	}
	if got, _ := web.Annotation("backstage.io/source-location"); got != "url:https://github.com/acme/web/tree/main/" {
		t.Errorf("source-location = %q", got)
	}
}

func TestFilesRelations(t *testing.T) {
	f := loadTestdata(t)
	rels := func(ref string) []string {
		e, err := f.GetEntity(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		list, _ := e["relations"].([]any)
		for _, r := range list {
			m := r.(map[string]any)
			out = append(out, m["type"].(string)+" "+m["targetRef"].(string))
		}
		return out
	}
	want := map[string][]string{
		"user:default/jdoe":     {"memberOf group:default/team-a"},
		"user:infra/bob":        {"memberOf group:default/team-a", "memberOf group:infra/platform"},
		"group:default/team-a":  {"hasMember user:default/jdoe", "hasMember user:infra/bob", "ownerOf component:default/web"},
		"component:default/web": {"ownedBy group:default/team-a"},
		"group:infra/platform":  {"hasMember user:infra/bob"},
	}
	for ref, w := range want {
		if got := rels(ref); !reflect.DeepEqual(got, w) {
			t.Errorf("relations of %s = %q, want %q", ref, got, w)
		}
	}
}

func TestFilesFindUsers(t *testing.T) {
	f := loadTestdata(t)
	ctx := context.Background()
	names := func(es []Entity) []string {
		out := []string{}
		for _, e := range es {
			r, _ := e.Ref()
			out = append(out, r.String())
		}
		return out
	}
	tests := []struct {
		q    UserQuery
		want []string
	}{
		{UserQuery{Email: "jane.doe@example.com"}, []string{"user:default/jdoe"}},
		{UserQuery{Email: "BOB@example.com"}, []string{"user:infra/bob"}},
		{UserQuery{Email: "nobody@example.com"}, []string{}},
		{UserQuery{AnnotationKey: "coder.com/user-id", AnnotationValue: "11111111-2222-3333-4444-555555555555"}, []string{"user:default/jdoe"}},
		{UserQuery{AnnotationKey: "coder.com/user-id", AnnotationValue: "other"}, []string{}},
	}
	for _, tt := range tests {
		got, err := f.FindUsers(ctx, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(names(got), tt.want) {
			t.Errorf("FindUsers(%+v) = %v, want %v", tt.q, names(got), tt.want)
		}
	}
	if _, err := f.FindUsers(ctx, UserQuery{}); err == nil {
		t.Error("an empty query must be an error")
	}
}

func TestLoadFilesErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := "apiVersion: v1\nkind: User\nmetadata: {name: a}\n"
	tests := []struct {
		name, body string
		want       []string
	}{
		{"second-doc.yaml", ok + "---\napiVersion: v1\nkind: User\nmetadata: {name: 'bad name'}\n", []string{"second-doc.yaml:5 (document 2)", "metadata.name"}},
		{"no-kind.yaml", "apiVersion: v1\nmetadata: {name: a}\n", []string{"no-kind.yaml:1 (document 1)", "kind"}},
		{"list.yaml", "- a\n- b\n", []string{"list.yaml:1 (document 1)", "mapping"}},
		{"syntax.yaml", ok + "---\nkind: [\n", []string{"syntax.yaml: document 2"}},
		{"dup.yaml", ok + "---\n" + strings.Replace(ok, "name: a", "name: A", 1), []string{"dup.yaml:5 (document 2)", "already defined at", "dup.yaml:1 (document 1)"}},
		{"ns.yaml", "apiVersion: v1\nkind: User\nmetadata: {name: a, namespace: Bad_NS}\n", []string{"ns.yaml:1", "namespace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFiles([]string{write(tt.name, tt.body)})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := LoadFiles([]string{filepath.Join(dir, "none-*.yaml")}); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("unmatched glob: %v", err)
	}
}

func TestNewFiles(t *testing.T) {
	src := Entity{"apiVersion": "v1", "kind": "User", "metadata": map[string]any{"name": "x"}, "spec": map[string]any{"memberOf": []string{"g"}}}
	f, err := NewFiles(src)
	if err != nil {
		t.Fatal(err)
	}
	e, err := f.GetEntity(context.Background(), "user:default/x")
	if err != nil {
		t.Fatal(err)
	}
	if _, has := src["relations"]; has {
		t.Error("NewFiles must not modify its argument")
	}
	if len(e["relations"].([]any)) != 1 || len(f.Entities()) != 1 {
		t.Errorf("entity = %v", e)
	}
	if _, err := NewFiles(Entity{"kind": "User"}); err == nil {
		t.Error("an invalid entity must be rejected")
	}
}
