package contract_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/coder"
)

func randomSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// plan is a workspace the lifecycle test can create.
type plan struct {
	tmpl   coder.Template
	params []coder.TemplateVersionParameter
	values []coder.WorkspaceBuildParameter
	// repo is a repository parameter set to a unique URL, so the test can
	// search for its own workspace; "" when the template has none.
	repo string
}

func (p plan) param(name string) (coder.TemplateVersionParameter, bool) {
	for _, tp := range p.params {
		if tp.Name == name {
			return tp, true
		}
	}
	return coder.TemplateVersionParameter{}, false
}

// valueFor proposes a valid value for tp other than avoid, or false.
func valueFor(tp coder.TemplateVersionParameter, avoid string) (string, bool) {
	var candidates []string
	switch {
	case len(tp.Options) > 0:
		for _, o := range tp.Options {
			candidates = append(candidates, o.Value)
		}
	case tp.Type == "bool":
		candidates = []string{"true", "false"}
	case tp.Type == "list(string)":
		candidates = []string{`["contract"]`, "[]"}
	case tp.Type == "number":
		lo, hi := 1, 9
		if tp.ValidationMin != nil {
			lo = int(*tp.ValidationMin)
		}
		if tp.ValidationMax != nil {
			hi = int(*tp.ValidationMax)
		}
		candidates = []string{strconv.Itoa(lo), strconv.Itoa(hi), strconv.Itoa(lo + 1)}
		if tp.ValidationMonotonic == "increasing" {
			candidates = []string{strconv.Itoa(hi)}
		}
		if tp.ValidationMonotonic == "decreasing" {
			candidates = []string{strconv.Itoa(lo)}
		}
	case tp.Type == "string":
		candidates = []string{"https://github.com/coderhost/contract-" + randomSuffix(), "contract-" + randomSuffix()}
	}
	var re *regexp.Regexp
	if tp.ValidationRegex != "" && len(tp.Options) == 0 {
		var err error
		if re, err = regexp.Compile(tp.ValidationRegex); err != nil {
			return "", false
		}
	}
	for _, c := range candidates {
		if c != avoid && (re == nil || re.MatchString(c)) {
			return c, true
		}
	}
	return "", false
}

// planWorkspace picks CODER_TEMPLATE, or the first template whose
// parameters the test can fill (preferring one with a repository
// parameter), and fills its required parameters.
func planWorkspace(t *testing.T, tg *target) plan {
	t.Helper()
	var candidates []coder.Template
	if tg.template != "" {
		tmpl, err := tg.client.TemplateByName(ctx(t), tg.org, tg.template)
		if err != nil {
			t.Fatalf("%s=%s: %v", envTemplate, tg.template, err)
		}
		candidates = []coder.Template{tmpl}
	} else {
		all, err := tg.client.Templates(ctx(t), tg.org)
		if err != nil {
			t.Fatal(err)
		}
		candidates = all
	}
	var fallback *plan
	for _, tmpl := range candidates {
		params, err := tg.client.TemplateVersionRichParameters(ctx(t), tmpl.ActiveVersionID)
		if err != nil {
			continue
		}
		p := plan{tmpl: tmpl, params: params}
		ok := true
		for _, tp := range params {
			isRepo := slices.Contains(tg.repoKeys, tp.Name) && tp.Type == "string" && len(tp.Options) == 0 && p.repo == ""
			if !tp.Required && !isRepo {
				continue
			}
			v, found := valueFor(tp, "")
			if !found {
				if tp.Required {
					ok = false // a required value the test cannot guess
				}
				continue
			}
			if isRepo {
				p.repo = tp.Name
			}
			p.values = append(p.values, coder.WorkspaceBuildParameter{Name: tp.Name, Value: v})
		}
		if !ok {
			continue
		}
		if p.repo != "" {
			return p
		}
		if fallback == nil {
			fallback = &p
		}
	}
	if fallback == nil {
		if !tg.real {
			t.Fatal("no demo template can be used to create a workspace")
		}
		t.Skipf("no template in %q whose required parameters the test can fill; set %s", tg.org, envTemplate)
	}
	return *fallback
}

func (tg *target) pollInterval() time.Duration {
	if tg.real {
		return 2 * time.Second
	}
	return 20 * time.Millisecond
}

// waitBuild waits for a build's job to finish and requires it to succeed.
func waitBuild(t *testing.T, tg *target, b coder.WorkspaceBuild) coder.WorkspaceBuild {
	t.Helper()
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	done, err := tg.client.WaitForBuild(wctx, b.ID, tg.pollInterval())
	if err != nil {
		t.Fatalf("waiting for build %d (%s): %v", b.BuildNumber, b.Transition, err)
	}
	if done.Job.Status != coder.JobSucceeded {
		t.Fatalf("build %d (%s) ended %s: %s", done.BuildNumber, done.Transition, done.Job.Status, done.Job.Error)
	}
	return done
}

func paramValue(ps []coder.WorkspaceBuildParameter, name string) (string, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// TestWorkspaceLifecycle creates a workspace and takes it through
// start → stop → start → delete, checking what a portal user would see at
// each step.
func TestWorkspaceLifecycle(t *testing.T) {
	tg := newTarget(t)
	tg.requireWrites(t, "creates, builds and deletes a workspace")
	p := planWorkspace(t, tg)
	me, err := tg.client.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	name := "ct-" + randomSuffix()
	req := coder.CreateWorkspaceRequest{TemplateID: p.tmpl.ID, Name: name, RichParameterValues: p.values}

	// Create, on the wire: Coder answers 201, not the 200 its docs claim.
	body, _ := json.Marshal(req)
	h := tokenHeader(tg.token)
	h.Set("Content-Type", "application/json")
	r := tg.raw(t, http.MethodPost, "/api/v2/users/me/workspaces", h, bytes.NewReader(body))
	if r.Status != http.StatusCreated {
		t.Fatalf("create: status %d, want 201: %s", r.Status, r.Body)
	}
	var ws coder.Workspace
	r.decode(t, &ws)
	var created struct {
		LatestBuild struct {
			Resources json.RawMessage            `json:"resources"`
			Job       map[string]json.RawMessage `json:"job"`
		} `json:"latest_build"`
	}
	r.decode(t, &created)
	if string(created.LatestBuild.Resources) != "[]" {
		t.Errorf("a new build's resources = %s, want []", created.LatestBuild.Resources)
	}
	if v, ok := created.LatestBuild.Job["started_at"]; ok {
		t.Errorf("a pending job has started_at %s; Coder omits it until the job starts", v)
	}
	deleted := false
	t.Cleanup(func() {
		if deleted || !tg.real {
			return
		}
		// Leave a real deployment as it was, whatever failed above.
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cur, err := tg.client.Workspace(cctx, ws.ID)
		if err != nil {
			return
		}
		if cur.LatestBuild.Job.Status.Active() {
			_, _ = tg.client.WaitForBuild(cctx, cur.LatestBuild.ID, tg.pollInterval())
		}
		if b, err := tg.client.DeleteWorkspace(cctx, ws.ID); err == nil {
			_, _ = tg.client.WaitForBuild(cctx, b.ID, tg.pollInterval())
		} else {
			t.Logf("could not delete workspace %s/%s: %v", me.Username, name, err)
		}
	})
	b1 := ws.LatestBuild
	if ws.Name != name || ws.OwnerName != me.Username || ws.TemplateID != p.tmpl.ID {
		t.Errorf("created %s/%s from %s; want %s/%s from %s", ws.OwnerName, ws.Name, ws.TemplateID, me.Username, name, p.tmpl.ID)
	}
	if b1.BuildNumber != 1 || b1.Transition != coder.TransitionStart || b1.Job.Status != coder.JobPending {
		t.Errorf("first build #%d %s, job %s; want #1 start, pending", b1.BuildNumber, b1.Transition, b1.Job.Status)
	}

	t.Run("name taken", func(t *testing.T) {
		_, err := tg.client.CreateWorkspace(ctx(t), "me", req)
		e := wantStatus(t, err, http.StatusConflict)
		if e.Message != `Workspace "`+name+`" already exists.` || len(e.Validations) == 0 || e.Validations[0].Field != "name" {
			t.Errorf("conflict = %+v", e)
		}
	})
	t.Run("build while one is active", func(t *testing.T) {
		// A deployment that builds in milliseconds (Coder's echo
		// provisioner) may have finished the start before this request;
		// TestCancelBuild checks the refusal on a build that stays active.
		stop, err := tg.client.StopWorkspace(ctx(t), ws.ID)
		if err == nil {
			waitBuild(t, tg, stop)
			b1, err = tg.client.StartWorkspace(ctx(t), ws.ID)
			if err != nil {
				t.Fatal(err)
			}
			t.Skip("the start build finished before a second build could meet it")
		}
		if e := wantStatus(t, err, http.StatusConflict); e.Message != "A workspace build is already active." {
			t.Errorf("message = %q", e.Message)
		}
	})

	b1 = waitBuild(t, tg, b1)
	if b1.Status != coder.WorkspaceStatusRunning || b1.Job.StartedAt == nil || b1.Job.CompletedAt == nil {
		t.Errorf("finished start build: status %s, started %v, completed %v", b1.Status, b1.Job.StartedAt, b1.Job.CompletedAt)
	}
	ws, err = tg.client.Workspace(ctx(t), ws.ID)
	if err != nil || ws.LatestBuild.ID != b1.ID || ws.Status() != coder.WorkspaceStatusRunning {
		t.Fatalf("workspace after start: %s, %v", ws.Status(), err)
	}
	params, err := tg.client.WorkspaceBuildParameters(ctx(t), b1.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range p.values {
		if got, ok := paramValue(params, want.Name); !ok || got != want.Value {
			t.Errorf("build parameter %s = %q, want %q", want.Name, got, want.Value)
		}
	}

	find := func(t *testing.T, q string) bool {
		t.Helper()
		res, err := tg.client.Workspaces(ctx(t), coder.WorkspacesRequest{Q: q})
		if err != nil {
			t.Fatalf("q=%s: %v", q, err)
		}
		return slices.Contains(ids(res.Workspaces), ws.ID)
	}
	repoValue, _ := paramValue(p.values, p.repo)
	if !find(t, coder.Query().Owner("me").Name(name).Status(coder.WorkspaceStatusRunning).String()) {
		t.Error("the running workspace is not found by name and status")
	}
	if p.repo != "" && !find(t, coder.Query().Owner("me").Param(p.repo, repoValue).String()) {
		t.Errorf("the workspace is not found by %s=%s", p.repo, repoValue)
	}

	// Stop, on the wire: 201 with the new build.
	r = tg.raw(t, http.MethodPost, "/api/v2/workspaces/"+ws.ID+"/builds", h, strings.NewReader(`{"transition":"stop"}`))
	if r.Status != http.StatusCreated {
		t.Fatalf("stop: status %d, want 201: %s", r.Status, r.Body)
	}
	var b2 coder.WorkspaceBuild
	r.decode(t, &b2)
	// Numbers count on from the start build (a fast deployment may have
	// taken two more builds in "build while one is active").
	if b2.BuildNumber != b1.BuildNumber+1 || b2.Transition != coder.TransitionStop || !b2.Job.Status.Active() {
		t.Errorf("stop build #%d %s, job %s", b2.BuildNumber, b2.Transition, b2.Job.Status)
	}
	b2 = waitBuild(t, tg, b2)
	if b2.Status != coder.WorkspaceStatusStopped {
		t.Errorf("after stop: %s", b2.Status)
	}
	if !find(t, "owner:me name:"+name+" status:stopped") || find(t, "owner:me name:"+name+" status:running") {
		t.Error("status: search does not follow the stop")
	}
	if p.repo != "" {
		params, err := tg.client.WorkspaceBuildParameters(ctx(t), b2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := paramValue(params, p.repo); got != repoValue {
			t.Errorf("stop build %s = %q; parameters must carry forward (%q)", p.repo, got, repoValue)
		}
	}

	// An immutable parameter keeps its first value.
	if tp, ok := p.param(p.repo); ok && !tp.Mutable {
		_, err := tg.client.StartWorkspace(ctx(t), ws.ID, coder.WorkspaceBuildParameter{Name: p.repo, Value: "https://github.com/coderhost/other"})
		wantStatus(t, err, http.StatusBadRequest)
	}

	// Start again, changing a mutable parameter: the build records it and
	// param: search follows the latest build.
	var changed coder.WorkspaceBuildParameter
	var before string
	for _, tp := range p.params {
		if !tp.Mutable || tp.Ephemeral {
			continue
		}
		params, err := tg.client.WorkspaceBuildParameters(ctx(t), b2.ID)
		if err != nil {
			t.Fatal(err)
		}
		before, _ = paramValue(params, tp.Name)
		if before == "" {
			before = tp.DefaultValue
		}
		if v, ok := valueFor(tp, before); ok && coder.Query().Param(tp.Name, v).Err() == nil {
			changed = coder.WorkspaceBuildParameter{Name: tp.Name, Value: v}
			break
		}
	}
	var overrides []coder.WorkspaceBuildParameter
	if changed.Name != "" {
		overrides = append(overrides, changed)
	}
	b3, err := tg.client.StartWorkspace(ctx(t), ws.ID, overrides...)
	if err != nil {
		t.Fatal(err)
	}
	b3 = waitBuild(t, tg, b3)
	if b3.BuildNumber != b1.BuildNumber+2 || b3.Status != coder.WorkspaceStatusRunning {
		t.Errorf("restart: build #%d %s", b3.BuildNumber, b3.Status)
	}
	params3, err := tg.client.WorkspaceBuildParameters(ctx(t), b3.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.repo != "" {
		if got, _ := paramValue(params3, p.repo); got != repoValue {
			t.Errorf("restart %s = %q; unchanged parameters must carry forward (%q)", p.repo, got, repoValue)
		}
	}
	if changed.Name != "" {
		if got, _ := paramValue(params3, changed.Name); got != changed.Value {
			t.Errorf("after override %s = %q, want %q", changed.Name, got, changed.Value)
		}
		if !find(t, coder.Query().Owner("me").Name(name).Param(changed.Name, changed.Value).String()) {
			t.Errorf("not found by the new %s=%s", changed.Name, changed.Value)
		}
		if before != "" && find(t, coder.Query().Owner("me").Name(name).Param(changed.Name, before).String()) {
			t.Errorf("still found by %s=%s from an older build", changed.Name, before)
		}
	} else {
		t.Logf("template %s has no mutable parameter to change", p.tmpl.Name)
	}
	builds, err := tg.client.WorkspaceBuilds(ctx(t), ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	var numbers []int32
	for _, b := range builds {
		numbers = append(numbers, b.BuildNumber)
	}
	var want []int32
	for n := b3.BuildNumber; n >= 1; n-- {
		want = append(want, n)
	}
	if !slices.Equal(numbers, want) {
		t.Errorf("builds = %v, want %v (newest first)", numbers, want)
	}

	// Delete.
	b4, err := tg.client.DeleteWorkspace(ctx(t), ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	b4 = waitBuild(t, tg, b4)
	deleted = true
	if b4.Status != coder.WorkspaceStatusDeleted {
		t.Errorf("delete build ended %s", b4.Status)
	}
	_, err = tg.client.Workspace(ctx(t), ws.ID)
	if !coder.IsGone(err) {
		t.Errorf("reading a deleted workspace: %v, want 410", err)
	}
	if r := tg.raw(t, http.MethodGet, "/api/v2/workspaces/"+ws.ID+"?include_deleted=true", tokenHeader(tg.token), nil); r.Status != http.StatusOK {
		t.Errorf("include_deleted=true: status %d", r.Status)
	}
	if find(t, "owner:me name:"+name) {
		t.Error("a deleted workspace is still listed")
	}
	_, err = tg.client.StartWorkspace(ctx(t), ws.ID)
	if e := wantStatus(t, err, http.StatusConflict); e.Message != "Cannot start a deleted workspace!" {
		t.Errorf("starting a deleted workspace: %q", e.Message)
	}
}

func TestCreateWorkspaceRefusals(t *testing.T) {
	tg := newTarget(t)
	tg.requireWrites(t, "sends workspace creations that should be refused")
	p := planWorkspace(t, tg)
	tests := []struct {
		name   string
		req    coder.CreateWorkspaceRequest
		status int
		field  string
	}{
		{"no template", coder.CreateWorkspaceRequest{Name: "ct-x"}, http.StatusBadRequest, ""},
		{"both template and version", coder.CreateWorkspaceRequest{TemplateID: p.tmpl.ID, TemplateVersionID: p.tmpl.ActiveVersionID, Name: "ct-x"}, http.StatusBadRequest, ""},
		{"bad name", coder.CreateWorkspaceRequest{TemplateID: p.tmpl.ID, Name: "not a name!", RichParameterValues: p.values}, http.StatusBadRequest, "name"},
		{"unknown template", coder.CreateWorkspaceRequest{TemplateID: "00000000-0000-4000-8000-000000000000", Name: "ct-x"}, http.StatusBadRequest, "template_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, err := tg.client.CreateWorkspace(ctx(t), "me", tt.req)
			if err == nil && tg.real {
				_, _ = tg.client.DeleteWorkspace(ctx(t), ws.ID)
			}
			e := wantStatus(t, err, tt.status)
			if tt.field != "" && !slices.ContainsFunc(e.Validations, func(v coder.ValidationError) bool { return v.Field == tt.field }) {
				t.Errorf("validations %+v lack field %s", e.Validations, tt.field)
			}
		})
	}
}
