package scripting

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderhost/coderhost/host/internal/catalog"
)

func asScriptError(t *testing.T, err error) *ScriptError {
	t.Helper()
	var se *ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *ScriptError", err, err)
	}
	return se
}

func TestInfiniteLoopStopsAtDeadlineAndPoolKeepsServing(t *testing.T) {
	src := `function signin(profile, ctx) {
  let n = 0;
  while (profile.username === "loop") {
    n++;
  }
  return { userEntityRef: "user:default/" + profile.username };
}
`
	e, file := loadOne(t, Options{PoolSize: 2, MaxOverflow: -1}, "signin", src, 50*time.Millisecond)

	for i := 0; i < 3; i++ { // more loops than runtimes: each must be replaced
		_, err := runJSON(t, e, "signin", `{"username":"loop"}`)
		se := asScriptError(t, err)
		if !strings.Contains(se.Message, "did not finish within its 50ms deadline") {
			t.Errorf("message = %q", se.Message)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is(err, DeadlineExceeded) = false for %v", err)
		}
		// goja maps an interrupted loop to one of its lines or the statement
		// before it.
		if se.File != file || se.Line < 2 || se.Line > 4 {
			t.Errorf("position = %s:%d:%d, want a line of the loop (2-4) in %s", se.File, se.Line, se.Column, file)
		}
	}
	for i := 0; i < 10; i++ {
		out, err := runJSON(t, e, "signin", `{"username":"jdoe"}`)
		if err != nil || out != `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":["user:default/jdoe"]}` {
			t.Fatalf("after the loop: %s, %v", out, err)
		}
	}
}

func TestCallerContextStopsScript(t *testing.T) {
	e, _ := loadOne(t, Options{}, "signin", "function signin(p) { for (;;) {} }")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := e.Run(ctx, "signin", "", []byte(`{}`))
	se := asScriptError(t, err)
	if !strings.Contains(se.Message, "caller gave up") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}

func TestThrowReportsPosition(t *testing.T) {
	src := `// line 1
function helper(name) {
  throw new Error("no user " + name);
}
function signin(profile, ctx) {
  return helper(profile.username);
}
`
	e, file := loadOne(t, Options{}, "signin", src)
	_, err := runJSON(t, e, "signin", jdoeProfile)
	se := asScriptError(t, err)
	if se.Line != 3 || se.Column != 9 || se.File != file {
		t.Errorf("position = %s:%d:%d, want %s:3:9", se.File, se.Line, se.Column, file)
	}
	if se.Message != "Error: no user jdoe" {
		t.Errorf("message = %q", se.Message)
	}
	wantStack := fmt.Sprintf("at helper (%s:3:9)\nat signin (%s:6:16)", file, file)
	if se.Stack != wantStack {
		t.Errorf("stack = %q, want %q", se.Stack, wantStack)
	}
	if want := fmt.Sprintf("%s:3:9: script \"test\": Error: no user jdoe", file); err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestThrowNonErrorAndHostileToString(t *testing.T) {
	tests := map[string]string{
		`function signin() { throw "plain"; }`:                                     "plain",
		`function signin() { throw { toString() { for (;;) {} } }; }`:              "[object Object]",
		`function signin() { throw [1, 2]; }`:                                      "[object Array]",
		`function signin() { const e = new TypeError("bad"); throw e; }`:           "TypeError: bad",
		`function signin() { throw { name: "Custom", message: "why" }; }`:          "Custom: why",
		`function signin() { throw { get message() { throw new Error("x"); } }; }`: "an exception whose message could not be read",
		`function signin() { return ctx_missing; }`:                                "ReferenceError: ctx_missing is not defined",
		`function signin() { const o = null; return o.x; }`:                        "TypeError: Cannot read property 'x' of",
		`function signin(p) { p.username.toUpperCase().nope(); }`:                  "TypeError: Object has no member 'nope'",
		`function signin(p, ctx) { undeclared = 1; }`:                              "ReferenceError: undeclared is not defined", // strict mode
		`function signin() { function f(n) { return f(n + 1); } return f(0); }`:    "RangeError: maximum call stack size (1024) exceeded",
	}
	for src, want := range tests {
		t.Run(want, func(t *testing.T) {
			e, _ := loadOne(t, Options{}, "signin", src)
			_, err := runJSON(t, e, "signin", jdoeProfile)
			if se := asScriptError(t, err); !strings.HasPrefix(se.Message, want) {
				t.Errorf("message = %q, want prefix %q", se.Message, want)
			}
		})
	}
}

func TestStackOverflowDoesNotPoisonPool(t *testing.T) {
	src := `function f(n) { return f(n + 1); }
function signin(p) { return p.username === "deep" ? f(0) : null; }`
	e, _ := loadOne(t, Options{PoolSize: 1, MaxOverflow: -1, MaxCallStackSize: 100}, "signin", src)
	for i := 0; i < 3; i++ {
		_, err := runJSON(t, e, "signin", `{"username":"deep"}`)
		if se := asScriptError(t, err); !strings.Contains(se.Message, "maximum call stack size (100)") || se.Line != 1 {
			t.Fatalf("err = %v", err)
		}
		if out, err := runJSON(t, e, "signin", `{"username":"x"}`); err != nil || out != "null" {
			t.Fatalf("after overflow: %s, %v", out, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeScript(t, dir, "good.js", "function signin() { return null; }")
	tests := []struct {
		name    string
		scripts []Script
		want    []string
	}{
		{"syntax", []Script{{Name: "s", Hook: "signin", File: writeScript(t, dir, "syntax.js", "function signin() {\n  let x = ;\n}\n")}},
			[]string{"syntax.js:2:11: script \"s\": SyntaxError: Unexpected token ;"}},
		{"redeclared", []Script{{Name: "s", Hook: "signin", File: writeScript(t, dir, "redecl.js", "function signin() {\n  let x; let x;\n}\n")}},
			[]string{"redecl.js:2:14: script \"s\": SyntaxError: Identifier 'x' has already been declared"}},
		{"no hook function", []Script{{Name: "s", Hook: "signin", File: writeScript(t, dir, "nohook.js", "function signIn() {}\n")}},
			[]string{`nohook.js:1:1: script "s": no top-level function "signin": define function signin(profile, ctx) { ... }`}},
		{"wrong hook function", []Script{{Name: "s", Hook: "workspace_params", File: good}},
			[]string{`no top-level function "workspace_params"`}},
		{"top level throws", []Script{{Name: "s", Hook: "signin", File: writeScript(t, dir, "toplevel.js", "const A = 1;\nnull.x;\nfunction signin() {}\n")}},
			[]string{"toplevel.js:2:", "script \"s\": the top level threw TypeError"}},
		{"missing file", []Script{{Name: "s", Hook: "signin", File: dir + "/missing.js"}},
			[]string{"missing.js: script \"s\": cannot read the script"}},
		{"unknown hook", []Script{{Name: "s", Hook: "login", File: good}}, []string{`unknown hook "login"`}},
		{"duplicate name", []Script{{Name: "s", Hook: "signin", File: good}, {Name: "s", Hook: "signin", File: good}}, []string{`script name "s" is used twice`}},
		{"every problem", []Script{
			{Name: "a", Hook: "signin", File: writeScript(t, dir, "a.js", "function signin( {\n")},
			{Name: "b", Hook: "signin", File: good},
			{Name: "c", Hook: "signin", File: writeScript(t, dir, "c.js", "\n\nfunction nope() {}\n")},
		}, []string{"a.js:2:1: script \"a\": SyntaxError: Unexpected end of input\n", "c.js:1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine(Options{})
			err := e.Load(tt.scripts)
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v (%T), want *LoadError", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%s\ndoes not contain %q", err, w)
				}
			}
			if e.Scripts() != nil {
				t.Error("a failed Load must not load anything")
			}
			if cerr := e.Check(tt.scripts); cerr == nil || cerr.Error() != err.Error() {
				t.Errorf("Check = %v, want the same as Load", cerr)
			}
		})
	}
}

func TestTopLevelLoopIsALoadError(t *testing.T) {
	file := writeScript(t, t.TempDir(), "spin.js", "function signin() {}\nlet i = 0;\nwhile (true) {\n  i++;\n}\n")
	err := NewEngine(Options{}).Check([]Script{{Name: "spin", File: file, Hook: "signin"}})
	if err == nil || !regexp.MustCompile(`spin\.js:[2-5]:\d+: script "spin": the top level did not finish within 1s`).MatchString(err.Error()) {
		t.Errorf("err = %v", err)
	}
}

func TestLoadIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	a := writeScript(t, dir, "a.js", `function signin() { return {userEntityRef: "user:default/a"}; }`)
	bad := writeScript(t, dir, "bad.js", `function signin( {`)
	e := NewEngine(Options{})
	if err := e.Load([]Script{{Name: "a", File: a, Hook: "signin"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Load([]Script{{Name: "a2", File: a, Hook: "signin"}, {Name: "bad", File: bad, Hook: "signin"}}); err == nil {
		t.Fatal("Load accepted a broken script")
	}
	if got := e.Scripts(); len(got) != 1 || got[0].Name != "a" || got[0].Timeout != DefaultTimeout {
		t.Errorf("Scripts() = %+v", got)
	}
	if _, ran, err := e.Run(context.Background(), "signin", "", []byte(`{}`)); err != nil || ran != "a" {
		t.Errorf("Run after a failed Load: ran %q, %v", ran, err)
	}
}

func TestReloadKeepsOldVersionOnError(t *testing.T) {
	logger, logs := newLogger()
	dir := t.TempDir()
	file := writeScript(t, dir, "r.js", `function signin() { return {userEntityRef: "user:default/v1"}; }`)
	e := NewEngine(Options{Logger: logger})
	if err := e.Load([]Script{{Name: "r", File: file, Hook: "signin"}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.Reload(ctx); err != nil {
		t.Fatalf("Reload of unchanged files: %v", err)
	}
	writeScript(t, dir, "r.js", "function signin() {\n  return {userEntityRef: \"user:default/v2\"};\n  let x = ;\n}\n")
	err := e.Reload(ctx)
	var le *LoadError
	if !errors.As(err, &le) || le.Problems[0].Line != 3 || !strings.Contains(err.Error(), "r.js:3:") {
		t.Fatalf("Reload of a broken file: %v", err)
	}
	if out, _ := runJSON(t, e, "signin", `{}`); !strings.Contains(out, "v1") {
		t.Errorf("the old version must keep serving, got %s", out)
	}
	logged := false
	for _, r := range logs.records(t) {
		if r["level"] == "ERROR" && r["script"] == "r" && r["line"] == float64(3) {
			logged = true
		}
	}
	if !logged {
		t.Errorf("the reload error was not logged with its position: %v", logs.records(t))
	}
	writeScript(t, dir, "r.js", `function signin() { return {userEntityRef: "user:default/v3"}; }`)
	if err := e.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if out, _ := runJSON(t, e, "signin", `{}`); !strings.Contains(out, "v3") {
		t.Errorf("after a good reload: %s", out)
	}
}

func TestWatchReloadsChangedFiles(t *testing.T) {
	dir := t.TempDir()
	file := writeScript(t, dir, "w.js", `function signin() { return {userEntityRef: "user:default/before"}; }`)
	e := NewEngine(Options{})
	if err := e.Load([]Script{{Name: "w", File: file, Hook: "signin"}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Watch(ctx, 5*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()

	// Same size as before, so only the modification time and hash tell.
	writeScript(t, dir, "w.js", `function signin() { return {userEntityRef: "user:default/after!"}; }`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := runJSON(t, e, "signin", `{}`)
		if err == nil && strings.Contains(out, "after!") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Watch did not reload: %s, %v", out, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConcurrentCallers(t *testing.T) {
	src := `function signin(profile, ctx) {
  const user = ctx.catalog.getEntity("user:default/" + profile.username);
  if (user === null) return null;
  return { userEntityRef: ctx.entityRef.stringify(user) };
}`
	e, _ := loadOne(t, Options{Catalog: testCatalog(t), PoolSize: 2, MaxOverflow: 2}, "signin", src)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name, want := "jdoe", `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":["user:default/jdoe"]}`
			if i%3 == 0 {
				name, want = "jane.smith", `{"userEntityRef":"user:default/jane.smith","ownershipEntityRefs":["user:default/jane.smith"]}`
			}
			if i%7 == 0 {
				name, want = "nobody", "null"
			}
			out, _, err := e.Run(context.Background(), "signin", "", []byte(`{"username":"`+name+`"}`))
			if err != nil {
				errs <- err
			} else if string(out) != want {
				errs <- fmt.Errorf("caller %d: got %s, want %s", i, out, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// blockingCatalog holds every call until release is closed.
type blockingCatalog struct {
	catalog.Catalog
	entered chan struct{}
	release chan struct{}
}

func (b *blockingCatalog) GetEntity(ctx context.Context, ref string) (catalog.Entity, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return b.Catalog.GetEntity(ctx, ref)
}

func TestCallersBeyondPoolWait(t *testing.T) {
	cat := &blockingCatalog{Catalog: testCatalog(t), entered: make(chan struct{}, 1), release: make(chan struct{})}
	src := `function signin(p, ctx) { return ctx.catalog.getEntity("user:default/jdoe") && null; }`
	e, _ := loadOne(t, Options{Catalog: cat, PoolSize: 1, MaxOverflow: -1}, "signin", src, 10*time.Second)

	first := make(chan error, 1)
	go func() { _, _, err := e.Run(context.Background(), "signin", "", []byte(`{}`)); first <- err }()
	<-cat.entered // the only runtime is now busy

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := e.Run(ctx, "signin", "", []byte(`{}`))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for a free runtime") {
		t.Errorf("a caller beyond the pool: err = %v", err)
	}
	close(cat.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// The runtime is back: a new caller is served.
	go func() { <-cat.entered }()
	if _, _, err := e.Run(context.Background(), "signin", "", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
}

func TestRunChainAndNames(t *testing.T) {
	dir := t.TempDir()
	none := writeScript(t, dir, "none.js", `function signin() { return null; }`)
	some := writeScript(t, dir, "some.js", `function signin(p) { return p.username ? {userEntityRef: "user:default/" + p.username} : null; }`)
	boom := writeScript(t, dir, "boom.js", `function signin(p) { if (p.username === "boom") throw new Error("no"); return null; }`)
	params := writeScript(t, dir, "params.js", `function workspace_params() { return null; }`)
	e := NewEngine(Options{})
	err := e.Load([]Script{
		{Name: "none", File: none, Hook: "signin"},
		{Name: "boom", File: boom, Hook: "signin"},
		{Name: "some", File: some, Hook: "signin"},
		{Name: "params", File: params, Hook: "workspace_params"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name, input, want, ran string
	}{
		{"", `{"username":"jdoe"}`, `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":["user:default/jdoe"]}`, "some"},
		{"", `{}`, "null", ""},
		{"none", `{"username":"jdoe"}`, "null", ""},
	}
	for _, tt := range tests {
		out, ran, err := e.Run(ctx, "signin", tt.name, []byte(tt.input))
		if err != nil || string(out) != tt.want || ran != tt.ran {
			t.Errorf("Run(%q, %s) = %s, %q, %v; want %s, %q", tt.name, tt.input, out, ran, err, tt.want, tt.ran)
		}
	}
	if _, ran, err := e.Run(ctx, "signin", "", []byte(`{"username":"boom"}`)); ran != "boom" || err == nil {
		t.Errorf("an error stops the chain: ran %q, err %v", ran, err)
	}
	for _, c := range []struct{ hook, name string }{{"login", ""}, {"signin", "nope"}, {"signin", "params"}, {"workspace_params", "none"}} {
		if _, _, err := e.Run(ctx, c.hook, c.name, []byte(`{}`)); !errors.Is(err, ErrNoScript) {
			t.Errorf("Run(%q, %q): err = %v, want ErrNoScript", c.hook, c.name, err)
		}
	}
	if _, _, err := NewEngine(Options{}).Run(ctx, "signin", "", []byte(`{}`)); !errors.Is(err, ErrNoScript) {
		t.Errorf("before Load: err = %v", err)
	}
	if got := e.Hooks(); fmt.Sprint(got) != "[signin workspace_params]" {
		t.Errorf("Hooks() = %v", got)
	}
	for _, in := range []string{`[]`, `null`, `"x"`, `{`} {
		if _, _, err := e.Run(ctx, "signin", "", []byte(in)); err == nil || errors.Is(err, ErrNoScript) {
			t.Errorf("input %s: err = %v", in, err)
		}
	}
	for _, in := range []string{`{}`, `{"entity":{}}`, `{"entity":{},"config":[]}`} {
		if _, _, err := e.Run(ctx, "workspace_params", "", []byte(in)); err == nil {
			t.Errorf("workspace_params input %s accepted", in)
		}
	}
}

func TestCheckKeepsNothing(t *testing.T) {
	file := writeScript(t, t.TempDir(), "c.js", `function signin() { return null; }`)
	e := NewEngine(Options{})
	if err := e.Check([]Script{{Name: "c", File: file, Hook: "signin"}}); err != nil {
		t.Fatal(err)
	}
	if e.Scripts() != nil || e.Hooks() != nil {
		t.Error("Check must not load")
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}
