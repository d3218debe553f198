package contract_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/coder"
)

// repoMatch is a workspace of the caller whose latest build has one of the
// repository parameter keys set.
type repoMatch struct {
	ws         coder.Workspace
	key, value string
}

// findRepoWorkspace discovers a workspace to search for, so that the same
// assertions hold on the fake and on any real deployment.
func findRepoWorkspace(t *testing.T, tg *target) repoMatch {
	t.Helper()
	all, err := tg.client.AllWorkspaces(ctx(t), "owner:me", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ws := range all {
		params, err := tg.client.WorkspaceBuildParameters(ctx(t), ws.LatestBuild.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range params {
			if !slices.Contains(tg.repoKeys, p.Name) {
				continue
			}
			if coder.Query().Param(p.Name, p.Value).Err() != nil {
				continue // a value the search language cannot express
			}
			return repoMatch{ws: ws, key: p.Name, value: p.Value}
		}
	}
	if !tg.real {
		t.Fatalf("the demo seed gives user demo no workspace with a %v parameter", tg.repoKeys)
	}
	t.Skipf("none of the caller's workspaces has a %v parameter (set %s to the keys your templates use)", tg.repoKeys, envRepoKeys)
	return repoMatch{}
}

// formEncode encodes like the browser's URLSearchParams, which the Backstage
// plugin uses: space becomes '+', and only *-._ and alphanumerics stay.
func formEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("*-._", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}

func ids(ws []coder.Workspace) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return out
}

// paramsOf returns a workspace's latest build parameters by name.
func paramsOf(t *testing.T, tg *target, ws coder.Workspace) map[string]string {
	t.Helper()
	ps, err := tg.client.WorkspaceBuildParameters(ctx(t), ws.LatestBuild.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

// TestPluginRepoRequests replays what the Backstage plugin sends for an
// entity in repo mode: one GET per repo key, each
// q=<filter> param:"<key>=<url>" with limit=0, and the union of the answers.
func TestPluginRepoRequests(t *testing.T) {
	tg := newTarget(t)
	m := findRepoWorkspace(t, tg)
	me, err := tg.client.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}

	union := map[string]coder.Workspace{}
	for _, key := range tg.repoKeys {
		q := `owner:me param:"` + key + "=" + m.value + `"`
		r := tg.raw(t, http.MethodGet, "/api/v2/workspaces?q="+formEncode(q)+"&limit=0", tokenHeader(tg.token), nil)
		if r.Status != http.StatusOK {
			t.Fatalf("q=%s: status %d: %s", q, r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		var res coder.WorkspacesResponse
		r.decode(t, &res)
		if !strings.Contains(string(r.Body), `"workspaces":[`) {
			t.Errorf("q=%s: workspaces must be a JSON array, got %.120s", q, r.Body)
		}
		if res.Count != len(res.Workspaces) {
			t.Errorf("q=%s: count %d with limit=0, but %d workspaces", q, res.Count, len(res.Workspaces))
		}
		for _, w := range res.Workspaces {
			union[w.ID] = w
		}
	}
	if _, ok := union[m.ws.ID]; !ok {
		t.Fatalf("workspace %s/%s (%s=%s) missing from the plugin's results", m.ws.OwnerName, m.ws.Name, m.key, m.value)
	}
	for _, w := range union {
		if w.OwnerName != me.Username {
			t.Errorf("owner:me returned %s/%s", w.OwnerName, w.Name)
		}
		// What the card shows: name, owner, icon, status, agents.
		if w.ID == "" || w.Name == "" || w.LatestBuild.Status == "" {
			t.Errorf("workspace lacks fields the card reads: %+v", w)
		}
		params := paramsOf(t, tg, w)
		matched := false
		for _, key := range tg.repoKeys {
			matched = matched || strings.EqualFold(params[key], m.value)
		}
		if !matched {
			t.Errorf("%s/%s matched, but none of %v equals %s: %v", w.OwnerName, w.Name, tg.repoKeys, m.value, params)
		}
	}

	// One query with the keys OR-ed finds the same workspaces.
	b := coder.Query().Owner("me")
	for _, key := range tg.repoKeys {
		b.ParamAny(key, m.value)
	}
	q, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	res, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Q: q})
	if err != nil {
		t.Fatal(err)
	}
	got, want := ids(res.Workspaces), slices.Collect(func(yield func(string) bool) {
		for id := range union {
			if !yield(id) {
				return
			}
		}
	})
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("q=%s found %v; the plugin's fan-out found %v", q, got, want)
	}
}

func TestSearchGrammar(t *testing.T) {
	tg := newTarget(t)
	m := findRepoWorkspace(t, tg)
	me, err := tg.client.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	other := "https://example.invalid/no/such/repo"

	search := func(t *testing.T, q string) []coder.Workspace {
		t.Helper()
		res, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Q: q})
		if err != nil {
			t.Fatalf("q=%s: %v", q, err)
		}
		return res.Workspaces
	}
	includes := func(t *testing.T, q string) []coder.Workspace {
		t.Helper()
		ws := search(t, q)
		if !slices.Contains(ids(ws), m.ws.ID) {
			t.Errorf("q=%s does not find %s/%s", q, m.ws.OwnerName, m.ws.Name)
		}
		return ws
	}
	excludes := func(t *testing.T, q string) {
		t.Helper()
		if slices.Contains(ids(search(t, q)), m.ws.ID) {
			t.Errorf("q=%s finds %s/%s, want it excluded", q, m.ws.OwnerName, m.ws.Name)
		}
	}

	t.Run("owner:me keeps the caller's workspaces", func(t *testing.T) {
		for _, w := range includes(t, "owner:me") {
			if w.OwnerName != me.Username {
				t.Errorf("owner:me returned %s/%s", w.OwnerName, w.Name)
			}
		}
		includes(t, "owner:"+me.Username)
	})
	t.Run("keys and values ignore case", func(t *testing.T) {
		includes(t, `OWNER:ME PARAM:"`+strings.ToUpper(m.key+"="+m.value)+`"`)
	})
	t.Run("param value must match the whole value", func(t *testing.T) {
		excludes(t, `owner:me param:"`+m.key+"="+m.value+`x"`)
		if len(m.value) > 1 {
			excludes(t, `owner:me param:"`+m.key+"="+m.value[:len(m.value)-1]+`"`)
		}
	})
	t.Run("param presence", func(t *testing.T) {
		for _, w := range includes(t, "owner:me param:"+m.key) {
			if _, ok := paramsOf(t, tg, w)[m.key]; !ok {
				t.Errorf("param:%s returned %s, which lacks it", m.key, w.Name)
			}
		}
		excludes(t, "owner:me param:no_such_param_7f3a")
	})
	t.Run("param pairs are OR-ed, comma-separated or repeated", func(t *testing.T) {
		includes(t, `owner:me param:"`+m.key+"="+other+","+m.key+"="+m.value+`"`)
		includes(t, `owner:me param:"`+m.key+"="+other+`" param:"`+m.key+"="+m.value+`"`)
		includes(t, `owner:me param:"no_such_param_7f3a=x" param:"`+m.key+"="+m.value+`"`)
	})
	t.Run("a pair and a presence term are AND-ed", func(t *testing.T) {
		excludes(t, `owner:me param:"`+m.key+"="+m.value+`" param:no_such_param_7f3a`)
		includes(t, `owner:me param:"`+m.key+"="+m.value+`" param:`+m.key)
	})
	t.Run("other keys are AND-ed", func(t *testing.T) {
		includes(t, `owner:me template:`+m.ws.TemplateName+` param:"`+m.key+"="+m.value+`"`)
		excludes(t, `owner:me template:no-such-template-7f3a param:"`+m.key+"="+m.value+`"`)
		includes(t, "owner:me status:"+string(m.ws.LatestBuild.Status))
	})
	t.Run("name is a substring match", func(t *testing.T) {
		includes(t, "name:"+m.ws.Name)
		if len(m.ws.Name) > 2 {
			includes(t, "owner:me name:"+m.ws.Name[1:len(m.ws.Name)-1])
		}
		includes(t, "owner:me "+strings.ToUpper(m.ws.Name))
	})
	t.Run("owner/name shorthand", func(t *testing.T) {
		includes(t, m.ws.OwnerName+"/"+m.ws.Name)
	})
	t.Run("an unknown owner matches nothing", func(t *testing.T) {
		r := tg.raw(t, http.MethodGet, "/api/v2/workspaces?q="+formEncode("owner:no-such-user-7f3a"), tokenHeader(tg.token), nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"workspaces":[]`) || !strings.Contains(string(r.Body), `"count":0`) {
			t.Errorf("status %d body %s; want 200 with an empty array and count 0", r.Status, r.Body)
		}
	})
	t.Run("the builder's expressions", func(t *testing.T) {
		q := coder.Query().Owner("me").Param(m.key, m.value).Template(m.ws.TemplateName).Name(m.ws.Name).String()
		includes(t, q)
	})
}

func TestSearchErrors(t *testing.T) {
	tg := newTarget(t)
	tests := []struct {
		q      string
		detail string // in some validation's detail
	}{
		{`owner:me param:custom_repo=https://github.com/o/r`, "can only contain 1 ':'"},
		{`:owner`, "cannot start or end with ':'"},
		{`owner:`, "cannot start or end with ':'"},
		{`foo:bar`, `"foo" is not a valid query param`},
		{`has-param:repo`, `"has-param" is not a valid query param`},
		{`param:"repo=a=b"`, "can only contain 1 '='"},
		{`param:"repo="`, "empty value"},
		{`status:online`, "online"},
		{`owner:me owner:me`, "more than once"},
		{`a/b/c`, "can only contain 1 '/'"},
		// What coder.QueryBuilder.String yields for a refused value.
		{coder.Query().Param("repo", "a,b").String(), "cannot start or end with ':'"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			_, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Q: tt.q})
			e := wantStatus(t, err, http.StatusBadRequest)
			if e.Message != "Invalid workspace search query." {
				t.Errorf("message = %q", e.Message)
			}
			found := false
			for _, v := range e.Validations {
				found = found || strings.Contains(v.Detail, tt.detail)
			}
			if !found {
				t.Errorf("validations %+v lack %q", e.Validations, tt.detail)
			}
		})
	}
	for _, bad := range []string{"limit=-1", "limit=abc", "offset=-5"} {
		t.Run(bad, func(t *testing.T) {
			r := tg.raw(t, http.MethodGet, "/api/v2/workspaces?"+bad, tokenHeader(tg.token), nil)
			var doc struct {
				Message     string
				Validations []coder.ValidationError
			}
			r.decode(t, &doc)
			field := strings.SplitN(bad, "=", 2)[0]
			if r.Status != http.StatusBadRequest || doc.Message != "Query parameters have invalid values." ||
				len(doc.Validations) == 0 || doc.Validations[0].Field != field {
				t.Errorf("status %d body %s; want 400 with a validation on %s", r.Status, r.Body, field)
			}
		})
	}
}

func TestPaginationAndOrder(t *testing.T) {
	tg := newTarget(t)
	// Everything the caller can read: on the fake, demo's workspaces.
	full, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if full.Count != len(full.Workspaces) {
		t.Errorf("count %d, %d workspaces without a limit", full.Count, len(full.Workspaces))
	}
	if len(full.Workspaces) < 2 {
		t.Skip("needs at least two readable workspaces")
	}

	// Coder orders by: favourites the caller owns, workspaces whose latest
	// build is a successful start, owner, name (case-insensitive).
	rank := func(w coder.Workspace) (int, int, string, string) {
		fav, up := 1, 1
		if w.Favorite {
			fav = 0
		}
		if w.LatestBuild.Transition == coder.TransitionStart && w.LatestBuild.Job.Status == coder.JobSucceeded {
			up = 0
		}
		return fav, up, strings.ToLower(w.OwnerName), strings.ToLower(w.Name)
	}
	for i := 1; i < len(full.Workspaces); i++ {
		a1, b1, c1, d1 := rank(full.Workspaces[i-1])
		a2, b2, c2, d2 := rank(full.Workspaces[i])
		if a1 > a2 || (a1 == a2 && (b1 > b2 || (b1 == b2 && (c1 > c2 || (c1 == c2 && d1 > d2))))) {
			t.Errorf("%s/%s is listed before %s/%s", full.Workspaces[i-1].OwnerName, full.Workspaces[i-1].Name,
				full.Workspaces[i].OwnerName, full.Workspaces[i].Name)
		}
	}

	for i, want := range full.Workspaces {
		page, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Limit: 1, Offset: i})
		if err != nil {
			t.Fatal(err)
		}
		if page.Count != full.Count || len(page.Workspaces) != 1 || page.Workspaces[0].ID != want.ID {
			t.Errorf("offset %d: count %d, %v; want count %d and %s", i, page.Count, ids(page.Workspaces), full.Count, want.ID)
		}
	}
	past, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Limit: 5, Offset: full.Count})
	if err != nil || len(past.Workspaces) != 0 || past.Count != full.Count {
		t.Errorf("past the end: %+v, %v", past, err)
	}
	all, err := tg.client.AllWorkspaces(ctx(t), "", 1)
	if err != nil || !slices.Equal(ids(all), ids(full.Workspaces)) {
		t.Errorf("AllWorkspaces = %v, %v; want %v", ids(all), err, ids(full.Workspaces))
	}
}

func TestWorkspaceReads(t *testing.T) {
	tg := newTarget(t)
	list, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Q: "owner:me", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Workspaces) == 0 {
		if !tg.real {
			t.Fatal("the demo seed gives user demo no workspace")
		}
		t.Skip("the caller owns no workspace")
	}
	w := list.Workspaces[0]

	byID, err := tg.client.Workspace(ctx(t), w.ID)
	if err != nil || byID.ID != w.ID || byID.LatestBuild.ID != w.LatestBuild.ID {
		t.Fatalf("by ID: %+v, %v", byID, err)
	}
	for _, owner := range []string{"me", w.OwnerName} {
		byName, err := tg.client.WorkspaceByOwnerAndName(ctx(t), owner, w.Name)
		if err != nil || byName.ID != w.ID {
			t.Errorf("by %s/%s: %+v, %v", owner, w.Name, byName.ID, err)
		}
	}
	if w.Outdated != (w.LatestBuild.TemplateVersionID != w.TemplateActiveVersionID) {
		t.Errorf("outdated = %v, but build version %s and active version %s", w.Outdated, w.LatestBuild.TemplateVersionID, w.TemplateActiveVersionID)
	}
	if w.LatestBuild.WorkspaceID != w.ID || w.LatestBuild.WorkspaceOwnerName != w.OwnerName {
		t.Errorf("latest build does not point back at its workspace: %+v", w.LatestBuild)
	}

	builds, err := tg.client.WorkspaceBuilds(ctx(t), w.ID)
	if err != nil || len(builds) == 0 {
		t.Fatalf("builds: %v, %v", builds, err)
	}
	if builds[0].ID != w.LatestBuild.ID {
		t.Errorf("first build %d is not the latest (%d)", builds[0].BuildNumber, w.LatestBuild.BuildNumber)
	}
	for i := 1; i < len(builds); i++ {
		if builds[i].BuildNumber >= builds[i-1].BuildNumber {
			t.Errorf("builds not newest first: %d then %d", builds[i-1].BuildNumber, builds[i].BuildNumber)
		}
	}
	if b, err := tg.client.WorkspaceBuild(ctx(t), w.LatestBuild.ID); err != nil || b.BuildNumber != w.LatestBuild.BuildNumber {
		t.Errorf("build by ID: %+v, %v", b, err)
	}
	if _, err := tg.client.WorkspaceBuildParameters(ctx(t), w.LatestBuild.ID); err != nil {
		t.Fatal(err)
	}
	r := tg.raw(t, http.MethodGet, "/api/v2/workspacebuilds/"+w.LatestBuild.ID+"/parameters", tokenHeader(tg.token), nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(string(r.Body), "[") {
		t.Errorf("parameters: status %d body %.80s; want a JSON array", r.Status, r.Body)
	}

	t.Run("unknown workspace", func(t *testing.T) {
		_, err := tg.client.Workspace(ctx(t), "00000000-0000-4000-8000-000000000000")
		if e := wantStatus(t, err, http.StatusNotFound); e.Message != "Resource not found or you do not have access to this resource" {
			t.Errorf("message = %q", e.Message)
		}
	})
	t.Run("malformed ID", func(t *testing.T) {
		_, err := tg.client.Workspace(ctx(t), "not-a-uuid")
		if e := wantStatus(t, err, http.StatusBadRequest); e.Message != `Invalid UUID "not-a-uuid".` {
			t.Errorf("message = %q", e.Message)
		}
	})
	t.Run("another user's workspace is not found", func(t *testing.T) {
		admin := tg.as(t, "admin")
		theirs, err := admin.Workspaces(ctx(t), coder.WorkspacesRequest{Q: "owner:me", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(theirs.Workspaces) == 0 {
			t.Skip("the demo seed gives admin no workspace")
		}
		_, err = tg.client.Workspace(ctx(t), theirs.Workspaces[0].ID)
		wantStatus(t, err, http.StatusNotFound)
		if mine, _ := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Q: "owner:admin"}); len(mine.Workspaces) != 0 {
			t.Errorf("a member sees admin's workspaces: %v", ids(mine.Workspaces))
		}
	})
}
