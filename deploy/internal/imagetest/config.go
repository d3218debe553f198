package imagetest

import (
	"fmt"
	"os"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// PluginBlock is one top-level plugin block of a config.hcl, with the
// literal values of its path and sha256 ("" when absent).
type PluginBlock struct {
	ID, Path, SHA256 string
	// SHA256Count is how many sha256 attributes the block has (HCL rejects
	// more than one).
	SHA256Count int
}

// ParseConfig parses a coderhost config file with the HCL parser coderhost
// uses, without decoding it.
func ParseConfig(path string) (*hclsyntax.Body, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return f.Body.(*hclsyntax.Body), nil
}

// Plugins returns the plugin blocks of a config file, in order.
func Plugins(path string) ([]PluginBlock, error) {
	body, err := ParseConfig(path)
	if err != nil {
		return nil, err
	}
	var out []PluginBlock
	for _, b := range body.Blocks {
		if b.Type != "plugin" || len(b.Labels) != 1 {
			continue
		}
		p := PluginBlock{ID: b.Labels[0]}
		for name, attr := range b.Body.Attributes {
			v, diags := attr.Expr.Value(nil)
			if diags.HasErrors() || v.Type() != cty.String {
				continue
			}
			switch name {
			case "path":
				p.Path = v.AsString()
			case "sha256":
				p.SHA256 = v.AsString()
				p.SHA256Count++
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// EnvCall is one env("NAME") or env("NAME", "default") in a config file.
type EnvCall struct {
	Name       string
	HasDefault bool
	Pos        string
}

// EnvCalls returns every env() call in a config file, sorted by name. A
// call whose name is not a literal string is an error: nothing could
// provide it reliably.
func EnvCalls(path string) ([]EnvCall, error) {
	body, err := ParseConfig(path)
	if err != nil {
		return nil, err
	}
	var calls []EnvCall
	var bad error
	_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		fc, ok := n.(*hclsyntax.FunctionCallExpr)
		if !ok || fc.Name != "env" || len(fc.Args) == 0 {
			return nil
		}
		v, diags := fc.Args[0].Value(nil)
		if diags.HasErrors() || v.Type() != cty.String {
			bad = fmt.Errorf("%s: env() with a name that is not a literal string", fc.Range())
			return nil
		}
		calls = append(calls, EnvCall{Name: v.AsString(), HasDefault: len(fc.Args) > 1, Pos: fc.Range().String()})
		return nil
	})
	if bad != nil {
		return nil, bad
	}
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].Name < calls[j].Name })
	return calls, nil
}

// Attr returns the literal string value of a top-level attribute, or "".
func Attr(path, name string) (string, error) {
	body, err := ParseConfig(path)
	if err != nil {
		return "", err
	}
	attr, ok := body.Attributes[name]
	if !ok {
		return "", nil
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() {
		return "", diags
	}
	if v.Type() != cty.String {
		return "", fmt.Errorf("%s: %s is not a string", path, name)
	}
	return v.AsString(), nil
}
