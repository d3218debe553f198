package config

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestDiagnosticsRendering(t *testing.T) {
	src := "a = 1\n\tb = \"héllo\"\nc = [\n  1,\n]\n"
	files := map[string]*hcl.File{"f.hcl": {Bytes: []byte(src)}}
	rng := func(sl, sc, sb, el, ec, eb int) *hcl.Range {
		return &hcl.Range{Filename: "f.hcl", Start: hcl.Pos{Line: sl, Column: sc, Byte: sb}, End: hcl.Pos{Line: el, Column: ec, Byte: eb}}
	}
	tests := []struct {
		name string
		diag *hcl.Diagnostic
		want string
	}{
		{
			name: "single line",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Bad a", Detail: "Fix it.", Subject: rng(1, 5, 4, 1, 6, 5)},
			want: "f.hcl:1,5: Bad a; Fix it.\n    1 | a = 1\n      |     ^",
		},
		{
			name: "tabs and multibyte characters keep carets aligned",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Bad b", Subject: rng(2, 6, 11, 2, 13, 19)},
			want: "f.hcl:2,6: Bad b\n    2 | \tb = \"héllo\"\n      | \t    ^^^^^^^",
		},
		{
			name: "multi-line range marks the first line only",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Bad c", Detail: "List.", Subject: rng(3, 5, 24, 5, 2, 32)},
			want: "f.hcl:3,5: Bad c; List.\n    3 | c = [\n      |     ^",
		},
		{
			name: "empty range still gets a caret",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing", Subject: rng(1, 1, 0, 1, 1, 0)},
			want: "f.hcl:1,1: Missing\n    1 | a = 1\n      | ^",
		},
		{
			name: "end of file",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "EOF", Subject: rng(6, 1, len(src), 6, 1, len(src))},
			want: "f.hcl:6,1: EOF\n    6 | \n      | ^",
		},
		{
			name: "warning",
			diag: &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Odd", Subject: rng(1, 1, 0, 1, 2, 1)},
			want: "f.hcl:1,1: warning: Odd\n    1 | a = 1\n      | ^",
		},
		{
			name: "no subject",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Nowhere", Detail: "Sourceless."},
			want: "Nowhere; Sourceless.",
		},
		{
			name: "unknown file",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Elsewhere", Subject: &hcl.Range{Filename: "other.hcl", Start: hcl.Pos{Line: 3, Column: 2}}},
			want: "other.hcl:3,2: Elsewhere",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newDiagnostics(hcl.Diagnostics{tt.diag}, files).Error()
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestDiagnosticsSortedAndSeparated(t *testing.T) {
	src := "a = 1\nb = 2\n"
	files := map[string]*hcl.File{"f.hcl": {Bytes: []byte(src)}}
	at := func(line, byte int) *hcl.Range {
		return &hcl.Range{Filename: "f.hcl", Start: hcl.Pos{Line: line, Column: 1, Byte: byte}, End: hcl.Pos{Line: line, Column: 2, Byte: byte + 1}}
	}
	d := newDiagnostics(hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "second", Subject: at(2, 6)},
		{Severity: hcl.DiagError, Summary: "first", Subject: at(1, 0)},
		{Severity: hcl.DiagError, Summary: "sourceless"},
	}, files)
	want := "sourceless\n\n" +
		"f.hcl:1,1: first\n    1 | a = 1\n      | ^\n\n" +
		"f.hcl:2,1: second\n    2 | b = 2\n      | ^"
	if got := d.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if n := len(d.HCL()); n != 3 {
		t.Errorf("HCL() has %d diagnostics, want 3", n)
	}
}
