package scripting

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"

	"github.com/coderhost/coderhost/host/internal/catalog"
)

// DefaultTimeout is a script call's deadline when [Script.Timeout] is 0.
const DefaultTimeout = 100 * time.Millisecond

// Script is one configured hook file.
type Script struct {
	Name string // unique; how config and callers refer to it
	File string // absolute path; positions in errors use it as written
	Hook string // one of Hooks
	// Timeout is the deadline of each call (0 means DefaultTimeout). The top
	// level of the file runs once per runtime, with at least a second.
	Timeout time.Duration
}

// Options configures an [Engine]. The zero value is usable.
type Options struct {
	// Logger receives console output and load/reload messages
	// (default slog.Default()).
	Logger *slog.Logger
	// Catalog serves ctx.catalog; nil makes those calls throw.
	Catalog catalog.Catalog
	// PoolSize is the number of warm runtimes per script
	// (default GOMAXPROCS).
	PoolSize int
	// MaxOverflow is how many extra runtimes per script may exist while all
	// warm ones are busy; they are dropped after use. 0 means PoolSize,
	// negative means none.
	MaxOverflow int
	// MaxCallStackSize bounds JS call depth (default 1024).
	MaxCallStackSize int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.PoolSize <= 0 {
		o.PoolSize = runtime.GOMAXPROCS(0)
	}
	switch {
	case o.MaxOverflow == 0:
		o.MaxOverflow = o.PoolSize
	case o.MaxOverflow < 0:
		o.MaxOverflow = 0
	}
	if o.MaxCallStackSize <= 0 {
		o.MaxCallStackSize = 1024
	}
	return o
}

// Engine loads, runs and reloads hook scripts. It is safe for concurrent
// use; Run never blocks on Load or Reload.
type Engine struct {
	opts Options
	log  *slog.Logger

	mu  sync.Mutex // serialises Load and Reload
	set atomic.Pointer[scriptSet]
}

// scriptSet is an immutable generation of loaded scripts.
type scriptSet struct {
	list   []*compiled
	byName map[string]*compiled
	byHook map[string][]*compiled
}

// compiled is one version of one script file.
type compiled struct {
	script   Script
	program  *goja.Program
	hash     [sha256.Size]byte
	stat     fileStat
	spec     hookSpec
	logger   *slog.Logger
	catalog  catalog.Catalog
	maxStack int
	pool     *pool
}

type fileStat struct {
	size  int64
	mtime time.Time
}

// NewEngine returns an engine with nothing loaded.
func NewEngine(opts Options) *Engine {
	opts = opts.withDefaults()
	return &Engine{opts: opts, log: opts.Logger}
}

// Load compiles every script, runs its top level and finds its hook
// function, then makes the set current. It is all or nothing: on any
// problem the previous set keeps serving and the error is a *LoadError
// listing every problem with its position.
func (e *Engine) Load(scripts []Script) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	set, err := e.prepare(scripts, true)
	if err != nil {
		return err
	}
	e.set.Store(set)
	e.log.Info("scripts loaded", "count", len(set.list))
	return nil
}

// Check runs the same checks as Load (compile, run the top level once in a
// throwaway runtime, find the hook function) and keeps nothing: for
// `coderhost validate`.
func (e *Engine) Check(scripts []Script) error {
	_, err := e.prepare(scripts, false)
	return err
}

func (e *Engine) prepare(scripts []Script, keep bool) (*scriptSet, error) {
	set := &scriptSet{byName: map[string]*compiled{}, byHook: map[string][]*compiled{}}
	var problems []Problem
	for _, s := range scripts {
		if s.Timeout == 0 {
			s.Timeout = DefaultTimeout
		}
		bad := func(msg string, args ...any) {
			problems = append(problems, Problem{Script: s.Name, File: s.File, Message: fmt.Sprintf(msg, args...)})
		}
		switch {
		case s.Name == "":
			bad("a script needs a name")
			continue
		case set.byName[s.Name] != nil:
			bad("script name %q is used twice", s.Name)
			continue
		case !slices.Contains(Hooks, s.Hook):
			bad("unknown hook %q (want one of %v)", s.Hook, Hooks)
			continue
		case s.File == "":
			bad("file is required")
			continue
		case s.Timeout < 0:
			bad("timeout must be positive")
			continue
		}
		data, st, err := readScript(s.File)
		if err != nil {
			bad("%v", err)
			continue
		}
		c, errs := e.compile(s, data, st, keep)
		if errs != nil {
			problems = append(problems, errs...)
			continue
		}
		set.list = append(set.list, c)
		set.byName[s.Name] = c
		set.byHook[s.Hook] = append(set.byHook[s.Hook], c)
	}
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	return set, nil
}

func readScript(path string) ([]byte, fileStat, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fileStat{}, fmt.Errorf("cannot read the script: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fileStat{}, fmt.Errorf("cannot read the script: %w", err)
	}
	return data, fileStat{size: st.Size(), mtime: st.ModTime()}, nil
}

// maxSyntaxErrors bounds the syntax errors reported per file; later ones
// are usually echoes of the first.
const maxSyntaxErrors = 5

// compile parses and compiles one version of a script and instantiates it
// once; with keep, that runtime and PoolSize-1 more become its pool.
func (e *Engine) compile(s Script, data []byte, st fileStat, keep bool) (*compiled, []Problem) {
	problem := func(line, col int, msg string) Problem {
		return Problem{Script: s.Name, File: s.File, Line: line, Column: col, Message: msg}
	}
	ast, err := parser.ParseFile(nil, s.File, string(data), 0, parser.WithDisableSourceMaps)
	if err != nil {
		var list parser.ErrorList
		if !errors.As(err, &list) {
			return nil, []Problem{problem(0, 0, "SyntaxError: "+err.Error())}
		}
		var ps []Problem
		for _, pe := range list {
			p := problem(pe.Position.Line, pe.Position.Column, "SyntaxError: "+pe.Message)
			if len(ps) > 0 && ps[len(ps)-1] == p {
				continue // the parser repeats itself at the end of input
			}
			if ps = append(ps, p); len(ps) == maxSyntaxErrors {
				break
			}
		}
		return nil, ps
	}
	prog, err := goja.CompileAST(ast, true)
	if err != nil {
		var se *goja.CompilerSyntaxError
		if errors.As(err, &se) && se.File != nil {
			p := se.File.Position(se.Offset)
			return nil, []Problem{problem(p.Line, p.Column, "SyntaxError: "+se.Message)}
		}
		return nil, []Problem{problem(0, 0, err.Error())}
	}
	c := &compiled{
		script:   s,
		program:  prog,
		hash:     sha256.Sum256(data),
		stat:     st,
		spec:     hookSpecs[s.Hook],
		logger:   e.opts.Logger,
		catalog:  e.opts.Catalog,
		maxStack: e.opts.MaxCallStackSize,
	}
	first, err := newVM(c, &e.opts)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			return nil, le.Problems
		}
		return nil, []Problem{problem(0, 0, err.Error())}
	}
	if !keep {
		return c, nil
	}
	c.pool = newPool(func() (*vm, error) { return newVM(c, &e.opts) }, e.opts.PoolSize, e.opts.MaxOverflow)
	c.pool.add(first)
	for i := 1; i < e.opts.PoolSize; i++ {
		v, err := newVM(c, &e.opts)
		if err != nil {
			return nil, []Problem{problem(0, 0, "a second runtime failed where the first succeeded (is the top level non-deterministic?): "+err.Error())}
		}
		c.pool.add(v)
	}
	return c, nil
}

// Run calls hook with input (JSON) and returns the result as JSON.
//
// With a name, only that script runs. With name "", every script of the
// hook runs in declaration order until one returns non-null, like Backstage's
// sign-in resolver chain; if all return null the result is "null" and ran is
// "". An error from any script stops the chain. ran names the script that
// produced the result (or the error). An unknown hook or name, or a hook
// without scripts, is ErrNoScript; a script failure is a *ScriptError.
//
// With hook "", the named script runs under its own hook.
func (e *Engine) Run(ctx context.Context, hook, name string, input []byte) (out []byte, ran string, err error) {
	if hook == "" && name != "" {
		if set := e.set.Load(); set != nil && set.byName[name] != nil {
			hook = set.byName[name].script.Hook
		} else {
			return nil, "", fmt.Errorf("%w: no script named %q", ErrNoScript, name)
		}
	}
	spec, ok := hookSpecs[hook]
	if !ok {
		return nil, "", fmt.Errorf("%w: unknown hook %q", ErrNoScript, hook)
	}
	set := e.set.Load()
	var targets []*compiled
	if set != nil {
		if name != "" {
			if c := set.byName[name]; c != nil && c.script.Hook == hook {
				targets = []*compiled{c}
			}
		} else {
			targets = set.byHook[hook]
		}
	}
	if len(targets) == 0 {
		if name != "" {
			return nil, "", fmt.Errorf("%w: no %s script named %q", ErrNoScript, hook, name)
		}
		return nil, "", fmt.Errorf("%w: no script implements %s", ErrNoScript, hook)
	}
	var in map[string]any
	if err := json.Unmarshal(input, &in); err != nil || in == nil {
		return nil, "", fmt.Errorf("%s input must be a JSON object: %v", hook, err)
	}
	if err := spec.checkInput(in); err != nil {
		return nil, "", fmt.Errorf("%s %w", hook, err)
	}
	for _, c := range targets {
		out, err := c.run(ctx, in)
		if err != nil {
			return nil, c.script.Name, err
		}
		if out != nil {
			return out, c.script.Name, nil
		}
	}
	return []byte("null"), "", nil
}

// errScriptDeadline is the cause of a call context that hit the script's own
// deadline rather than the caller's.
var errScriptDeadline = errors.New("script deadline")

func (c *compiled) run(ctx context.Context, in map[string]any) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := c.pool.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("script %q: %w", c.script.Name, err)
	}
	out, broken, err := v.run(ctx, in)
	c.pool.put(v, broken)
	return out, err
}

// run makes one call under the script's deadline. broken reports that the
// runtime must not be reused.
func (v *vm) run(ctx context.Context, in map[string]any) (out []byte, broken bool, err error) {
	callCtx, cancel := context.WithTimeoutCause(ctx, v.s.script.Timeout, errScriptDeadline)
	defer cancel()
	fired := make(chan struct{})
	stop := context.AfterFunc(callCtx, func() {
		v.rt.Interrupt(errScriptDeadline)
		close(fired)
	})
	v.call = callCtx
	out, broken, err = v.invoke(in)
	v.call = context.Background()
	if !stop() {
		// The interrupt fired (or is firing). Wait for it so that it cannot
		// land on the next call, then drop this runtime. A result that was
		// complete before the deadline stands; a failure is reported as the
		// deadline, since that is what cut the script short (a catalog call
		// cancelled mid-way surfaces as an exception, not an interrupt).
		<-fired
		if err != nil {
			err = v.deadlineError(ctx, err)
		}
		return out, true, err
	}
	v.rt.ClearInterrupt()
	return out, broken, err
}

// invoke builds the input, calls the hook and checks its result. Any Go
// panic (an uncatchable exception escaping goja's API outside a run) marks
// the runtime broken.
func (v *vm) invoke(in map[string]any) (out []byte, broken bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, broken = nil, true
			err = &ScriptError{Script: v.s.script.Name, File: v.s.script.File, Message: fmt.Sprintf("the script was stopped: %v", r)}
		}
	}()
	res, callErr := v.hook(goja.Undefined(), v.view(in, hookArg(v.s.script.Hook)), v.ctxObj)
	if callErr != nil {
		var ie *goja.InterruptedError
		var so *goja.StackOverflowError
		broken = errors.As(callErr, &ie) || errors.As(callErr, &so)
		return nil, broken, v.callError(callErr)
	}
	var resErr error
	if ex := v.rt.Try(func() { out, resErr = v.s.spec.result(res) }); ex != nil {
		return nil, false, v.callError(ex)
	}
	if resErr != nil {
		return nil, false, &ScriptError{Script: v.s.script.Name, File: v.s.script.File, Message: "bad result: " + resErr.Error()}
	}
	return out, false, nil
}

// callError turns a goja error from a call into a *ScriptError with the
// innermost position in the script's file.
func (v *vm) callError(err error) *ScriptError {
	se := &ScriptError{Script: v.s.script.Name, File: v.s.script.File}
	var ie *goja.InterruptedError
	var so *goja.StackOverflowError
	var ex *goja.Exception
	switch {
	case errors.As(err, &ie):
		se.Line, se.Column = framePosition(ie.Stack(), se.File)
		se.Stack = formatStack(ie.Stack())
		se.Message = "interrupted"
	case errors.As(err, &so):
		se.Line, se.Column = framePosition(so.Stack(), se.File)
		se.Stack = formatStack(so.Stack())
		se.Message = fmt.Sprintf("RangeError: maximum call stack size (%d) exceeded", v.s.maxStack)
	case errors.As(err, &ex):
		se.Line, se.Column = framePosition(ex.Stack(), se.File)
		se.Stack = formatStack(ex.Stack())
		se.Message = safeString(ex.Value())
	default:
		se.Message = err.Error()
	}
	return se
}

// deadlineError reports a call stopped by its deadline or its caller, at the
// position where the script was interrupted.
func (v *vm) deadlineError(ctx context.Context, err error) *ScriptError {
	se := &ScriptError{Script: v.s.script.Name, File: v.s.script.File}
	var prev *ScriptError
	if errors.As(err, &prev) {
		se.Line, se.Column, se.Stack = prev.Line, prev.Column, prev.Stack
	}
	if cerr := ctx.Err(); cerr != nil {
		se.Message = "stopped because the caller gave up: " + cerr.Error()
		se.cause = cerr
	} else {
		se.Message = fmt.Sprintf("did not finish within its %s deadline", v.s.script.Timeout)
		se.cause = context.DeadlineExceeded
	}
	return se
}

// Hooks returns the hooks that loaded scripts implement, in declaration
// order.
func (e *Engine) Hooks() []string {
	var out []string
	if set := e.set.Load(); set != nil {
		for _, c := range set.list {
			if !slices.Contains(out, c.script.Hook) {
				out = append(out, c.script.Hook)
			}
		}
	}
	return out
}

// Scripts returns the loaded scripts in declaration order, with defaults
// filled in.
func (e *Engine) Scripts() []Script {
	var out []Script
	if set := e.set.Load(); set != nil {
		for _, c := range set.list {
			out = append(out, c.script)
		}
	}
	return out
}
