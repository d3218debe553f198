package config

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/coderhost/coderhost/internal/protocol"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

var attrTypes = map[protocol.AttrType]cty.Type{
	protocol.TypeString:     cty.String,
	protocol.TypeNumber:     cty.Number,
	protocol.TypeBool:       cty.Bool,
	protocol.TypeListString: cty.List(cty.String),
	protocol.TypeMapString:  cty.Map(cty.String),
}

// DecodePluginConfig checks p's config block against the schema the plugin
// declared and returns the block's values as a JSON object.
//
// Attributes and nested blocks the admin left out are omitted from the
// object (an explicit null counts as left out), so a missing or empty config
// block decodes to {} when nothing is required. Single blocks become
// objects, list blocks arrays of objects in source order, and map blocks
// objects keyed by their label.
//
// Unknown names, missing required names and type mismatches are returned as
// *Diagnostics pointing into the configuration file. A schema the host
// cannot use (unknown type or nesting, bad or repeated names) is the
// plugin's fault and gives a plain error.
//
// Values of Sensitive string attributes are remembered for SensitiveValues,
// replacing those from an earlier decode of the same plugin. It is safe to
// decode several plugins at once.
func (c *Config) DecodePluginConfig(p Plugin, schema protocol.Schema) (json.RawMessage, error) {
	spec, err := objectSpec(schema)
	if err != nil {
		return nil, fmt.Errorf("plugin %q declares a config schema the host cannot use: %w", p.ID, err)
	}
	body := p.Config
	if body == nil {
		// Report missing required names at the plugin block.
		body = &hclsyntax.Body{SrcRange: p.DeclRange, EndRange: p.DeclRange}
	}
	ctx := c.ctx
	if ctx == nil {
		ctx = evalContext(os.LookupEnv)
	}
	val, diags := hcldec.Decode(body, spec, ctx)
	if diags.HasErrors() {
		for i, d := range diags {
			diags[i] = inPlugin(d, p.ID)
		}
		return nil, newDiagnostics(diags, c.files)
	}

	var secrets []string
	obj, err := toJSON(val, schema, &secrets)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: encode config as JSON: %w", p.ID, err)
	}
	if c.secrets != nil {
		c.secrets.set(p.ID, secrets)
	}
	return obj, nil
}

func inPlugin(d *hcl.Diagnostic, id string) *hcl.Diagnostic {
	out := *d
	out.Detail = fmt.Sprintf("plugin %q config: %s", id, d.Detail)
	return &out
}

// objectSpec converts a plugin's schema to an hcldec spec.
func objectSpec(s protocol.Schema) (hcldec.ObjectSpec, error) {
	spec := hcldec.ObjectSpec{}
	for _, a := range s.Attributes {
		if err := checkName(spec, a.Name); err != nil {
			return nil, err
		}
		ty, ok := attrTypes[a.Type]
		if !ok {
			return nil, fmt.Errorf("attribute %q has unknown type %q", a.Name, a.Type)
		}
		spec[a.Name] = &hcldec.AttrSpec{Name: a.Name, Type: ty, Required: a.Required}
	}
	for _, b := range s.Blocks {
		if err := checkName(spec, b.Name); err != nil {
			return nil, err
		}
		nested, err := objectSpec(b.Schema)
		if err != nil {
			return nil, fmt.Errorf("block %q: %w", b.Name, err)
		}
		switch b.Nesting {
		case protocol.NestingSingle:
			spec[b.Name] = &hcldec.BlockSpec{TypeName: b.Name, Nested: nested, Required: b.Required}
		case protocol.NestingList:
			min := 0
			if b.Required {
				min = 1
			}
			spec[b.Name] = &hcldec.BlockListSpec{TypeName: b.Name, Nested: nested, MinItems: min}
		case protocol.NestingMap:
			var m hcldec.Spec = &hcldec.BlockMapSpec{TypeName: b.Name, LabelNames: []string{labelName(b)}, Nested: nested}
			if b.Required {
				m = &hcldec.ValidateSpec{Wrapped: m, Func: requireOne(b)}
			}
			spec[b.Name] = m
		default:
			return nil, fmt.Errorf("block %q has unknown nesting %q", b.Name, b.Nesting)
		}
	}
	return spec, nil
}

func checkName(spec hcldec.ObjectSpec, name string) error {
	if !hclsyntax.ValidIdentifier(name) {
		return fmt.Errorf("%q is not a valid HCL name", name)
	}
	if _, dup := spec[name]; dup {
		return fmt.Errorf("%q is declared twice", name)
	}
	return nil
}

// requireOne reports a required map block that is absent; hcldec has no
// minimum for map blocks. The subject defaults to where the block is missing.
func requireOne(b protocol.Block) func(cty.Value) hcl.Diagnostics {
	return func(v cty.Value) hcl.Diagnostics {
		if !v.IsKnown() || v.LengthInt() > 0 {
			return nil
		}
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Missing %s block", b.Name),
			Detail:   fmt.Sprintf("At least one %s %q { ... } block is required.", b.Name, labelName(b)),
		}}
	}
}

func labelName(b protocol.Block) string {
	if b.Label != "" {
		return b.Label
	}
	return "name"
}

// toJSON encodes a decoded config object, leaving out absent attributes and
// blocks, and collects the strings of Sensitive attributes.
func toJSON(val cty.Value, s protocol.Schema, secrets *[]string) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	for _, a := range s.Attributes {
		v := val.GetAttr(a.Name)
		if v.IsNull() {
			continue
		}
		raw, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
		}
		obj[a.Name] = raw
		if a.Sensitive {
			*secrets = append(*secrets, stringsIn(v)...)
		}
	}
	for _, b := range s.Blocks {
		v := val.GetAttr(b.Name)
		if v.IsNull() || (b.Nesting != protocol.NestingSingle && v.LengthInt() == 0) {
			continue
		}
		var (
			raw json.RawMessage
			err error
		)
		switch b.Nesting {
		case protocol.NestingSingle:
			raw, err = toJSON(v, b.Schema, secrets)
		case protocol.NestingList:
			var elems []json.RawMessage
			for it := v.ElementIterator(); it.Next() && err == nil; {
				_, e := it.Element()
				var r json.RawMessage
				r, err = toJSON(e, b.Schema, secrets)
				elems = append(elems, r)
			}
			if err == nil {
				raw, err = json.Marshal(elems)
			}
		case protocol.NestingMap:
			elems := map[string]json.RawMessage{}
			for it := v.ElementIterator(); it.Next() && err == nil; {
				k, e := it.Element()
				elems[k.AsString()], err = toJSON(e, b.Schema, secrets)
			}
			if err == nil {
				raw, err = json.Marshal(elems)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("block %q: %w", b.Name, err)
		}
		obj[b.Name] = raw
	}
	return json.Marshal(obj)
}

// stringsIn returns the strings in a string, list(string) or map(string)
// value; secrets of other types cannot be told apart from ordinary text.
func stringsIn(v cty.Value) []string {
	switch {
	case v.Type() == cty.String:
		return []string{v.AsString()}
	case v.CanIterateElements():
		var out []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if !e.IsNull() && e.Type() == cty.String {
				out = append(out, e.AsString())
			}
		}
		return out
	}
	return nil
}
