package catalog

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		ref, defKind, defNS string
		want                Ref
		wantErr             string
	}{
		{ref: "user:default/jdoe", want: Ref{"user", "default", "jdoe"}},
		{ref: "User:Team-A/JDoe", want: Ref{"User", "Team-A", "JDoe"}},
		{ref: "jdoe", defKind: "User", want: Ref{"User", "default", "jdoe"}},
		{ref: "jdoe", defKind: "group", defNS: "infra", want: Ref{"group", "infra", "jdoe"}},
		{ref: "ns/jdoe", defKind: "user", want: Ref{"user", "ns", "jdoe"}},
		{ref: "user:jdoe", defNS: "infra", want: Ref{"user", "infra", "jdoe"}},
		// The name keeps everything after the first "/": Backstage's new parser.
		{ref: "component:default/a/b", want: Ref{"component", "default", "a/b"}},
		// A "/" before the first ":" means there is no kind.
		{ref: "ns/a:b", defKind: "component", want: Ref{"component", "ns", "a:b"}},
		{ref: "", wantErr: "must not be empty"},
		{ref: "jdoe", wantErr: "has no kind"},
		{ref: ":jdoe", wantErr: "not on the form"},
		{ref: "user:/jdoe", wantErr: "not on the form"},
		{ref: "user:default/", wantErr: "not on the form"},
		{ref: "/jdoe", defKind: "user", wantErr: "not on the form"},
		{ref: "user:", wantErr: "not on the form"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := ParseRef(tt.ref, tt.defKind, tt.defNS)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRef(%q) error = %v, want it to contain %q", tt.ref, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRef(%q) = %+v, %v; want %+v", tt.ref, got, err, tt.want)
			}
		})
	}
}

func TestRefString(t *testing.T) {
	if got := (Ref{"User", "Default", "JDoe"}).String(); got != "user:default/jdoe" {
		t.Errorf("String() = %q", got)
	}
	if got := (Ref{Kind: "Group", Name: "Team"}).String(); got != "group:default/team" {
		t.Errorf("String() without namespace = %q", got)
	}
	if !(Ref{"User", "default", "A"}).Equal(Ref{"user", "DEFAULT", "a"}) {
		t.Error("Equal must ignore case")
	}
}

func TestParseFullRef(t *testing.T) {
	if _, err := ParseFullRef("user:default/jdoe"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"jdoe", "user:jdoe", "default/jdoe", "a/b:c", "user:/x"} {
		if _, err := ParseFullRef(bad); err == nil {
			t.Errorf("ParseFullRef(%q) accepted", bad)
		}
	}
}

func TestUserQueryValidate(t *testing.T) {
	ok := []UserQuery{{Email: "a@b"}, {AnnotationKey: "k", AnnotationValue: "v"}}
	bad := []UserQuery{{}, {Email: "a@b", AnnotationKey: "k", AnnotationValue: "v"}, {AnnotationKey: "k"}, {AnnotationValue: "v"}}
	for _, q := range ok {
		if err := q.Validate(); err != nil {
			t.Errorf("%+v: %v", q, err)
		}
	}
	for _, q := range bad {
		if err := q.Validate(); err == nil {
			t.Errorf("%+v accepted", q)
		}
	}
}
