package listcache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newCache(o Options) (*Cache[string], *clock) {
	c := New[string](o)
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	c.now = clk.now
	return c, clk
}

// counter is a fetch that counts its calls and answers "<user>:<n>".
type counter struct {
	calls atomic.Int32
}

func (f *counter) fetch(user string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		n := f.calls.Add(1)
		return fmt.Sprintf("%s:%d", user, n), nil
	}
}

func TestCacheServesWithinTTLThenRefetches(t *testing.T) {
	c, clk := newCache(Options{TTL: 5 * time.Second})
	var f counter
	ctx := context.Background()
	r1, err := c.Get(ctx, "alice", "q", f.fetch("alice"))
	if err != nil || r1.Source != Fetched || !r1.Source.Fresh() {
		t.Fatalf("first Get = %+v, %v", r1, err)
	}
	clk.advance(4 * time.Second)
	r2, _ := c.Get(ctx, "alice", "q", f.fetch("alice"))
	if r2.Source != Cached || r2.Source.Fresh() || r2.Value != r1.Value || !r2.FetchedAt.Equal(r1.FetchedAt) {
		t.Fatalf("within TTL = %+v, want the cached %+v", r2, r1)
	}
	clk.advance(2 * time.Second)
	r3, _ := c.Get(ctx, "alice", "q", f.fetch("alice"))
	if r3.Source != Fetched || r3.Value == r1.Value {
		t.Fatalf("after TTL = %+v, want a new fetch", r3)
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("%d fetches, want 2", got)
	}
}

func TestCacheKeepsUsersAndQueriesApart(t *testing.T) {
	c, _ := newCache(Options{TTL: time.Minute})
	var f counter
	ctx := context.Background()
	a, _ := c.Get(ctx, "alice", "q", f.fetch("alice"))
	b, _ := c.Get(ctx, "bob", "q", f.fetch("bob"))
	a2, _ := c.Get(ctx, "alice", "other", f.fetch("alice"))
	if a.Value != "alice:1" || b.Value != "bob:2" || a2.Value != "alice:3" {
		t.Errorf("got %q %q %q; each user and query needs its own entry", a.Value, b.Value, a2.Value)
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	c, _ := newCache(Options{TTL: time.Minute})
	boom := errors.New("boom")
	calls := 0
	fetch := func(context.Context) (string, error) {
		calls++
		if calls == 1 {
			return "", boom
		}
		return "ok", nil
	}
	if _, err := c.Get(context.Background(), "u", "q", fetch); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if r, err := c.Get(context.Background(), "u", "q", fetch); err != nil || r.Value != "ok" || r.Source != Fetched {
		t.Fatalf("after an error = %+v, %v", r, err)
	}
}

func TestIdenticalConcurrentCallsShareOneFetch(t *testing.T) {
	c, _ := newCache(Options{}) // no TTL: only coalescing can share
	var calls, entered atomic.Int32
	const n = 50
	release := make(chan struct{})
	fetch := func(context.Context) (string, error) {
		calls.Add(1)
		<-release
		return "list", nil
	}
	var wg sync.WaitGroup
	results := make([]Result[string], n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			entered.Add(1)
			results[i], _ = c.Get(context.Background(), "alice", "q", fetch)
		}()
	}
	for entered.Load() < n || calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the last callers join the call in flight
	close(release)
	wg.Wait()
	if got := calls.Load(); got != 1 {
		t.Fatalf("%d fetches for %d identical calls, want 1", got, n)
	}
	sources := map[Source]int{}
	for _, r := range results {
		if r.Value != "list" || !r.Source.Fresh() {
			t.Fatalf("result %+v", r)
		}
		sources[r.Source]++
	}
	if sources[Fetched] != 1 || sources[Coalesced] != n-1 {
		t.Errorf("sources %v, want 1 fetched and %d coalesced", sources, n-1)
	}
}

func TestACallerGivingUpDoesNotCancelTheSharedFetch(t *testing.T) {
	c, _ := newCache(Options{TTL: time.Minute})
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	var sawCancel atomic.Bool
	fetch := func(ctx context.Context) (string, error) {
		calls.Add(1)
		close(entered)
		<-release
		sawCancel.Store(ctx.Err() != nil)
		return "list", nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Get(ctx, "alice", "q", fetch)
		done <- err
	}()
	<-entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled caller got %v", err)
	}
	second := make(chan Result[string])
	go func() {
		r, _ := c.Get(context.Background(), "alice", "q", fetch)
		second <- r
	}()
	time.Sleep(10 * time.Millisecond) // let the second caller join
	close(release)
	if r := <-second; r.Value != "list" || sawCancel.Load() || calls.Load() != 1 {
		t.Fatalf("the other caller got %+v (fetch cancelled: %v, %d fetches)", r, sawCancel.Load(), calls.Load())
	}
}

func TestInvalidateDropsEntriesAndCallsInFlight(t *testing.T) {
	c, _ := newCache(Options{TTL: time.Minute})
	var f counter
	ctx := context.Background()
	_, _ = c.Get(ctx, "alice", "q", f.fetch("alice"))
	_, _ = c.Get(ctx, "bob", "q", f.fetch("bob"))

	// A call in flight when alice changes something must not answer
	// calls made after the change.
	release := make(chan struct{})
	inFlight := make(chan struct{})
	slow := func(context.Context) (string, error) {
		close(inFlight)
		<-release
		return "before", nil
	}
	c.Invalidate("alice") // drop the first entry so the next Get fetches
	first := make(chan Result[string])
	go func() {
		r, _ := c.Get(ctx, "alice", "q", slow)
		first <- r
	}()
	<-inFlight
	c.Invalidate("alice")
	after, _ := c.Get(ctx, "alice", "q", f.fetch("alice"))
	close(release)
	if r := <-first; r.Value != "before" {
		t.Fatalf("in-flight call = %+v", r)
	}
	if after.Value == "before" || after.Source != Fetched {
		t.Fatalf("after Invalidate = %+v; want a new fetch", after)
	}
	again, _ := c.Get(ctx, "alice", "q", f.fetch("alice"))
	if again.Value != after.Value || again.Source != Cached {
		t.Fatalf("the stale in-flight answer was stored: %+v", again)
	}
	if b, _ := c.Get(ctx, "bob", "q", f.fetch("bob")); b.Source != Cached {
		t.Errorf("bob's entry was dropped by alice's invalidation: %+v", b)
	}
}

func TestCacheIsBounded(t *testing.T) {
	c, _ := newCache(Options{TTL: time.Minute, Size: 3})
	var f counter
	for i := range 10 {
		_, _ = c.Get(context.Background(), fmt.Sprint("user", i), "q", f.fetch("u"))
	}
	if c.Len() != 3 {
		t.Errorf("Len = %d, want the size bound 3", c.Len())
	}
	// Forgetting invalidation records never brings old answers back.
	for i := range 10 {
		c.Invalidate(fmt.Sprint("user", i))
	}
	for i := range 10 {
		r, _ := c.Get(context.Background(), fmt.Sprint("user", i), "q", f.fetch("u"))
		if r.Source == Cached {
			t.Errorf("user%d got a cached answer from before its invalidation", i)
		}
	}
}

func TestUserKeyer(t *testing.T) {
	k := NewUserKeyer()
	a, b := k.Key("token-a"), k.Key("token-b")
	if a == b || a != k.Key("token-a") || len(a) != 64 {
		t.Errorf("keys %q %q", a, b)
	}
	if NewUserKeyer().Key("token-a") == a {
		t.Error("two keyers derive the same key: the secret is not random")
	}
}
