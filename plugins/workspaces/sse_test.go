package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func decodeList(t *testing.T, ev sseEvent) listBody {
	t.Helper()
	if ev.name != "workspaces" {
		t.Fatalf("event %q %s, want workspaces", ev.name, ev.data)
	}
	var l listBody
	if err := json.Unmarshal([]byte(ev.data), &l); err != nil {
		t.Fatalf("event data %s: %v", ev.data, err)
	}
	return l
}

func statusOf(l listBody, name string) string {
	for _, w := range l.Workspaces {
		if w.Name == name {
			return w.LatestBuild.Status
		}
	}
	return ""
}

// TestWatchSendsChangesAndADisconnectFreesThePoller: the stream sends the
// list at once, then again after a build changes in Coder; closing it stops
// the poller and leaves no goroutine behind.
func TestWatchSendsChangesAndADisconnectFreesThePoller(t *testing.T) {
	baseline := goleak.IgnoreCurrent()
	e := startDirect(t)
	s, r := e.watch(entityAPI+"/watch", e.token("alice"))
	if s == nil {
		t.Fatalf("watch: %d %s", r.status, r.body)
	}
	if r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	first := decodeList(t, s.next(t))
	if first.Count != 4 || statusOf(first, "api-main") != "running" {
		t.Fatalf("first event: %+v", first)
	}
	// Change the workspace in Coder directly, not through the plugin: only
	// polling can notice.
	if _, err := e.client("alice").StopWorkspace(context.Background(), e.workspaceID("alice", "api-main")); err != nil {
		t.Fatal(err)
	}
	for {
		l := decodeList(t, s.next(t))
		if st := statusOf(l, "api-main"); st != "running" {
			if got := map[string]bool{"stopping": true, "stopped": true, "pending": true}; !got[st] {
				t.Errorf("api-main is %q after a stop", st)
			}
			break
		}
	}
	if e.h.hub.Pollers() != 1 {
		t.Fatalf("%d pollers while one stream is open", e.h.hub.Pollers())
	}
	s.close()
	deadline := time.Now().Add(5 * time.Second)
	for e.h.hub.Pollers() != 0 || e.h.hub.Streams(e.h.users.Key(e.token("alice"))) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the poller outlived the stream's disconnect")
		}
		time.Sleep(5 * time.Millisecond)
	}
	searches := len(e.searches())
	time.Sleep(100 * time.Millisecond) // two idle intervals
	if n := len(e.searches()); n != searches {
		t.Errorf("%d more searches after the disconnect", n-searches)
	}
	e.close()
	goleak.VerifyNone(t, baseline)
}

// TestWatchPollsOncePerUserAndQuery: five tabs of one user share one
// poller; an action through the plugin reaches every tab without waiting for
// the next poll.
func TestWatchPollsOncePerUserAndQuery(t *testing.T) {
	e := startDirect(t, withConfig("max_streams_per_user", 5),
		// Only pokes make it poll.
		withConfig("watch_interval", "1h"), withConfig("watch_idle_interval", "1h"))
	var tabs []*stream
	for range 5 {
		s, r := e.watch(entityAPI+"/watch", e.token("alice"))
		if s == nil {
			t.Fatalf("watch: %d %s", r.status, r.body)
		}
		decodeList(t, s.next(t))
		tabs = append(tabs, s)
	}
	if p := e.h.hub.Pollers(); p != 1 {
		t.Fatalf("%d pollers for 5 tabs of one user and query, want 1", p)
	}
	if n := len(e.searches()); n != 1 {
		t.Errorf("%d searches for 5 tabs opened within the cache TTL, want 1", n)
	}
	if r := e.do(http.MethodPost, "/v1/workspaces/"+e.workspaceID("alice", "api-slash")+"/start", e.token("alice"), nil); r.status != 201 {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	for i, s := range tabs {
		if st := statusOf(decodeList(t, s.next(t)), "api-slash"); st == "stopped" {
			t.Errorf("tab %d: api-slash still stopped after start", i)
		}
	}
	if n := len(e.searches()); n != 2 {
		t.Errorf("%d searches: want 2 (one at open, one after the action) whatever the number of tabs", n)
	}
}

func TestWatchLimitsAndErrors(t *testing.T) {
	e := startDirect(t, withConfig("heartbeat_interval", "20ms"))
	t.Run("heartbeats", func(t *testing.T) {
		s, _ := e.watch(entityAPI+"/watch", e.token("bob"))
		decodeList(t, s.next(t))
		select {
		case ev := <-s.events:
			if ev.name != "ping" {
				t.Errorf("event %q while nothing changed, want ping", ev.name)
			}
		case <-time.After(5 * time.Second):
			t.Error("no heartbeat")
		}
		s.close()
	})
	t.Run("streams per user are bounded", func(t *testing.T) {
		for range 3 {
			if s, r := e.watch(entityAPI+"/watch", e.token("alice")); s == nil {
				t.Fatalf("watch: %d %s", r.status, r.body)
			}
		}
		_, r := e.watch(entityAPI+"/watch", e.token("alice"))
		if ce := r.coderError(t); r.status != http.StatusTooManyRequests || ce.Detail == "" {
			t.Errorf("fourth stream: %d %s", r.status, r.body)
		}
		if s, r := e.watch(entityAPI+"/watch", e.token("bob")); s == nil {
			t.Errorf("another user is limited by alice's streams: %d %s", r.status, r.body)
		}
	})
	t.Run("a bad filter is an HTTP error, not a stream", func(t *testing.T) {
		_, r := e.watch(entityAPI+"/watch?q="+url.QueryEscape("colour:blue"), e.token("bob"))
		if r.status != http.StatusBadRequest || r.coderError(t).Message != "Invalid workspace search query." {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
	t.Run("an entity without a repository", func(t *testing.T) {
		s, r := e.watch("/v1/entities/component/default/norepo/workspaces/watch", e.token("bob"))
		if s == nil {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if l := decodeList(t, s.next(t)); l.Count != 0 {
			t.Errorf("%+v", l)
		}
		s.close()
	})
}

// TestWatchThroughTheProtocol: the stream reaches the client through the
// host's HTTP bridge as it is written, and its poller stops polling once
// the client has gone.
func TestWatchThroughTheProtocol(t *testing.T) {
	e := startEnv(t, withConfig("heartbeat_interval", "30ms"))
	s, r := e.watch(entityAPI+"/watch", e.token("alice"))
	if s == nil {
		t.Fatalf("watch: %d %s", r.status, r.body)
	}
	if l := decodeList(t, s.next(t)); l.Count != 4 {
		t.Fatalf("first event: %+v", l)
	}
	if _, err := e.client("alice").StopWorkspace(context.Background(), e.workspaceID("alice", "api-main")); err != nil {
		t.Fatal(err)
	}
	for {
		if statusOf(decodeList(t, s.next(t)), "api-main") != "running" {
			break
		}
	}
	// Heartbeats flow too.
	for ev := range s.events {
		if ev.name == "ping" {
			break
		}
	}
	s.close()
	// Once the host sees the client go, the poller stops: no more searches.
	var before int
	deadline := time.Now().Add(5 * time.Second)
	for {
		before = len(e.searches())
		time.Sleep(150 * time.Millisecond) // three idle intervals
		if len(e.searches()) == before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the poller kept polling after the client left")
		}
	}
}
