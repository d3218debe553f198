package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary files to the loader: it must never panic, and
// every rejection must be a *Diagnostics that renders with the file name.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`coder { demo = true }`))
	f.Add([]byte(`plugin "x" { config { a = env("NOPE") } }`))
	env := func(name string) (string, bool) {
		if name == "SET" {
			return "value", true
		}
		return "", false
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, err := Parse("fuzz.hcl", src, WithEnv(env))
		if err == nil {
			if cfg == nil {
				t.Fatal("nil config without an error")
			}
			return
		}
		var d *Diagnostics
		if !errors.As(err, &d) {
			t.Fatalf("error is %T, not *Diagnostics: %v", err, err)
		}
		if msg := d.Error(); !strings.Contains(msg, "fuzz.hcl") {
			t.Fatalf("diagnostics do not name the file:\n%s", msg)
		}
	})
}
