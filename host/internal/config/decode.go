package config

import (
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// The file is decoded by hand against these schemas rather than with gohcl
// struct tags: gohcl's type errors neither name the attribute nor underline
// the whole value, and every check below wants the attribute's range anyway.
var (
	rootSchema = &hcl.BodySchema{
		Attributes: attrSchemas("listen", "external_url", "log_level", "log_format", "plugin_dir",
			"shutdown_timeout", "read_header_timeout", "read_timeout", "write_timeout", "idle_timeout"),
		Blocks: []hcl.BlockHeaderSchema{
			{Type: "coder"},
			{Type: "backstage"},
			{Type: "proxy"},
			{Type: "script", LabelNames: []string{"name"}},
			{Type: "plugin", LabelNames: []string{"id"}},
		},
	}
	coderSchema = &hcl.BodySchema{
		Attributes: attrSchemas("access_url", "demo", "demo_seed"),
	}
	backstageSchema = &hcl.BodySchema{
		Attributes: attrSchemas("app_url", "backend_url", "catalog_token", "catalog_files", "catalog_cache_ttl"),
	}
	proxySchema = &hcl.BodySchema{
		Attributes: attrSchemas("allowed_methods", "allowed_headers", "headers", "forward_cookies",
			"forward_authorization", "timeout", "max_body"),
	}
	scriptSchema = &hcl.BodySchema{
		Attributes: attrSchemas("file", "hook", "timeout"),
	}
	pluginSchema = &hcl.BodySchema{
		Attributes: attrSchemas("path", "sha256", "pass_env", "env", "start_timeout", "health_interval", "max_body",
			"max_in_flight", "timeout"),
		Blocks: []hcl.BlockHeaderSchema{{Type: "config"}},
	}
)

// Attributes are all optional to HCL; required ones are checked here so the
// error can point at the block and say what to write.
func attrSchemas(names ...string) []hcl.AttributeSchema {
	out := make([]hcl.AttributeSchema, len(names))
	for i, n := range names {
		out[i] = hcl.AttributeSchema{Name: n}
	}
	return out
}

var (
	pluginIDPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	sha256Pattern   = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	envNamePattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// RFC 9110 token characters, which header names are made of.
	headerNamePattern = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

	logLevels    = []string{"debug", "info", "warn", "error"}
	logFormats   = []string{"text", "json"}
	proxyMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
)

// decoder collects every problem in the file rather than stopping at the
// first, so an admin fixes them all in one pass.
type decoder struct {
	ctx   *hcl.EvalContext
	dir   string // absolute directory of the file
	diags hcl.Diagnostics
}

func (d *decoder) errorf(rng hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  rng.Ptr(),
	})
}

func (d *decoder) content(body hcl.Body, schema *hcl.BodySchema) *hcl.BodyContent {
	c, diags := body.Content(schema)
	d.diags = append(d.diags, diags...)
	return c
}

func (d *decoder) root(body hcl.Body, cfg *Config) {
	c := d.content(body, rootSchema)
	a := c.Attributes

	cfg.Listen = defaultListen
	if v, attr := d.str(a, "listen"); v != "" {
		if err := checkListen(v); err != nil {
			d.errorf(attr.Expr.Range(), "Invalid listen address",
				"listen = %q is not host:port (%v). Write it like \"127.0.0.1:7008\", or \":7008\" for every interface.", v, err)
		}
		cfg.Listen = v
		cfg.ListenRange = attr.Expr.Range().Ptr()
	}
	cfg.ExternalURL, _ = d.url(a, "", "external_url", defaultExternalURL)
	cfg.LogLevel = d.oneOf(a, "", "log_level", logLevels, defaultLogLevel)
	cfg.LogFormat = d.oneOf(a, "", "log_format", logFormats, defaultLogFormat)
	cfg.PluginDir = d.resolve(defaultPluginDir)
	if v, _ := d.str(a, "plugin_dir"); v != "" {
		cfg.PluginDir = d.resolve(v)
	}
	cfg.ShutdownTimeout = d.duration(a, "", "shutdown_timeout", defaultShutdownTimeout, 0)
	cfg.ReadHeaderTimeout = d.duration(a, "", "read_header_timeout", defaultReadHeaderTimeout, 0)
	cfg.ReadTimeout = d.duration(a, "", "read_timeout", defaultReadTimeout, 0)
	cfg.WriteTimeout = d.duration(a, "", "write_timeout", defaultWriteTimeout, 0)
	cfg.IdleTimeout = d.duration(a, "", "idle_timeout", defaultIdleTimeout, 0)

	blocks := c.Blocks.ByType()
	if b := d.single(blocks["coder"]); b != nil {
		cfg.Coder = d.coder(b)
	} else if !mentions(body, "coder") {
		d.errorf(body.MissingItemRange(), "Missing coder block",
			"The file must say which Coder deployment to use: add coder { access_url = \"https://coder.example.com\" }, "+
				"or coder { demo = true } for the embedded demo deployment.")
	}
	cfg.Backstage = Backstage{CatalogCacheTTL: defaultCatalogCacheTTL}
	if b := d.single(blocks["backstage"]); b != nil {
		cfg.Backstage = d.backstage(b)
	}
	cfg.Proxy = d.proxy(d.single(blocks["proxy"]))

	for _, b := range d.unique(blocks["script"], "Script names must be unique: rename or remove one of them.") {
		cfg.Scripts = append(cfg.Scripts, d.script(b))
	}
	for _, b := range d.unique(blocks["plugin"], "Each plugin id may appear once: remove or merge one of them.") {
		cfg.Plugins = append(cfg.Plugins, d.plugin(b, cfg.PluginDir))
	}
}

// unique returns the labelled blocks whose label is new, reporting each
// repeat with where the first one is and fix.
func (d *decoder) unique(blocks hcl.Blocks, fix string) hcl.Blocks {
	seen := map[string]hcl.Range{}
	out := make(hcl.Blocks, 0, len(blocks))
	for _, b := range blocks {
		if len(b.Labels) == 0 {
			out = append(out, b)
			continue
		}
		if first, dup := seen[b.Labels[0]]; dup {
			d.errorf(b.DefRange, fmt.Sprintf("Duplicate %s block", b.Type),
				"%s %q is already defined at %s. %s", b.Type, b.Labels[0], at(first), fix)
			continue
		}
		seen[b.Labels[0]] = b.DefRange
		out = append(out, b)
	}
	return out
}

// mentions reports whether body has a block of the given type at all, even
// a malformed one HCL has already reported and left out of the content.
func mentions(body hcl.Body, blockType string) bool {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return false
	}
	for _, b := range sb.Blocks {
		if b.Type == blockType {
			return true
		}
	}
	return false
}

// single returns the only block of a type, reporting any repeats.
func (d *decoder) single(blocks hcl.Blocks) *hcl.Block {
	if len(blocks) == 0 {
		return nil
	}
	for _, b := range blocks[1:] {
		d.errorf(b.DefRange, fmt.Sprintf("Duplicate %s block", b.Type),
			"A %s block is already defined at %s and only one is allowed: merge the two.", b.Type, at(blocks[0].DefRange))
	}
	return blocks[0]
}

func (d *decoder) coder(b *hcl.Block) Coder {
	a := d.content(b.Body, coderSchema).Attributes
	var c Coder
	var access bool // set, even if invalid or its env() failed
	c.AccessURL, access = d.url(a, "coder", "access_url", "")
	demo, demoAttr := d.boolean(a, "demo")
	c.Demo = demo
	switch {
	case access && demo:
		d.errorf(demoAttr.Range, "Conflicting Coder settings",
			"coder: access_url and demo = true are both set, but only one may be. "+
				"Keep access_url for a real Coder deployment, or demo = true for the embedded demo deployment.")
	case !access && !demo && (a["demo"] == nil || demoAttr != nil):
		d.errorf(b.DefRange, "Missing Coder deployment",
			"coder: set access_url = \"https://coder.example.com\", or demo = true for the embedded demo deployment.")
	}
	if v, attr := d.str(a, "demo_seed"); v != "" {
		if !demo {
			d.errorf(attr.Range, "demo_seed without demo",
				"coder: demo_seed only applies to the embedded demo deployment. Set demo = true, or remove demo_seed.")
		}
		c.DemoSeed = d.resolve(v)
		d.mustBeFile(attr, "coder: demo_seed", v, c.DemoSeed)
	}
	return c
}

func (d *decoder) backstage(b *hcl.Block) Backstage {
	a := d.content(b.Body, backstageSchema).Attributes
	bs := Backstage{CatalogCacheTTL: d.duration(a, "backstage", "catalog_cache_ttl", defaultCatalogCacheTTL, 0)}
	bs.AppURL, _ = d.url(a, "backstage", "app_url", "")
	bs.BackendURL, _ = d.url(a, "backstage", "backend_url", "")
	bs.CatalogToken, _ = d.str(a, "catalog_token")
	if globs, attr := d.strList(a, "catalog_files"); attr != nil {
		for i, g := range globs {
			if _, err := filepath.Match(g, ""); err != nil || g == "" {
				d.errorf(attr.Expr.Range(), "Invalid catalog file pattern",
					"backstage: catalog_files[%d] = %q is not a valid glob pattern. Use a path such as \"catalog/*.yaml\"; "+
						"*, ? and [a-z] match within one directory.", i, g)
				continue
			}
			bs.CatalogFiles = append(bs.CatalogFiles, d.resolve(g))
		}
	}
	return bs
}

// proxy decodes the proxy block; b may be nil, and then the defaults apply.
func (d *decoder) proxy(b *hcl.Block) Proxy {
	p := Proxy{
		AllowedMethods: defaultAllowedMethods(),
		AllowedHeaders: defaultAllowedHeaders(),
		Timeout:        defaultProxyTimeout,
		MaxBodyBytes:   defaultMaxBodyBytes,
	}
	if b == nil {
		return p
	}
	a := d.content(b.Body, proxySchema).Attributes
	if methods, attr := d.strList(a, "allowed_methods"); attr != nil {
		p.AllowedMethods = []string{}
		if len(methods) == 0 {
			d.errorf(attr.Expr.Range(), "No proxy methods allowed",
				"proxy: allowed_methods is empty, so every request to Coder would be refused. List the methods to pass, such as [\"GET\", \"POST\"].")
		}
		for _, m := range methods {
			up := strings.ToUpper(m)
			if !slices.Contains(proxyMethods, up) {
				d.errorf(attr.Expr.Range(), "Invalid HTTP method",
					"proxy: allowed_methods has %q, which is not one of %s.", m, strings.Join(proxyMethods, ", "))
				continue
			}
			p.AllowedMethods = append(p.AllowedMethods, up)
		}
	}
	if headers, attr := d.strList(a, "allowed_headers"); attr != nil {
		p.AllowedHeaders = []string{}
		for _, h := range headers {
			if !headerNamePattern.MatchString(h) {
				d.errorf(attr.Expr.Range(), "Invalid header name",
					"proxy: allowed_headers has %q, which is not a valid HTTP header name. Use names like \"Coder-Session-Token\".", h)
				continue
			}
			p.AllowedHeaders = append(p.AllowedHeaders, h)
		}
	}
	if headers, attr := d.strMap(a, "headers"); attr != nil {
		for _, h := range sortedKeys(headers) {
			if !headerNamePattern.MatchString(h) {
				d.errorf(attr.Expr.Range(), "Invalid header name",
					"proxy: headers has the key %q, which is not a valid HTTP header name. Use names like \"X-Extra\".", h)
			}
		}
		p.Headers = headers
	}
	p.ForwardCookies, _ = d.boolean(a, "forward_cookies")
	p.ForwardAuthorization, _ = d.boolean(a, "forward_authorization")
	p.Timeout = d.duration(a, "proxy", "timeout", defaultProxyTimeout, 0)
	p.MaxBodyBytes = d.size(a, "proxy", "max_body", defaultMaxBodyBytes)
	return p
}

func (d *decoder) script(b *hcl.Block) Script {
	s := Script{Name: b.Labels[0], DeclRange: b.DefRange}
	scope := fmt.Sprintf("script %q", s.Name)
	if s.Name == "" {
		d.errorf(b.LabelRanges[0], "Invalid script name",
			"A script block needs a non-empty name, such as script \"username\".")
	}
	a := d.content(b.Body, scriptSchema).Attributes

	if v, attr := d.str(a, "file"); v != "" {
		s.File = d.resolve(v)
		d.mustBeFile(attr, scope+": file", v, s.File)
	} else if unset(a, "file", attr) {
		d.errorf(b.DefRange, "Missing script file",
			"%s needs the JavaScript file to run: file = \"scripts/signin/username.js\" (relative to the config file).", scope)
	}

	hook, attr := d.str(a, "hook")
	switch {
	case hook != "":
		if !slices.Contains(Hooks, hook) {
			d.errorf(attr.Expr.Range(), "Invalid hook",
				"%s: hook = %q is not a hook coderhost runs. Use one of %s.", scope, hook, quoteList(Hooks))
		}
		s.Hook = hook
	case slices.Contains(Hooks, s.Name):
		// script "signin" { ... } needs no hook attribute.
		s.Hook = s.Name
	case unset(a, "hook", attr):
		d.errorf(b.DefRange, "Missing script hook",
			"%s needs hook = %s so coderhost knows when to run it.", scope, strings.Join(quoteAll(Hooks), " or "))
	}
	s.Timeout = d.duration(a, scope, "timeout", defaultScriptTimeout, maxScriptTimeout)
	return s
}

func (d *decoder) plugin(b *hcl.Block, pluginDir string) Plugin {
	p := Plugin{
		ID:               b.Labels[0],
		DeclRange:        b.DefRange,
		StartTimeout:     defaultStartTimeout,
		HealthInterval:   defaultHealthInterval,
		MaxBodyBytes:     defaultMaxBodyBytes,
		MaxInFlightBytes: defaultMaxInFlightBytes,
		Timeout:          defaultPluginTimeout,
		PathRange:        b.DefRange,
		SHA256Range:      b.DefRange,
	}
	scope := fmt.Sprintf("plugin %q", p.ID)
	if !pluginIDPattern.MatchString(p.ID) {
		d.errorf(b.LabelRanges[0], "Invalid plugin id",
			"plugin %q: a plugin id is 1 to 63 lower-case letters, digits and dashes, starting with a letter, such as \"auth\" or \"my-plugin\". "+
				"It becomes the URL path /api/<id>/.", p.ID)
	}
	c := d.content(b.Body, pluginSchema)
	a := c.Attributes

	if v, attr := d.str(a, "path"); v != "" {
		p.PathRange = attr.Expr.Range()
		p.Path = d.resolve(v)
		if !within(pluginDir, p.Path) {
			d.errorf(attr.Expr.Range(), "Plugin outside the plugin directory",
				"%s: path = %q resolves to %s, which is outside the plugin directory %s. "+
					"Move the binary into the plugin directory, or point plugin_dir at where it is.", scope, v, p.Path, pluginDir)
		}
	} else if unset(a, "path", attr) {
		d.errorf(b.DefRange, "Missing plugin path",
			"%s needs the path of its binary: path = \"bin/plugins/coderhost-plugin-%s\" (relative to the config file).", scope, p.ID)
	}
	if v, attr := d.str(a, "sha256"); v != "" {
		p.SHA256Range = attr.Expr.Range()
		if !sha256Pattern.MatchString(v) {
			d.errorf(attr.Expr.Range(), "Invalid sha256",
				"%s: sha256 must be 64 hexadecimal characters, got %d characters. Take it from `sha256sum <binary>`, or remove sha256 to skip the check.",
				scope, len(v))
		}
		p.SHA256 = strings.ToLower(v)
	}
	if names, attr := d.strList(a, "pass_env"); attr != nil {
		for _, n := range names {
			if !envNamePattern.MatchString(n) {
				d.errorf(attr.Expr.Range(), "Invalid environment variable name",
					"%s: pass_env has %q, which is not an environment variable name (letters, digits and _, not starting with a digit).", scope, n)
			}
		}
		p.PassEnv = names
	}
	if env, attr := d.strMap(a, "env"); attr != nil {
		for _, n := range sortedKeys(env) {
			if !envNamePattern.MatchString(n) {
				d.errorf(attr.Expr.Range(), "Invalid environment variable name",
					"%s: env has the key %q, which is not an environment variable name (letters, digits and _, not starting with a digit).", scope, n)
			}
		}
		p.Env = env
	}
	p.StartTimeout = d.duration(a, scope, "start_timeout", defaultStartTimeout, 0)
	p.HealthInterval = d.duration(a, scope, "health_interval", defaultHealthInterval, 0)
	p.MaxBodyBytes = d.size(a, scope, "max_body", defaultMaxBodyBytes)
	p.MaxInFlightBytes = d.size(a, scope, "max_in_flight", defaultMaxInFlightBytes)
	if p.MaxInFlightBytes < p.MaxBodyBytes {
		rng := b.DefRange
		if attr := a["max_in_flight"]; attr != nil {
			rng = attr.Expr.Range()
		}
		d.errorf(rng, "max_in_flight below max_body",
			"%s: max_in_flight (%d bytes) is smaller than max_body (%d bytes), so a body of the allowed size could never be held. "+
				"Raise max_in_flight, or lower max_body.", scope, p.MaxInFlightBytes, p.MaxBodyBytes)
	}
	p.Timeout = d.duration(a, scope, "timeout", defaultPluginTimeout, 0)

	if cfgs := c.Blocks.OfType("config"); len(cfgs) > 0 {
		p.Config = d.single(cfgs).Body
		d.evalAll(p.Config, scope)
	}
	return p
}

// evalAll evaluates every expression in a plugin's config block, which is
// decoded only once the plugin has described its schema, so an unset env()
// or a misspelt function there stops the host before any plugin starts.
// Types are the schema's business and wait for it.
func (d *decoder) evalAll(body hcl.Body, scope string) {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return
	}
	for _, name := range sortedAttrNames(sb.Attributes) {
		_, diags := sb.Attributes[name].Expr.Value(d.ctx)
		for _, diag := range diags {
			if diag.Severity == hcl.DiagError {
				out := *diag
				out.Detail = fmt.Sprintf("%s config: %s", scope, diag.Detail)
				d.diags = append(d.diags, &out)
			}
		}
	}
	for _, b := range sb.Blocks {
		d.evalAll(b.Body, scope)
	}
}

func sortedAttrNames(attrs hclsyntax.Attributes) []string {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// unset reports whether a required string attribute is missing, as opposed
// to present but invalid, which has been reported already.
func unset(a hcl.Attributes, name string, attr *hcl.Attribute) bool {
	return a[name] == nil || attr != nil
}

// eval evaluates an attribute and converts it to ty. It returns a nil
// attribute when the attribute is absent or invalid (and reported); the
// value may be null.
func (d *decoder) eval(a hcl.Attributes, name string, ty cty.Type) (cty.Value, *hcl.Attribute) {
	attr := a[name]
	if attr == nil {
		return cty.NilVal, nil
	}
	val, diags := attr.Expr.Value(d.ctx)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return cty.NilVal, nil
	}
	conv, err := convert.Convert(val, ty)
	if err == nil && !conv.IsNull() && (ty.IsListType() || ty.IsMapType()) {
		for it := conv.ElementIterator(); it.Next(); {
			if k, v := it.Element(); v.IsNull() {
				if k.Type() == cty.String {
					err = fmt.Errorf("element %q must not be null", k.AsString())
				} else {
					err = fmt.Errorf("element %s must not be null", k.AsBigFloat().Text('f', -1))
				}
				break
			}
		}
	}
	if err != nil {
		d.diags = append(d.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Incorrect attribute value type",
			Detail:   fmt.Sprintf("Inappropriate value for attribute %q: %s.", name, err),
			Subject:  attr.Expr.Range().Ptr(),
		})
		return cty.NilVal, nil
	}
	return conv, attr
}

// str returns a string attribute's value; "" means absent or empty, which
// optional settings treat alike, so env("X", "") can leave one unset.
func (d *decoder) str(a hcl.Attributes, name string) (string, *hcl.Attribute) {
	v, attr := d.eval(a, name, cty.String)
	if attr == nil || v.IsNull() {
		return "", attr
	}
	return v.AsString(), attr
}

func (d *decoder) boolean(a hcl.Attributes, name string) (bool, *hcl.Attribute) {
	v, attr := d.eval(a, name, cty.Bool)
	if attr == nil || v.IsNull() {
		return false, attr
	}
	return v.True(), attr
}

func (d *decoder) strList(a hcl.Attributes, name string) ([]string, *hcl.Attribute) {
	v, attr := d.eval(a, name, cty.List(cty.String))
	if attr == nil || v.IsNull() {
		return nil, nil
	}
	out := []string{}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e.AsString())
	}
	return out, attr
}

func (d *decoder) strMap(a hcl.Attributes, name string) (map[string]string, *hcl.Attribute) {
	v, attr := d.eval(a, name, cty.Map(cty.String))
	if attr == nil || v.IsNull() {
		return nil, nil
	}
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		out[k.AsString()] = e.AsString()
	}
	return out, attr
}

// url returns an absolute http(s) URL without trailing slashes, or def.
// given reports whether the file set a value, valid or not.
func (d *decoder) url(a hcl.Attributes, scope, name, def string) (u string, given bool) {
	v, attr := d.str(a, name)
	if v == "" {
		return def, a[name] != nil && attr == nil
	}
	if err := checkURL(v); err != nil {
		d.errorf(attr.Expr.Range(), "Invalid URL", "%s%s = %q %v.", prefix(scope), name, v, err)
		return def, true
	}
	return strings.TrimRight(v, "/"), true
}

func (d *decoder) oneOf(a hcl.Attributes, scope, name string, allowed []string, def string) string {
	v, attr := d.str(a, name)
	if v == "" {
		return def
	}
	if !slices.Contains(allowed, v) {
		d.errorf(attr.Expr.Range(), fmt.Sprintf("Invalid %s", name),
			"%s%s = %q is not allowed. Use one of %s.", prefix(scope), name, v, quoteList(allowed))
		return def
	}
	return v
}

// duration parses a positive duration no longer than max (0: no limit).
func (d *decoder) duration(a hcl.Attributes, scope, name string, def, max time.Duration) time.Duration {
	v, attr := d.str(a, name)
	if v == "" {
		return def
	}
	dur, err := time.ParseDuration(v)
	switch {
	case err != nil:
		d.errorf(attr.Expr.Range(), "Invalid duration",
			"%s%s = %q is not a duration. Write a number with a unit, such as \"500ms\", \"10s\" or \"1m30s\".", prefix(scope), name, v)
	case dur <= 0:
		d.errorf(attr.Expr.Range(), "Invalid duration",
			"%s%s = %q must be longer than zero, such as %q.", prefix(scope), name, v, shortDuration(def))
	case max > 0 && dur > max:
		d.errorf(attr.Expr.Range(), "Duration too long",
			"%s%s = %q is longer than the limit of %s. Use a shorter timeout.", prefix(scope), name, v, max)
	default:
		return dur
	}
	return def
}

// size reads a byte count given as a number or as a string with a unit.
func (d *decoder) size(a hcl.Attributes, scope, name string, def int64) int64 {
	attr := a[name]
	if attr == nil {
		return def
	}
	val, diags := attr.Expr.Value(d.ctx)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
		return def
	}
	switch val.Type() {
	case cty.String:
		s := val.AsString()
		if s == "" {
			return def
		}
		n, err := parseSize(s)
		if err != nil {
			d.errorf(attr.Expr.Range(), "Invalid size",
				"%s%s = %q %v. Write a number of bytes, or a number with one of the units %s, such as \"10MiB\".",
				prefix(scope), name, s, err, strings.Join(sizeUnitNames, ", "))
			return def
		}
		return n
	case cty.Number:
		bf := val.AsBigFloat()
		n, acc := bf.Int64()
		if !bf.IsInt() || acc != big.Exact || n <= 0 {
			d.errorf(attr.Expr.Range(), "Invalid size",
				"%s%s = %s is not a positive whole number of bytes. Write a byte count, or a string such as \"10MiB\".",
				prefix(scope), name, bf.Text('g', -1))
			return def
		}
		return n
	default:
		d.diags = append(d.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Incorrect attribute value type",
			Detail: fmt.Sprintf("Inappropriate value for attribute %q: a number of bytes or a size string such as \"10MiB\" required.",
				name),
			Subject: attr.Expr.Range().Ptr(),
		})
		return def
	}
}

func (d *decoder) resolve(p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(d.dir, p)
	}
	return filepath.Clean(p)
}

func (d *decoder) mustBeFile(attr *hcl.Attribute, what, given, resolved string) {
	info, err := os.Stat(resolved)
	switch {
	case err != nil && os.IsNotExist(err):
		d.errorf(attr.Expr.Range(), "File not found",
			"%s = %q: %s does not exist. Create it, or fix the path (relative paths start at the config file's directory).",
			what, given, resolved)
	case err != nil:
		d.errorf(attr.Expr.Range(), "File not readable", "%s = %q: %v.", what, given, err)
	case !info.Mode().IsRegular():
		d.errorf(attr.Expr.Range(), "Not a file", "%s = %q: %s is not a regular file. Point it at a file.", what, given, resolved)
	}
}

// within reports whether path is dir or lies under it, judged lexically.
// The host checks again, following symlinks, when it launches the plugin.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// shortDuration writes "1m" rather than time.Duration's "1m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func prefix(scope string) string {
	if scope == "" {
		return ""
	}
	return scope + ": "
}

// at formats a range's start as FILE:LINE,COL, the way diagnostics do.
func at(r hcl.Range) string {
	return fmt.Sprintf("%s:%d,%d", r.Filename, r.Start.Line, r.Start.Column)
}

func quoteAll(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func quoteList(vals []string) string { return strings.Join(quoteAll(vals), ", ") }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sortSecrets drops empty and repeated values and puts longer ones first.
func sortSecrets(vals []string) []string {
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(out)
}
