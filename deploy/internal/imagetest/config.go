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

// ReadConfig reads a coderhost config file.
func ReadConfig(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(path, src)
}

// Config is a coderhost config file parsed with the HCL parser coderhost
// uses, without decoding it.
type Config struct {
	Name string
	body *hclsyntax.Body
}

// ParseConfig parses a config file's source; name is used in errors.
func ParseConfig(name string, src []byte) (*Config, error) {
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return &Config{Name: name, body: f.Body.(*hclsyntax.Body)}, nil
}

// Plugins returns the plugin blocks, in order.
func (c *Config) Plugins() []PluginBlock {
	var out []PluginBlock
	for _, b := range c.body.Blocks {
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
	return out
}

// EnvCall is one env("NAME") or env("NAME", "default") in a config file.
type EnvCall struct {
	Name       string
	HasDefault bool
	Pos        string
}

// EnvCalls returns every env() call, sorted by name. A call whose name is
// not a literal string is an error: nothing could provide it reliably.
func (c *Config) EnvCalls() ([]EnvCall, error) {
	var calls []EnvCall
	var bad error
	_ = hclsyntax.VisitAll(c.body, func(n hclsyntax.Node) hcl.Diagnostics {
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
func (c *Config) Attr(name string) (string, error) {
	attr, ok := c.body.Attributes[name]
	if !ok {
		return "", nil
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() {
		return "", diags
	}
	if v.Type() != cty.String {
		return "", fmt.Errorf("%s: %s is not a string", c.Name, name)
	}
	return v.AsString(), nil
}

// Scripts returns the file of every script block.
func (c *Config) Scripts() []string {
	var out []string
	for _, b := range c.body.Blocks {
		if b.Type != "script" {
			continue
		}
		if attr, ok := b.Body.Attributes["file"]; ok {
			if v, diags := attr.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.String {
				out = append(out, v.AsString())
			}
		}
	}
	return out
}
