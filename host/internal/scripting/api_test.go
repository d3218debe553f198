package scripting

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/host/internal/catalog"
)

func TestSigninResultShapes(t *testing.T) {
	tests := []struct {
		ret, want, wantErr string
	}{
		{ret: `null`, want: `null`},
		{ret: `({userEntityRef: "User:Default/JDoe"})`, want: `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":["user:default/jdoe"]}`},
		{ret: `({userEntityRef: "user:default/jdoe", ownershipEntityRefs: ["Group:default/A", "group:default/a", "user:default/jdoe"]})`,
			want: `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":["group:default/a","user:default/jdoe"]}`},
		{ret: `({userEntityRef: "user:default/jdoe", ownershipEntityRefs: []})`, want: `{"userEntityRef":"user:default/jdoe","ownershipEntityRefs":[]}`},
		{ret: `undefined`, wantErr: "result: must be an object or null (got undefined; did the function forget to return?)"},
		{ret: `42`, wantErr: "result: must be an object or null (got number)"},
		{ret: `"user:default/jdoe"`, wantErr: "result: must be an object or null (got string)"},
		{ret: `[]`, wantErr: "result: must be an object or null (got array)"},
		{ret: `(() => 1)`, wantErr: "result: must be an object or null (got function)"},
		{ret: `({})`, wantErr: "userEntityRef: must be a string (got undefined)"},
		{ret: `Promise.resolve({userEntityRef: "user:default/jdoe"})`, wantErr: "got a Promise: hooks are synchronous"},
		{ret: `({userEntityRef: 5})`, wantErr: "userEntityRef: must be a string (got number)"},
		{ret: `({userEntityRef: "jdoe"})`, wantErr: `userEntityRef: must be a full user entity ref like user:default/jdoe (got "jdoe")`},
		{ret: `({userEntityRef: "user:jdoe"})`, wantErr: `userEntityRef: must be a full user entity ref`},
		{ret: `({userEntityRef: "group:default/a"})`, wantErr: `userEntityRef: must be a full user entity ref`},
		{ret: `({userEntityref: "user:default/jdoe"})`, wantErr: "userEntityref: unknown field (expected userEntityRef, ownershipEntityRefs)"},
		{ret: `({userEntityRef: "user:default/jdoe", ownershipEntityRefs: "group:default/a"})`, wantErr: "ownershipEntityRefs: must be an array of entity refs (got string)"},
		{ret: `({userEntityRef: "user:default/jdoe", ownershipEntityRefs: ["group:default/a", 7]})`, wantErr: "ownershipEntityRefs[1]: must be a string (got number)"},
		{ret: `({userEntityRef: "user:default/jdoe", ownershipEntityRefs: ["team-a"]})`, wantErr: `ownershipEntityRefs[0]: must be a full entity ref like group:default/team-a (got "team-a")`},
		{ret: `({userEntityRef: "user:default/jdoe", ownershipEntityRefs: new Array(1001).fill("group:default/a")})`, wantErr: "ownershipEntityRefs: has 1001 refs; at most 1000 are allowed"},
		{ret: `({get userEntityRef() { throw new Error("getter") }})`, wantErr: "Error: getter"},
	}
	for _, tt := range tests {
		t.Run(tt.ret, func(t *testing.T) {
			e, _ := loadOne(t, Options{}, "signin", "function signin(profile, ctx) {\n  return "+tt.ret+";\n}\n")
			out, err := runJSON(t, e, "signin", jdoeProfile)
			if tt.wantErr == "" {
				if err != nil || out != tt.want {
					t.Fatalf("got %s, %v; want %s", out, err, tt.want)
				}
				return
			}
			se := asScriptError(t, err)
			if !strings.Contains(se.Message, tt.wantErr) {
				t.Errorf("message = %q, want it to contain %q", se.Message, tt.wantErr)
			}
		})
	}
}

func TestWorkspaceParamsResultShapes(t *testing.T) {
	tests := []struct {
		ret, want, wantErr string
	}{
		{ret: `null`, want: `null`},
		{ret: `({})`, want: `{}`},
		{ret: `({templateName: "devbox", mode: "auto", params: {}})`, want: `{"templateName":"devbox","mode":"auto","params":{}}`},
		{ret: `({params: {...input.config.params, region: "eu", cpu: 8, gpu: false, skip: undefined, half: 0.5}})`,
			want: `{"params":{"cpu":"8","gpu":"false","half":"0.5","region":"eu"}}`},
		{ret: `({mode: "manual", templateName: undefined})`, want: `{"mode":"manual"}`},
		{ret: `({templateName: 1})`, wantErr: "templateName: must be a non-empty string (got number)"},
		{ret: `({templateName: ""})`, wantErr: `templateName: must be a non-empty string (got "")`},
		{ret: `({mode: "Auto"})`, wantErr: `mode: must be "auto" or "manual" (got "Auto")`},
		{ret: `({mode: true})`, wantErr: `mode: must be "auto" or "manual" (got boolean)`},
		{ret: `({params: []})`, wantErr: "params: must be an object mapping parameter names to strings (got array)"},
		{ret: `({params: "region=eu"})`, wantErr: "params: must be an object mapping parameter names to strings (got string)"},
		{ret: `({params: {region: {name: "eu"}}})`, wantErr: "params.region: must be a string (got object)"},
		{ret: `({params: {region: ["eu"]}})`, wantErr: "params.region: must be a string (got array)"},
		{ret: `({params: {region: null}})`, wantErr: "params.region: must be a string (got null)"},
		{ret: `({params: {region: NaN}})`, wantErr: "params.region: must be a string (got NaN)"},
		{ret: `({params: {region: Infinity}})`, wantErr: "params.region: must be a string (got Infinity)"},
		{ret: `({params: {region: () => "eu"}})`, wantErr: "params.region: must be a string (got function)"},
		{ret: `({params: {region: 10n}})`, wantErr: "params.region: must be a string (got bigint)"},
		{ret: `({params: {"": "x"}})`, wantErr: "params: parameter names must not be empty"},
		{ret: `({template: "devbox"})`, wantErr: "template: unknown field (expected templateName, mode, params)"},
	}
	for _, tt := range tests {
		t.Run(tt.ret, func(t *testing.T) {
			e, _ := loadOne(t, Options{}, "workspace_params", "function workspace_params(input, ctx) {\n  return "+tt.ret+";\n}\n")
			out, err := runJSON(t, e, "workspace_params", webInput)
			if tt.wantErr == "" {
				if err != nil || out != tt.want {
					t.Fatalf("got %s, %v; want %s", out, err, tt.want)
				}
				return
			}
			se := asScriptError(t, err)
			if want := "bad result: " + tt.wantErr; !strings.Contains(se.Message, want) {
				t.Errorf("message = %q, want it to contain %q", se.Message, want)
			}
		})
	}
}

func TestSandbox(t *testing.T) {
	src := `function signin(profile, ctx) {
  const names = ["process", "require", "module", "exports", "os", "fs", "Deno", "Bun", "__dirname", "global",
    "setTimeout", "setInterval", "setImmediate", "clearTimeout", "queueMicrotask", "fetch", "XMLHttpRequest",
    "WebSocket", "importScripts", "navigator", "window", "document", "env"];
  const present = names.filter((n) => typeof globalThis[n] !== "undefined");
  // eval and Function are ECMAScript; they must not read source maps from disk either.
  const viaEval = eval("1 + 1\n//# sourceMappingURL=/definitely/not/here.map");
  const viaFunction = new Function("return 3\n//# sourceMappingURL=file:///etc/hostname.map")();
  // Date and Math.random are fine.
  const ok = typeof Date.now() === "number" && Math.random() < 1;
  return { userEntityRef: "user:default/x", ownershipEntityRefs: present.map((n) => "leak:default/" + n.toLowerCase())
    .concat([viaEval === 2 && viaFunction === 3 && ok ? "group:default/ok" : "group:default/bad"]) };
}`
	e, _ := loadOne(t, Options{}, "signin", src)
	out, err := runJSON(t, e, "signin", jdoeProfile)
	if err != nil {
		t.Fatal(err)
	}
	if out != `{"userEntityRef":"user:default/x","ownershipEntityRefs":["group:default/ok"]}` {
		t.Errorf("host objects visible to scripts or built-ins broken: %s", out)
	}
}

func TestInputsAreReadOnlyAndFreshPerCall(t *testing.T) {
	src := `
Object.freeze = function () { throw new Error("replaced"); }; // must not break the host

let previous = null;
function attempt(fn) {
  try { fn(); return "changed"; } catch (e) { return e instanceof TypeError ? "refused" : "other: " + e; }
}
function signin(profile, ctx) {
  const results = [
    attempt(() => { profile.username = "mallory"; }),
    attempt(() => { profile.extra = 1; }),
    attempt(() => { delete profile.email; }),
    attempt(() => { profile.roles.push({name: "owner"}); }),
    attempt(() => { profile.roles[0].name = "owner"; }),
    attempt(() => { profile.roles.length = 0; }),
    attempt(() => { Object.defineProperty(profile, "email", {value: "x"}); }),
    attempt(() => { ctx.catalog = null; }),
    attempt(() => { ctx.catalog.getEntity = null; }),
    attempt(() => { ctx.entityRef.parse = null; }),
    attempt(() => { console.log = null; }),
  ];
  const user = ctx.catalog.getEntity("user:default/jdoe");
  results.push(attempt(() => { user.metadata.name = "mallory"; }));
  results.push(attempt(() => { user.relations.pop(); }));
  const sameView = profile.roles === profile.roles && user.metadata === user.metadata;
  const fresh = previous === null || previous !== profile;
  const intact = profile.username === "jdoe" && profile.roles[0].name === "member" && profile.roles.length === 1 &&
    user.metadata.name === "jdoe" && user.relations.length === 2;
  previous = profile;
  const copy = {...profile, username: "copy"};
  const spreadWorks = copy.username === "copy" && Array.isArray(profile.roles) &&
    JSON.stringify(profile.roles) === '[{"display_name":"Member","name":"member"}]' &&
    Object.keys(profile).join() === "avatar_url,email,id,name,roles,username";
  if (results.some((r) => r !== "refused") || !sameView || !fresh || !intact || !spreadWorks) {
    throw new Error(JSON.stringify({results, sameView, fresh, intact, spreadWorks}));
  }
  return null;
}`
	e, _ := loadOne(t, Options{Catalog: testCatalog(t), PoolSize: 1, MaxOverflow: -1}, "signin", src)
	for i := 0; i < 3; i++ { // same runtime each time: later calls see untouched inputs
		if out, err := runJSON(t, e, "signin", jdoeProfile); err != nil || out != "null" {
			t.Fatalf("call %d: %s, %v", i, out, err)
		}
	}
}

func TestReadOnlyErrorMessage(t *testing.T) {
	e, _ := loadOne(t, Options{}, "signin", "function signin(profile) {\n  profile.roles[0].name = 'owner';\n}\n")
	_, err := runJSON(t, e, "signin", jdoeProfile)
	se := asScriptError(t, err)
	if !strings.Contains(se.Message, "TypeError: cannot change profile.roles[0].name: hook inputs and catalog entities are read-only") || se.Line != 2 {
		t.Errorf("err = %v", err)
	}
}

func TestConsoleGoesToLogger(t *testing.T) {
	logger, logs := newLogger()
	src := `function signin(profile, ctx) {
  console.log("hello", profile.username, {n: 1}, [1, 2], null, undefined, 3);
  console.warn("careful");
  console.error(new Error("bad"));
  console.debug("details");
  return null;
}`
	e, _ := loadOne(t, Options{Logger: logger}, "signin", src)
	if _, err := runJSON(t, e, "signin", jdoeProfile); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		level, msg string
		line       float64
	}{
		{"INFO", `hello jdoe {"n":1} [1,2] null undefined 3`, 2},
		{"WARN", "careful", 3},
		{"ERROR", "Error: bad", 4},
		{"DEBUG", "details", 5},
	}
	var got []map[string]any
	for _, r := range logs.records(t) {
		if r["script"] == "test" {
			got = append(got, r)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("console records = %v", got)
	}
	for i, w := range want {
		r := got[i]
		if r["level"] != w.level || r["msg"] != w.msg || r["line"] != w.line {
			t.Errorf("record %d = %v, want %+v", i, r, w)
		}
	}
}

// failingCatalog fails every call.
type failingCatalog struct{}

func (failingCatalog) GetEntity(context.Context, string) (catalog.Entity, error) {
	return nil, errors.New("catalog: GET /api/catalog/entities/by-name/user/default/jdoe: 503 Service Unavailable")
}
func (failingCatalog) FindUsers(context.Context, catalog.UserQuery) ([]catalog.Entity, error) {
	return nil, errors.New("catalog down")
}

func TestCatalogFromScripts(t *testing.T) {
	src := `function signin(profile, ctx) {
  const check = (name, cond) => { if (!cond) throw new Error("failed: " + name); };
  const typeError = (fn) => { try { fn(); return false; } catch (e) { return e instanceof TypeError; } };

  const jdoe = ctx.catalog.getEntity("User:Default/JDOE");
  check("getEntity", jdoe !== null && jdoe.metadata.name === "jdoe" && jdoe.spec.profile.email === "jdoe@example.com");
  check("getEntity default namespace", ctx.catalog.getEntity("user:jdoe") !== null);
  check("getEntity missing", ctx.catalog.getEntity("user:default/ghost") === null);
  check("getEntity needs a kind", typeError(() => ctx.catalog.getEntity("jdoe")));
  check("getEntity needs a string", typeError(() => ctx.catalog.getEntity(42)));

  const byEmail = ctx.catalog.findUsers({email: "JDOE@example.com"});
  check("findUsers email", byEmail.length === 1 && byEmail[0].metadata.name === "jdoe");
  check("findUsers none", ctx.catalog.findUsers({email: "nobody@example.com"}).length === 0);
  const byAnnotation = ctx.catalog.findUsers({annotation: {key: "coder.com/user-id", value: "u-1"}});
  check("findUsers annotation", byAnnotation.length === 0 && Array.isArray(byAnnotation));
  check("findUsers bad query", typeError(() => ctx.catalog.findUsers({})));
  check("findUsers both", typeError(() => ctx.catalog.findUsers({email: "a@b", annotation: {key: "k", value: "v"}})));
  check("findUsers unknown field", typeError(() => ctx.catalog.findUsers({mail: "a@b"})));
  check("findUsers half annotation", typeError(() => ctx.catalog.findUsers({annotation: {key: "k"}})));

  const r = ctx.entityRef.parse("Group:Infra/Team-A");
  check("parse", r.kind === "Group" && r.namespace === "Infra" && r.name === "Team-A");
  const d = ctx.entityRef.parse("team-a", {defaultKind: "group", defaultNamespace: "infra"});
  check("parse defaults", d.kind === "group" && d.namespace === "infra" && d.name === "team-a");
  check("parse name with slash", ctx.entityRef.parse("component:default/a/b").name === "a/b");
  check("parse needs kind", typeError(() => ctx.entityRef.parse("team-a")));
  check("parse empty part", typeError(() => ctx.entityRef.parse("user:/x")));
  check("stringify", ctx.entityRef.stringify({kind: "Group", name: "Team-A"}) === "group:default/team-a");
  check("stringify entity", ctx.entityRef.stringify(jdoe) === "user:default/jdoe");
  check("stringify needs name", typeError(() => ctx.entityRef.stringify({kind: "user"})));

  check("normalize", ctx.repoUrl.normalize("https://github.com/o/r/tree/main/") === "https://github.com/o/r");
  check("normalize keeps", ctx.repoUrl.normalize("https://github.com/o/r/tree/feature/x") === "https://github.com/o/r/tree/feature/x");
  check("normalize empty", typeError(() => ctx.repoUrl.normalize("")));
  const web = ctx.catalog.getEntity("component:default/web");
  check("fromEntity", ctx.repoUrl.fromEntity(web) === "https://github.com/acme/web");
  check("fromEntity none", ctx.repoUrl.fromEntity(jdoe) === null);

  check("names", ctx.script === "test" && ctx.hook === "signin" && Object.isFrozen(ctx));
  return null;
}`
	e, _ := loadOne(t, Options{Catalog: testCatalog(t)}, "signin", src)
	if out, err := runJSON(t, e, "signin", jdoeProfile); err != nil || out != "null" {
		t.Fatalf("%s, %v", out, err)
	}
}

func TestCatalogFailuresReachTheScript(t *testing.T) {
	src := `function signin(profile, ctx) {
  try {
    ctx.catalog.findUsers({email: profile.email});
  } catch (e) {
    if (!(e instanceof Error) || !e.message.includes("catalog down")) throw new Error("unexpected: " + e);
  }
  return ctx.catalog.getEntity("user:default/jdoe");
}`
	e, file := loadOne(t, Options{Catalog: failingCatalog{}}, "signin", src)
	_, err := runJSON(t, e, "signin", jdoeProfile)
	se := asScriptError(t, err)
	if se.Line != 7 || se.File != file || !strings.Contains(se.Message, "503 Service Unavailable") ||
		!strings.Contains(se.Message, `ctx.catalog.getEntity("user:default/jdoe")`) {
		t.Errorf("err = %v", err)
	}

	e, _ = loadOne(t, Options{}, "signin", src)
	_, err = runJSON(t, e, "signin", jdoeProfile)
	if se := asScriptError(t, err); !strings.Contains(se.Message, "no catalog is configured") {
		t.Errorf("without a catalog: %v", err)
	}
}
