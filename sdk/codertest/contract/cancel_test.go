package contract_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/coder"
)

// TestCancelBuild creates a workspace, cancels its first build while the job
// is still active, checks how the job ends, and that Coder refuses to cancel
// it twice.
func TestCancelBuild(t *testing.T) {
	tg := newTarget(t)
	tg.requireWrites(t, "creates a workspace and cancels its build")
	withCancelTemplate := *tg
	if tg.cancelTemplate != "" {
		withCancelTemplate.template = tg.cancelTemplate
	}
	p := planWorkspace(t, &withCancelTemplate)
	ws, err := tg.client.CreateWorkspace(ctx(t), "me", coder.CreateWorkspaceRequest{
		TemplateID: p.tmpl.ID, Name: "ct-" + randomSuffix(), RichParameterValues: p.values,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !tg.real {
			return
		}
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		_, _ = tg.client.WaitForBuild(cctx, ws.LatestBuild.ID, tg.pollInterval())
		if b, err := tg.client.DeleteWorkspace(cctx, ws.ID); err == nil {
			_, _ = tg.client.WaitForBuild(cctx, b.ID, tg.pollInterval())
		}
	})

	// The job is pending or running; expecting the other state is refused
	// with 412 only when Coder sees the job in a different state, so ask
	// for the state it really is in.
	cur, err := tg.client.WorkspaceBuild(ctx(t), ws.LatestBuild.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !cur.Job.Status.Active() || cur.Job.Status == coder.JobCanceling {
		t.Skipf("the first build finished (%s) before it could be canceled", cur.Job.Status)
	}
	// Another build while this one is active is refused.
	_, err = tg.client.StopWorkspace(ctx(t), ws.ID)
	if err == nil {
		t.Skip("the first build finished before a second build could meet it")
	}
	if e := wantStatus(t, err, http.StatusConflict); e.Message != "A workspace build is already active." {
		t.Errorf("409 message = %q", e.Message)
	}
	cur, err = tg.client.WorkspaceBuild(ctx(t), ws.LatestBuild.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !cur.Job.Status.Active() || cur.Job.Status == coder.JobCanceling {
		t.Skipf("the first build finished (%s) before it could be canceled", cur.Job.Status)
	}
	other := coder.JobPending
	if cur.Job.Status == coder.JobPending {
		other = coder.JobRunning
	}
	err = tg.client.CancelWorkspaceBuild(ctx(t), cur.ID, other)
	if coder.IsForbidden(err) {
		t.Skipf("template %s does not let its users cancel builds: %v", p.tmpl.Name, err)
	}
	if st := coder.StatusCode(err); st != http.StatusPreconditionFailed && err != nil {
		t.Fatalf("cancel expecting %s while %s: %v, want 412 or success (the job may have moved on)", other, cur.Job.Status, err)
	}
	if err != nil {
		if err := tg.client.CancelWorkspaceBuild(ctx(t), cur.ID, ""); err != nil {
			t.Fatalf("cancel: %v", err)
		}
	}

	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	done, err := tg.client.WaitForBuild(wctx, cur.ID, tg.pollInterval())
	if err != nil {
		t.Fatal(err)
	}
	// A job canceled before a provisioner took it ends "canceled". One
	// interrupted while running ends "failed" with canceled_at set: the
	// provisioner reports the interruption as the job's error (Coder v2.30).
	wantJob, wantBuild := coder.JobCanceled, coder.WorkspaceStatusCanceled
	if done.Job.StartedAt != nil {
		wantJob, wantBuild = coder.JobFailed, coder.WorkspaceStatusFailed
	}
	if done.Job.Status != wantJob || done.Status != wantBuild || done.Job.CanceledAt == nil {
		t.Errorf("after cancel: job %s, build %s, canceled_at %v; want %s, %s and the cancel time",
			done.Job.Status, done.Status, done.Job.CanceledAt, wantJob, wantBuild)
	}
	err = tg.client.CancelWorkspaceBuild(ctx(t), cur.ID, "")
	if e := wantStatus(t, err, http.StatusBadRequest); e.Message == "" {
		t.Errorf("second cancel: %+v", e)
	}
}
