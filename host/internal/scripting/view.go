package scripting

import (
	"fmt"
	"sort"

	"github.com/dop251/goja"
)

// Hook inputs and catalog entities reach scripts as read-only views over the
// decoded JSON: goja dynamic objects and arrays whose values are converted
// on first access. A view is fresh for every call and any write to it throws
// a TypeError, so a script can neither change what the host holds nor what
// the next call sees. Converting lazily matters: a catalog entity is mostly
// fields a hook never reads, and eagerly copying and freezing it cost more
// than the rest of a sign-in call.
//
// Views differ from frozen plain objects in two visible ways: Object.isFrozen
// reports false, and Object.freeze/preventExtensions on them throw.

// roObject is a read-only view of a JSON object.
type roObject struct {
	v     *vm
	path  string
	m     map[string]any
	keys  []string
	cache map[string]goja.Value // nested views, so that o.a === o.a
}

// roArray is a read-only view of a JSON array.
type roArray struct {
	v     *vm
	path  string
	a     []any
	cache []goja.Value
}

// view returns x as a JS value: scalars as themselves, objects and arrays as
// read-only views. path names x in error messages ("profile", "entity").
func (v *vm) view(x any, path string) goja.Value {
	switch x := x.(type) {
	case nil:
		return goja.Null()
	case string:
		return v.rt.ToValue(x)
	case float64:
		return v.rt.ToValue(x)
	case bool:
		return v.rt.ToValue(x)
	case map[string]any:
		return v.rt.NewDynamicObject(&roObject{v: v, path: path, m: x})
	case []any:
		return v.rt.NewDynamicArray(&roArray{v: v, path: path, a: x})
	case int:
		return v.rt.ToValue(x)
	case int64:
		return v.rt.ToValue(x)
	default:
		// Not a JSON shape; never hand a Go value to reflection.
		return v.rt.ToValue(fmt.Sprint(x))
	}
}

func (v *vm) readOnly(path string) {
	panic(v.rt.NewTypeError(fmt.Sprintf("cannot change %s: hook inputs and catalog entities are read-only (copy first, e.g. {...obj} or [...arr])", path)))
}

func (o *roObject) Get(key string) goja.Value {
	x, ok := o.m[key]
	if !ok {
		return nil
	}
	switch x.(type) {
	case map[string]any, []any:
		if c, ok := o.cache[key]; ok {
			return c
		}
		val := o.v.view(x, o.path+"."+key)
		if o.cache == nil {
			o.cache = map[string]goja.Value{}
		}
		o.cache[key] = val
		return val
	}
	return o.v.view(x, "")
}

func (o *roObject) Set(key string, _ goja.Value) bool {
	o.v.readOnly(o.path + "." + key)
	return false
}

func (o *roObject) Has(key string) bool {
	_, ok := o.m[key]
	return ok
}

func (o *roObject) Delete(key string) bool {
	o.v.readOnly(o.path + "." + key)
	return false
}

// Keys are sorted, so scripts see a stable order.
func (o *roObject) Keys() []string {
	if o.keys == nil {
		o.keys = make([]string, 0, len(o.m))
		for k := range o.m {
			o.keys = append(o.keys, k)
		}
		sort.Strings(o.keys)
	}
	return o.keys
}

func (a *roArray) Len() int { return len(a.a) }

func (a *roArray) Get(i int) goja.Value {
	if i < 0 || i >= len(a.a) {
		return nil
	}
	x := a.a[i]
	switch x.(type) {
	case map[string]any, []any:
		if a.cache == nil {
			a.cache = make([]goja.Value, len(a.a))
		}
		if a.cache[i] == nil {
			a.cache[i] = a.v.view(x, fmt.Sprintf("%s[%d]", a.path, i))
		}
		return a.cache[i]
	}
	return a.v.view(x, "")
}

func (a *roArray) Set(i int, _ goja.Value) bool {
	a.v.readOnly(fmt.Sprintf("%s[%d]", a.path, i))
	return false
}

func (a *roArray) SetLen(int) bool {
	a.v.readOnly(a.path + ".length")
	return false
}
