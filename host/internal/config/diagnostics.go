package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Diagnostics is the error returned for problems in a configuration file. It
// holds every problem found, not just the first, together with the source
// needed to show each one in context.
type Diagnostics struct {
	diags hcl.Diagnostics
	files map[string]*hcl.File
}

func newDiagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) *Diagnostics {
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		out[i] = clarify(d)
	}
	// Source order reads best, and HCL reports some errors in map order, so
	// ties are broken by text to keep the output stable.
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Subject, out[j].Subject
		switch {
		case (a == nil) != (b == nil):
			return a == nil
		case a != nil && a.Filename != b.Filename:
			return a.Filename < b.Filename
		case a != nil && a.Start.Byte != b.Start.Byte:
			return a.Start.Byte < b.Start.Byte
		case out[i].Summary != out[j].Summary:
			return out[i].Summary < out[j].Summary
		default:
			return out[i].Detail < out[j].Detail
		}
	})
	return &Diagnostics{diags: out, files: files}
}

// Diagnose returns a problem found with the configuration after it was
// loaded (a plugin binary, the listen address) as *Diagnostics pointing at
// rng in the file, rendered like any other; a nil rng gives no position.
func (c *Config) Diagnose(rng *hcl.Range, summary, detail string) *Diagnostics {
	return c.diagnostic(hcl.DiagError, rng, summary, detail)
}

// Wrap is Diagnose for err: the result renders as the diagnostic, with err
// as its detail, and unwraps to err.
func (c *Config) Wrap(rng *hcl.Range, summary string, err error) error {
	return &wrapped{d: c.Diagnose(rng, summary, err.Error()), err: err}
}

type wrapped struct {
	d   *Diagnostics
	err error
}

func (w *wrapped) Error() string   { return w.d.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.d, w.err} }

// Warn is Diagnose for a problem that does not stop the host.
func (c *Config) Warn(rng *hcl.Range, summary, detail string) *Diagnostics {
	return c.diagnostic(hcl.DiagWarning, rng, summary, detail)
}

func (c *Config) diagnostic(sev hcl.DiagnosticSeverity, rng *hcl.Range, summary, detail string) *Diagnostics {
	return newDiagnostics(hcl.Diagnostics{{Severity: sev, Summary: summary, Detail: detail, Subject: rng}}, c.files)
}

// HCL returns the underlying diagnostics, in source order.
func (d *Diagnostics) HCL() hcl.Diagnostics { return d.diags }

// Error renders every diagnostic as
//
//	FILE:LINE,COL: summary; detail
//	   12 |   client_id = 3
//	      |               ^
//
// with the carets under the offending source and a blank line between
// diagnostics. FILE is the name the file was loaded under.
func (d *Diagnostics) Error() string {
	var b strings.Builder
	for i, diag := range d.diags {
		if i > 0 {
			b.WriteString("\n\n")
		}
		d.write(&b, diag)
	}
	return b.String()
}

func (d *Diagnostics) write(b *strings.Builder, diag *hcl.Diagnostic) {
	if diag.Subject != nil {
		fmt.Fprintf(b, "%s:%d,%d: ", diag.Subject.Filename, diag.Subject.Start.Line, diag.Subject.Start.Column)
	}
	if diag.Severity == hcl.DiagWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(diag.Summary)
	if diag.Detail != "" {
		b.WriteString("; ")
		b.WriteString(diag.Detail)
	}
	if diag.Subject == nil {
		return
	}
	file := d.files[diag.Subject.Filename]
	if file == nil {
		return
	}
	line, marks, ok := snippet(file.Bytes, *diag.Subject)
	if !ok {
		return
	}
	fmt.Fprintf(b, "\n%5d | %s\n%5s | %s", diag.Subject.Start.Line, line, "", marks)
}

// snippet returns the source line where rng starts and a line of carets
// under the part of rng on it (at least one caret, so empty ranges such as
// "missing item here" still show a position). Tabs before the range are
// copied so the carets line up in any tab width.
func snippet(src []byte, rng hcl.Range) (line, marks string, ok bool) {
	start := rng.Start.Byte
	if start < 0 || start > len(src) {
		return "", "", false
	}
	lineStart := strings.LastIndexByte(string(src[:start]), '\n') + 1
	lineEnd := len(src)
	if i := strings.IndexByte(string(src[start:]), '\n'); i >= 0 {
		lineEnd = start + i
	}
	text := strings.TrimRight(string(src[lineStart:lineEnd]), "\r")
	end := min(max(rng.End.Byte, start), lineStart+len(text))
	start = min(start, lineStart+len(text))

	var m strings.Builder
	for _, r := range string(src[lineStart:start]) {
		if r == '\t' {
			m.WriteByte('\t')
		} else {
			m.WriteByte(' ')
		}
	}
	m.WriteString(strings.Repeat("^", max(1, utf8.RuneCount(src[start:end]))))
	return text, m.String(), true
}

// clarify replaces HCL's generic report of a failed env() call with one
// that names the variable and says how to fix it.
func clarify(d *hcl.Diagnostic) *hcl.Diagnostic {
	extra, ok := hcl.DiagnosticExtra[hclsyntax.FunctionCallDiagExtra](d)
	if !ok {
		return d
	}
	var unset *unsetEnvError
	if !errors.As(extra.FunctionCallError(), &unset) {
		return d
	}
	out := *d
	out.Summary = "Environment variable not set"
	out.Detail = fmt.Sprintf("env(%q) reads the environment variable %s, which is not set. "+
		"Set %s in coderhost's environment, or give a default: env(%q, \"default\").",
		unset.name, unset.name, unset.name, unset.name)
	if d.Context != nil {
		out.Subject = d.Context
	}
	return &out
}
