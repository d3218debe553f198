package scripting

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"github.com/coderhost/coderhost/host/internal/catalog"
)

// Hooks lists the hooks a script can implement.
var Hooks = []string{"signin", "workspace_params"}

// hookSpec checks a hook's input before any script sees it and turns a
// script's result into the JSON the host consumes.
type hookSpec struct {
	checkInput func(in map[string]any) error
	result     func(res goja.Value) ([]byte, error) // nil, nil for null
}

var hookSpecs = map[string]hookSpec{
	"signin":           {checkInput: func(map[string]any) error { return nil }, result: signinResult},
	"workspace_params": {checkInput: checkParamsInput, result: paramsResult},
}

// resultError names the field of a result that is wrong.
type resultError struct{ field, problem string }

func (e *resultError) Error() string { return e.field + ": " + e.problem }

func badField(field, format string, args ...any) error {
	return &resultError{field: field, problem: fmt.Sprintf(format, args...)}
}

var promiseType = reflect.TypeOf((*goja.Promise)(nil))

// resultObject returns the result as an object, or nil for null.
func resultObject(res goja.Value) (*goja.Object, error) {
	if res != nil && goja.IsNull(res) {
		return nil, nil
	}
	obj, ok := res.(*goja.Object)
	if ok && obj.ExportType() == promiseType {
		return nil, badField("result", "must be an object or null (got a Promise: hooks are synchronous, so do not declare them async)")
	}
	if t := jsType(res); !ok || t != "object" {
		hint := ""
		if t == "undefined" {
			hint = "; did the function forget to return?"
		}
		return nil, badField("result", "must be an object or null (got %s%s)", t, hint)
	}
	return obj, nil
}

func checkKeys(obj *goja.Object, prefix string, allowed ...string) error {
	for _, k := range obj.Keys() {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			return badField(prefix+k, "unknown field (expected %s)", strings.Join(allowed, ", "))
		}
	}
	return nil
}

func stringValue(val goja.Value) (string, bool) {
	if jsType(val) != "string" {
		return "", false
	}
	return val.String(), true
}

// maxOwnershipRefs bounds ownershipEntityRefs (they end up in a token).
const maxOwnershipRefs = 1000

// signinResult validates {userEntityRef, ownershipEntityRefs?}. Refs must be
// written in full (kind:namespace/name) and come out canonical (lower-case);
// ownership refs are de-duplicated and default to [userEntityRef], as
// Backstage's token issuer does for a missing "ent" claim.
func signinResult(res goja.Value) ([]byte, error) {
	obj, err := resultObject(res)
	if obj == nil {
		return nil, err
	}
	if err := checkKeys(obj, "", "userEntityRef", "ownershipEntityRefs"); err != nil {
		return nil, err
	}
	var out struct {
		UserEntityRef       string   `json:"userEntityRef"`
		OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
	}
	uv := obj.Get("userEntityRef")
	s, ok := stringValue(uv)
	if !ok {
		return nil, badField("userEntityRef", "must be a string (got %s)", jsType(uv))
	}
	r, err := catalog.ParseFullRef(s)
	if err != nil || !strings.EqualFold(r.Kind, "user") {
		return nil, badField("userEntityRef", "must be a full user entity ref like user:default/jdoe (got %q)", s)
	}
	out.UserEntityRef = r.String()

	ov := obj.Get("ownershipEntityRefs")
	if ov == nil || goja.IsUndefined(ov) {
		out.OwnershipEntityRefs = []string{out.UserEntityRef}
		return json.Marshal(out)
	}
	arr, _ := ov.(*goja.Object)
	if jsType(ov) != "array" {
		return nil, badField("ownershipEntityRefs", "must be an array of entity refs (got %s)", jsType(ov))
	}
	n := arr.Get("length").ToInteger()
	if n > maxOwnershipRefs {
		return nil, badField("ownershipEntityRefs", "has %d refs; at most %d are allowed", n, maxOwnershipRefs)
	}
	out.OwnershipEntityRefs = []string{}
	seen := map[string]bool{}
	for i := int64(0); i < n; i++ {
		field := "ownershipEntityRefs[" + strconv.FormatInt(i, 10) + "]"
		ev := arr.Get(strconv.FormatInt(i, 10))
		s, ok := stringValue(ev)
		if !ok {
			return nil, badField(field, "must be a string (got %s)", jsType(ev))
		}
		r, err := catalog.ParseFullRef(s)
		if err != nil {
			return nil, badField(field, "must be a full entity ref like group:default/team-a (got %q)", s)
		}
		if c := r.String(); !seen[c] {
			seen[c] = true
			out.OwnershipEntityRefs = append(out.OwnershipEntityRefs, c)
		}
	}
	return json.Marshal(out)
}

func checkParamsInput(in map[string]any) error {
	for _, k := range []string{"entity", "config"} {
		if _, ok := in[k].(map[string]any); !ok {
			return fmt.Errorf("input.%s must be an object", k)
		}
	}
	return nil
}

// paramsResult validates {templateName?, mode?, params?}. Parameter values
// are strings; finite numbers and booleans are converted with JavaScript's
// String() (3 → "3", true → "true") because Coder parameters are strings on
// the wire; undefined values are dropped; anything else is an error.
func paramsResult(res goja.Value) ([]byte, error) {
	obj, err := resultObject(res)
	if obj == nil {
		return nil, err
	}
	if err := checkKeys(obj, "", "templateName", "mode", "params"); err != nil {
		return nil, err
	}
	var out struct {
		TemplateName *string            `json:"templateName,omitempty"`
		Mode         string             `json:"mode,omitempty"`
		Params       *map[string]string `json:"params,omitempty"`
	}
	if tv := obj.Get("templateName"); tv != nil && !goja.IsUndefined(tv) {
		s, ok := stringValue(tv)
		if !ok || s == "" {
			return nil, badField("templateName", "must be a non-empty string (got %s); leave it out to keep the configured template", describe(tv))
		}
		out.TemplateName = &s
	}
	if mv := obj.Get("mode"); mv != nil && !goja.IsUndefined(mv) {
		s, ok := stringValue(mv)
		if !ok || (s != "auto" && s != "manual") {
			return nil, badField("mode", `must be "auto" or "manual" (got %s)`, describe(mv))
		}
		out.Mode = s
	}
	if pv := obj.Get("params"); pv != nil && !goja.IsUndefined(pv) {
		po, _ := pv.(*goja.Object)
		if jsType(pv) != "object" {
			return nil, badField("params", "must be an object mapping parameter names to strings (got %s)", jsType(pv))
		}
		params := map[string]string{}
		for _, k := range po.Keys() {
			if k == "" {
				return nil, badField("params", "parameter names must not be empty")
			}
			val := po.Get(k)
			switch jsType(val) {
			case "undefined":
				continue
			case "string", "boolean":
				params[k] = val.String()
			case "number":
				if f := val.ToFloat(); math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, badField("params."+k, "must be a string (got %s)", val.String())
				}
				params[k] = val.String()
			default:
				return nil, badField("params."+k, "must be a string (got %s)", jsType(val))
			}
		}
		out.Params = &params
	}
	return json.Marshal(out)
}

// describe shows a wrong value briefly: strings quoted, others by type.
func describe(val goja.Value) string {
	if s, ok := stringValue(val); ok {
		return strconv.Quote(s)
	}
	return jsType(val)
}
