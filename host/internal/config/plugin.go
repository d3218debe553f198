package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

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
// objects keyed by their label, with the keys in source order (a plugin may
// give that order meaning, such as resolvers tried one after another).
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
			diags[i] = inPlugin(withDescription(d, schema), p.ID)
		}
		return nil, newDiagnostics(diags, c.files)
	}

	var secrets []string
	syn, _ := body.(*hclsyntax.Body)
	obj, err := toJSON(val, schema, syn, &secrets)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: encode config as JSON: %w", p.ID, err)
	}
	if c.secrets != nil {
		c.secrets.set(p.ID, secrets)
	}
	return obj, nil
}

var missingArgument = regexp.MustCompile(`The argument "([^"]+)" is required`)

// withDescription adds the attribute's description to a missing-argument
// diagnostic: plugins say there where the value comes from (for example
// which environment variable to set).
func withDescription(d *hcl.Diagnostic, s protocol.Schema) *hcl.Diagnostic {
	m := missingArgument.FindStringSubmatch(d.Detail)
	if m == nil {
		return d
	}
	if desc := describe(s, m[1]); desc != "" {
		out := *d
		out.Detail = strings.TrimSpace(d.Detail) + " " + desc
		return &out
	}
	return d
}

// describe finds the description of the attribute name in s or its blocks.
func describe(s protocol.Schema, name string) string {
	for _, a := range s.Attributes {
		if a.Name == name {
			return a.Description
		}
	}
	for _, b := range s.Blocks {
		if d := describe(b.Schema, name); d != "" {
			return d
		}
	}
	return ""
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
// blocks, and collects the strings of Sensitive attributes. syn is the
// block's source, when it was written in native syntax; it only supplies the
// source order of map blocks, which the decoded value no longer has.
func toJSON(val cty.Value, s protocol.Schema, syn *hclsyntax.Body, secrets *[]string) (json.RawMessage, error) {
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
			var nested *hclsyntax.Body
			if bs := blocksOf(syn, b.Name); len(bs) > 0 {
				nested = bs[0].Body
			}
			raw, err = toJSON(v, b.Schema, nested, secrets)
		case protocol.NestingList:
			// hcldec keeps list blocks in source order, so element i is the
			// i-th block.
			bs := blocksOf(syn, b.Name)
			var elems []json.RawMessage
			for i, it := 0, v.ElementIterator(); it.Next() && err == nil; i++ {
				_, e := it.Element()
				var nested *hclsyntax.Body
				if i < len(bs) {
					nested = bs[i].Body
				}
				var r json.RawMessage
				r, err = toJSON(e, b.Schema, nested, secrets)
				elems = append(elems, r)
			}
			if err == nil {
				raw, err = json.Marshal(elems)
			}
		case protocol.NestingMap:
			raw, err = mapBlocksJSON(v, b, blocksOf(syn, b.Name), secrets)
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

// blocksOf returns the blocks of type name in syn, in source order.
func blocksOf(syn *hclsyntax.Body, name string) []*hclsyntax.Block {
	if syn == nil {
		return nil
	}
	var out []*hclsyntax.Block
	for _, blk := range syn.Blocks {
		if blk.Type == name {
			out = append(out, blk)
		}
	}
	return out
}

// mapBlocksJSON encodes the blocks of a map-nested block type as one object
// whose keys follow the labels' source order; labels the source does not
// show (a configuration written in JSON syntax) follow in sorted order.
func mapBlocksJSON(v cty.Value, b protocol.Block, src []*hclsyntax.Block, secrets *[]string) (json.RawMessage, error) {
	bodies := map[string]*hclsyntax.Body{}
	var order []string
	for _, blk := range src {
		if len(blk.Labels) == 1 {
			if _, seen := bodies[blk.Labels[0]]; !seen {
				order = append(order, blk.Labels[0])
			}
			bodies[blk.Labels[0]] = blk.Body
		}
	}
	elems := map[string]cty.Value{}
	var sorted []string
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		elems[k.AsString()] = e
		if _, ok := bodies[k.AsString()]; !ok {
			sorted = append(sorted, k.AsString())
		}
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	for _, label := range append(order, sorted...) {
		e, ok := elems[label]
		if !ok {
			continue
		}
		r, err := toJSON(e, b.Schema, bodies[label], secrets)
		if err != nil {
			return nil, err
		}
		key, _ := json.Marshal(label)
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(r)
		n++
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// PluginString returns the value of a top-level string attribute of p's
// config block (evaluated with env() as the decoder does), and whether it is
// set. Commands that describe a configuration use it for the few plugin
// settings they need without launching the plugin.
func (c *Config) PluginString(p Plugin, name string) (string, bool) {
	if p.Config == nil {
		return "", false
	}
	content, _, diags := p.Config.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: name}}})
	if diags.HasErrors() {
		return "", false
	}
	attr, ok := content.Attributes[name]
	if !ok {
		return "", false
	}
	ctx := c.ctx
	if ctx == nil {
		ctx = evalContext(os.LookupEnv)
	}
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// leadingSetting matches the setting a plugin's error message starts with:
// "client_id is empty", "signing_key_files[1] ...", "sign_in: ...".
var leadingSetting = regexp.MustCompile(`^([a-z_][a-z0-9_]*)(?:\[(\d+)\])?(?:[ :.]|$)`)

// PluginError places err, a plugin's refusal of its configuration, in the
// file: at the attribute (or list element, or block) of p's config block
// that the plugin's message starts with, or else at the plugin block. It
// renders like Diagnostics and unwraps to err.
func (c *Config) PluginError(p Plugin, err error) error {
	msg := strings.TrimPrefix(err.Error(), fmt.Sprintf("plugin %q rejected its configuration: ", p.ID))
	subject := p.DeclRange
	if body, ok := p.Config.(*hclsyntax.Body); ok {
		if m := leadingSetting.FindStringSubmatch(msg); m != nil {
			if attr, ok := body.Attributes[m[1]]; ok {
				subject = attr.Expr.Range()
				if tuple, ok := attr.Expr.(*hclsyntax.TupleConsExpr); ok && m[2] != "" {
					if i, _ := strconv.Atoi(m[2]); i < len(tuple.Exprs) {
						subject = tuple.Exprs[i].Range()
					}
				}
			} else if bs := blocksOf(body, m[1]); len(bs) > 0 {
				subject = bs[0].DefRange()
			}
		}
	}
	d := newDiagnostics(hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Plugin %q rejected its configuration", p.ID),
		Detail:   msg,
		Subject:  &subject,
	}}, c.files)
	return &pluginError{d: d, err: err}
}

type pluginError struct {
	d   *Diagnostics
	err error
}

func (e *pluginError) Error() string { return e.d.Error() }
func (e *pluginError) Unwrap() error { return e.err }
