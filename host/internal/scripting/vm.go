package scripting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"

	"github.com/coderhost/coderhost/host/internal/catalog"
	"github.com/coderhost/coderhost/internal/repourl"
)

// prelude runs in every runtime before the admin's file, so it holds the
// original built-ins even if the script later replaces Object.freeze.
var prelude = goja.MustCompile("coderhost:prelude", `(function (freeze) {
	return function freezeAll(list) {
		for (let i = 0; i < list.length; i++) freeze(list[i]);
	};
})(Object.freeze)`, true)

// maxLogBytes bounds one console line.
const maxLogBytes = 4096

// vm is one runtime of a script, used by one goroutine at a time.
type vm struct {
	s         *compiled
	rt        *goja.Runtime
	hook      goja.Callable
	ctxObj    goja.Value
	freezeAll goja.Callable
	stringify goja.Callable
	errorCtor goja.Value

	// per call
	call context.Context
}

// newVM builds a runtime, runs the script's top level under deadline and
// finds its hook function.
func newVM(s *compiled, o *Options) (*vm, error) {
	rt := goja.New()
	rt.SetMaxCallStackSize(o.MaxCallStackSize)
	rt.SetParserOptions(parser.WithDisableSourceMaps)
	v := &vm{s: s, rt: rt, call: context.Background()}

	fa, err := rt.RunProgram(prelude)
	if err != nil {
		return nil, err
	}
	v.freezeAll, _ = goja.AssertFunction(fa)
	v.stringify, _ = goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("stringify"))
	v.errorCtor = rt.Get("Error")
	v.installConsole()
	v.ctxObj = v.buildCtx()

	timer := time.AfterFunc(loadTimeout(s.script.Timeout), func() { rt.Interrupt(errTopLevelDeadline) })
	_, err = rt.RunProgram(s.program)
	if !timer.Stop() {
		// The interrupt fired or is firing: this runtime is not reusable, and
		// the top level is too slow anyway.
		return nil, &LoadError{Problems: []Problem{topLevelError(s, err)}}
	}
	rt.ClearInterrupt()
	if err != nil {
		return nil, &LoadError{Problems: []Problem{topLevelError(s, err)}}
	}
	fn, ok := goja.AssertFunction(rt.Get(s.script.Hook))
	if !ok {
		return nil, &LoadError{Problems: []Problem{{Script: s.script.Name, File: s.script.File, Line: 1, Column: 1,
			Message: fmt.Sprintf("no top-level function %q: define function %s(%s, ctx) { ... }", s.script.Hook, s.script.Hook, hookArg(s.script.Hook))}}}
	}
	v.hook = fn
	return v, nil
}

var errTopLevelDeadline = errors.New("top level")

func loadTimeout(d time.Duration) time.Duration { return max(d, time.Second) }

func hookArg(hook string) string {
	if hook == "signin" {
		return "profile"
	}
	return "input"
}

func topLevelError(s *compiled, err error) Problem {
	p := Problem{Script: s.script.Name, File: s.script.File}
	var ie *goja.InterruptedError
	if errors.As(err, &ie) || err == nil {
		p.Message = fmt.Sprintf("the top level did not finish within %s", loadTimeout(s.script.Timeout))
		if ie != nil {
			p.Line, p.Column = framePosition(ie.Stack(), s.script.File)
		}
		return p
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		p.Line, p.Column = framePosition(ex.Stack(), s.script.File)
		p.Message = "the top level threw " + safeString(ex.Value())
		return p
	}
	p.Message = err.Error()
	return p
}

// framePosition returns the innermost position inside file, or the innermost
// script position at all.
func framePosition(stack []goja.StackFrame, file string) (int, int) {
	var fallback *goja.StackFrame
	for i := range stack {
		f := &stack[i]
		if f.SrcName() == file {
			p := f.Position()
			return p.Line, p.Column
		}
		if fallback == nil && f.SrcName() != "<native>" {
			fallback = f
		}
	}
	if fallback != nil {
		p := fallback.Position()
		return p.Line, p.Column
	}
	return 0, 0
}

func formatStack(stack []goja.StackFrame) string {
	var b strings.Builder
	for i := range stack {
		f := &stack[i]
		if f.SrcName() == "<native>" {
			continue // host functions; the message names them
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		p := f.Position()
		fmt.Fprintf(&b, "at %s (%s:%d:%d)", f.FuncName(), p.Filename, p.Line, p.Column)
	}
	return b.String()
}

// safeString converts a thrown value to text without running the script's
// own toString: primitives directly, objects from their name and message
// (like an Error), otherwise as "[object Class]".
func safeString(val goja.Value) (s string) {
	defer func() {
		if recover() != nil {
			s = "an exception whose message could not be read"
		}
	}()
	if val == nil {
		return "undefined"
	}
	obj, ok := val.(*goja.Object)
	if !ok {
		return val.String()
	}
	name, msg := obj.Get("name"), obj.Get("message")
	if ms, ok := str(msg); ok {
		if ns, ok := str(name); ok && ns != "" {
			return ns + ": " + ms
		}
		return ms
	}
	return "[object " + obj.ClassName() + "]"
}

// throwType throws a JS TypeError from a native function.
func (v *vm) throwType(format string, args ...any) {
	panic(v.rt.NewTypeError(fmt.Sprintf(format, args...)))
}

// throw throws a plain JS Error from a native function.
func (v *vm) throw(msg string) {
	obj, err := v.rt.New(v.errorCtor, v.rt.ToValue(msg))
	if err != nil {
		panic(v.rt.NewTypeError(msg))
	}
	panic(obj)
}

func (v *vm) installConsole() {
	console := v.rt.NewObject()
	for name, level := range map[string]slog.Level{
		"log": slog.LevelInfo, "info": slog.LevelInfo, "debug": slog.LevelDebug,
		"warn": slog.LevelWarn, "error": slog.LevelError,
	} {
		console.Set(name, func(call goja.FunctionCall) goja.Value {
			v.log(level, call.Arguments)
			return goja.Undefined()
		})
	}
	v.freeze(console)
	v.rt.Set("console", console)
}

func (v *vm) log(level slog.Level, args []goja.Value) {
	logger := v.s.logger
	if !logger.Enabled(v.call, level) {
		return
	}
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v.logText(a))
		if b.Len() > maxLogBytes {
			break
		}
	}
	text := b.String()
	if len(text) > maxLogBytes {
		text = text[:maxLogBytes] + "…"
	}
	line := 0
	for _, f := range v.rt.CaptureCallStack(0, nil) {
		if f.SrcName() != "<native>" {
			line = f.Position().Line
			break
		}
	}
	logger.Log(v.call, level, text, "script", v.s.script.Name, "line", line)
}

// logText formats one console argument: strings as they are, errors as
// "Name: message", other objects as JSON.
func (v *vm) logText(a goja.Value) string {
	if obj, ok := a.(*goja.Object); ok {
		if obj.ClassName() == "Error" {
			return safeString(obj)
		}
		if _, isFn := goja.AssertFunction(obj); !isFn {
			if s, err := v.stringify(goja.Undefined(), obj); err == nil && !goja.IsUndefined(s) {
				return s.String()
			}
		}
	}
	return a.String()
}

func (v *vm) freeze(objs ...any) {
	if _, err := v.freezeAll(goja.Undefined(), v.rt.NewArray(objs...)); err != nil {
		panic(err)
	}
}

// buildCtx makes the frozen ctx object handed to every call of this runtime.
func (v *vm) buildCtx() goja.Value {
	rt := v.rt
	var objs []any
	obj := func(fns map[string]func(goja.FunctionCall) goja.Value) *goja.Object {
		o := rt.NewObject()
		for name, fn := range fns {
			f := rt.ToValue(fn)
			o.Set(name, f)
			objs = append(objs, f)
		}
		objs = append(objs, o)
		return o
	}
	ctx := rt.NewObject()
	ctx.Set("script", v.s.script.Name)
	ctx.Set("hook", v.s.script.Hook)
	ctx.Set("catalog", obj(map[string]func(goja.FunctionCall) goja.Value{
		"getEntity": v.getEntity,
		"findUsers": v.findUsers,
	}))
	ctx.Set("entityRef", obj(map[string]func(goja.FunctionCall) goja.Value{
		"parse":     v.parseRef,
		"stringify": v.stringifyRef,
	}))
	ctx.Set("repoUrl", obj(map[string]func(goja.FunctionCall) goja.Value{
		"normalize":  v.normalizeRepoURL,
		"fromEntity": v.repoURLFromEntity,
	}))
	objs = append(objs, ctx)
	v.freeze(objs...)
	return ctx
}

func (v *vm) catalog(fn string) catalog.Catalog {
	if v.s.catalog == nil {
		v.throw(fmt.Sprintf("ctx.catalog.%s: no catalog is configured (set backstage.backend_url or backstage.catalog_files; with `coderhost script test`, pass --catalog DIR)", fn))
	}
	return v.s.catalog
}

// str returns val as a Go string when it is a JS string. goja's Object.Get
// returns a nil Value for a missing property, which str treats as absent.
func str(val goja.Value) (string, bool) {
	if val == nil || jsType(val) != "string" {
		return "", false
	}
	return val.String(), true
}

func (v *vm) stringArg(call goja.FunctionCall, i int, fn, what string) string {
	a := call.Argument(i)
	s, ok := str(a)
	if !ok {
		v.throwType("%s: %s must be a string, got %s", fn, what, jsType(a))
	}
	return s
}

func (v *vm) getEntity(call goja.FunctionCall) goja.Value {
	const fn = "ctx.catalog.getEntity"
	ref := v.stringArg(call, 0, fn, "the entity ref")
	if _, err := catalog.ParseRef(ref, "", ""); err != nil {
		v.throwType("%s: %v", fn, err)
	}
	e, err := v.catalog("getEntity").GetEntity(v.call, ref)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return goja.Null()
	case err != nil:
		v.throw(fmt.Sprintf("%s(%q): %v", fn, ref, err))
	}
	return v.view(map[string]any(e), "entity")
}

func (v *vm) findUsers(call goja.FunctionCall) goja.Value {
	const fn = "ctx.catalog.findUsers"
	const usage = "pass {email: string} or {annotation: {key: string, value: string}}"
	arg, ok := call.Argument(0).(*goja.Object)
	if !ok {
		v.throwType("%s: %s", fn, usage)
	}
	var q catalog.UserQuery
	for _, k := range arg.Keys() {
		val := arg.Get(k)
		switch k {
		case "email":
			s, ok := str(val)
			if !ok || s == "" {
				v.throwType("%s: email must be a non-empty string", fn)
			}
			q.Email = s
		case "annotation":
			ao, ok := val.(*goja.Object)
			if !ok {
				v.throwType("%s: annotation must be {key, value}", fn)
			}
			q.AnnotationKey, _ = str(ao.Get("key"))
			q.AnnotationValue, _ = str(ao.Get("value"))
			if q.AnnotationKey == "" || q.AnnotationValue == "" {
				v.throwType("%s: annotation needs a non-empty string key and value", fn)
			}
		default:
			v.throwType("%s: unknown field %q: %s", fn, k, usage)
		}
	}
	if err := q.Validate(); err != nil {
		v.throwType("%s: %s", fn, usage)
	}
	users, err := v.catalog("findUsers").FindUsers(v.call, q)
	if err != nil {
		v.throw(fmt.Sprintf("%s: %v", fn, err))
	}
	list := make([]any, len(users))
	for i, u := range users {
		list[i] = v.view(map[string]any(u), "user")
	}
	return v.rt.NewArray(list...)
}

func (v *vm) parseRef(call goja.FunctionCall) goja.Value {
	const fn = "ctx.entityRef.parse"
	ref := v.stringArg(call, 0, fn, "the entity ref")
	var defKind, defNS string
	if o, ok := call.Argument(1).(*goja.Object); ok {
		defKind, _ = str(o.Get("defaultKind"))
		defNS, _ = str(o.Get("defaultNamespace"))
	}
	r, err := catalog.ParseRef(ref, defKind, defNS)
	if err != nil {
		v.throwType("%s: %v", fn, err)
	}
	o := v.rt.NewObject()
	o.Set("kind", r.Kind)
	o.Set("namespace", r.Namespace)
	o.Set("name", r.Name)
	return o
}

func (v *vm) stringifyRef(call goja.FunctionCall) goja.Value {
	const fn = "ctx.entityRef.stringify"
	o, ok := call.Argument(0).(*goja.Object)
	if !ok {
		v.throwType("%s: pass {kind, namespace?, name} or an entity", fn)
	}
	get := func(o *goja.Object, k string) string {
		if o == nil {
			return ""
		}
		s, _ := str(o.Get(k))
		return s
	}
	kind, ns, name := get(o, "kind"), get(o, "namespace"), get(o, "name")
	if md, isEntity := o.Get("metadata").(*goja.Object); isEntity {
		ns, name = get(md, "namespace"), get(md, "name")
	}
	if kind == "" || name == "" {
		v.throwType("%s: kind and name must be non-empty strings", fn)
	}
	return v.rt.ToValue(catalog.Ref{Kind: kind, Namespace: ns, Name: name}.String())
}

func (v *vm) normalizeRepoURL(call goja.FunctionCall) goja.Value {
	const fn = "ctx.repoUrl.normalize"
	u, err := repourl.Seed(v.stringArg(call, 0, fn, "the URL"))
	if err != nil {
		v.throwType("%s: %v", fn, err)
	}
	return v.rt.ToValue(u)
}

func (v *vm) repoURLFromEntity(call goja.FunctionCall) goja.Value {
	o, ok := call.Argument(0).(*goja.Object)
	if !ok {
		v.throwType("ctx.repoUrl.fromEntity: pass an entity")
	}
	md, _ := o.Get("metadata").(*goja.Object)
	if md == nil {
		return goja.Null()
	}
	ann, _ := md.Get("annotations").(*goja.Object)
	if ann == nil {
		return goja.Null()
	}
	loc, ok := str(ann.Get(repourl.SourceLocationAnnotation))
	if !ok {
		return goja.Null()
	}
	if _, target, ok := repourl.LocationTarget(loc); ok {
		if u, err := repourl.Seed(target); err == nil {
			return v.rt.ToValue(u)
		}
	}
	return goja.Null()
}

// jsType names a value's type for error messages.
func jsType(val goja.Value) string {
	switch {
	case val == nil || goja.IsUndefined(val):
		return "undefined"
	case goja.IsNull(val):
		return "null"
	}
	if o, ok := val.(*goja.Object); ok {
		if _, fn := goja.AssertFunction(o); fn {
			return "function"
		}
		if o.ClassName() == "Array" {
			return "array"
		}
		return "object"
	}
	switch val.ExportType().Kind().String() {
	case "string":
		return "string"
	case "int64", "float64":
		return "number"
	case "bool":
		return "boolean"
	}
	if _, ok := val.(*goja.Symbol); ok {
		return "symbol"
	}
	return "bigint"
}
