package watch_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/coderhost/coderhost/plugins/workspaces/internal/watch"
)

// source is a PollFunc whose answer the test sets.
type source struct {
	mu    sync.Mutex
	data  string
	busy  bool
	err   error
	polls atomic.Int32
}

func (s *source) set(data string, err error) {
	s.mu.Lock()
	s.data, s.err = data, err
	s.mu.Unlock()
}

func (s *source) poll(context.Context) (watch.Snapshot, error) {
	s.polls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return watch.Snapshot{}, s.err
	}
	return watch.Snapshot{Data: []byte(s.data), Busy: s.busy}, nil
}

func next(t *testing.T, s *watch.Subscription) watch.Event {
	t.Helper()
	select {
	case ev := <-s.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
		return watch.Event{}
	}
}

func quiet(t *testing.T, s *watch.Subscription, d time.Duration) {
	t.Helper()
	select {
	case ev := <-s.Events():
		t.Fatalf("unexpected event %q %v", ev.Data, ev.Err)
	case <-time.After(d):
	}
}

var errExpired = errors.New("token expired")

func hub(o watch.Options) *watch.Hub {
	if o.Interval == 0 {
		o.Interval = 10 * time.Millisecond
	}
	if o.IdleInterval == 0 {
		o.IdleInterval = 10 * time.Millisecond
	}
	o.Fatal = func(err error) bool { return errors.Is(err, errExpired) }
	return watch.NewHub(o)
}

func TestOnePollerPerKeySendsChangesOnly(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := hub(watch.Options{})
	src := &source{data: "v1"}
	a, err := h.Subscribe("alice", "alice|q", src.poll)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, a); string(ev.Data) != "v1" {
		t.Fatalf("first event %q", ev.Data)
	}
	// A second tab joins the same poller and gets the current data at once.
	other := &source{data: "never polled"}
	b, _ := h.Subscribe("alice", "alice|q", other.poll)
	if ev := next(t, b); string(ev.Data) != "v1" {
		t.Fatalf("second subscriber's first event %q", ev.Data)
	}
	if h.Pollers() != 1 || other.polls.Load() != 0 {
		t.Fatalf("%d pollers, second PollFunc polled %d times; want one poller", h.Pollers(), other.polls.Load())
	}
	quiet(t, a, 50*time.Millisecond) // several polls, no change
	src.set("v2", nil)
	for _, s := range []*watch.Subscription{a, b} {
		if ev := next(t, s); string(ev.Data) != "v2" {
			t.Fatalf("after a change: %q", ev.Data)
		}
	}
	a.Close()
	if h.Pollers() != 1 {
		t.Fatal("the poller stopped while a subscriber was left")
	}
	b.Close()
	if h.Pollers() != 0 {
		t.Fatal("the poller outlived its last subscriber")
	}
	polls := src.polls.Load()
	time.Sleep(30 * time.Millisecond)
	if src.polls.Load() != polls {
		t.Error("polling went on after the last subscriber left")
	}
}

func TestPollsSlowlyUnlessBusyAndOnPoke(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := hub(watch.Options{Interval: 10 * time.Millisecond, IdleInterval: time.Hour})
	src := &source{data: "v1"}
	s, _ := h.Subscribe("alice", "k", src.poll)
	defer s.Close()
	next(t, s)
	quiet(t, s, 50*time.Millisecond)
	if n := src.polls.Load(); n != 1 {
		t.Fatalf("%d polls while idle, want 1", n)
	}
	src.mu.Lock()
	src.data, src.busy = "building", true
	src.mu.Unlock()
	h.Poke("bob") // another user's poke changes nothing
	quiet(t, s, 30*time.Millisecond)
	h.Poke("alice")
	if ev := next(t, s); string(ev.Data) != "building" {
		t.Fatalf("after poke: %q", ev.Data)
	}
	src.set("done", nil)
	if ev := next(t, s); string(ev.Data) != "done" { // busy: polled again soon
		t.Fatalf("busy poll: %q", ev.Data)
	}
}

func TestErrorsAreSentThenRecoveryResendsData(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := hub(watch.Options{})
	src := &source{data: "v1"}
	s, _ := h.Subscribe("alice", "k", src.poll)
	defer s.Close()
	next(t, s)
	src.set("v1", errors.New("coder unreachable"))
	if ev := next(t, s); ev.Err == nil || ev.Final {
		t.Fatalf("event %+v, want a non-final error", ev)
	}
	quiet(t, s, 40*time.Millisecond) // the same error is not repeated
	src.set("v1", nil)
	if ev := next(t, s); string(ev.Data) != "v1" {
		t.Fatalf("after recovery %+v, want the data again", ev)
	}
}

func TestFatalErrorEndsTheStreams(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := hub(watch.Options{})
	src := &source{data: "v1"}
	s, _ := h.Subscribe("alice", "k", src.poll)
	next(t, s)
	src.set("", fmt.Errorf("poll: %w", errExpired))
	if ev := next(t, s); !ev.Final || !errors.Is(ev.Err, errExpired) {
		t.Fatalf("event %+v, want a final error", ev)
	}
	// A new stream starts a new poller rather than joining the dead one.
	src.set("v2", nil)
	s2, _ := h.Subscribe("alice", "k", src.poll)
	if ev := next(t, s2); string(ev.Data) != "v2" {
		t.Fatalf("new stream: %+v", ev)
	}
	s.Close()
	s2.Close()
}

func TestStreamsPerUserAreBounded(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := hub(watch.Options{MaxStreamsPerUser: 2})
	src := &source{data: "v"}
	a1, _ := h.Subscribe("alice", "a|q1", src.poll)
	a2, _ := h.Subscribe("alice", "a|q2", src.poll)
	if _, err := h.Subscribe("alice", "a|q1", src.poll); !errors.Is(err, watch.ErrTooManyStreams) {
		t.Fatalf("third stream: %v", err)
	}
	b, err := h.Subscribe("bob", "b|q1", src.poll)
	if err != nil {
		t.Fatalf("another user is limited by alice's streams: %v", err)
	}
	a1.Close()
	a1.Close() // closing twice is harmless
	a3, err := h.Subscribe("alice", "a|q1", src.poll)
	if err != nil || h.Streams("alice") != 2 {
		t.Fatalf("after closing one: %v, %d streams", err, h.Streams("alice"))
	}
	for _, s := range []*watch.Subscription{a2, a3, b} {
		s.Close()
	}
	if h.Streams("alice") != 0 || h.Pollers() != 0 {
		t.Errorf("%d streams, %d pollers left", h.Streams("alice"), h.Pollers())
	}
}

func TestSlowSubscriberGetsTheLatest(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := hub(watch.Options{IdleInterval: time.Hour})
	src := &source{data: "v1"}
	s, _ := h.Subscribe("alice", "k", src.poll)
	defer s.Close()
	for _, v := range []string{"v2", "v3", "v4"} {
		for src.polls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		n := src.polls.Load()
		src.set(v, nil)
		h.Poke("alice")
		for src.polls.Load() == n {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(10 * time.Millisecond)
	if ev := next(t, s); string(ev.Data) != "v4" {
		t.Fatalf("a subscriber that read nothing got %q, want the latest v4", ev.Data)
	}
}
